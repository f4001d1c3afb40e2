{{ config(severity='warn') }}
-- At the data date the monitored population of the mart (dates: monitored_since, exited_on) equals
-- the people the source marks 在册 (status 'monitored'): the calibration figure (56.6万 × scale) is
-- read from the mart. Warn only: a source row whose status and exit date disagree is a data-quality
-- finding, not a reason to hold back the night's publication. Any row returned is a failure.
with mart as (
    select
        sum(monitored) as monitored
    from {{ ref('assistance_population_monthly') }}
    where month = (select max(month) from {{ ref('assistance_population_monthly') }})
),

source as (
    select
        count(*) as monitored
    from {{ ref('stg_assistance__persons') }}
    where status = 'monitored'
)

select
    mart.monitored as mart_monitored,
    source.monitored as source_monitored
from mart
cross join source
where mart.monitored <> source.monitored

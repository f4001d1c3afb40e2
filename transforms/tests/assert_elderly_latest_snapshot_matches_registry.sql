-- The latest month's snapshot is the registry at the data date: every institution and facility opened
-- by then, each counted once.
with data_date as (
    select
        data_date
    from {{ ref('int_data_date') }}
),

latest as (
    select
        max(month) as month
    from {{ ref('int_months') }}
)
select
    'institutions' as registry,
    mart.counted,
    registry.counted as expected
from (
    select
        sum(institutions) as counted
    from {{ ref('elderly_institutions_monthly') }}
    where month = (select month from latest)
) as mart
cross join (
    select
        toUInt64(count(*)) as counted
    from {{ ref('stg_elderly__care_institutions') }}
    where opened_on <= (select data_date from data_date)
) as registry
where mart.counted <> registry.counted

union all

select
    'facilities' as registry,
    mart.counted,
    registry.counted as expected
from (
    select
        sum(facilities) as counted
    from {{ ref('elderly_facilities_monthly') }}
    where month = (select month from latest)
) as mart
cross join (
    select
        toUInt64(count(*)) as counted
    from {{ ref('stg_elderly__service_facilities') }}
    where opened_on <= (select data_date from data_date)
) as registry
where mart.counted <> registry.counted

-- Every application, alert step and service lands on exactly one day of its mart: the marts' totals
-- equal the staging counts (an area join that dropped rows, or an event counted twice, shows here).
-- Any row returned is a failure.
with mart_totals as (
    select 'applications submitted' as measure, sum(submitted) as mart from {{ ref('assistance_applications_daily') }}
    union all
    select 'applications decided', sum(decided) from {{ ref('assistance_applications_daily') }}
    union all
    select 'applications approved', sum(approved) from {{ ref('assistance_applications_daily') }}
    union all
    select 'applications rejected', sum(rejected) from {{ ref('assistance_applications_daily') }}
    union all
    select 'alerts raised', sum(raised) from {{ ref('assistance_alerts_daily') }}
    union all
    select 'alerts dispatched', sum(dispatched) from {{ ref('assistance_alerts_daily') }}
    union all
    select 'alerts closed', sum(closed) from {{ ref('assistance_alerts_daily') }}
    union all
    select 'services', sum(services) from {{ ref('assistance_services_daily') }}
),

source_totals as (
    select 'applications submitted' as measure, count(*) as source from {{ ref('stg_assistance__applications') }}
    union all
    select 'applications decided', countIf(decided_at is not null) from {{ ref('stg_assistance__applications') }}
    union all
    select 'applications approved', countIf(decided_at is not null and status = 'approved') from {{ ref('stg_assistance__applications') }}
    union all
    select 'applications rejected', countIf(decided_at is not null and status = 'rejected') from {{ ref('stg_assistance__applications') }}
    union all
    select 'alerts raised', count(*) from {{ ref('stg_assistance__alerts') }}
    union all
    select 'alerts dispatched', countIf(dispatched_at is not null) from {{ ref('stg_assistance__alerts') }}
    union all
    select 'alerts closed', countIf(closed_at is not null) from {{ ref('stg_assistance__alerts') }}
    union all
    select 'services', count(*) from {{ ref('stg_assistance__service_records') }}
)

select
    m.measure,
    m.mart,
    s.source
from mart_totals as m
inner join source_totals as s on s.measure = m.measure
where m.mart <> s.source

-- One row per grain in every assistance mart: a duplicated key would double a figure.
-- Any row returned is a failure. The daily marts are checked in the months a night recomputed (every
-- month on a first night): the other months are as an earlier night built and checked them.
select
    'assistance_population_monthly' as mart,
    toString(month) as month_or_day,
    township_code,
    category as detail,
    count(*) as n
from {{ ref('assistance_population_monthly') }}
group by month, township_code, category
having count(*) > 1

union all

select
    'assistance_applications_daily' as mart,
    toString(day) as month_or_day,
    township_code,
    toString(item_id) as detail,
    count(*) as n
from {{ ref('assistance_applications_daily') }}
where {{ in_changed_months('day', source('assistance', 'applications'), 'id', ['submitted_at', 'decided_at']) }}
group by day, township_code, item_id
having count(*) > 1

union all

select
    'assistance_alerts_daily' as mart,
    toString(day) as month_or_day,
    township_code,
    alert_type as detail,
    count(*) as n
from {{ ref('assistance_alerts_daily') }}
where {{ in_changed_months('day', source('assistance', 'alerts'), 'id', ['raised_at', 'dispatched_at', 'closed_at']) }}
group by day, township_code, alert_type
having count(*) > 1

union all

select
    'assistance_services_daily' as mart,
    toString(day) as month_or_day,
    township_code,
    service_type as detail,
    count(*) as n
from {{ ref('assistance_services_daily') }}
where {{ in_changed_months('day', source('assistance', 'service_records'), 'id', ['served_at']) }}
group by day, township_code, service_type
having count(*) > 1

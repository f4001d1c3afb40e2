-- One row per grain in every assistance mart: a duplicated key would double a figure.
-- Any row returned is a failure.
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
group by day, township_code, service_type
having count(*) > 1

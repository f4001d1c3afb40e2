-- One row per grain in every elderly mart: a duplicated key would double a figure.
select
    'elderly_institutions_monthly' as mart,
    toString(month) as month_or_day,
    township_code,
    '' as detail,
    count(*) as n
from {{ ref('elderly_institutions_monthly') }}
group by month, township_code
having count(*) > 1

union all

select
    'elderly_facilities_monthly' as mart,
    toString(month) as month_or_day,
    township_code,
    facility_kind as detail,
    count(*) as n
from {{ ref('elderly_facilities_monthly') }}
group by month, township_code, facility_kind
having count(*) > 1

union all

select
    'elderly_meal_orders_daily' as mart,
    toString(day) as month_or_day,
    township_code,
    '' as detail,
    count(*) as n
from {{ ref('elderly_meal_orders_daily') }}
group by day, township_code
having count(*) > 1

union all

select
    'elderly_meal_orders_monthly' as mart,
    toString(month) as month_or_day,
    township_code,
    '' as detail,
    count(*) as n
from {{ ref('elderly_meal_orders_monthly') }}
group by month, township_code
having count(*) > 1

union all

select
    'elderly_meal_beneficiaries_monthly' as mart,
    toString(month) as month_or_day,
    township_code,
    '' as detail,
    count(*) as n
from {{ ref('elderly_meal_beneficiaries_monthly') }}
group by month, township_code
having count(*) > 1

union all

select
    'elderly_renovations_monthly' as mart,
    toString(month) as month_or_day,
    township_code,
    '' as detail,
    count(*) as n
from {{ ref('elderly_renovations_monthly') }}
group by month, township_code
having count(*) > 1

union all

select
    'elderly_capability_monthly' as mart,
    toString(month) as month_or_day,
    township_code,
    toString(capability_level) as detail,
    count(*) as n
from {{ ref('elderly_capability_monthly') }}
group by month, township_code, capability_level
having count(*) > 1

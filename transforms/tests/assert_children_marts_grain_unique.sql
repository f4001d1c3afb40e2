-- One row per grain in every children mart: a duplicated key would double a figure.
-- Any row returned is a failure.
select
    'children_by_township' as mart,
    '' as month,
    township_code,
    category,
    count(*) as n
from {{ ref('children_by_township') }}
group by township_code, category
having count(*) > 1

union all

select
    'children_registrations_monthly' as mart,
    toString(month) as month,
    township_code,
    category,
    count(*) as n
from {{ ref('children_registrations_monthly') }}
group by month, township_code, category
having count(*) > 1

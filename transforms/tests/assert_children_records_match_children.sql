-- Every child registered by the data date is counted once: children_by_township's records equal the
-- staging count, and the monthly registrations of each township and category add up to its
-- records. Any row returned is a failure.
with source as (
    select
        count(*) as records
    from {{ ref('stg_children__children') }}
    where registered_on <= (select data_date from {{ ref('int_data_date') }})
),

snapshot as (
    select
        township_code,
        category,
        records
    from {{ ref('children_by_township') }}
),

registrations as (
    select
        township_code,
        category,
        sum(registered) as registered
    from {{ ref('children_registrations_monthly') }}
    group by township_code, category
)

select
    'total' as township_code,
    '' as category,
    (select sum(records) from snapshot) as records,
    source.records as expected
from source
where (select sum(records) from snapshot) <> source.records

union all

select
    coalesce(s.township_code, r.township_code) as township_code,
    coalesce(s.category, r.category) as category,
    coalesce(s.records, 0) as records,
    coalesce(r.registered, 0) as expected
from snapshot as s
full outer join registrations as r
    on r.township_code = s.township_code
    and r.category = s.category
where coalesce(s.records, 0) <> coalesce(r.registered, 0)

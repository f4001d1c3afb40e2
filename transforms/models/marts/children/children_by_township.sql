{{ config(order_by='(district_code, township_code, category)') }}
{#- 困境儿童 at the data date by township and category: records registered so far, the suspected
    guardianship-difficulty cases, and how many of them have reached each 五全 step (全走访 visited,
    全核查 verified, 全建档 filed, 全落实 measures, 全监测 monitored) by the data date. -#}
select
    toDate(d.data_date) as data_date,
    c.district_code,
    c.township_code,
    c.category,
    count() as records,
    countIf(c.is_suspected) as suspected,
    countIf(c.visited_on <= d.data_date) as visited,
    countIf(c.verified_on <= d.data_date) as verified,
    countIf(c.filed_on <= d.data_date) as filed,
    countIf(c.measures_on <= d.data_date) as measures,
    countIf(c.monitored_on <= d.data_date) as monitored
from {{ ref('int_children_located') }} as c
cross join {{ ref('int_data_date') }} as d
where c.registered_on <= d.data_date
group by
    d.data_date,
    c.district_code,
    c.township_code,
    c.category

{{ config(order_by='(month, district_code, township_code, category)') }}
{#- 困境儿童登记: children registered (screened into the records) per month of registration, township
    and category, over the whole history up to the data date — so the months add up to the records
    of children_by_township. -#}
select
    toDate(toStartOfMonth(c.registered_on)) as month,
    c.district_code,
    c.township_code,
    c.category,
    count() as registered
from {{ ref('int_children_located') }} as c
cross join {{ ref('int_data_date') }} as d
where c.registered_on <= d.data_date
group by
    month,
    c.district_code,
    c.township_code,
    c.category

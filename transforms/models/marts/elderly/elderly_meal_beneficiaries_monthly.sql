{{ config(order_by='(month, township_code)') }}
{#- 助餐受益老人 per month and township: distinct elders with an order in the month, and distinct elders
    with an order from 1 January to the month's end (year to date). -#}
with in_month as (
    select
        toDate(toStartOfMonth(ordered_on)) as month,
        township_code,
        uniqExact(elder_id) as beneficiaries
    from {{ ref('int_meal_orders_joined_to_areas') }}
    group by
        month,
        township_code
),

year_to_date as (
    select
        m.month as month,
        e.township_code as township_code,
        count(*) as beneficiaries_ytd
    from {{ ref('int_months') }} as m
    inner join {{ ref('int_meal_orders_aggregated_to_elder_years') }} as e
        on e.order_year = toYear(m.month)
    where e.first_month <= m.month
    group by
        m.month,
        e.township_code
)
select
    g.month as month,
    g.month_end as month_end,
    g.district_code as district_code,
    g.township_code as township_code,
    coalesce(b.beneficiaries, 0) as beneficiaries,
    coalesce(y.beneficiaries_ytd, 0) as beneficiaries_ytd
from {{ ref('int_elderly_township_months') }} as g
left join in_month as b
    on b.month = g.month
    and b.township_code = g.township_code
left join year_to_date as y
    on y.month = g.month
    and y.township_code = g.township_code

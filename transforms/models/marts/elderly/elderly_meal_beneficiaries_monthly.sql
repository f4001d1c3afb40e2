{{ config(order_by='(month, township_code)') }}
{#- 助餐受益老人 per month and township: distinct elders with an order in the month, and distinct elders
    with an order from 1 January to the month's end (year to date). Both come from the monthly mart's
    elders_state rather than the orders: year to date merges the months so far, as a running window. -#}
with in_month as (
    select
        month,
        township_code,
        elders_state as elders
    from {{ ref('elderly_meal_orders_monthly') }}
),

counted as (
    select
        month,
        township_code,
        toYear(month) as year,
        finalizeAggregation(elders) as beneficiaries,
        uniqExactMerge(elders) over (
            partition by township_code, toYear(month)
            order by month
            rows between unbounded preceding and current row
        ) as beneficiaries_ytd
    from in_month
),

grid as (
    select
        month,
        month_end,
        district_code,
        township_code,
        toYear(month) as year
    from {{ ref('int_elderly_township_months') }}
)
-- A month without orders has no row in counted: it takes year to date from the latest month before it.
select
    g.month as month,
    g.month_end as month_end,
    g.district_code as district_code,
    g.township_code as township_code,
    if(b.month = g.month, coalesce(b.beneficiaries, 0), 0) as beneficiaries,
    coalesce(b.beneficiaries_ytd, 0) as beneficiaries_ytd
from grid as g
asof left join counted as b
    on b.township_code = g.township_code
    and b.year = g.year
    and b.month <= g.month

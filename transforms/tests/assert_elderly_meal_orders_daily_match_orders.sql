-- Each day's orders, amount and subsidy in the mart equal that day's orders in staging, and no day of
-- staging is missing. Any row returned is a failure.
with orders as (
    select
        ordered_on as day,
        count(*) as orders,
        sum(amount) as amount,
        sum(subsidy) as subsidy,
        uniqExact(elder_id) as elders
    from {{ ref('stg_elderly__meal_orders') }}
    group by day
),

mart as (
    select
        day,
        sum(orders) as orders,
        sum(amount) as amount,
        sum(subsidy) as subsidy,
        uniqExactMerge(elders_state) as elders
    from {{ ref('elderly_meal_orders_daily') }}
    group by day
)
select
    o.day,
    o.orders,
    m.orders as mart_orders,
    o.amount,
    m.amount as mart_amount
from orders as o
left join mart as m on m.day = o.day
where m.day is null
    or m.orders <> o.orders
    or m.amount <> o.amount
    or m.subsidy <> o.subsidy
    or m.elders <> o.elders

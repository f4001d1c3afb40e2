-- Each day's orders, amount and subsidy in the mart equal that day's orders in staging, and no day of
-- staging is missing. Any row returned is a failure. A night checks the months its changes touched,
-- the months the incremental mart recomputed; a first night checks them all.
with orders as (
    select
        ordered_on as day,
        count(*) as orders,
        sum(amount) as amount,
        sum(subsidy) as subsidy,
        uniqExact(elder_id) as elders
    from {{ ref('stg_elderly__meal_orders') }}
    where {{ in_changed_months('ordered_on', source('elderly', 'meal_orders'), 'id', ['ordered_on']) }}
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
    where {{ in_changed_months('day', source('elderly', 'meal_orders'), 'id', ['ordered_on']) }}
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

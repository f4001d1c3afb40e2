-- Each township's month in the monthly mart equals its days in the daily mart: orders, amount,
-- subsidy and distinct elders, and neither mart has a township-month the other lacks. Any row
-- returned is a failure. A night checks the months it recomputed (every month on a first night).
with daily as (
    select
        toDate(toStartOfMonth(day)) as month,
        township_code,
        sum(orders) as orders,
        sum(amount) as amount,
        sum(subsidy) as subsidy,
        uniqExactMerge(elders_state) as elders
    from {{ ref('elderly_meal_orders_daily') }}
    where {{ in_changed_months('day', source('elderly', 'meal_orders'), 'id', ['ordered_on']) }}
    group by
        month,
        township_code
),

monthly as (
    select
        month,
        township_code,
        orders,
        amount,
        subsidy,
        finalizeAggregation(elders_state) as elders
    from {{ ref('elderly_meal_orders_monthly') }}
    where {{ in_changed_months('month', source('elderly', 'meal_orders'), 'id', ['ordered_on']) }}
)

select
    coalesce(d.month, m.month) as month,
    coalesce(d.township_code, m.township_code) as township_code,
    d.orders as daily_orders,
    m.orders as monthly_orders,
    d.elders as daily_elders,
    m.elders as monthly_elders
from daily as d
full join monthly as m on m.month = d.month and m.township_code = d.township_code
where d.month is null
    or m.month is null
    or m.orders <> d.orders
    or m.amount <> d.amount
    or m.subsidy <> d.subsidy
    or m.elders <> d.elders

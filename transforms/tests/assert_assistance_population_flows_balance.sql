-- Month to month, a township's monitored people of a category change only by inflow and outflow:
-- monitored = last month's monitored + inflow - outflow (so outflow never exceeds last month's
-- monitored plus inflow). Rows with all three counts zero are left out of the mart, so a missing
-- row counts as zeros; the first month of the window has no previous month to compare with.
-- Any row returned is a failure.
with population as (
    select
        month,
        township_code,
        category,
        monitored,
        inflow,
        outflow
    from {{ ref('assistance_population_monthly') }}
),

-- Each month's figures moved on to the month after (a fresh name: in ClickHouse an alias would
-- shadow the column in the where clause).
previous as (
    select
        addMonths(month, 1) as following_month,
        township_code,
        category,
        monitored
    from population
    where month < (select max(month) from population)
),

compared as (
    select
        coalesce(cur.month, prev.following_month) as month,
        coalesce(cur.township_code, prev.township_code) as township_code,
        coalesce(cur.category, prev.category) as category,
        coalesce(prev.monitored, 0) as monitored_last_month,
        coalesce(cur.inflow, 0) as inflow,
        coalesce(cur.outflow, 0) as outflow,
        coalesce(cur.monitored, 0) as monitored
    from population as cur
    full outer join previous as prev
        on prev.following_month = cur.month
        and prev.township_code = cur.township_code
        and prev.category = cur.category
)

select *
from compared
where month > (select min(month) from population)
    and monitored_last_month + inflow <> monitored + outflow

-- In every committee township, the cases closed (resolved or failed) up to any day never exceed the
-- cases received up to that day. Counted from the start of the history rather than per year: a case
-- received in December and closed in January belongs to two years. Any row returned is a failure.
with daily as (
    select
        township_code,
        day,
        sum(received) as received,
        sum(resolved) + sum(failed) as closed
    from {{ ref('community_mediation_cases_daily') }}
    group by
        township_code,
        day
),

running as (
    select
        township_code,
        day,
        sum(received) over (partition by township_code order by day rows between unbounded preceding and current row) as received_to_date,
        sum(closed) over (partition by township_code order by day rows between unbounded preceding and current row) as closed_to_date
    from daily
)

select
    township_code,
    day,
    received_to_date,
    closed_to_date
from running
where closed_to_date > received_to_date

-- The daily mart counts every case once as received and every closed case once as resolved or
-- failed: its totals equal the case register's. Any row returned is a failure.
with mart as (
    select
        sum(received) as received,
        sum(resolved) as resolved,
        sum(failed) as failed
    from {{ ref('community_mediation_cases_daily') }}
),

cases as (
    select
        count() as received,
        countIf(status = 'resolved') as resolved,
        countIf(status = 'failed') as failed
    from {{ ref('stg_community__mediation_cases') }}
)

select
    mart.received as received_in_mart,
    cases.received as received_in_cases,
    mart.resolved as resolved_in_mart,
    cases.resolved as resolved_in_cases,
    mart.failed as failed_in_mart,
    cases.failed as failed_in_cases
from mart
cross join cases
where mart.received <> cases.received
    or mart.resolved <> cases.resolved
    or mart.failed <> cases.failed

{#- One row per event in a mediation case's life: received 受理 on received_on, then resolved 调解成功
    or failed 调解不成 on closed_on. A case still open has only its received event. Township and
    dispute type are the case's (the township is the handling committee's). -#}
with cases as (
    select
        case_id,
        committee_id,
        township_code,
        dispute_type,
        received_on,
        closed_on,
        status
    from {{ ref('stg_community__mediation_cases') }}
)

select
    case_id,
    committee_id,
    township_code,
    dispute_type,
    'received' as event,
    received_on as event_on
from cases

union all

select
    case_id,
    committee_id,
    township_code,
    dispute_type,
    status as event,
    assumeNotNull(closed_on) as event_on
from cases
where status in ('resolved', 'failed')
    and closed_on is not null

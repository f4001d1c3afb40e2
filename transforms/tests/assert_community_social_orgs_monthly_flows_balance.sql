-- Month to month, a township's organisations of a kind change only by registrations and
-- deregistrations: active = last month's active + registered - deregistered. Any row returned is a failure.
with orgs as (
    select
        month,
        township_code,
        org_kind,
        toInt64(active) as active,
        toInt64(registered) as registered,
        toInt64(deregistered) as deregistered
    from {{ ref('community_social_orgs_monthly') }}
)

select
    cur.month,
    cur.township_code,
    cur.org_kind,
    prev.active as active_last_month,
    cur.registered,
    cur.deregistered,
    cur.active
from orgs as cur
inner join orgs as prev
    on prev.township_code = cur.township_code
    and prev.org_kind = cur.org_kind
    and prev.month = addMonths(cur.month, -1)
where cur.active <> prev.active + cur.registered - cur.deregistered

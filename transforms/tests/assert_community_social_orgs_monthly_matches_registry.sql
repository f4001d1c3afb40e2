-- At the data date, the organisations active by their dates (registered, not deregistered) are
-- exactly those the registry marks active: the dates and the status agree. Any row returned is a failure.
with snapshot as (
    select
        sum(o.active) as active
    from {{ ref('community_social_orgs_monthly') }} as o
    inner join {{ ref('int_data_date') }} as d on o.month_end = d.data_date
),

registry as (
    select
        countIf(s.status = 'active') as active
    from {{ ref('stg_community__social_orgs') }} as s
    cross join {{ ref('int_data_date') }} as d
    where s.registered_on <= d.data_date
)

select
    snapshot.active as active_in_mart,
    registry.active as active_in_registry
from snapshot
cross join registry
where snapshot.active <> registry.active

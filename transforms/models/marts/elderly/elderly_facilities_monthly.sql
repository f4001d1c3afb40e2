{{ config(order_by='(month, township_code, facility_kind)') }}
{#- 养老服务设施 at each month's end, by township and kind: 乡镇街道综合养老服务中心 (township_center) and
    社区养老服务站 (community_station) open by then, and their floor area. -#}
with kinds as (
    select
        arrayJoin(['township_center', 'community_station']) as facility_kind
),

open_at_month_end as (
    select
        m.month as month,
        f.township_code as township_code,
        f.facility_kind as facility_kind,
        count(*) as facilities,
        sum(f.floor_area_m2) as floor_area_m2
    from {{ ref('int_months') }} as m
    cross join {{ ref('stg_elderly__service_facilities') }} as f
    where f.opened_on <= m.month_end
    group by
        m.month,
        f.township_code,
        f.facility_kind
)
select
    g.month as month,
    g.month_end as month_end,
    g.district_code as district_code,
    g.township_code as township_code,
    k.facility_kind as facility_kind,
    coalesce(s.facilities, 0) as facilities,
    coalesce(s.floor_area_m2, 0) as floor_area_m2
from {{ ref('int_elderly_township_months') }} as g
cross join kinds as k
left join open_at_month_end as s
    on s.month = g.month
    and s.township_code = g.township_code
    and s.facility_kind = k.facility_kind

{#- 预警 (early-warning alerts) with the district of their township: one row per alert. -#}
select
    a.alert_id,
    a.alert_type,
    a.alert_level,
    t.district_code,
    a.township_code,
    a.raised_at,
    a.dispatched_at,
    a.closed_at,
    a.status
from {{ ref('stg_assistance__alerts') }} as a
inner join {{ ref('areas_townships') }} as t on t.code = a.township_code

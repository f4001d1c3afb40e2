{#- 服务类救助 (social-work services delivered) with the district of their township: one row per
    service record. -#}
select
    s.service_record_id,
    s.service_type,
    t.district_code,
    s.township_code,
    s.served_at
from {{ ref('stg_assistance__service_records') }} as s
inner join {{ ref('areas_townships') }} as t on t.code = s.township_code

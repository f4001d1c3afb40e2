{#- 低收入人口 (low-income people), current and exited, with the district of their township: one row
    per person. The area seed is the authority for township → district; staging's relationships
    tests guarantee every township code is in it, so the inner join drops no one. -#}
select
    p.person_id,
    p.category,
    t.district_code,
    p.township_code,
    p.monitored_since,
    p.exited_on,
    p.status
from {{ ref('stg_assistance__persons') }} as p
inner join {{ ref('areas_townships') }} as t on t.code = p.township_code

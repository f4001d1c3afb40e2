{#- 困境儿童 (children under watch) with the district of their township: one row per child, with
    the 五全 step dates of suspected guardianship-difficulty cases. -#}
select
    c.child_id,
    c.category,
    c.is_suspected,
    t.district_code,
    c.township_code,
    c.registered_on,
    c.visited_on,
    c.verified_on,
    c.filed_on,
    c.measures_on,
    c.monitored_on
from {{ ref('stg_children__children') }} as c
inner join {{ ref('areas_townships') }} as t on t.code = c.township_code

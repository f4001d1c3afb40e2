{#- 救助申请 (applications) with their item, the item's responsible department (责任部门) and the
    district: one row per application. The department comes from the item, so that a day ×
    township × item grain carries exactly one department. -#}
select
    a.application_id,
    a.submitted_at,
    a.decided_at,
    a.status,
    t.district_code,
    a.township_code,
    a.item_id as item_id,
    i.item_name,
    i.item_category,
    i.department_id as department_id,
    d.department_name
from {{ ref('stg_assistance__applications') }} as a
inner join {{ ref('stg_assistance__assistance_items') }} as i on i.item_id = a.item_id
inner join {{ ref('stg_assistance__departments') }} as d on d.department_id = i.department_id
inner join {{ ref('areas_townships') }} as t on t.code = a.township_code

select
    id as project_id,
    code as project_code,
    name as project_name,
    org_id,
    fund_id,
    domain,
    township_code,
    started_on,
    ended_on,
    budget,
    beneficiary_visits,
    updated_at,
    _loaded_at as loaded_at
from {{ source('charity', 'charity_projects') }} final
where _deleted = 0

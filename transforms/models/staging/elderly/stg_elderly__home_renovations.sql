select
    id as renovation_id,
    project_no,
    elder_id,
    township_code,
    applied_on,
    completed_on,
    status,
    cost,
    subsidy,
    updated_at,
    _loaded_at as loaded_at
from {{ source('elderly', 'home_renovations') }} final
where _deleted = 0

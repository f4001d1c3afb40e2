select
    id as department_id,
    code as department_code,
    name as department_name,
    updated_at,
    _loaded_at as loaded_at
from {{ source('assistance', 'departments') }} final
where _deleted = 0

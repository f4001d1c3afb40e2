select
    id as item_id,
    code as item_code,
    name as item_name,
    category as item_category,
    department_id,
    updated_at,
    _loaded_at as loaded_at
from {{ source('assistance', 'assistance_items') }} final
where _deleted = 0

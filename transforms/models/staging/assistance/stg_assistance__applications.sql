select
    id as application_id,
    application_no,
    person_id,
    item_id,
    department_id,
    township_code,
    submitted_at,
    decided_at,
    status,
    amount,
    updated_at,
    _loaded_at as loaded_at
from {{ source('assistance', 'applications') }} final
where _deleted = 0

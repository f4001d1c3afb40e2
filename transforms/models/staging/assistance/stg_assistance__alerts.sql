select
    id as alert_id,
    alert_no,
    person_id,
    township_code,
    alert_type,
    level as alert_level,
    raised_at,
    dispatched_at,
    department_id,
    closed_at,
    status,
    updated_at,
    _loaded_at as loaded_at
from {{ source('assistance', 'alerts') }} final
where _deleted = 0

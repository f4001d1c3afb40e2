select
    id as person_id,
    id_number_hash,
    gender,
    birth_year,
    category,
    monthly_allowance,
    township_code,
    community_code,
    monitored_since,
    status,
    exited_on,
    exit_reason,
    updated_at,
    _loaded_at as loaded_at
from {{ source('assistance', 'persons') }} final
where _deleted = 0

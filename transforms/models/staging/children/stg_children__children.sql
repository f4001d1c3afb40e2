select
    id as child_id,
    id_number_hash,
    gender,
    birth_year,
    category,
    guardianship,
    is_suspected,
    township_code,
    community_code,
    registered_on,
    visited_on,
    verified_on,
    filed_on,
    measures_on,
    monitored_on,
    updated_at,
    _loaded_at as loaded_at
from {{ source('children', 'children') }} final
where _deleted = 0

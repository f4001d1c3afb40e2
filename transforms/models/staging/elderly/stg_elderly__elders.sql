select
    id as elder_id,
    id_number_hash,
    gender,
    birth_year,
    township_code,
    community_code,
    facility_id,
    living_arrangement,
    subsidy_category,
    registered_on,
    updated_at,
    _loaded_at as loaded_at
from {{ source('elderly', 'elders') }} final
where _deleted = 0

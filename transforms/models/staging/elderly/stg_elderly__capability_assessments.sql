select
    id as assessment_id,
    elder_id,
    township_code,
    assessed_on,
    level as capability_level,
    level_name as capability_level_name,
    assessor_org,
    updated_at,
    _loaded_at as loaded_at
from {{ source('elderly', 'capability_assessments') }} final
where _deleted = 0

select
    id as committee_id,
    code as committee_code,
    name as committee_name,
    kind as committee_kind,
    township_code,
    established_on,
    mediator_count,
    updated_at,
    _loaded_at as loaded_at
from {{ source('community', 'mediation_committees') }} final
where _deleted = 0

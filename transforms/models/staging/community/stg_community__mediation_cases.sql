select
    id as case_id,
    case_no,
    committee_id,
    township_code,
    dispute_type,
    received_on,
    closed_on,
    status,
    amount_involved,
    updated_at,
    _loaded_at as loaded_at
from {{ source('community', 'mediation_cases') }} final
where _deleted = 0

select
    id as social_org_id,
    credit_code,
    name as org_name,
    kind as org_kind,
    township_code,
    community_code,
    registered_on,
    status,
    deregistered_on,
    updated_at,
    _loaded_at as loaded_at
from {{ source('community', 'social_orgs') }} final
where _deleted = 0

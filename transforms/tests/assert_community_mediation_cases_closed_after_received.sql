-- A resolved or failed case has a closing day, on or after the day it was received; otherwise it
-- would be missing from the daily resolved and failed counts. Any row returned is a failure.
select
    case_id,
    case_no,
    status,
    received_on,
    closed_on
from {{ ref('stg_community__mediation_cases') }}
where status in ('resolved', 'failed')
    and (closed_on is null or closed_on < received_on)

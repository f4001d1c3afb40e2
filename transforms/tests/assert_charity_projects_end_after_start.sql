-- A project ends on or after the day it started; otherwise it would count as neither running nor
-- ended in a sensible way. Any row returned is a failure.
select
    project_id,
    project_code,
    started_on,
    ended_on
from {{ ref('stg_charity__charity_projects') }}
where ended_on < started_on

-- A completed renovation has its completion date, or the monthly mart could not place it in a month.
select
    renovation_id,
    project_no,
    status,
    completed_on
from {{ ref('stg_elderly__home_renovations') }}
where status = 'completed'
    and completed_on is null

-- Running projects are a subset of the projects started: never more of them in a township and
-- domain. Any row returned is a failure.
select
    township_code,
    domain,
    projects,
    active_projects
from {{ ref('charity_projects') }}
where active_projects > projects

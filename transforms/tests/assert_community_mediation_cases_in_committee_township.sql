-- Cases are counted in the township of the committee handling them: a case's township is its
-- committee's. Any row returned is a failure.
select
    m.case_id,
    m.case_no,
    m.township_code as case_township_code,
    c.township_code as committee_township_code
from {{ ref('stg_community__mediation_cases') }} as m
inner join {{ ref('stg_community__mediation_committees') }} as c on c.committee_id = m.committee_id
where m.township_code <> c.township_code

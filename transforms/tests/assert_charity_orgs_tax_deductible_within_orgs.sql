-- Organisations with the pre-tax deduction qualification are a subset of the organisations: never
-- more of them than organisations in a township and kind. Any row returned is a failure.
select
    township_code,
    org_kind,
    orgs,
    tax_deductible
from {{ ref('charity_orgs') }}
where tax_deductible > orgs

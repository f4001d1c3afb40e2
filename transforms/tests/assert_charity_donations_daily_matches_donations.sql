-- The daily mart holds every donation once: its count and amount (to the fen) equal the donation
-- register's. Any row returned is a failure.
with mart as (
    select
        sum(donations) as donations,
        sum(amount) as amount
    from {{ ref('charity_donations_daily') }}
),

register as (
    select
        count() as donations,
        sum(amount) as amount
    from {{ ref('stg_charity__donations') }}
)

select
    mart.donations as donations_in_mart,
    register.donations as donations_in_register,
    mart.amount as amount_in_mart,
    register.amount as amount_in_register
from mart
cross join register
where mart.donations <> register.donations
    or mart.amount <> register.amount

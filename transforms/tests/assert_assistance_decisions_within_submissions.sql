-- Per township and item, decisions never outnumber submissions, and approved, rejected and withdrawn
-- add up to the decided; per township and alert type, alerts are closed only after being dispatched
-- and dispatched only after being raised. Any row returned is a failure.
select
    'applications' as mart,
    township_code,
    toString(item_id) as detail,
    sum(submitted) as first_step,
    sum(decided) as second_step,
    sum(approved) + sum(rejected) + sum(withdrawn) as third_step
from {{ ref('assistance_applications_daily') }}
group by township_code, item_id
having second_step > first_step or third_step <> second_step

union all

select
    'alerts' as mart,
    township_code,
    alert_type as detail,
    sum(raised) as first_step,
    sum(dispatched) as second_step,
    sum(closed) as third_step
from {{ ref('assistance_alerts_daily') }}
group by township_code, alert_type
having second_step > first_step or third_step > second_step

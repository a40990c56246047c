-- A Final local day has every interval of its length: 24 hourly intervals, 23 on the
-- spring-forward day and 25 on the fall-back day.
select
    utility,
    program,
    rate_name,
    representative_circuit_id,
    interval_date_local,
    interval_count,
    expected_interval_count
from {{ ref('dynamic_price_daily_summaries') }}
where is_final and interval_count != expected_interval_count

-- The extractor refuses a day of the wrong length before storing it, so this only finds
-- days stored by older versions: a warning, so one bad day never blocks every mart.
{{ config(severity='warn') }}
-- A Final local day has every interval of its length: 24 hourly intervals, 23 on the
-- spring-forward day and 25 on the fall-back day (96, 92 and 100 quarter hours).
select
    utility,
    program,
    market,
    cca,
    rate_name,
    representative_circuit_id,
    interval_minutes,
    interval_date_local,
    interval_count,
    expected_interval_count
from {{ ref('dynamic_price_daily_summaries') }}
where is_final and interval_count != expected_interval_count

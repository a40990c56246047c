-- Every extract run of every utility, successful, failed or skipped as unchanged.
select
    run_id,
    utility_code,
    started_at,
    completed_at,
    status,
    records_fetched,
    records_written,
    error_message,
    source_url,
    unparseable_values,
    notes
from {{ ref('stg_arcgis__ingestion_runs') }}

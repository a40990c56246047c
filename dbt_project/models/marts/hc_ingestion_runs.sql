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
    notes,
    layer_counts,
    coalesce(
        list_has_any(
            list_transform(cast(notes as varchar[]), x -> starts_with(x, 'short layer')),
            [true]
        ),
        false
    ) as has_short_layer
from {{ ref('stg_arcgis__ingestion_runs') }}

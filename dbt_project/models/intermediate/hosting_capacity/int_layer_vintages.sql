-- One row per layer of each utility's current ingestion (stg_arcgis__features: the latest
-- successful run), when all of that run's rows are loaded, with the layer's lastEditDate as
-- the server reported it. hosting_capacity_history moves a layer to a new vintage only
-- from here, so a run whose rows are missing never closes the records it lost.
with current_runs as (
    select
        utility_code,
        ingestion_run_id,
        any_value(loaded_at) as loaded_at,
        count(*) as rows_loaded
    from {{ ref('stg_arcgis__features') }}
    group by utility_code, ingestion_run_id
),

complete_runs as (
    select
        current_runs.utility_code,
        current_runs.ingestion_run_id,
        current_runs.loaded_at,
        runs.layer_fingerprints
    from current_runs
    inner join {{ ref('stg_arcgis__ingestion_runs') }} as runs
        on current_runs.ingestion_run_id = runs.run_id
    where current_runs.rows_loaded = runs.records_written
)

select
    complete_runs.utility_code,
    layers.key as source_layer,
    complete_runs.ingestion_run_id,
    complete_runs.loaded_at,
    try_cast(json_extract_string(layers.value, '$.last_edit_date') as timestamptz)
        as last_edit_at
from complete_runs,
    json_each(complete_runs.layer_fingerprints) as layers

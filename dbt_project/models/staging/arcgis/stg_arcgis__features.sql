-- Current features only: those of each utility's latest successful run. Rows of runs that
-- failed, were interrupted, or were superseded are never read.
with latest_successful_runs as (
    select * from {{ ref('stg_arcgis__latest_successful_runs') }}
),

source as (
    select * from {{ source('raw_arcgis', 'features') }}
),

renamed as (
    select
        source.utility_code,
        source.source_layer,
        source.source_object_id,
        source.raw_attributes,
        source.geometry as geometry_geojson,
        source.ingestion_run_id,
        latest_successful_runs.completed_at as loaded_at
    from source
    inner join latest_successful_runs
        on
            source.utility_code = latest_successful_runs.utility_code
            and source.ingestion_run_id = latest_successful_runs.run_id
)

select * from renamed

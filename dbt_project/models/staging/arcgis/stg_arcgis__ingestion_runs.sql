with source as (
    select * from {{ source('raw_arcgis', 'ingestion_runs') }}
),

renamed as (
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
        layer_fingerprints,
        unparseable_values,
        notes,
        layer_counts
    from source
)

select * from renamed

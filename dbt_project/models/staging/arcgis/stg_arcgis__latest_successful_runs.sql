-- Each utility's latest successful run, trusted only when all its rows are in the warehouse
-- (a success whose rows are missing names no current run, so nothing half-loaded is read).
-- The SQL home of this rule: the staging features and the utilities mart read it; the
-- extract's skip-unchanged check (extract/arcgis/runs.py) is tied to it by
-- tests/test_latest_successful_run_tie.py.
with runs as (
    select * from {{ ref('stg_arcgis__ingestion_runs') }}
),

latest as (
    select
        run_id,
        utility_code,
        completed_at,
        records_written,
        layer_fingerprints,
        layer_counts
    from runs
    where status = 'success'
    qualify row_number() over (
        partition by utility_code order by completed_at desc
    ) = 1
),

loaded as (
    select
        ingestion_run_id as run_id,
        count(*) as rows_loaded
    from {{ source('raw_arcgis', 'features') }}
    where ingestion_run_id in (select latest.run_id from latest)
    group by ingestion_run_id
),

final as (
    select latest.*
    from latest
    left join loaded on latest.run_id = loaded.run_id
    where coalesce(loaded.rows_loaded, 0) = latest.records_written
)

select * from final

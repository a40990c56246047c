-- One row per utility config, supported or not, with its ingestion status and data vintage.
with configs as (
    select * from {{ ref('stg_configs__utilities') }}
),

runs as (
    select * from {{ ref('stg_arcgis__ingestion_runs') }}
),

latest_run as (
    select
        utility_code,
        status as last_ingest_status
    from runs
    qualify row_number() over (partition by utility_code order by started_at desc) = 1
),

latest_success as (
    select
        utility_code,
        completed_at as last_ingested_at,
        layer_fingerprints
    from {{ ref('stg_arcgis__latest_successful_runs') }}
),

-- The layers' lastEditDate as the servers reported it (skip-unchanged fingerprints).
layer_edit_dates as (
    select
        latest_success.utility_code,
        max(
            try_cast(
                json_extract_string(layers.value, '$.last_edit_date') as timestamptz
            )
        ) as last_edit_at
    from latest_success,
        json_each(latest_success.layer_fingerprints) as layers
    group by latest_success.utility_code
),

records as (
    select
        utility_code,
        count(*) as record_count,
        max(record_date) as latest_record_date
    from {{ ref('hosting_capacity_records') }}
    group by utility_code
),

quarantined as (
    select
        utility_code,
        count(*) as quarantined_record_count
    from {{ ref('hosting_capacity_quarantine') }}
    group by utility_code
)

select
    configs.utility_code,
    configs.utility_name,
    configs.parent_company,
    configs.iso_id,
    configs.states,
    configs.data_source_type,
    configs.requires_auth,
    configs.service_url,
    configs.is_supported,
    configs.unsupported_reason,
    configs.capacity_kinds,
    configs.attribution,
    configs.terms,
    latest_success.last_ingested_at,
    latest_run.last_ingest_status,
    coalesce(records.record_count, 0) as record_count,
    coalesce(quarantined.quarantined_record_count, 0) as quarantined_record_count,
    coalesce(
        cast(layer_edit_dates.last_edit_at as date), records.latest_record_date
    ) as data_vintage_date,
    coalesce(
        cast(layer_edit_dates.last_edit_at as date), records.latest_record_date
    ) < current_date - interval 100 days as is_stale
from configs
left join latest_run on configs.utility_code = latest_run.utility_code
left join latest_success on configs.utility_code = latest_success.utility_code
left join layer_edit_dates on configs.utility_code = layer_edit_dates.utility_code
left join records on configs.utility_code = records.utility_code
left join quarantined on configs.utility_code = quarantined.utility_code

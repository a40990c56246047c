{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ forget_utilities_to_rebuild() }}",
    post_hook="{{ remember_built_utilities(signed=true) }}"
) }}
-- depends_on: {{ ref('int_utility_fingerprints') }}

-- One row per source feature of each utility's latest successful ingestion, but those in
-- quarantine (hosting_capacity_quarantine). Built per utility (macros/per_utility.sql).
select
    utility_code,
    source_layer,
    source_object_id,
    source_item,
    capacity_kind,
    row_grain,
    feeder_id_external,
    feeder_name,
    substation_name,
    hosting_capacity_mw,
    hosting_capacity_min_mw,
    hosting_capacity_max_mw,
    capacity_is_lower_bound,
    generation_capacity_peak_mw,
    generation_capacity_offpeak_mw,
    installed_dg_mw,
    queued_dg_mw,
    remaining_capacity_mw,
    remaining_capacity_source,
    constraining_metric,
    constraining_metric_raw,
    voltage_kv,
    phase_config,
    is_overhead,
    is_network,
    record_date,
    source_capacity_unit,
    geometry_type,
    geom,
    centroid_lat,
    centroid_lon,
    bbox_min_lon,
    bbox_min_lat,
    bbox_max_lon,
    bbox_max_lat,
    unparseable_value_count,
    raw_attributes,
    ingestion_run_id,
    loaded_at
from {{ ref('int_hosting_capacity_records_normalized') }}
where quarantine_reason is null and {{ utilities_to_rebuild_filter('utility_code') }}
-- Stored along a Hilbert curve of the centroids: nearby records share row groups, so the
-- siting macros' range filters on the centroid and bbox columns skip all but a few of them.
-- A rebuilt utility's rows are appended in that order, so they stay as prunable.
order by {{ hilbert_order('centroid_lon', 'centroid_lat') }}

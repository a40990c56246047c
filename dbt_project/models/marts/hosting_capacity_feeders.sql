-- One row per (utility, capacity kind, feeder): generation and load are never mixed in one
-- figure. Rows are grouped on the feeder id, so a feeder published as many line sections,
-- grid cells or vertices is one feeder; records without a feeder id (grid cells, buses,
-- dissolved rows) stay in hosting_capacity_records and are never made into feeders.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ forget_utilities_to_rebuild() }}",
    post_hook="{{ remember_built_utilities(signed=true) }}"
) }}
-- depends_on: {{ ref('int_utility_fingerprints') }}

-- Built per utility (macros/per_utility.sql).
with records as (
    select * from {{ ref('hosting_capacity_records') }}
    where feeder_id_external is not null and {{ utilities_to_rebuild_filter('utility_code') }}
),

feeders as (
    select
        utility_code,
        capacity_kind,
        feeder_id_external,
        mode(feeder_name) as feeder_name,
        mode(substation_name) as substation_name,
        {{ feeder_capacity_aggregates() }},
        bool_or(coalesce(capacity_is_lower_bound, false)) as capacity_is_lower_bound,
        st_centroid(st_collect(list(geom) filter (where geom is not null))) as centroid,
        max(loaded_at) as loaded_at
    from records
    group by utility_code, capacity_kind, feeder_id_external
)

select
    utility_code,
    feeder_id_external,
    feeder_name,
    substation_name,
    capacity_kind,
    segment_count,
    hosting_capacity_min_mw,
    hosting_capacity_max_mw,
    remaining_capacity_mw,
    capacity_is_lower_bound,
    installed_dg_mw,
    queued_dg_mw,
    dominant_constraint,
    coalesce(remaining_capacity_mw <= 0, false) as is_constrained,
    centroid,
    st_y(centroid) as centroid_lat,
    st_x(centroid) as centroid_lon,
    loaded_at
from feeders

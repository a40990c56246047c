-- One row per (utility, feeder). A utility publishing both generation (DG) and load (EV)
-- layers is summarised on its generation layers, so the two kinds never mix in one figure.
with records as (
    select * from {{ ref('hosting_capacity_records') }}
    where feeder_id_external is not null
),

preferred_kind as (
    select
        utility_code,
        min(capacity_kind) as capacity_kind  -- 'generation' sorts before 'load'
    from records
    group by utility_code
),

feeder_records as (
    select records.*
    from records
    inner join preferred_kind
        on
            records.utility_code = preferred_kind.utility_code
            and records.capacity_kind = preferred_kind.capacity_kind
),

feeders as (
    select
        utility_code,
        feeder_id_external,
        any_value(capacity_kind) as capacity_kind,
        mode(feeder_name) as feeder_name,
        mode(substation_name) as substation_name,
        {{ feeder_capacity_aggregates() }},
        st_centroid(st_collect(list(geom) filter (where geom is not null))) as centroid,
        max(loaded_at) as loaded_at
    from feeder_records
    group by utility_code, feeder_id_external
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
    installed_dg_mw,
    queued_dg_mw,
    dominant_constraint,
    coalesce(remaining_capacity_mw <= 0, false) as is_constrained,
    centroid,
    st_y(centroid) as centroid_lat,
    st_x(centroid) as centroid_lon,
    loaded_at
from feeders

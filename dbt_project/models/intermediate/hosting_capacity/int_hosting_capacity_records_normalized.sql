-- Parsed, in MW, constraints canonicalized, remaining capacity as published or computed,
-- geometry and centroid in WGS84. One row per (feature, list item, capacity kind): a row that
-- publishes generation and load side by side (SDG&E, NV Energy, PG&E) becomes a generation
-- record and a load record, each with its own figure, never one figure read as the other.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ forget_utilities_to_rebuild() }}",
    post_hook="{{ remember_built_utilities() }}"
) }}
-- depends_on: {{ ref('int_utility_fingerprints') }}

-- Per utility: a refresh rebuilds only the utilities whose run or config changed
-- (macros/per_utility.sql).
with extracted as (
    select * from {{ ref('int_hosting_capacity_fields_extracted') }}
    where {{ utilities_to_rebuild_filter('utility_code') }}
),

constraints as (
    select * from {{ ref('int_constraints_canonicalized') }}
),

measured as (
    select
        extracted.*,
        {%- for field in canonical_capacity_fields() %}
            {{ measured_text(field) }} as {{ field }}_measured{% if not loop.last %},{% endif %}
        {%- endfor %}
    from extracted
),

parsed as (
    select
        measured.*,
        {%- for field in canonical_capacity_fields() %}
            {{ within_capacity_bound(unit_to_mw(
                capacity_number(field ~ '_measured'),
                capacity_text_unit(field ~ '_measured', field)
            )) }} as {{ field }}_value,
            {{ capacity_is_floor(field ~ '_measured', field) }} as {{ field }}_is_floor,
        {%- endfor %}
        {{ within_capacity_bound(unit_to_mw(
            capacity_range_high('hosting_capacity_mw_measured'),
            capacity_text_unit('hosting_capacity_mw_measured', 'hosting_capacity_mw')
        )) }} as hosting_capacity_range_high_mw,
        {{ parse_number('voltage_kv_text', physical_bound('voltage_kv', 'capacity_unit')) }}
            as voltage_kv,
        {% for field in canonical_flag_fields() %}
            {{ parse_flag(field ~ '_text') }} as {{ field }},
        {% endfor %}
        {{ parse_record_date('record_date_text') }} as record_date,
        (
            cast({{ is_unparseable_number(
                'voltage_kv_text', physical_bound('voltage_kv', 'capacity_unit')
            ) }} as integer)
            {% for field in canonical_capacity_fields() %}
                + cast(
                    {{ field }}_measured is not null
                    and {{ within_capacity_bound(unit_to_mw(
                        capacity_number(field ~ '_measured'),
                        capacity_text_unit(field ~ '_measured', field)
                    )) }} is null as integer
                )
            {% endfor %}
        ) as unparseable_value_count,
        try(st_geomfromgeojson(measured.geometry_geojson)) as geom
    from measured
),

-- The layer's own kind: where only a range is published, the headline is its minimum.
own_kind as (
    select
        parsed.*,
        parsed.capacity_kind as record_capacity_kind,
        coalesce(parsed.hosting_capacity_mw_value, parsed.hosting_capacity_min_mw_value)
            as record_hosting_capacity_mw,
        coalesce(parsed.hosting_capacity_min_mw_value, case
            when
                parsed.hosting_capacity_range_high_mw is not null
                then parsed.hosting_capacity_mw_value
        end) as record_hosting_capacity_min_mw,
        coalesce(parsed.hosting_capacity_max_mw_value, parsed.hosting_capacity_range_high_mw)
            as record_hosting_capacity_max_mw,
        parsed.installed_dg_mw_value as record_installed_dg_mw,
        parsed.queued_dg_mw_value as record_queued_dg_mw,
        parsed.remaining_capacity_mw_value as record_remaining_capacity_mw,
        case
            when
                parsed.hosting_capacity_mw_value is not null
                then parsed.hosting_capacity_mw_is_floor
            else parsed.hosting_capacity_min_mw_is_floor
        end as record_is_floor
    from parsed
),

-- The other kind, where the same row carries it (load_capacity_mw on a generation layer,
-- generation_capacity_mw on a load layer).
twin_kind as (
    select
        parsed.*,
        case parsed.capacity_kind when 'generation' then 'load' else 'generation' end
            as record_capacity_kind,
        case parsed.capacity_kind
            when 'generation' then parsed.load_capacity_mw_value
            else parsed.generation_capacity_mw_value
        end as record_hosting_capacity_mw,
        null::double as record_hosting_capacity_min_mw,
        null::double as record_hosting_capacity_max_mw,
        null::double as record_installed_dg_mw,
        null::double as record_queued_dg_mw,
        null::double as record_remaining_capacity_mw,
        case parsed.capacity_kind
            when 'generation' then parsed.load_capacity_mw_is_floor
            else parsed.generation_capacity_mw_is_floor
        end as record_is_floor
    from parsed
    where
        (parsed.capacity_kind = 'generation' and parsed.maps_load_twin)
        or (parsed.capacity_kind = 'load' and parsed.maps_generation_twin)
),

records as (
    select * from own_kind
    union all by name
    select * from twin_kind
),

finished as (
    select
        records.*,
        constraints.constraining_metric,
        case
            when records.record_remaining_capacity_mw is not null
                then records.record_remaining_capacity_mw
            when records.hosting_capacity_semantics = 'net'
                then records.record_hosting_capacity_mw
            else
                records.record_hosting_capacity_mw
                - coalesce(records.record_installed_dg_mw, 0)
                - coalesce(records.record_queued_dg_mw, 0)
        end as remaining_capacity_mw_resolved,
        case
            when records.record_remaining_capacity_mw is not null then 'published'
            when records.record_hosting_capacity_mw is not null then 'computed'
        end as remaining_capacity_source,
        st_centroid(records.geom) as centroid
    from records
    left join constraints
        on
            records.utility_code = constraints.utility_code
            and records.constraining_metric_text = constraints.constraining_metric_raw
),

checked as (
    -- A record no map or sum can use is quarantined (kept out of the marts, listed with its
    -- reason in hosting_capacity_quarantine) rather than failing every utility's build.
    select
        finished.*,
        case
            when
                not st_y(finished.centroid) between -90 and 90
                or not st_x(finished.centroid) between -180 and 180
                then
                    'coordinates outside WGS84 (lat -90..90, lon -180..180): '
                    || 'check the layer''s spatial reference'
            {% for field in ['record_hosting_capacity_mw', 'record_hosting_capacity_min_mw',
                             'record_hosting_capacity_max_mw', 'record_installed_dg_mw',
                             'record_queued_dg_mw', 'remaining_capacity_mw_resolved'] %}
                when not isfinite(finished.{{ field }})
                    then 'non-finite {{ field }}'
            {% endfor %}
        end as quarantine_reason
    from finished
)

select
    utility_code,
    source_layer,
    source_object_id,
    item_index as source_item,
    record_capacity_kind as capacity_kind,
    row_grain,
    nullif(trim(feeder_id_external_text), '') as feeder_id_external,
    nullif(trim(feeder_name_text), '') as feeder_name,
    nullif(trim(substation_name_text), '') as substation_name,
    record_hosting_capacity_mw as hosting_capacity_mw,
    record_hosting_capacity_min_mw as hosting_capacity_min_mw,
    record_hosting_capacity_max_mw as hosting_capacity_max_mw,
    record_is_floor as capacity_is_lower_bound,
    generation_capacity_peak_mw_value as generation_capacity_peak_mw,
    generation_capacity_offpeak_mw_value as generation_capacity_offpeak_mw,
    record_installed_dg_mw as installed_dg_mw,
    record_queued_dg_mw as queued_dg_mw,
    remaining_capacity_mw_resolved as remaining_capacity_mw,
    remaining_capacity_source,
    constraining_metric,
    constraining_metric_text as constraining_metric_raw,
    voltage_kv,
    nullif(trim(phase_config_text), '') as phase_config,
    is_overhead,
    is_network,
    record_date,
    capacity_unit as source_capacity_unit,
    unparseable_value_count,
    st_geometrytype(geom)::varchar as geometry_type,
    geom,
    st_y(centroid) as centroid_lat,
    st_x(centroid) as centroid_lon,
    st_xmin(geom) as bbox_min_lon,
    st_ymin(geom) as bbox_min_lat,
    st_xmax(geom) as bbox_max_lon,
    st_ymax(geom) as bbox_max_lat,
    raw_attributes,
    ingestion_run_id,
    loaded_at,
    quarantine_reason
from checked

-- Parsed, in MW, constraints canonicalized, remaining capacity as published or computed,
-- geometry and centroid in WGS84.
with extracted as (
    select * from {{ ref('int_hosting_capacity_fields_extracted') }}
),

constraints as (
    select * from {{ ref('int_constraints_canonicalized') }}
),

parsed as (
    select
        extracted.*,
        {% for field in canonical_capacity_fields() %}
            {{ to_mw(
                parse_number(field ~ '_text', physical_bound(field, 'capacity_unit')),
                'capacity_unit'
            ) }} as {{ field }},
        {% endfor %}
        {{ parse_number('voltage_kv_text', physical_bound('voltage_kv', 'capacity_unit')) }}
            as voltage_kv,
        {% for field in canonical_flag_fields() %}
            {{ parse_flag(field ~ '_text') }} as {{ field }},
        {% endfor %}
        {{ parse_record_date('record_date_text') }} as record_date,
        (
            {% for field in canonical_capacity_fields() + ['voltage_kv'] %}
                cast(
                    {{ is_unparseable_number(
                        field ~ '_text', physical_bound(field, 'capacity_unit')
                    ) }} as integer
                )
                {{ "+" if not loop.last }}
            {% endfor %}
        ) as unparseable_value_count,
        try(st_geomfromgeojson(extracted.geometry_geojson)) as geom
    from extracted
),

finished as (
    select
        parsed.*,
        constraints.constraining_metric,
        case
            when parsed.remaining_capacity_mw is not null then parsed.remaining_capacity_mw
            when parsed.hosting_capacity_semantics = 'net' then parsed.hosting_capacity_mw
            else
                parsed.hosting_capacity_mw
                - coalesce(parsed.installed_dg_mw, 0)
                - coalesce(parsed.queued_dg_mw, 0)
        end as remaining_capacity_mw_resolved,
        case
            when parsed.remaining_capacity_mw is not null then 'published'
            when parsed.hosting_capacity_mw is not null then 'computed'
        end as remaining_capacity_source,
        st_centroid(parsed.geom) as centroid
    from parsed
    left join constraints
        on parsed.constraining_metric_text = constraints.constraining_metric_raw
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
            {% for field in canonical_capacity_fields() %}
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
    nullif(trim(feeder_id_external_text), '') as feeder_id_external,
    nullif(trim(feeder_name_text), '') as feeder_name,
    nullif(trim(substation_name_text), '') as substation_name,
    hosting_capacity_mw,
    hosting_capacity_min_mw,
    hosting_capacity_max_mw,
    load_capacity_mw,
    generation_capacity_peak_mw,
    generation_capacity_offpeak_mw,
    installed_dg_mw,
    queued_dg_mw,
    remaining_capacity_mw_resolved as remaining_capacity_mw,
    remaining_capacity_source,
    constraining_metric,
    constraining_metric_text as constraining_metric_raw,
    voltage_kv,
    nullif(trim(phase_config_text), '') as phase_config,
    is_overhead,
    is_network,
    record_date,
    capacity_kind,
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

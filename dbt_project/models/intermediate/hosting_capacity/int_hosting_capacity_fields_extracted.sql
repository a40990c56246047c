{{ config(materialized='view') }}

-- Each canonical field's text, read from the raw attributes through the layer's JSON pointer
-- (one generic path for every utility: a new utility is a new YAML file, not new SQL).
-- A feature whose aligned list fields pack several feeders ('A,B' with '1.2,3.4') becomes one
-- item per feeder; a list in an unattributable field names no single item and becomes NULL.
with features as (
    select * from {{ ref('stg_arcgis__features') }}
),

layers as (
    select * from {{ ref('stg_configs__layers') }}
),

extracted as (
    select
        features.utility_code,
        features.source_layer,
        features.source_object_id,
        features.raw_attributes,
        features.geometry_geojson,
        features.ingestion_run_id,
        features.loaded_at,
        layers.capacity_unit,
        layers.capacity_kind,
        layers.hosting_capacity_semantics,
        layers.row_grain,
        layers.list_separator,
        layers.aligned_fields,
        layers.unattributable_fields,
        layers.text_values,
        layers.load_capacity_mw_pointer is not null as maps_load_twin,
        layers.generation_capacity_mw_pointer is not null as maps_generation_twin,
        {%- for field in canonical_capacity_fields() %}
            layers.{{ field }}_unit,
            layers.{{ field }}_ceiling,
            layers.{{ field }}_sentinel_texts,
            layers.{{ field }}_sentinel_numbers,
        {%- endfor %}
        {%- for field in canonical_fields() %}
            json_extract_string(
                features.raw_attributes, layers.{{ field }}_pointer
            ) as {{ field }}_text
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from features
    inner join layers
        on
            features.utility_code = layers.utility_code
            and features.source_layer = layers.source_layer
),

counted as (
    select
        *,
        case
            when list_separator is null or len(aligned_fields) = 0 then 1
            else greatest(
                {%- for field in canonical_fields() %}
                    case
                        when list_contains(aligned_fields, '{{ field }}')
                            then len(string_split(coalesce({{ field }}_text, ''), list_separator))
                        else 1
                    end{% if not loop.last %},{% endif %}
                {%- endfor %}
            )
        end as item_count
    from extracted
),

items as (
    select
        *,
        unnest(generate_series(1, item_count)) as item_index
    from counted
)

select
    * exclude (
        {%- for field in canonical_fields() %}
            {{ field }}_text{% if not loop.last %},{% endif %}
        {%- endfor %}
    ),
    {%- for field in canonical_fields() %}
        case
            when list_contains(aligned_fields, '{{ field }}') and item_count > 1
                then case
                    when len(string_split({{ field }}_text, list_separator)) = item_count
                        then trim(string_split({{ field }}_text, list_separator)[item_index])
                end
            when
                list_contains(unattributable_fields, '{{ field }}')
                and contains({{ field }}_text, list_separator)
                then null
            else {{ field }}_text
        end as {{ field }}_text{% if not loop.last %},{% endif %}
    {%- endfor %}
from items

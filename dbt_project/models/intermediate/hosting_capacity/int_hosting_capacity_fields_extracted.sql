{{ config(materialized='view') }}

-- Each canonical field's text, read from the raw attributes through the layer's JSON pointer
-- (one generic path for every utility: a new utility is a new YAML file, not new SQL).
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
)

select * from extracted

{#- The canonical fields as hosting_capacity_records holds them: a row's capacity of the
    other kind (load_capacity_mw, generation_capacity_mw) becomes a record of that kind. -#}
{% macro record_fields() %}
    {% set folded = ['load_capacity_mw', 'generation_capacity_mw'] %}
    {{ return(canonical_fields() | reject('in', folded) | list) }}
{% endmacro %}

{#- A record's identity within one vintage: the grain of hosting_capacity_records. -#}
{% macro record_grain() %}
    {{ return(['utility_code', 'source_layer', 'source_object_id', 'source_item',
               'capacity_kind']) }}
{% endmacro %}

{#- What makes a new version of a record in hosting_capacity_history: its object id, every
    field of the record, how its values were read (remaining capacity's source, a figure that is
    only a floor, the published constraint text, the unit) and its geometry. Anything else
    (raw attributes no field_map names, the run that loaded it) is not versioned. -#}
{% macro history_tracked_columns() %}
    {{ return(['source_object_id', 'row_grain'] + record_fields()
              + ['capacity_is_lower_bound', 'constraining_metric_raw',
                 'remaining_capacity_source', 'source_capacity_unit', 'geometry_hash']) }}
{% endmacro %}

{#- The columns of hosting_capacity_history, in order (the record's, as in
    hosting_capacity_records, then the version's). -#}
{% macro history_columns() %}
    {{ return(['record_key', 'version_id'] + record_grain()
              + ['valid_from', 'valid_to', 'is_current', 'data_vintage_date', 'vintage_basis',
                 'row_grain']
              + record_fields()
              + ['capacity_is_lower_bound', 'constraining_metric_raw',
                 'remaining_capacity_source', 'source_capacity_unit', 'geometry_type', 'geom',
                 'centroid_lat', 'centroid_lon', 'bbox_min_lon', 'bbox_min_lat',
                 'bbox_max_lon', 'bbox_max_lat', 'geometry_hash', 'tracked_hash',
                 'ingestion_run_id', 'loaded_at']) }}
{% endmacro %}

{#- A stable 128-bit hash of a row of values (NULLs and positions told apart), as a UUID. -#}
{% macro row_hash(columns) -%}
    cast(md5(cast(row({{ columns | join(', ') }}) as varchar)) as uuid)
{%- endmacro %}

{#- A stable 128-bit hash of a geometry (of its WKB), as a UUID: it goes into row_hash, and
    DuckDB 1.5 casts a UHUGEINT (md5_number) to text ~100 times slower than a UUID. -#}
{% macro geometry_hash(geom) -%}
    cast(md5(st_aswkb({{ geom }})) as uuid)
{%- endmacro %}

{#- Two relations' rows of the same record (record_grain), `left` and `right` aliases. -#}
{% macro same_record(left, right) -%}
    {%- for column in record_grain() -%}
        {{ left }}.{{ column }} = {{ right }}.{{ column }}{{ " and " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- Versions of one record follow each other: each ends after it starts, no two overlap, and
    exactly the open one (valid_to NULL) is current. -#}
{% test history_versions_do_not_overlap(model) %}
    with ordered as (
        select
            record_key,
            version_id,
            valid_from,
            valid_to,
            is_current,
            lead(valid_from) over (
                partition by record_key order by valid_from
            ) as next_valid_from
        from {{ model }}
    )

    select *
    from ordered
    where
        valid_to <= valid_from
        or is_current is distinct from (valid_to is null)
        or (next_valid_from is not null and (valid_to is null or valid_to > next_valid_from))
{% endtest %}

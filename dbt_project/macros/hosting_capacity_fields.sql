{#- The canonical fields of the contract, grouped by how their text is parsed.
    extract/config.py CANONICAL_FIELDS lists the same names; tests/test_dbt_project.py
    checks the two agree. -#}
{% macro canonical_text_fields() %}
    {{ return(['feeder_id_external', 'feeder_name', 'substation_name', 'constraining_metric',
               'phase_config']) }}
{% endmacro %}

{% macro canonical_capacity_fields() %}
    {{ return(['hosting_capacity_mw', 'hosting_capacity_min_mw', 'hosting_capacity_max_mw',
               'load_capacity_mw', 'generation_capacity_peak_mw',
               'generation_capacity_offpeak_mw', 'installed_dg_mw', 'queued_dg_mw',
               'remaining_capacity_mw', 'generation_capacity_mw']) }}
{% endmacro %}

{% macro canonical_flag_fields() %}
    {{ return(['is_overhead', 'is_network']) }}
{% endmacro %}

{% macro canonical_fields() %}
    {{ return(canonical_text_fields() + canonical_capacity_fields() + ['voltage_kv']
              + canonical_flag_fields() + ['record_date']) }}
{% endmacro %}

{#- Text as published -> number: "1,234.5" parses, "", "N/A" and garbage become NULL. -#}
{% macro parse_number(text) -%}
    try_cast(nullif(replace(trim({{ text }}), ',', ''), '') as double)
{%- endmacro %}

{#- A published value that is present but will not parse (counted, never fatal). -#}
{% macro is_unparseable_number(text) -%}
    ({{ text }} is not null and {{ parse_number(text) }} is null)
{%- endmacro %}

{#- Capacity in the layer's unit -> MW. -#}
{% macro to_mw(value, capacity_unit) -%}
    case {{ capacity_unit }} when 'kw' then {{ value }} / 1000.0 else {{ value }} end
{%- endmacro %}

{#- Y/N, true/false, 1/0, OH/UG, overhead/underground, network/radial -> boolean. -#}
{% macro parse_flag(text) -%}
    case
        when upper(trim({{ text }})) in ('Y', 'YES', 'T', 'TRUE', '1', 'OH', 'OVERHEAD', 'NETWORK')
            then true
        when upper(trim({{ text }})) in ('N', 'NO', 'F', 'FALSE', '0', 'UG', 'UNDERGROUND', 'RADIAL')
            then false
    end
{%- endmacro %}

{#- Epoch milliseconds (ArcGIS dates), ISO dates or US m/d/Y text -> DATE. -#}
{% macro parse_record_date(text) -%}
    coalesce(
        case
            when regexp_full_match(trim({{ text }}), '-?[0-9]{9,14}(\.0+)?')
                then cast(to_timestamp(cast(trim({{ text }}) as double) / 1000) as date)
        end,
        try_cast(trim({{ text }}) as date),
        cast(try_strptime(trim({{ text }}), '%m/%d/%Y') as date)
    )
{%- endmacro %}

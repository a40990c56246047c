{#- The canonical fields of the contract, grouped by how their text is parsed.
    extract/arcgis/config_model.py CANONICAL_FIELDS lists the same names;
    tests/unit/test_rule_ties.py checks the two agree. -#}
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

{#- What a number is, as extract/numbers.py says in words and counts during the extract;
    tests/test_number_rule.py feeds one table of tricky values through both and checks they
    agree. Plain decimals, signed, with an exponent, padded with blanks; commas only as
    thousands separators in groups of three ("1,500" yes; "1,5", "12,34,567", "0,5" no). -#}
{% macro number_pattern() -%}
    [ \t\n\r]*[+-]?(([1-9][0-9]{0,2}(,[0-9]{3})+|[0-9]+)(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?[ \t\n\r]*
{%- endmacro %}

{#- The largest magnitude a field can physically have, in the layer's unit: 10,000 MW of
    hosting capacity (no feeder or substation comes near), 1,000 kV. Beyond it (1e300, and
    "1e400", which a double reads as inf) a value is unparseable: never inf in a mart. -#}
{% macro physical_bound(canonical_field, capacity_unit) -%}
    {%- if canonical_field == 'voltage_kv' -%}
        1000.0
    {%- else -%}
        (case {{ capacity_unit }} when 'kw' then 10000000.0 else 10000.0 end)
    {%- endif -%}
{%- endmacro %}

{#- Text as published -> number within `max_abs`; "", "N/A", "1,5", NaN, 1e300 MW -> NULL. -#}
{% macro parse_number(text, max_abs) -%}
    (case
        when
            regexp_full_match({{ text }}, '{{ number_pattern() }}')
            and abs(try_cast(regexp_replace({{ text }}, '[ \t\n\r,]', '', 'g') as double))
            <= {{ max_abs }}
            then try_cast(regexp_replace({{ text }}, '[ \t\n\r,]', '', 'g') as double)
    end)
{%- endmacro %}

{#- A published value that is present but will not parse (counted, never fatal). -#}
{% macro is_unparseable_number(text, max_abs) -%}
    ({{ text }} is not null and {{ parse_number(text, max_abs) }} is null)
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

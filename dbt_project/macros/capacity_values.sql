{#- Capacity values as the utilities publish them, one generic path driven by each layer's
    config (stg_configs__layers): "not measured" sentinels, texts standing for numbers,
    ranges and "over" texts, units written after the number, and censoring ceilings.
    Every macro takes the canonical field's name; its text is `<field>_text` and its layer
    settings are `<field>_unit`, `<field>_ceiling`, `<field>_sentinel_texts`,
    `<field>_sentinel_numbers`. -#}

{% macro capacity_range_pattern() -%}
    '^((?:[1-9][0-9]{0,2}(?:,[0-9]{3})+|[0-9]+)(?:[.][0-9]*)?)\s*(?:-|to)\s*((?:[1-9][0-9]{0,2}(?:,[0-9]{3})+|[0-9]+)(?:[.][0-9]*)?)\s*([a-z]*)$'
{%- endmacro %}

{% macro capacity_over_pattern() -%}
    '^(?:>=?|over|above|greater than)\s*((?:[1-9][0-9]{0,2}(?:,[0-9]{3})+|[0-9]+)(?:[.][0-9]*)?)\s*([a-z]*)$'
{%- endmacro %}

{% macro capacity_number_pattern() -%}
    '^([+-]?(?:[1-9][0-9]{0,2}(?:,[0-9]{3})+|[0-9]+)(?:[.][0-9]*)?)\s*(kw|kva|mw|mva)?$'
{%- endmacro %}

{#- The text with sentinels removed: NULL where the layer says the value means "not measured". -#}
{% macro measured_text(field) -%}
    case
        when
            list_contains({{ field }}_sentinel_texts, upper(trim({{ field }}_text)))
            or list_contains(
                {{ field }}_sentinel_numbers, try_cast(trim({{ field }}_text) as double)
            )
            then null
        else nullif(trim({{ field }}_text), '')
    end
{%- endmacro %}

{#- The published number in the unit the text or the layer gives: a plain number, a text the
    config maps to a number ('NO CAPACITY' -> 0), the low end of a range ('450 - 600'), the
    floor of an "over" text ('>7500', 'Over 20MW'), or a number with a unit ('11,660 kVA'). -#}
{% macro capacity_number(text) -%}
    case
        when {{ text }} is null then null
        when {{ parse_number(text, '1e308') }} is not null then {{ parse_number(text, '1e308') }}
        when len(list_filter(text_values, x -> x.text = upper({{ text }}))) > 0
            then list_filter(text_values, x -> x.text = upper({{ text }}))[1].value
        when regexp_matches({{ text }}, {{ capacity_range_pattern() }}, 'i')
            then try_cast(replace(
                regexp_extract({{ text }}, {{ capacity_range_pattern() }}, 1, 'i'), ',', ''
            ) as double)
        when regexp_matches({{ text }}, {{ capacity_over_pattern() }}, 'i')
            then try_cast(replace(
                regexp_extract({{ text }}, {{ capacity_over_pattern() }}, 1, 'i'), ',', ''
            ) as double)
        else try_cast(replace(
            regexp_extract({{ text }}, {{ capacity_number_pattern() }}, 1, 'i'), ',', ''
        ) as double)
    end
{%- endmacro %}

{#- The upper end of a published range, in the same unit; NULL for anything else. -#}
{% macro capacity_range_high(text) -%}
    case
        when
            try_cast({{ text }} as double) is null
            and regexp_matches({{ text }}, {{ capacity_range_pattern() }}, 'i')
            then try_cast(replace(
                regexp_extract({{ text }}, {{ capacity_range_pattern() }}, 2, 'i'), ',', ''
            ) as double)
    end
{%- endmacro %}

{#- The unit that applies: one written after the number, else the field's configured unit. -#}
{% macro capacity_text_unit(text, field) -%}
    coalesce(
        case
            when try_cast({{ text }} as double) is null
                then nullif(lower(regexp_extract({{ text }}, '(kva|kw|mva|mw)\s*$', 1, 'i')), '')
        end,
        {{ field }}_unit
    )
{%- endmacro %}

{#- A capacity in MW within the physical bound of hosting_capacity_fields.sql, else NULL. -#}
{% macro within_capacity_bound(value_mw) -%}
    (case
        when abs({{ value_mw }}) <= {{ physical_bound('hosting_capacity_mw', "'mw'") }}
            then {{ value_mw }}
    end)
{%- endmacro %}

{% macro unit_to_mw(value, unit) -%}
    ({{ value }} / case when {{ unit }} in ('kw', 'kva') then 1000.0 else 1.0 end)
{%- endmacro %}

{#- True where the published value is only a floor: a range or "over" text, or a value at the
    layer's censoring ceiling for this field. -#}
{% macro capacity_is_floor(text, field) -%}
    coalesce(
        (
            try_cast({{ text }} as double) is null
            and (
                regexp_matches({{ text }}, {{ capacity_range_pattern() }}, 'i')
                or regexp_matches({{ text }}, {{ capacity_over_pattern() }}, 'i')
            )
        )
        or {{ capacity_number(text) }} >= {{ field }}_ceiling,
        false
    )
{%- endmacro %}

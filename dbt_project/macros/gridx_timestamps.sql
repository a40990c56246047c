{#- GridX timestamps carry the UTC offset of the moment: 2025-07-01T00:00:00-0700. -#}
{% macro gridx_parse_offset_timestamp(column) -%}
    strptime({{ column }}, '%Y-%m-%dT%H:%M:%S%z')
{%- endmacro %}

{#- The time zone of the prices' local days (all CalFUSE utilities are in California). -#}
{% macro gridx_local_timezone() -%}
    '{{ var("gridx_local_timezone", "America/Los_Angeles") }}'
{%- endmacro %}

{#- Wall-clock time (TIMESTAMP) of an instant (TIMESTAMPTZ) in the prices' time zone. -#}
{% macro gridx_local_wall_time(column) -%}
    timezone({{ gridx_local_timezone() }}, {{ column }})
{%- endmacro %}

{#- Minutes in a local day: 1380 on a spring-forward day, 1500 on a fall-back day. -#}
{% macro gridx_local_day_minutes(day) -%}
    datediff(
        'minute',
        timezone({{ gridx_local_timezone() }}, cast({{ day }} as timestamp)),
        timezone({{ gridx_local_timezone() }}, cast({{ day }} + interval 1 day as timestamp))
    )
{%- endmacro %}

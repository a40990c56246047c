{#- Exact schema names (staging, intermediate, marts): users query them by name. The
    `personal` target prefixes them with its schema (alice_staging, ...), so that two people
    build side by side in one lake. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ schema_prefix() ~ (custom_schema_name | trim if custom_schema_name else target.schema) }}
{%- endmacro %}

{% macro schema_prefix() -%}
    {{ (target.schema ~ '_') if target.name == 'personal' else '' }}
{%- endmacro %}

{#-
    dlt creates the raw tables on first load. Create empty ones when a source has not been
    extracted yet, so `dbt build` works with only hosting capacity, or only pricing, loaded.
    Column types match what dlt writes.
-#}
{% macro ensure_raw_tables() %}
    {{ ensure_raw_arcgis_tables() }}
    {{ ensure_raw_gridx_tables() }}
{% endmacro %}

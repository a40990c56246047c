{#- The raw_arcgis tables exactly as dlt creates them (see extract/arcgis/pipeline.py). -#}
{% macro ensure_raw_arcgis_tables() %}
    create schema if not exists raw_arcgis;
    create table if not exists raw_arcgis.features (
        utility_code varchar not null,
        source_layer varchar not null,
        source_object_id bigint not null,
        raw_attributes json,
        geometry json,
        ingestion_run_id varchar not null
    );
    create table if not exists raw_arcgis.ingestion_runs (
        run_id varchar not null,
        utility_code varchar not null,
        started_at timestamp with time zone,
        completed_at timestamp with time zone,
        status varchar,
        records_fetched bigint,
        records_written bigint,
        error_message varchar,
        source_url varchar,
        layer_fingerprints json,
        unparseable_values json,
        notes json,
        layer_counts json,
        _dlt_load_id varchar not null,
        _dlt_id varchar not null
    );
    -- Warehouses extracted before per-layer counts were recorded.
    alter table raw_arcgis.ingestion_runs add column if not exists layer_counts json;
{% endmacro %}

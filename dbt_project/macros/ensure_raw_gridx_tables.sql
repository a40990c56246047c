{#-
    The raw_gridx tables exactly as dlt creates them (extract/gridx/pipeline.py:
    PRICE_COLUMNS, COMPONENT_COLUMNS, then dlt's own columns), so that `dbt build` works
    before pricing was ever extracted and dlt finds nothing to alter when it loads later.
    A table written before the CCA joined the key gets the column, '' (no CCA) in every row,
    as extract/gridx/pipeline.py's upgrade_raw_tables does.
-#}
{% macro ensure_raw_gridx_tables() %}
    create schema if not exists raw_gridx;
    create table if not exists raw_gridx.prices (
        utility varchar not null,
        program varchar not null,
        cca varchar not null,
        rate_name varchar not null,
        representative_circuit_id varchar not null,
        interval_start timestamp with time zone not null,
        market varchar not null,
        price_curve_name varchar,
        market_name varchar,
        interval_length_in_minutes bigint not null,
        settlement_currency varchar,
        settlement_unit varchar,
        start_interval_timestamp varchar,
        interval_price decimal(12, 6),
        price_status varchar,
        requested_start_date date,
        requested_end_date date,
        _dlt_load_id varchar not null,
        _dlt_id varchar not null
    );
    alter table raw_gridx.prices add column if not exists cca varchar default '';
    create table if not exists raw_gridx.prices__components (
        component varchar,
        price_type varchar,
        interval_price decimal(12, 6),
        _dlt_root_id varchar not null,
        _dlt_parent_id varchar not null,
        _dlt_list_idx bigint not null,
        _dlt_id varchar not null
    );
{% endmacro %}

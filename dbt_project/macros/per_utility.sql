{#-
    Per-utility incremental models. A refresh usually changes one utility of many, so the
    models that grow with the records (constraints, normalized records, records, feeders)
    rebuild only the utilities whose inputs changed since the model last built them, and keep
    the others' rows as they are.

    A utility's inputs are summed up by its fingerprint (int_utility_fingerprints: its current
    run, its layers' config rows, the constraint vocabulary); each model also adds the hash of
    its own code. After building, a model writes the fingerprints it was built from into
    build_state.<model> in the same transaction, so a killed build leaves the model and its
    state as they were. A utility without a current run loses its rows, as in a full build.
    A change to a macro the models call is not in the fingerprint: build with --full-refresh.

    A model opts in with:
        {{ config(materialized='incremental', incremental_strategy='append',
                  pre_hook="{{ forget_utilities_to_rebuild() }}",
                  post_hook="{{ remember_built_utilities() }}") }}
        -- depends_on: {{ ref('int_utility_fingerprints') }}
    and reads its input through `where {{ utilities_to_rebuild_filter('utility_code') }}`.
    hosting_capacity_history uses the post-hook and the filter alone: its rows are never
    deleted, and only a utility whose fingerprint moved can bring it a new vintage.
-#}

{% macro build_state_schema() -%}
    {{ generate_schema_name('build_state', none) | trim }}
{%- endmacro %}

{% macro build_state_relation() -%}
    {{ this.database }}.{{ build_state_schema() }}.{{ this.identifier }}
{%- endmacro %}

{#- The model's build state table, or none before its first incremental build. -#}
{% macro existing_build_state() %}
    {{ return(adapter.get_relation(
        database=this.database, schema=build_state_schema(), identifier=this.identifier)) }}
{% endmacro %}

{% macro model_fingerprints() -%}
    select
        utility_code,
        fingerprint || '-{{ local_md5(model.raw_code) }}' as fingerprint
    from {{ ref('int_utility_fingerprints') }}
{%- endmacro %}

{#- The utilities this build recomputes: all of them unless the model is built incrementally,
    else those whose fingerprint is not the one the model was last built from. -#}
{% macro utilities_to_rebuild() %}
    {# `this` is none in a unit test, which builds the model whole. #}
    {% if not execute or this is none or not is_incremental() %}
        {{ return(none) }}
    {% endif %}
    {% set state = existing_build_state() %}
    {% set changed = run_query(
        "select current.utility_code from (" ~ model_fingerprints() ~ ") as current"
        ~ ((" left join " ~ build_state_relation() ~ " as built"
            ~ " on current.utility_code = built.utility_code"
            ~ " where built.fingerprint is distinct from current.fingerprint")
           if state is not none else "")
        ~ " order by current.utility_code") %}
    {{ return(changed.columns[0].values() | list) }}
{% endmacro %}

{% macro utility_list_sql(codes) -%}
    {%- if codes | length == 0 -%}
        (null)
    {%- else -%}
        ({% for code in codes %}'{{ code | replace("'", "''") }}'{% if not loop.last %}, {% endif %}{% endfor %})
    {%- endif -%}
{%- endmacro %}

{#- A predicate on `column`: true in a full build, else the utilities to rebuild, as literals
    (so DuckDB prunes the scans by utility). -#}
{% macro utilities_to_rebuild_filter(column) -%}
    {{ utilities_filter(column, utilities_to_rebuild()) }}
{%- endmacro %}

{#- A predicate on `column`: true when `codes` is none (all utilities), else those codes. -#}
{% macro utilities_filter(column, codes) -%}
    {%- if codes is none -%}
        true
    {%- else -%}
        {{ column }} in {{ utility_list_sql(codes) }}
    {%- endif -%}
{%- endmacro %}

{#- pre-hook: drop the rows of the utilities this build recomputes, and of utilities that no
    longer have a current run. -#}
{% macro forget_utilities_to_rebuild() %}
    {% set codes = utilities_to_rebuild() %}
    {% if codes is not none %}
        delete from {{ this }}
        where
            utility_code in {{ utility_list_sql(codes) }}
            or utility_code not in (select utility_code from {{ ref('int_utility_fingerprints') }})
    {% endif %}
{% endmacro %}

{#- post-hook: the fingerprints the model now holds, in the model's own transaction. With
    `signed`, also each utility's row count and the sum of its rows' hashes (the marts that
    are published: publishing then reads them instead of hashing 10 million rows), computed
    for the utilities rebuilt and carried over for the others. -#}
{% macro remember_built_utilities(signed=false) %}
    {% if not signed %}
        create or replace table {{ build_state_relation() }} as {{ model_fingerprints() }}
    {% else %}
        {% set codes = utilities_to_rebuild() %}
        {% set state = existing_build_state() %}
        {% set signed_before = state is not none and codes is not none
            and 'digest' in (adapter.get_columns_in_relation(state) | map(attribute='name')
                             | list) %}
        create or replace table {{ build_state_relation() }} as
        with signed as (
            select
                utility_code,
                count(*) as row_count,
                cast(sum(hash(whole_row)) as varchar) as digest
            from {{ this }} as whole_row
            where {{ utilities_filter('utility_code', codes) }}
            group by utility_code
        ),

        kept as (
            {% if signed_before %}
                select utility_code, row_count, digest
                from {{ build_state_relation() }}
                where not {{ utilities_filter('utility_code', codes) }}
            {% else %}
                select null::varchar as utility_code, null::bigint as row_count,
                    null::varchar as digest
                where false
            {% endif %}
        )

        select
            fingerprints.utility_code,
            fingerprints.fingerprint,
            coalesce(signed.row_count, kept.row_count) as row_count,
            coalesce(signed.digest, kept.digest) as digest
        from ({{ model_fingerprints() }}) as fingerprints
        left join signed on fingerprints.utility_code = signed.utility_code
        left join kept on fingerprints.utility_code = kept.utility_code
    {% endif %}
{% endmacro %}

{#- on-run-start: the schema of the models' build state. -#}
{% macro ensure_build_state_schema() %}
    create schema if not exists {{ build_state_schema() }}
{% endmacro %}

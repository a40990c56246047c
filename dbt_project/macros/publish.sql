{#-
    on-run-end: after a `dbt build` or `dbt run` in which every node passed and every mart was
    built (a partial selection publishes nothing: the file would mix builds), publish warehouse/marts.duckdb (every model of the marts schema, found in the
    graph: a new mart needs no edit here) and then write warehouse/exports/. The file work is
    done by the SQL function hc_publish of the plugin extract/dbt_publish.py (see
    extract/publish.py), told where this target built the marts (the DuckDB file or the lake,
    and which schema) and where the models keep their build state.
    A refused (shrinking) publish fails the command and leaves both as they were.
-#}
{% macro publish() %}
    {% if execute and flags.WHICH in ('build', 'run') %}
        {% set failed = results | selectattr('status', 'in', ['error', 'fail', 'skipped'])
            | list %}
        {% set marts = [] %}
        {% for node in graph.nodes.values()
            if node.resource_type == 'model' and node.config.schema == 'marts' %}
            {% do marts.append(node.alias or node.name) %}
        {% endfor %}
        {% set built = results | selectattr('node.resource_type', 'equalto', 'model')
            | map(attribute='node') | map(attribute='alias') | list %}
        {% set unbuilt = marts | reject('in', built) | list %}
        {% if failed %}
            {{ log("marts.duckdb and exports not published: " ~ failed | length
                ~ " node(s) failed or were skipped", info=True) }}
        {% elif unbuilt and unbuilt | length < marts | length %}
            {{ log("marts.duckdb and exports not published: this run built "
                ~ (marts | length - unbuilt | length) ~ " of " ~ marts | length
                ~ " marts (not " ~ unbuilt | join(', ') ~ ")", info=True) }}
        {% elif not unbuilt %}
            {% set allow_shrink = var('allow_shrink', false) | string | lower
                in ('true', '1', 'yes') %}
            {% set marts_list = "['" ~ (marts | sort | join("', '")) ~ "']" %}
            {% set where = "'" ~ target.database ~ "', '"
                ~ generate_schema_name('marts', none) | trim ~ "'" %}
            {% set published = run_query("select hc_publish(" ~ where ~ ", " ~ marts_list
                ~ ", " ~ allow_shrink ~ ", " ~ var('geoparquet_row_group_rows', 10000) | int
                ~ ", '" ~ build_state_schema() ~ "')") %}
            {% for line in published.columns[0].values()[0].split('\n') %}
                {{ log(line, info=True) }}
            {% endfor %}
        {% endif %}
    {% endif %}
{% endmacro %}

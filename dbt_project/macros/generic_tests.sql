{#- Generic tests: two that dbt_utils would otherwise give (no package hub offline), and ours. -#}

{% test unique_combination_of_columns(model, combination_of_columns) %}
    select {{ combination_of_columns | join(', ') }}, count(*) as occurrences
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}

{#- Exactly one of `columns` holds a value on every row. -#}
{% test one_of_columns_is_set(model, columns) %}
    select *
    from {{ model }}
    where
        ({% for column in columns %}cast({{ column }} is not null as integer){{ " + " if not loop.last }}{% endfor %})
        <> 1
{% endtest %}

{% test value_in_range(model, column_name, min_value=none, max_value=none) %}
    select {{ column_name }}
    from {{ model }}
    where
        {{ column_name }} is not null
        and (
            false
            {% if min_value is not none %} or {{ column_name }} < {{ min_value }} {% endif %}
            {% if max_value is not none %} or {{ column_name }} > {{ max_value }} {% endif %}
        )
{% endtest %}

{% test has_no_rows(model) %}
    {#- Every row is a finding; use with severity warn for lists that should stay empty. -#}
    select * from {{ model }}
{% endtest %}

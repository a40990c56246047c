{#- Rows sharing the same values in every column of `combination` (a composite key). -#}
{% test gridx_unique_combination(model, combination) %}
    select
        {{ combination | join(', ') }},
        count(*) as rows_with_key
    from {{ model }}
    group by {{ combination | join(', ') }}
    having count(*) > 1
{% endtest %}

{#- Rows of `model` whose composite key `columns` has no match in `to` (same column names). -#}
{% test gridx_composite_relationship(model, to, columns) %}
    select child.*
    from {{ model }} as child
    where not exists (
        select 1
        from {{ to }} as parent
        where
            {% for column in columns %}
                parent.{{ column }} = child.{{ column }}{% if not loop.last %} and{% endif %}
            {% endfor %}
    )
{% endtest %}

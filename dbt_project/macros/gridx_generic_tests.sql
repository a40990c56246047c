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

-- No inf or NaN ever reaches a mart: every number of a record is finite or NULL (the parse
-- macros turn NaN, Infinity, "1e400" and magnitudes beyond a physical bound into NULL).
-- Every DOUBLE column of the mart is checked, whatever columns it gains.
{% set not_finite = ['false'] %}
{% if execute %}
    {% for column in adapter.get_columns_in_relation(ref('hosting_capacity_records')) %}
        {% if column.dtype | upper in ('DOUBLE', 'FLOAT', 'REAL') %}
            {% do not_finite.append('not isfinite(' ~ column.name ~ ')') %}
        {% endif %}
    {% endfor %}
{% endif %}

select
    utility_code,
    source_layer,
    source_object_id
from {{ ref('hosting_capacity_records') }}
where {{ not_finite | join(' or ') }}

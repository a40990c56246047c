-- No inf or NaN ever reaches a mart: every number of a record is finite or NULL (the parse
-- macros turn NaN, Infinity, "1e400" and magnitudes beyond a physical bound into NULL).
{% set numbers = canonical_capacity_fields() + ['voltage_kv', 'centroid_lat', 'centroid_lon'] %}

select
    utility_code,
    source_layer,
    source_object_id
from {{ ref('hosting_capacity_records') }}
where
    false
    {% for column in numbers %}
        or not isfinite({{ column }})
    {% endfor %}

{% macro hilbert_order(lon, lat) %}
    {#- Position along a Hilbert curve over the whole globe (WGS84 degrees). -#}
    st_hilbert(
        {{ lon }}, {{ lat }},
        {'min_x': -180, 'min_y': -90, 'max_x': 180, 'max_y': 90}::box_2d
    )
{% endmacro %}

{#- A feeder's figures from its segments, the same in hosting_capacity_feeders and, at every
    vintage, in hosting_capacity_changes. The dominant constraint is the most common one,
    ties broken alphabetically, so the same segments always give the same answer. -#}
{% macro feeder_capacity_aggregates() %}
    count(*) as segment_count,
    min(coalesce(hosting_capacity_min_mw, hosting_capacity_mw)) as hosting_capacity_min_mw,
    max(coalesce(hosting_capacity_max_mw, hosting_capacity_mw)) as hosting_capacity_max_mw,
    max(remaining_capacity_mw) as remaining_capacity_mw,
    max(installed_dg_mw) as installed_dg_mw,
    max(queued_dg_mw) as queued_dg_mw,
    list_sort(
        list_transform(
            map_entries(histogram(constraining_metric)),
            metric -> {'fewer': -metric.value, 'name': metric.key}
        )
    )[1].name as dominant_constraint
{% endmacro %}

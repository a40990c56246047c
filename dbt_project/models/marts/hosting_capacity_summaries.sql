-- One row per (utility, capacity kind) with records. Feeder totals come from
-- hosting_capacity_feeders (one figure per distinct feeder), never from summing the rows of
-- one feeder; records without feeder ids are counted per cell or point.
with feeders as (
    select * from {{ ref('hosting_capacity_feeders') }}
),

records as (
    select
        utility_code,
        capacity_kind,
        count(*) as total_records,
        count(*) filter (where feeder_id_external is null) as records_without_feeder_id,
        count(distinct source_layer || '/' || source_object_id) filter (
            where row_grain = 'grid_cell'
        ) as total_grid_cells,
        count(*) filter (where capacity_is_lower_bound) as records_at_lower_bound,
        sum(unparseable_value_count) as unparseable_values
    from {{ ref('hosting_capacity_records') }}
    group by utility_code, capacity_kind
),

feeder_totals as (
    select
        utility_code,
        capacity_kind,
        count(*) as total_feeders,
        sum(hosting_capacity_max_mw) as total_hosting_capacity_mw,
        sum(installed_dg_mw) as total_installed_dg_mw,
        sum(queued_dg_mw) as total_queued_dg_mw,
        sum(greatest(remaining_capacity_mw, 0)) as total_remaining_capacity_mw,
        count(*) filter (where is_constrained) as constrained_feeders_count
    from feeders
    group by utility_code, capacity_kind
),

constraint_counts as (
    select
        utility_code,
        capacity_kind,
        dominant_constraint,
        count(*) as feeders
    from feeders
    where dominant_constraint is not null
    group by utility_code, capacity_kind, dominant_constraint
),

breakdowns as (
    select
        utility_code,
        capacity_kind,
        map_from_entries(
            list((dominant_constraint, feeders) order by dominant_constraint)
        ) as constraint_breakdown
    from constraint_counts
    group by utility_code, capacity_kind
)

select
    records.utility_code,
    records.capacity_kind,
    coalesce(feeder_totals.total_feeders, 0) as total_feeders,
    records.total_records,
    records.records_without_feeder_id,
    records.total_grid_cells,
    records.records_at_lower_bound,
    records.unparseable_values,
    feeder_totals.total_hosting_capacity_mw,
    feeder_totals.total_installed_dg_mw,
    feeder_totals.total_queued_dg_mw,
    feeder_totals.total_remaining_capacity_mw,
    coalesce(feeder_totals.constrained_feeders_count, 0) as constrained_feeders_count,
    coalesce(
        breakdowns.constraint_breakdown, cast(map() as map (varchar, bigint))
    ) as constraint_breakdown,
    current_timestamp as computed_at
from records
left join feeder_totals
    on
        records.utility_code = feeder_totals.utility_code
        and records.capacity_kind = feeder_totals.capacity_kind
left join breakdowns
    on
        records.utility_code = breakdowns.utility_code
        and records.capacity_kind = breakdowns.capacity_kind

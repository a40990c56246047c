-- One row per feeder (or cell) and vintage of its utility's layers of one capacity kind: the
-- feeder's figures before (at the previous vintage) and after, their deltas, segments added
-- and removed, and a change_kind. Computed from hosting_capacity_history alone, with the
-- figures of hosting_capacity_feeders (feeder_capacity_aggregates) on the same segments,
-- generation and load never mixed. A record without a feeder id (a grid cell, a bus) is a
-- unit of its own, followed by its record_key, as hosting_capacity_feeders counts it per cell.
--
-- Incremental: a build computes only the vintages after the latest one already listed for a
-- utility and kind (a vintage, once listed, never changes: the history only ever adds later
-- ones), reading the history's states at those vintages and the ones before them, so a build
-- costs what the new vintages hold, not every vintage kept. `--full-refresh` recomputes all.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

with unit_versions as (
    select
        *,
        case when feeder_id_external is null then record_key end as cell_record_key,
        case
            when feeder_id_external is null then 'cell:' || record_key
            else 'feeder:' || feeder_id_external
        end as unit_id
    from {{ ref('hosting_capacity_history') }}
),

vintage_points as (
    select
        utility_code,
        capacity_kind,
        valid_from as vintage_at
    from unit_versions
    union
    select
        utility_code,
        capacity_kind,
        valid_to as vintage_at
    from unit_versions
    where valid_to is not null
),

vintages as (
    select
        utility_code,
        capacity_kind,
        vintage_at,
        lag(vintage_at) over (
            partition by utility_code, capacity_kind order by vintage_at
        ) as previous_vintage_at
    from vintage_points
),

-- The vintages this build lists.
{% if is_incremental() %}
    listed as (
        select
            utility_code,
            capacity_kind,
            max(current_vintage_at) as latest_listed_at
        from {{ this }}
        group by utility_code, capacity_kind
    ),

    new_vintages as (
        select vintages.*
        from vintages
        left join listed
            on
                vintages.utility_code = listed.utility_code
                and vintages.capacity_kind = listed.capacity_kind
        where listed.latest_listed_at is null or vintages.vintage_at > listed.latest_listed_at
    ),
{% else %}
    new_vintages as (
        select * from vintages
    ),
{% endif %}

-- The vintages whose states this build compares: the new ones and the ones before them.
compared_vintages as (
    select
        utility_code,
        capacity_kind,
        vintage_at
    from new_vintages
    union
    select
        utility_code,
        capacity_kind,
        previous_vintage_at as vintage_at
    from new_vintages
    where previous_vintage_at is not null
),

-- Each version at each of those vintages it was valid at.
states as materialized (
    select
        compared_vintages.vintage_at,
        unit_versions.*
    from compared_vintages
    inner join unit_versions
        on
            compared_vintages.utility_code = unit_versions.utility_code
            and compared_vintages.capacity_kind = unit_versions.capacity_kind
            and compared_vintages.vintage_at >= unit_versions.valid_from
            and (
                unit_versions.valid_to is null
                or compared_vintages.vintage_at < unit_versions.valid_to
            )
),

feeder_states as (
    select
        utility_code,
        capacity_kind,
        unit_id,
        vintage_at,
        any_value(feeder_id_external) as feeder_id_external,
        any_value(cell_record_key) as cell_record_key,
        {{ feeder_capacity_aggregates() }}
    from states
    group by utility_code, capacity_kind, unit_id, vintage_at
),

-- A segment is added to a feeder when its record was not on that feeder at the previous
-- vintage, removed when it no longer is.
segments_added as (
    select
        after_state.utility_code,
        after_state.capacity_kind,
        after_state.unit_id,
        after_state.vintage_at,
        count(*) as segments_added
    from states as after_state
    inner join new_vintages
        on
            after_state.utility_code = new_vintages.utility_code
            and after_state.capacity_kind = new_vintages.capacity_kind
            and after_state.vintage_at = new_vintages.vintage_at
    where
        not exists (
            select 1
            from states as before_state
            where
                after_state.utility_code = before_state.utility_code
                and after_state.capacity_kind = before_state.capacity_kind
                and after_state.unit_id = before_state.unit_id
                and after_state.record_key = before_state.record_key
                and new_vintages.previous_vintage_at = before_state.vintage_at
        )
    group by
        after_state.utility_code,
        after_state.capacity_kind,
        after_state.unit_id,
        after_state.vintage_at
),

segments_removed as (
    select
        before_state.utility_code,
        before_state.capacity_kind,
        before_state.unit_id,
        new_vintages.vintage_at,
        count(*) as segments_removed
    from states as before_state
    inner join new_vintages
        on
            before_state.utility_code = new_vintages.utility_code
            and before_state.capacity_kind = new_vintages.capacity_kind
            and before_state.vintage_at = new_vintages.previous_vintage_at
    where
        not exists (
            select 1
            from states as after_state
            where
                before_state.utility_code = after_state.utility_code
                and before_state.capacity_kind = after_state.capacity_kind
                and before_state.unit_id = after_state.unit_id
                and before_state.record_key = after_state.record_key
                and new_vintages.vintage_at = after_state.vintage_at
        )
    group by
        before_state.utility_code,
        before_state.capacity_kind,
        before_state.unit_id,
        new_vintages.vintage_at
),

after_states as (
    select
        feeder_states.*,
        new_vintages.previous_vintage_at
    from feeder_states
    inner join new_vintages
        on
            feeder_states.utility_code = new_vintages.utility_code
            and feeder_states.capacity_kind = new_vintages.capacity_kind
            and feeder_states.vintage_at = new_vintages.vintage_at
),

before_states as (
    select
        feeder_states.*,
        new_vintages.vintage_at as next_vintage_at
    from feeder_states
    inner join new_vintages
        on
            feeder_states.utility_code = new_vintages.utility_code
            and feeder_states.capacity_kind = new_vintages.capacity_kind
            and feeder_states.vintage_at = new_vintages.previous_vintage_at
),

compared as (
    select
        coalesce(after_state.utility_code, before_state.utility_code) as utility_code,
        coalesce(after_state.capacity_kind, before_state.capacity_kind) as capacity_kind,
        coalesce(after_state.unit_id, before_state.unit_id) as unit_id,
        coalesce(
            after_state.feeder_id_external, before_state.feeder_id_external
        ) as feeder_id_external,
        coalesce(after_state.cell_record_key, before_state.cell_record_key) as cell_record_key,
        coalesce(after_state.previous_vintage_at, before_state.vintage_at)
            as previous_vintage_at,
        coalesce(after_state.vintage_at, before_state.next_vintage_at) as current_vintage_at,
        before_state.unit_id is not null as existed_before,
        after_state.unit_id is not null as exists_after,
        before_state.hosting_capacity_max_mw as hosting_capacity_mw_before,
        after_state.hosting_capacity_max_mw as hosting_capacity_mw_after,
        before_state.remaining_capacity_mw as remaining_capacity_mw_before,
        after_state.remaining_capacity_mw as remaining_capacity_mw_after,
        before_state.installed_dg_mw as installed_dg_mw_before,
        after_state.installed_dg_mw as installed_dg_mw_after,
        before_state.queued_dg_mw as queued_dg_mw_before,
        after_state.queued_dg_mw as queued_dg_mw_after,
        before_state.dominant_constraint as dominant_constraint_before,
        after_state.dominant_constraint as dominant_constraint_after,
        coalesce(before_state.segment_count, 0) as segment_count_before,
        coalesce(after_state.segment_count, 0) as segment_count_after
    from after_states as after_state
    full outer join before_states as before_state
        on
            after_state.utility_code = before_state.utility_code
            and after_state.capacity_kind = before_state.capacity_kind
            and after_state.unit_id = before_state.unit_id
            and after_state.vintage_at = before_state.next_vintage_at
),

with_deltas as (
    select
        compared.*,
        compared.hosting_capacity_mw_after - compared.hosting_capacity_mw_before
            as hosting_capacity_mw_delta,
        compared.remaining_capacity_mw_after - compared.remaining_capacity_mw_before
            as remaining_capacity_mw_delta,
        compared.installed_dg_mw_after - compared.installed_dg_mw_before
            as installed_dg_mw_delta,
        compared.queued_dg_mw_after - compared.queued_dg_mw_before as queued_dg_mw_delta,
        -- The room a project sees: remaining capacity where both vintages have it and it
        -- moved, else hosting capacity.
        case
            when remaining_capacity_mw_delta <> 0 then remaining_capacity_mw_delta
            else hosting_capacity_mw_delta
        end as capacity_delta_mw
    from compared
)

select
    with_deltas.utility_code,
    with_deltas.feeder_id_external,
    with_deltas.cell_record_key,
    with_deltas.capacity_kind,
    with_deltas.previous_vintage_at,
    with_deltas.current_vintage_at,
    cast(with_deltas.previous_vintage_at as date) as previous_vintage_date,
    cast(with_deltas.current_vintage_at as date) as current_vintage_date,
    case
        when not with_deltas.existed_before then 'new'
        when not with_deltas.exists_after then 'removed'
        when with_deltas.capacity_delta_mw < 0 then 'capacity_down'
        when with_deltas.capacity_delta_mw > 0 then 'capacity_up'
        when
            coalesce(with_deltas.dominant_constraint_before, '')
            <> coalesce(with_deltas.dominant_constraint_after, '')
            then 'constraint_changed'
        else 'unchanged'
    end as change_kind,
    with_deltas.hosting_capacity_mw_before,
    with_deltas.hosting_capacity_mw_after,
    with_deltas.hosting_capacity_mw_delta,
    with_deltas.remaining_capacity_mw_before,
    with_deltas.remaining_capacity_mw_after,
    with_deltas.remaining_capacity_mw_delta,
    with_deltas.installed_dg_mw_before,
    with_deltas.installed_dg_mw_after,
    with_deltas.installed_dg_mw_delta,
    with_deltas.queued_dg_mw_before,
    with_deltas.queued_dg_mw_after,
    with_deltas.queued_dg_mw_delta,
    with_deltas.dominant_constraint_before,
    with_deltas.dominant_constraint_after,
    with_deltas.segment_count_before,
    with_deltas.segment_count_after,
    coalesce(segments_added.segments_added, 0) as segments_added,
    coalesce(segments_removed.segments_removed, 0) as segments_removed
from with_deltas
left join segments_added
    on
        with_deltas.utility_code = segments_added.utility_code
        and with_deltas.capacity_kind = segments_added.capacity_kind
        and with_deltas.unit_id = segments_added.unit_id
        and with_deltas.current_vintage_at = segments_added.vintage_at
left join segments_removed
    on
        with_deltas.utility_code = segments_removed.utility_code
        and with_deltas.capacity_kind = segments_removed.capacity_kind
        and with_deltas.unit_id = segments_removed.unit_id
        and with_deltas.current_vintage_at = segments_removed.vintage_at

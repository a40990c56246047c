{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='version_id',
    merge_update_columns=['valid_to', 'is_current'],
    on_schema_change='fail',
    full_refresh=false,
    post_hook="{{ remember_built_utilities() }}"
) }}
-- depends_on: {{ ref('int_utility_fingerprints') }}

-- Every version of every record (slowly changing dimension, type 2). Each build compares the
-- current ingestion of each layer not yet brought into the history with the layer's open
-- versions: a record whose tracked values (history_tracked_columns, compared by their hash)
-- changed gets a new version and its old one a valid_to; a record that is gone gets a
-- valid_to; an unchanged record gets nothing, so storage grows with what changed, and a build
-- with nothing new changes nothing. Never rebuilt from raw (full_refresh=false): the raw rows
-- of earlier runs are pruned by the extract, the history lives here.
--
-- A record (utility, layer, object id, list item, capacity kind) is followed from vintage to
-- vintage first by its place (list item, capacity kind, feeder id and geometry hash, several
-- records at one place paired in object-id order), then by its object id: object ids
-- reassigned by a republished layer keep a record's key, and a redrawn segment that kept its
-- id keeps it too. Matching works on narrow rows (keys and hashes); only the records that
-- need a new version are read whole.
--
-- Only utilities whose fingerprint moved since the history last looked can have a new
-- vintage (a new vintage is a new run), so every read of the history and the records is
-- narrowed to them, as literals DuckDB prunes row groups by (macros/per_utility.sql; the
-- history keeps only the post-hook: its rows are never deleted).
{% set columns = history_columns() %}
{% set refreshed = utilities_to_rebuild() %}
{% set grain = record_grain() %}
{% set new_record_key = [] %}
{% for column in grain %}{% do new_record_key.append('changed.' ~ column) %}{% endfor %}
{% do new_record_key.append('layer_vintages.vintage_at') %}
{% set place = ['utility_code', 'source_layer', 'source_item', 'capacity_kind',
                'feeder_id_external', 'geometry_hash'] %}

with vintages as (
    select * from {{ ref('int_layer_vintages') }}
),

{% if is_incremental() %}
    -- Per layer in the history: its latest vintage, and the runs it already holds versions of
    -- (a run already brought in is not compared again).
    history_layers as (
        select
            utility_code,
            source_layer,
            max(coalesce(valid_to, valid_from)) as latest_vintage_at
        from {{ this }}
        where {{ utilities_filter('utility_code', refreshed) }}
        group by utility_code, source_layer
    ),

    processed_runs as (
        select distinct
            utility_code,
            source_layer,
            ingestion_run_id
        from {{ this }}
        where {{ utilities_filter('utility_code', refreshed) }}
    ),
{% else %}
    history_layers as (
        select
            cast(null as varchar) as utility_code,
            cast(null as varchar) as source_layer,
            cast(null as timestamptz) as latest_vintage_at
        where false
    ),

    processed_runs as (
        select
            cast(null as varchar) as utility_code,
            cast(null as varchar) as source_layer,
            cast(null as varchar) as ingestion_run_id
        where false
    ),
{% endif %}

-- The layers this build brings to a new vintage, if anything in them changed. A vintage
-- starts at the layer's lastEditDate; where the layer has none, or it did not move past the
-- layer's last vintage although records changed, at the run's load time.
layer_vintages as (
    select
        vintages.utility_code,
        vintages.source_layer,
        vintages.ingestion_run_id,
        vintages.loaded_at,
        vintages.last_edit_at is not null
        and (
            history_layers.latest_vintage_at is null
            or vintages.last_edit_at > history_layers.latest_vintage_at
        ) as starts_at_last_edit,
        case
            when starts_at_last_edit then vintages.last_edit_at else vintages.loaded_at
        end as vintage_at
    from vintages
    left join history_layers
        on
            vintages.utility_code = history_layers.utility_code
            and vintages.source_layer = history_layers.source_layer
    where not exists (
        select 1
        from processed_runs
        where
            vintages.utility_code = processed_runs.utility_code
            and vintages.source_layer = processed_runs.source_layer
            and vintages.ingestion_run_id = processed_runs.ingestion_run_id
    )
),

-- The current records of those layers, narrow: their grain, place and the hash of their
-- tracked values.
current_records as materialized (
    select
        {% for column in grain %}
            {{ column }},
        {% endfor %}
        feeder_id_external,
        geometry_hash,
        {{ row_hash(history_tracked_columns()) }} as tracked_hash
    from (
        select
            records.*,
            {{ geometry_hash('records.geom') }} as geometry_hash
        from {{ ref('hosting_capacity_records') }} as records
        inner join layer_vintages
            on
                records.utility_code = layer_vintages.utility_code
                and records.source_layer = layer_vintages.source_layer
                and records.ingestion_run_id = layer_vintages.ingestion_run_id
        where {{ utilities_filter('records.utility_code', refreshed) }}
    ) as with_geometry_hash
),

{% if is_incremental() %}
    open_versions as materialized (
        select
            history.record_key,
            history.version_id,
            {% for column in place + ['source_object_id'] %}
                history.{{ column }},
            {% endfor %}
            history.tracked_hash
        from {{ this }} as history
        inner join layer_vintages
            on
                history.utility_code = layer_vintages.utility_code
                and history.source_layer = layer_vintages.source_layer
        where history.is_current and {{ utilities_filter('history.utility_code', refreshed) }}
    ),
{% else %}
    open_versions as (
        select
            cast(null as uuid) as record_key,
            cast(null as uuid) as version_id,
            cast(null as varchar) as utility_code,
            cast(null as varchar) as source_layer,
            cast(null as integer) as source_item,
            cast(null as varchar) as capacity_kind,
            cast(null as varchar) as feeder_id_external,
            cast(null as uuid) as geometry_hash,
            cast(null as bigint) as source_object_id,
            cast(null as uuid) as tracked_hash
        where false
    ),
{% endif %}

placed as (
    select
        *,
        row_number() over (
            partition by {{ place | join(', ') }}
            order by source_object_id
        ) as place_ordinal
    from current_records
),

open_placed as (
    select
        *,
        row_number() over (
            partition by {{ place | join(', ') }}
            order by source_object_id
        ) as place_ordinal
    from open_versions
),

matched_by_place as (
    select
        {% for column in grain %}
            placed.{{ column }},
        {% endfor %}
        placed.tracked_hash,
        open_placed.record_key,
        open_placed.version_id,
        open_placed.tracked_hash as open_tracked_hash
    from placed
    inner join open_placed
        on
            placed.utility_code = open_placed.utility_code
            and placed.source_layer = open_placed.source_layer
            and placed.source_item = open_placed.source_item
            and placed.capacity_kind = open_placed.capacity_kind
            and placed.feeder_id_external is not distinct from open_placed.feeder_id_external
            and placed.geometry_hash = open_placed.geometry_hash
            and placed.place_ordinal = open_placed.place_ordinal
),

matched_by_id as (
    select
        {% for column in grain %}
            current_records.{{ column }},
        {% endfor %}
        current_records.tracked_hash,
        open_versions.record_key,
        open_versions.version_id,
        open_versions.tracked_hash as open_tracked_hash
    from current_records
    inner join open_versions
        on {{ same_record('current_records', 'open_versions') }}
    where
        not exists (
            select 1
            from matched_by_place as by_place
            where {{ same_record('current_records', 'by_place') }}
        )
        and not exists (
            select 1
            from matched_by_place as by_place
            where open_versions.version_id = by_place.version_id
        )
),

matched as materialized (
    select * from matched_by_place
    union all
    select * from matched_by_id
),

-- Current records that need a version: new ones, and matched ones whose tracked values differ
-- from their open version's.
changed as (
    select
        {% for column in grain %}
            current_records.{{ column }},
        {% endfor %}
        current_records.geometry_hash,
        current_records.tracked_hash,
        matched.record_key
    from current_records
    left join matched on {{ same_record('current_records', 'matched') }}
    where matched.open_tracked_hash is distinct from current_records.tracked_hash
),

new_versions as (
    select
        coalesce(
            changed.record_key,
            {{ row_hash(new_record_key) }}
        ) as record_key,
        layer_vintages.vintage_at as valid_from,
        cast(null as timestamptz) as valid_to,
        true as is_current,
        cast(layer_vintages.vintage_at as date) as data_vintage_date,
        case
            when layer_vintages.starts_at_last_edit then 'layer_last_edit_date'
            else 'loaded_at'
        end as vintage_basis,
        changed.geometry_hash,
        changed.tracked_hash,
        records.*
    from changed
    inner join layer_vintages
        on
            changed.utility_code = layer_vintages.utility_code
            and changed.source_layer = layer_vintages.source_layer
    inner join {{ ref('hosting_capacity_records') }} as records
        on {{ same_record('changed', 'records') }}
    where {{ utilities_filter('records.utility_code', refreshed) }}
),

-- Open versions of the layers in this build that no unchanged record kept open: replaced or
-- gone, they end where the layer's new vintage starts.
-- (Read once the table exists: the first build has nothing to close.)
closed as (  -- noqa: ST03
    select
        open_versions.version_id,
        layer_vintages.vintage_at as valid_to
    from open_versions
    inner join layer_vintages
        on
            open_versions.utility_code = layer_vintages.utility_code
            and open_versions.source_layer = layer_vintages.source_layer
    where not exists (
        select 1
        from matched
        where
            open_versions.version_id = matched.version_id
            and matched.open_tracked_hash = matched.tracked_hash
    )
)

select
{% for column in columns %}
        {%- if column == 'version_id' %}
            {{ row_hash(['record_key', 'valid_from']) }} as version_id
        {%- else %}
            {{ column }}
        {%- endif %}{{ "," if not loop.last }}
{% endfor %}
from new_versions
{% if is_incremental() %}
    union all
    select
        {% for column in columns %}
            {%- if column == 'valid_to' %}
                closed.valid_to
            {%- elif column == 'is_current' %}
                false as is_current
            {%- else %}
                history.{{ column }}
            {%- endif %}{{ "," if not loop.last }}
        {% endfor %}
    from {{ this }} as history
    inner join closed on history.version_id = closed.version_id
    where {{ utilities_filter('history.utility_code', refreshed) }}
{% endif %}

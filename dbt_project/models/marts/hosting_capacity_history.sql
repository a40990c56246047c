{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='version_id',
    merge_update_columns=['valid_to', 'is_current'],
    on_schema_change='fail',
    full_refresh=false
) }}

-- Every version of every record (slowly changing dimension, type 2). Each build compares the
-- current ingestion of each layer with the layer's open versions: a record whose tracked
-- fields (history_tracked_columns) changed gets a new version and its old one a valid_to; a
-- record that is gone gets a valid_to; an unchanged record gets nothing, so storage grows
-- with what changed, and a build with nothing new changes nothing. Never rebuilt from raw
-- (full_refresh=false): the raw rows of earlier runs are pruned, the history lives here.
--
-- A record is followed from vintage to vintage first by its place (feeder id and geometry
-- hash, with duplicates paired in object-id order), then by its object id: object ids
-- reassigned by a republished layer keep a record's key, and a redrawn segment that kept its
-- id keeps it too. Matching works on narrow rows (keys and hashes); only the records that
-- need a new version are read whole.
{% set columns = history_columns() %}

with vintages as (
    select * from {{ ref('int_layer_vintages') }}
),

{% if is_incremental() %}
    open_versions as (
        select
            history.record_key,
            history.version_id,
            history.utility_code,
            history.source_layer,
            history.source_object_id,
            history.feeder_id_external,
            history.geometry_hash
        from {{ this }} as history
        inner join vintages
            on
                history.utility_code = vintages.utility_code
                and history.source_layer = vintages.source_layer
        where history.is_current
    ),

    latest_vintages as (
        select
            utility_code,
            source_layer,
            max(coalesce(valid_to, valid_from)) as latest_vintage_at
        from {{ this }}
        group by utility_code, source_layer
    ),
{% else %}
    open_versions as (
        select
            cast(null as uuid) as record_key,
            cast(null as uuid) as version_id,
            cast(null as varchar) as utility_code,
            cast(null as varchar) as source_layer,
            cast(null as bigint) as source_object_id,
            cast(null as varchar) as feeder_id_external,
            cast(null as uhugeint) as geometry_hash
        where false
    ),

    latest_vintages as (
        select
            cast(null as varchar) as utility_code,
            cast(null as varchar) as source_layer,
            cast(null as timestamptz) as latest_vintage_at
        where false
    ),
{% endif %}

-- A new vintage starts at the layer's lastEditDate; where the layer has none, or it did not
-- move past the layer's last vintage although records changed, at the run's load time.
layer_vintages as (
    select
        vintages.utility_code,
        vintages.source_layer,
        vintages.ingestion_run_id,
        vintages.loaded_at,
        vintages.last_edit_at is not null
        and (
            latest_vintages.latest_vintage_at is null
            or vintages.last_edit_at > latest_vintages.latest_vintage_at
        ) as starts_at_last_edit,
        case
            when starts_at_last_edit then vintages.last_edit_at else vintages.loaded_at
        end as vintage_at
    from vintages
    left join latest_vintages
        on
            vintages.utility_code = latest_vintages.utility_code
            and vintages.source_layer = latest_vintages.source_layer
),

current_records as (
    select
        records.*,
        {{ geometry_hash('records.geom') }} as geometry_hash
    from {{ ref('hosting_capacity_records') }} as records
    inner join layer_vintages
        on
            records.utility_code = layer_vintages.utility_code
            and records.source_layer = layer_vintages.source_layer
            and records.ingestion_run_id = layer_vintages.ingestion_run_id
),

placed as (
    select
        utility_code,
        source_layer,
        source_object_id,
        feeder_id_external,
        geometry_hash,
        row_number() over (
            partition by utility_code, source_layer, feeder_id_external, geometry_hash
            order by source_object_id
        ) as place_ordinal
    from current_records
),

open_placed as (
    select
        *,
        row_number() over (
            partition by utility_code, source_layer, feeder_id_external, geometry_hash
            order by source_object_id
        ) as place_ordinal
    from open_versions
),

matched_by_place as (
    select
        placed.utility_code,
        placed.source_layer,
        placed.source_object_id,
        open_placed.record_key,
        open_placed.version_id
    from placed
    inner join open_placed
        on
            placed.utility_code = open_placed.utility_code
            and placed.source_layer = open_placed.source_layer
            and placed.feeder_id_external is not distinct from open_placed.feeder_id_external
            and placed.geometry_hash = open_placed.geometry_hash
            and placed.place_ordinal = open_placed.place_ordinal
),

matched_by_id as (
    select
        placed.utility_code,
        placed.source_layer,
        placed.source_object_id,
        open_versions.record_key,
        open_versions.version_id
    from placed
    inner join open_versions
        on
            placed.utility_code = open_versions.utility_code
            and placed.source_layer = open_versions.source_layer
            and placed.source_object_id = open_versions.source_object_id
    where
        not exists (
            select 1
            from matched_by_place as by_place
            where
                placed.utility_code = by_place.utility_code
                and placed.source_layer = by_place.source_layer
                and placed.source_object_id = by_place.source_object_id
        )
        and not exists (
            select 1
            from matched_by_place as by_place
            where open_versions.version_id = by_place.version_id
        )
),

matched as (
    select * from matched_by_place
    union all
    select * from matched_by_id
),

{% if is_incremental() %}
    -- Matched records whose tracked values are their open version's: nothing to write.
    unchanged as (
        select
            matched.utility_code,
            matched.source_layer,
            matched.source_object_id,
            matched.version_id
        from matched
        inner join current_records
            on
                matched.utility_code = current_records.utility_code
                and matched.source_layer = current_records.source_layer
                and matched.source_object_id = current_records.source_object_id
        inner join {{ this }} as history on matched.version_id = history.version_id
        where {{ tracked_row('current_records') }} is not distinct from {{ tracked_row('history') }}
    ),
{% else %}
    unchanged as (
        select
            matched.utility_code,
            matched.source_layer,
            matched.source_object_id,
            matched.version_id
        from matched
        where false
    ),
{% endif %}

new_versions as (
    select
        coalesce(
            matched.record_key,
            {{ row_hash([
                'current_records.utility_code', 'current_records.source_layer',
                'current_records.source_object_id', 'layer_vintages.vintage_at'
            ]) }}
        ) as record_key,
        layer_vintages.vintage_at as valid_from,
        cast(null as timestamptz) as valid_to,
        true as is_current,
        cast(layer_vintages.vintage_at as date) as data_vintage_date,
        case
            when layer_vintages.starts_at_last_edit then 'layer_last_edit_date'
            else 'loaded_at'
        end as vintage_basis,
        current_records.*
    from current_records
    inner join layer_vintages
        on
            current_records.utility_code = layer_vintages.utility_code
            and current_records.source_layer = layer_vintages.source_layer
    left join matched
        on
            current_records.utility_code = matched.utility_code
            and current_records.source_layer = matched.source_layer
            and current_records.source_object_id = matched.source_object_id
    where not exists (
        select 1
        from unchanged
        where
            current_records.utility_code = unchanged.utility_code
            and current_records.source_layer = unchanged.source_layer
            and current_records.source_object_id = unchanged.source_object_id
    )
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
        from unchanged
        where open_versions.version_id = unchanged.version_id
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
{% endif %}

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
-- id keeps it too.
{% set tracked = history_tracked_columns() %}
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
            history.geometry_hash,
            history.record_hash
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
            cast(null as uuid) as geometry_hash,
            cast(null as uuid) as record_hash
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

hashed as (
    select
        records.*,
        {{ row_hash(['st_aswkb(records.geom)']) }} as geometry_hash
    from {{ ref('hosting_capacity_records') }} as records
    inner join layer_vintages
        on
            records.utility_code = layer_vintages.utility_code
            and records.source_layer = layer_vintages.source_layer
            and records.ingestion_run_id = layer_vintages.ingestion_run_id
),

records as (
    select
        hashed.*,
        {{ row_hash(tracked) }} as record_hash,
        layer_vintages.vintage_at,
        case
            when layer_vintages.starts_at_last_edit then 'layer_last_edit_date'
            else 'loaded_at'
        end as vintage_basis,
        row_number() over (
            partition by
                hashed.utility_code, hashed.source_layer, hashed.feeder_id_external,
                hashed.geometry_hash
            order by hashed.source_object_id
        ) as place_ordinal
    from hashed
    inner join layer_vintages
        on
            hashed.utility_code = layer_vintages.utility_code
            and hashed.source_layer = layer_vintages.source_layer
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
        records.utility_code,
        records.source_layer,
        records.source_object_id,
        open_placed.record_key,
        open_placed.version_id,
        open_placed.record_hash
    from records
    inner join open_placed
        on
            records.utility_code = open_placed.utility_code
            and records.source_layer = open_placed.source_layer
            and records.feeder_id_external is not distinct from open_placed.feeder_id_external
            and records.geometry_hash = open_placed.geometry_hash
            and records.place_ordinal = open_placed.place_ordinal
),

matched_by_id as (
    select
        records.utility_code,
        records.source_layer,
        records.source_object_id,
        open_versions.record_key,
        open_versions.version_id,
        open_versions.record_hash
    from records
    inner join open_versions
        on
            records.utility_code = open_versions.utility_code
            and records.source_layer = open_versions.source_layer
            and records.source_object_id = open_versions.source_object_id
    where
        not exists (
            select 1
            from matched_by_place as placed
            where
                records.utility_code = placed.utility_code
                and records.source_layer = placed.source_layer
                and records.source_object_id = placed.source_object_id
        )
        and not exists (
            select 1
            from matched_by_place as placed
            where open_versions.version_id = placed.version_id
        )
),

matched as (
    select * from matched_by_place
    union all
    select * from matched_by_id
),

paired as (
    select
        records.*,
        matched.record_key as open_record_key,
        matched.version_id as open_version_id,
        matched.record_hash as open_record_hash
    from records
    left join matched
        on
            records.utility_code = matched.utility_code
            and records.source_layer = matched.source_layer
            and records.source_object_id = matched.source_object_id
),

new_versions as (
    select
        coalesce(
            open_record_key,
            {{ row_hash(['utility_code', 'source_layer', 'source_object_id', 'vintage_at']) }}
        ) as record_key,
        vintage_at as valid_from,
        cast(null as timestamptz) as valid_to,
        true as is_current,
        cast(vintage_at as date) as data_vintage_date,
        * exclude (vintage_at, place_ordinal, open_record_key, open_version_id, open_record_hash)
    from paired
    where open_version_id is null or open_record_hash <> record_hash
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
        from paired
        where
            open_versions.version_id = paired.open_version_id
            and open_versions.record_hash = paired.record_hash
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

with source as (
    select * from {{ source('raw_gridx', 'prices__components') }}
),

renamed as (
    select
        _dlt_id as price_component_id,
        _dlt_parent_id as price_interval_id,
        _dlt_list_idx as component_position,
        component,
        price_type,
        cast(interval_price as decimal(12, 6)) as price_usd_per_kwh
    from source
)

select * from renamed

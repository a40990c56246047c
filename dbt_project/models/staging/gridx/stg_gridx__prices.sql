with source as (
    select * from {{ source('raw_gridx', 'prices') }}
),

renamed as (
    select
        _dlt_id as price_interval_id,
        utility,
        program,
        cca,
        rate_name,
        representative_circuit_id,
        market,
        market_name,
        price_curve_name,
        start_interval_timestamp as interval_start_published,
        {{ gridx_parse_offset_timestamp('start_interval_timestamp') }} as interval_start,
        {{ gridx_local_wall_time(gridx_parse_offset_timestamp('start_interval_timestamp')) }}
            as interval_start_local,
        interval_length_in_minutes as interval_minutes,
        cast(interval_price as decimal(12, 6)) as price_usd_per_kwh,
        price_status,
        settlement_currency,
        settlement_unit,
        requested_start_date,
        requested_end_date,
        _dlt_load_id as load_id,
        -- dlt load ids are the load's start time in Unix seconds.
        to_timestamp(cast(_dlt_load_id as double)) as loaded_at
    from source
)

select * from renamed

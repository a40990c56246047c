with prices as (
    select * from {{ ref('stg_gridx__prices') }}
),

final as (
    select
        utility,
        program,
        market,
        cca,
        rate_name,
        representative_circuit_id,
        interval_minutes,
        interval_start,
        market_name,
        price_curve_name,
        interval_start_local,
        cast(interval_start_local as date) as interval_date_local,
        interval_start_published,
        price_usd_per_kwh,
        price_status,
        loaded_at
    from prices
)

select * from final

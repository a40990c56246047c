with prices as (
    select * from {{ ref('stg_gridx__prices') }}
),

components as (
    select * from {{ ref('stg_gridx__price_components') }}
),

final as (
    select
        prices.utility,
        prices.program,
        prices.market,
        prices.cca,
        prices.rate_name,
        prices.representative_circuit_id,
        prices.interval_minutes,
        prices.interval_start,
        components.component,
        components.price_type,
        components.price_usd_per_kwh
    from components
    inner join prices
        on components.price_interval_id = prices.price_interval_id
)

select * from final

-- Each interval's components add up to its price (within 1e-6, one unit of the last decimal).
with components as (
    select
        utility,
        program,
        market,
        cca,
        rate_name,
        representative_circuit_id,
        interval_minutes,
        interval_start,
        sum(price_usd_per_kwh) as components_usd_per_kwh
    from {{ ref('dynamic_price_components') }}
    group by all
)

select
    prices.utility,
    prices.program,
    prices.market,
    prices.cca,
    prices.rate_name,
    prices.representative_circuit_id,
    prices.interval_minutes,
    prices.interval_start,
    prices.price_usd_per_kwh,
    components.components_usd_per_kwh
from {{ ref('dynamic_prices') }} as prices
inner join components
    on
        prices.utility = components.utility
        and prices.program = components.program
        and prices.market = components.market
        and prices.cca = components.cca
        and prices.rate_name = components.rate_name
        and prices.representative_circuit_id = components.representative_circuit_id
        and prices.interval_minutes = components.interval_minutes
        and prices.interval_start = components.interval_start
where abs(prices.price_usd_per_kwh - components.components_usd_per_kwh) > 0.000001

with prices as (
    select * from {{ ref('dynamic_prices') }}
),

daily as (
    select
        utility,
        program,
        market,
        cca,
        rate_name,
        representative_circuit_id,
        interval_minutes,
        interval_date_local,
        count(*) as interval_count,
        bool_and(price_status = 'Final') as is_final,
        min(price_usd_per_kwh) as min_price_usd_per_kwh,
        max(price_usd_per_kwh) as max_price_usd_per_kwh,
        sum(price_usd_per_kwh) as total_price_usd_per_kwh,
        -- the day's highest price; on a tie, its earliest interval
        first(
            interval_start order by price_usd_per_kwh desc, interval_start asc
        ) as max_price_interval_start,
        first(
            interval_start_local order by price_usd_per_kwh desc, interval_start asc
        ) as max_price_interval_start_local,
        max(loaded_at) as loaded_at
    from prices
    group by all
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
        interval_date_local,
        interval_count,
        cast(
            {{ gridx_local_day_minutes('interval_date_local') }} / interval_minutes
            as integer
        ) as expected_interval_count,
        interval_count = expected_interval_count as is_complete,
        is_final,
        min_price_usd_per_kwh,
        max_price_usd_per_kwh,
        -- The sum of DECIMAL(12,6) is exact; only the mean is rounded to 6 decimals.
        cast(
            round(cast(total_price_usd_per_kwh as double) / interval_count, 6)
            as decimal(12, 6)
        ) as mean_price_usd_per_kwh,
        hour(max_price_interval_start_local) as max_price_hour_local,
        max_price_interval_start,
        loaded_at
    from daily
)

select * from final

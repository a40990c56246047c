with prices as (
    select * from {{ ref('dynamic_prices') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by
                utility, program, rate_name, representative_circuit_id, interval_date_local
            order by price_usd_per_kwh desc, interval_start asc
        ) as rank_by_price_descending
    from prices
),

daily as (
    select
        utility,
        program,
        rate_name,
        representative_circuit_id,
        interval_date_local,
        count(*) as interval_count,
        max(interval_minutes) as interval_minutes,
        bool_and(price_status = 'Final') as is_final,
        min(price_usd_per_kwh) as min_price_usd_per_kwh,
        max(price_usd_per_kwh) as max_price_usd_per_kwh,
        sum(price_usd_per_kwh) as total_price_usd_per_kwh,
        max(loaded_at) as loaded_at
    from prices
    group by
        utility, program, rate_name, representative_circuit_id, interval_date_local
),

day_lengths as (
    select
        *,
        cast(
            {{ gridx_local_day_minutes('interval_date_local') }} / interval_minutes
            as integer
        ) as expected_interval_count,
        -- The sum of DECIMAL(12,6) is exact; only the mean is rounded to 6 decimals.
        cast(
            round(cast(total_price_usd_per_kwh as double) / interval_count, 6)
            as decimal(12, 6)
        ) as mean_price_usd_per_kwh,
        interval_count = expected_interval_count as is_complete
    from daily
),

peaks as (
    select
        utility,
        program,
        rate_name,
        representative_circuit_id,
        interval_date_local,
        interval_start as max_price_interval_start,
        hour(interval_start_local) as max_price_hour_local
    from ranked
    where rank_by_price_descending = 1
),

final as (
    select
        daily.utility,
        daily.program,
        daily.rate_name,
        daily.representative_circuit_id,
        daily.interval_date_local,
        daily.interval_count,
        daily.expected_interval_count,
        daily.is_complete,
        daily.is_final,
        daily.min_price_usd_per_kwh,
        daily.max_price_usd_per_kwh,
        daily.mean_price_usd_per_kwh,
        peaks.max_price_hour_local,
        peaks.max_price_interval_start,
        daily.loaded_at
    from day_lengths as daily
    inner join peaks
        on
            daily.utility = peaks.utility
            and daily.program = peaks.program
            and daily.rate_name = peaks.rate_name
            and daily.representative_circuit_id = peaks.representative_circuit_id
            and daily.interval_date_local = peaks.interval_date_local
)

select * from final

{{ config(severity='warn') }}

-- What slipped past the configs: a distribution record above 100 MW, or a utility whose
-- median for a capacity kind is 1000x its peers' (or 1/1000): the signature of a kW/MW
-- error. One row per utility, kind and reason.
with records as (
    select * from {{ ref('hosting_capacity_records') }}
    where hosting_capacity_mw is not null
),

above_100 as (
    select
        utility_code,
        capacity_kind,
        'records above 100 MW: ' || count(*) || ' (max ' || round(max(hosting_capacity_mw), 1)
        || ' MW)' as reason
    from records
    where hosting_capacity_mw > 100
    group by utility_code, capacity_kind
),

medians as (
    select
        utility_code,
        capacity_kind,
        median(abs(hosting_capacity_mw)) as median_mw
    from records
    group by utility_code, capacity_kind
),

peers as (
    select
        medians.utility_code,
        medians.capacity_kind,
        medians.median_mw,
        median(peer_medians.median_mw) as peer_median_mw
    from medians
    inner join medians as peer_medians
        on
            medians.capacity_kind = peer_medians.capacity_kind
            and medians.utility_code != peer_medians.utility_code
    group by medians.utility_code, medians.capacity_kind, medians.median_mw
),

off_scale as (
    select
        utility_code,
        capacity_kind,
        'median ' || round(median_mw, 4) || ' MW against peers '
        || round(peer_median_mw, 4) || ' MW: a unit error?' as reason
    from peers
    where
        peer_median_mw > 0
        and median_mw > 0
        and (median_mw / peer_median_mw >= 1000 or peer_median_mw / median_mw >= 1000)
)

select * from above_100
union all
select * from off_scale

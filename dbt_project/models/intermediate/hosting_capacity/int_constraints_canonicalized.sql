{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ forget_utilities_to_rebuild() }}",
    post_hook="{{ remember_built_utilities() }}"
) }}
-- depends_on: {{ ref('int_utility_fingerprints') }}

-- Every distinct constraint text a utility publishes, with its canonical constraining_metric.
-- Per utility, so a refresh canonicalizes only the utilities it rebuilds (macros/per_utility.sql).
with published as (
    select distinct
        utility_code,
        constraining_metric_text as constraining_metric_raw
    from {{ ref('int_hosting_capacity_fields_extracted') }}
    where
        constraining_metric_text is not null
        and {{ utilities_to_rebuild_filter('utility_code') }}
),

vocabulary as (
    select * from {{ ref('constraint_vocabulary') }}
),

blank_like as (
    select
        utility_code,
        constraining_metric_raw,
        lower(trim(constraining_metric_raw)) in (
            '', 'n/a', 'na', 'none', 'null', '-', '--', 'not applicable', 'unknown'
        ) as is_blank
    from published
),

matched as (
    select
        blank_like.utility_code,
        blank_like.constraining_metric_raw,
        vocabulary.constraining_metric,
        vocabulary.priority
    from blank_like
    inner join vocabulary
        on regexp_matches(blank_like.constraining_metric_raw, vocabulary.pattern, 'i')
    where not blank_like.is_blank
),

best as (
    select
        utility_code,
        constraining_metric_raw,
        constraining_metric
    from matched
    qualify row_number() over (
        partition by utility_code, constraining_metric_raw order by priority
    ) = 1
)

select
    blank_like.utility_code,
    blank_like.constraining_metric_raw,
    case
        when blank_like.is_blank then null
        else coalesce(best.constraining_metric, 'other')
    end as constraining_metric
from blank_like
left join best
    on
        blank_like.utility_code = best.utility_code
        and blank_like.constraining_metric_raw = best.constraining_metric_raw

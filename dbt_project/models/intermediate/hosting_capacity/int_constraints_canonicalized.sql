-- Every distinct published constraint text, with its canonical constraining_metric.
with published as (
    select distinct constraining_metric_text as constraining_metric_raw
    from {{ ref('int_hosting_capacity_fields_extracted') }}
    where constraining_metric_text is not null
),

vocabulary as (
    select * from {{ ref('constraint_vocabulary') }}
),

blank_like as (
    select
        constraining_metric_raw,
        lower(trim(constraining_metric_raw)) in (
            '', 'n/a', 'na', 'none', 'null', '-', '--', 'not applicable', 'unknown'
        ) as is_blank
    from published
),

matched as (
    select
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
        constraining_metric_raw,
        constraining_metric
    from matched
    qualify row_number() over (
        partition by constraining_metric_raw order by priority
    ) = 1
)

select
    blank_like.constraining_metric_raw,
    case
        when blank_like.is_blank then null
        else coalesce(best.constraining_metric, 'other')
    end as constraining_metric
from blank_like
left join best on blank_like.constraining_metric_raw = best.constraining_metric_raw

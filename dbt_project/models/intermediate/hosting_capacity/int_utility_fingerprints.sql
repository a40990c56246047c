-- One row per utility with a current ingestion: a hash of everything its records are built
-- from (its current run, its layers' config rows, the constraint vocabulary). The per-utility
-- incremental models (macros/per_utility.sql) rebuild a utility when its fingerprint moves.
with current_runs as (
    select * from {{ ref('stg_arcgis__latest_successful_runs') }}
),

layers as (
    select * from {{ ref('stg_configs__layers') }}
),

vocabulary as (
    select * from {{ ref('constraint_vocabulary') }}
),

-- A table's name in DuckDB is also its row as a struct: to_json(layers) is the whole row.
layer_configs as (
    select
        utility_code,
        string_agg(to_json(layers)::varchar, '|' order by source_layer) as layers_json
    from layers
    group by utility_code
),

vocabulary_text as (
    select
        string_agg(
            to_json(vocabulary)::varchar, '|' order by to_json(vocabulary)::varchar
        ) as vocabulary_json
    from vocabulary
)

select
    current_runs.utility_code,
    md5(concat_ws(
        '|',
        current_runs.run_id,
        current_runs.completed_at::varchar,
        coalesce(layer_configs.layers_json, ''),
        vocabulary_text.vocabulary_json
    )) as fingerprint
from current_runs
left join layer_configs on current_runs.utility_code = layer_configs.utility_code
cross join vocabulary_text

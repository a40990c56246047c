{{ config(severity='warn') }}

-- A layer (per capacity kind) whose capacity figure is NULL on more than half its records: a
-- field renamed or emptied upstream, or a sentinel that swallowed real values.
select
    utility_code,
    source_layer,
    capacity_kind,
    count(*) as records,
    count(*) filter (where hosting_capacity_mw is null) as null_capacity
from {{ ref('hosting_capacity_records') }}
group by utility_code, source_layer, capacity_kind
having count(*) filter (where hosting_capacity_mw is null) > count(*) / 2

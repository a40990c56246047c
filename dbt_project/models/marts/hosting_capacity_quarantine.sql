-- Records kept out of hosting_capacity_records because no map or sum could use them, with why.
select
    utility_code,
    source_layer,
    source_object_id,
    quarantine_reason,
    centroid_lat,
    centroid_lon,
    raw_attributes,
    ingestion_run_id,
    loaded_at
from {{ ref('int_hosting_capacity_records_normalized') }}
where quarantine_reason is not null

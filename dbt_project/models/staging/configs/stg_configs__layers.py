"""One row per configured layer, with one JSON pointer per canonical field.

The pointers (RFC 6901, e.g. `/Allowable_PV_kW`) are how config field names reach SQL: as
data passed to json_extract_string, never as SQL text, so no field name can inject anything.
"""

import pyarrow as pa

from extract import settings
from extract.config import CANONICAL_FIELDS, load_configs_for_build


def json_pointer(field_name: str) -> str:
    return "/" + field_name.replace("~", "~0").replace("/", "~1")


def model(dbt, session):
    dbt.config(materialized="table")
    rows = []
    for config in load_configs_for_build(settings.config_dir()):
        for layer in config.layers:
            pointers = {canonical: None for canonical in CANONICAL_FIELDS}
            for source_field, canonical in layer.field_map.items():
                pointers[canonical] = json_pointer(source_field)
            rows.append({
                "utility_code": config.utility_code,
                "source_layer": layer.name,
                "layer_index": layer.layer_index,
                "service_url": layer.service_url,
                "capacity_unit": layer.capacity_unit,
                "capacity_kind": layer.capacity_kind,
                "hosting_capacity_semantics": layer.hosting_capacity_semantics,
                "mapped_field_count": len(layer.field_map),
                **{f"{canonical}_pointer": pointer for canonical, pointer in pointers.items()},
            })
    schema = pa.schema(
        [("utility_code", pa.string()), ("source_layer", pa.string()),
         ("layer_index", pa.int64()), ("service_url", pa.string()),
         ("capacity_unit", pa.string()), ("capacity_kind", pa.string()),
         ("hosting_capacity_semantics", pa.string()), ("mapped_field_count", pa.int64())]
        + [(f"{canonical}_pointer", pa.string()) for canonical in CANONICAL_FIELDS]
    )
    return pa.Table.from_pylist(rows, schema=schema)

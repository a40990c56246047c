"""One row per (utility, layer, source field -> canonical field), for docs and tests."""

import pyarrow as pa

from extract import settings
from extract.arcgis.config import load_configs_for_build


def model(dbt, session):
    dbt.config(materialized="table")
    configs = load_configs_for_build(settings.config_dir())
    rows = [
        {"utility_code": c.utility_code, "source_layer": layer.name,
         "source_field": source_field, "canonical_field": canonical}
        for c in configs
        for layer in c.layers
        for source_field, canonical in layer.field_map.items()
    ]
    schema = pa.schema([("utility_code", pa.string()), ("source_layer", pa.string()),
                        ("source_field", pa.string()), ("canonical_field", pa.string())])
    return pa.Table.from_pylist(rows, schema=schema)

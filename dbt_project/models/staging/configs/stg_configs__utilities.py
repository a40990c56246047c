"""One row per utility config: configs/utilities/*.yaml is the single source of truth."""

import pyarrow as pa

from extract import settings
from extract.arcgis.config import load_configs_for_build


def model(dbt, session):
    dbt.config(materialized="table")
    configs = load_configs_for_build(settings.config_dir())
    rows = [{
        "utility_code": c.utility_code,
        "utility_name": c.utility_name,
        "parent_company": c.parent_company,
        "iso_id": c.iso_id,
        "states": list(c.states),
        "data_source_type": c.data_source_type,
        "requires_auth": c.requires_auth,
        "service_url": c.service_url or (c.layers[0].service_url if c.layers else None),
        "is_supported": c.is_supported,
        "unsupported_reason": c.unsupported_reason,
        "notes": c.notes,
        "attribution": c.attribution,
        "terms": c.terms,
        "capacity_kinds": sorted({k for layer in c.layers for k in layer.capacity_kinds}),
        "config_file": c.source_file.name,
    } for c in configs]
    schema = pa.schema([
        ("utility_code", pa.string()), ("utility_name", pa.string()),
        ("parent_company", pa.string()), ("iso_id", pa.string()),
        ("states", pa.list_(pa.string())), ("data_source_type", pa.string()),
        ("requires_auth", pa.bool_()), ("service_url", pa.string()),
        ("is_supported", pa.bool_()), ("unsupported_reason", pa.string()),
        ("notes", pa.string()), ("attribution", pa.string()), ("terms", pa.string()),
        ("capacity_kinds", pa.list_(pa.string())), ("config_file", pa.string()),
    ])
    return pa.Table.from_pylist(rows, schema=schema)

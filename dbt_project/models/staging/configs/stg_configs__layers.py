"""One row per configured layer, with one JSON pointer per canonical field.

The pointers (RFC 6901, e.g. `/Allowable_PV_kW`) are how config field names reach SQL: as
data passed to json_extract_string, never as SQL text, so no field name can inject anything.
"""

import pyarrow as pa

from extract import settings
from extract.arcgis.config import CANONICAL_FIELDS, CAPACITY_FIELDS, load_configs_for_build


def json_pointer(field_name: str) -> str:
    return "/" + field_name.replace("~", "~0").replace("/", "~1")


def as_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def capacity_columns(layer) -> dict:
    """Per capacity field: its unit, its ceiling and its "not measured" values, by canonical
    name, so SQL applies them without knowing any utility."""
    by_canonical = {canonical: source for source, canonical in layer.field_map.items()}
    columns = {}
    for canonical in CAPACITY_FIELDS:
        source = by_canonical.get(canonical)
        sentinels = layer.sentinels.get(source, ()) if source else ()
        columns[f"{canonical}_unit"] = layer.unit_of(source) if source else layer.capacity_unit
        columns[f"{canonical}_ceiling"] = layer.censored_at.get(source) if source else None
        columns[f"{canonical}_sentinel_texts"] = [s.strip().upper() for s in sentinels]
        columns[f"{canonical}_sentinel_numbers"] = [
            n for n in (as_number(s) for s in sentinels) if n is not None]
    return columns


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
                "row_grain": layer.row_grain,
                "list_separator": layer.list_separator,
                "aligned_fields": [layer.field_map[f] for f in layer.aligned_lists],
                "unattributable_fields": [layer.field_map[f] for f in layer.unattributable_lists],
                "text_values": [{"text": k, "value": v} for k, v in layer.text_values.items()],
                **{f"{canonical}_pointer": pointer for canonical, pointer in pointers.items()},
                **capacity_columns(layer),
            })
    schema = pa.schema(
        [("utility_code", pa.string()), ("source_layer", pa.string()),
         ("layer_index", pa.int64()), ("service_url", pa.string()),
         ("capacity_unit", pa.string()), ("capacity_kind", pa.string()),
         ("hosting_capacity_semantics", pa.string()), ("mapped_field_count", pa.int64()),
         ("row_grain", pa.string()), ("list_separator", pa.string()),
         ("aligned_fields", pa.list_(pa.string())),
         ("unattributable_fields", pa.list_(pa.string())),
         ("text_values", pa.list_(pa.struct([("text", pa.string()), ("value", pa.float64())])))]
        + [(f"{canonical}_pointer", pa.string()) for canonical in CANONICAL_FIELDS]
        + [column for canonical in CAPACITY_FIELDS for column in (
            (f"{canonical}_unit", pa.string()), (f"{canonical}_ceiling", pa.float64()),
            (f"{canonical}_sentinel_texts", pa.list_(pa.string())),
            (f"{canonical}_sentinel_numbers", pa.list_(pa.float64())))]
    )
    return pa.Table.from_pylist(rows, schema=schema)

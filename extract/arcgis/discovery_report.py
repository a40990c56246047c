"""The `--discover` report: what a utility's server lists (layers, fields, types, aliases),
how the configured field_map matches it, and a draft field_map, for writing or repairing a
config with `python -m extract hosting-capacity --utility X --discover`.
"""

from __future__ import annotations

import datetime

import yaml

from extract.arcgis.config import LayerConfig, UtilityConfig
from extract.arcgis.field_map_draft import draft_field_map, guess_capacity_unit, is_skipped
from extract.arcgis.service_url import DiscoveryError, resolve_service_url
from extract.http import HttpClient


def discover(utility: UtilityConfig, client: HttpClient,
             today: datetime.date | None = None) -> str:
    """A printable report per configured layer: the service's layers, the chosen layer's
    fields, and a draft field_map and capacity_unit. Raises DiscoveryError or FetchError
    when the service cannot be read."""
    today = today or datetime.date.today()
    layers = list(utility.layers) or [unconfigured_layer(utility)]
    lines = [f"{utility.utility_code}: {utility.utility_name} ({utility.data_source_type}, "
             f"{'supported' if utility.is_supported else 'not supported'})"]
    for layer in layers:
        lines += describe_layer(utility, layer, client, today)
    return "\n".join(lines)


def unconfigured_layer(utility: UtilityConfig) -> LayerConfig:
    """An ArcGIS service whose fields are unknown yet: discover its first layer."""
    if not utility.service_url:
        raise DiscoveryError(f"{utility.utility_code}: no ArcGIS service to discover "
                             f"({utility.unsupported_reason or 'no service_url'})")
    return LayerConfig(name="primary", service_url=utility.service_url, layer_index=-1,
                       field_map={})


def describe_layer(utility: UtilityConfig, layer: LayerConfig, client: HttpClient,
                   today: datetime.date) -> list[str]:
    service_url = resolve_service_url(utility, layer, client, today)
    service = client.get_json(service_url, {"f": "json"})
    lines = ["", f"== layer {layer.name} ==", f"service: {service_url}"]
    if service_url != layer.service_url:
        lines.append(f"  (found by {layer.url_discovery_method}; last known: "
                     f"{layer.service_url})")
    lines += service_layer_lines(service)
    index = layer.layer_index if layer.layer_index >= 0 else first_layer_id(service)
    detail = client.get_json(f"{service_url.rstrip('/')}/{index}", {"f": "json"})
    fields = [f for f in detail.get("fields") or [] if isinstance(f, dict) and f.get("name")]
    lines += [f"layer {index}: {detail.get('name', '?')} ({detail.get('geometryType', '?')}), "
              f"maxRecordCount {detail.get('maxRecordCount', '?')}, {len(fields)} fields"]
    lines += field_lines(fields)
    lines += configured_field_lines(layer, fields)
    lines += draft_lines(fields)
    return lines


def first_layer_id(service: dict) -> int:
    ids = [item.get("id") for item in service.get("layers") or [] if isinstance(item, dict)]
    return next((i for i in ids if isinstance(i, int)), 0)


def service_layer_lines(service: dict) -> list[str]:
    lines = ["service layers (id, name, geometryType):"]
    for kind in ("layers", "tables"):
        for item in service.get(kind) or []:
            if isinstance(item, dict):
                geometry = item.get("geometryType") or ("table" if kind == "tables" else "?")
                lines.append(f"  {item.get('id', '?'):>4}  {item.get('name', '?')}  {geometry}")
    return lines if len(lines) > 1 else lines + ["  (none listed)"]


def field_lines(fields: list[dict]) -> list[str]:
    width = max((len(str(f["name"])) for f in fields), default=4)
    lines = ["fields (name, type, alias):"]
    for field in fields:
        kind = str(field.get("type", "?")).removeprefix("esriFieldType")
        lines.append(f"  {str(field['name']):<{width}}  {kind:<12}  {field.get('alias') or ''}")
    return lines


def configured_field_lines(layer: LayerConfig, fields: list[dict]) -> list[str]:
    names = {str(f["name"]) for f in fields}
    missing = [source for source in layer.field_map if source not in names]
    if not layer.field_map:
        return []
    if not missing:
        return ["configured field_map: every source field exists in this layer"]
    return [f"configured field_map names fields this layer does not have: {', '.join(missing)}"]


def draft_lines(fields: list[dict]) -> list[str]:
    draft = draft_field_map(fields)
    unit = guess_capacity_unit(fields, draft)
    text = yaml.safe_dump({"field_map": draft} if draft else {"field_map": {}},
                          sort_keys=False, allow_unicode=True).rstrip()
    unmatched = [str(f["name"]) for f in fields if f["name"] not in draft and not is_skipped(f)]
    lines = ["draft (check every line before using it):"]
    lines += [f"  {line}" for line in text.splitlines()]
    lines.append(f"  capacity_unit: {unit}" if unit else
                 "  # capacity_unit: no kW/MW in the field names; check the layer's description")
    if unmatched:
        lines.append(f"  # not matched: {', '.join(unmatched)}")
    return lines

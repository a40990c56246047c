"""Discovery answers: the services directory, a service, a layer (`?f=json`)."""

from __future__ import annotations

from replicas.arcgis.geometry import WEB_MERCATOR_WKIDS, spatial_reference, to_web_mercator
from replicas.arcgis.network import METRES_PER_DEGREE
from replicas.arcgis.spec import PAGINATION_SINCE, LayerSpec, ServiceSpec

# ArcGIS Server added these to layer resources in 10.6 (standardized queries).
STANDARD_MAX_RECORD_COUNT_SINCE = 10.6


def directory(version: float, folders: list[str], services: list[tuple[str, str, str]]) -> dict:
    """`services` holds (name, type, url) as the server lists them."""
    listed = [{"name": name, "type": kind, "url": url} if url else {"name": name, "type": kind}
              for name, kind, url in services]
    return {"currentVersion": version, "folders": folders, "services": listed}


def extent(layer: LayerSpec, wkid: int) -> dict:
    """The box around the layer's regions (three spreads out), in `wkid`."""
    margins = [3 * region.spread_km * 1000 / METRES_PER_DEGREE for region in layer.grid.regions]
    regions = layer.grid.regions
    xmin = min(r.lon - m for r, m in zip(regions, margins, strict=True))
    xmax = max(r.lon + m for r, m in zip(regions, margins, strict=True))
    ymin = min(r.lat - m for r, m in zip(regions, margins, strict=True))
    ymax = max(r.lat + m for r, m in zip(regions, margins, strict=True))
    if wkid in WEB_MERCATOR_WKIDS:
        (xmin, ymin), (xmax, ymax) = to_web_mercator(xmin, ymin), to_web_mercator(xmax, ymax)
    return {"xmin": round(xmin, 6), "ymin": round(ymin, 6), "xmax": round(xmax, 6),
            "ymax": round(ymax, 6), "spatialReference": spatial_reference(wkid)}


def service_info(service: ServiceSpec, kind: str) -> dict:
    if service.saved_document is not None:
        return dict(service.saved_document)  # the real service's JSON, as recorded
    layers = [{"id": layer.index, "name": layer.name, "parentLayerId": -1,
               "defaultVisibility": True, "subLayerIds": None, "minScale": 0, "maxScale": 0,
               "geometryType": layer.esri_geometry_type} for layer in service.layers]
    info = {
        "currentVersion": service.current_version,
        "serviceDescription": service.description,
        "hasVersionedData": False,
        "supportsDisconnectedEditing": False,
        "maxRecordCount": max(layer.quirks.max_record_count for layer in service.layers),
        "supportedQueryFormats": service.supported_query_formats,
        "capabilities": "Query" if kind == "FeatureServer" else "Map,Query,Data",
        "description": service.description,
        "copyrightText": service.copyright_text,
        "spatialReference": spatial_reference(service.native_wkid),
        "fullExtent": extent(service.layers[0], service.native_wkid),
        "units": "esriMeters",
        "layers": layers,
        "tables": [],
    }
    if kind == "MapServer":
        info["mapName"] = "Layers"
    return info


def field_list(layer: LayerSpec) -> list[dict]:
    return [spec.describe() for spec in layer.fields]


def layer_info(service: ServiceSpec, layer: LayerSpec, kind: str = "FeatureServer") -> dict:
    quirks = layer.quirks
    info = {
        "currentVersion": service.current_version,
        "id": layer.index,
        "name": layer.name,
        "type": "Feature Layer",
        "description": layer.description,
        "geometryType": layer.esri_geometry_type,
        "displayField": layer.display_field,
        "hasZ": False,
        "hasM": False,
        "objectIdField": layer.object_id_field,
        "fields": field_list(layer),
        "maxRecordCount": quirks.max_record_count,
        "supportsPagination": quirks.supports_pagination,
        "supportsStatistics": True,
        "supportsAdvancedQueries": True,
        "advancedQueryCapabilities": {
            "supportsPagination": quirks.supports_pagination,
            "supportsOrderBy": True,
            "supportsStatistics": True,
            "supportsDistinct": True,
        },
        "supportedQueryFormats": service.supported_query_formats,
        "capabilities": "Query" if kind == "FeatureServer" else "Map,Query,Data",
        "editingInfo": {"lastEditDate": layer.last_edit_ms},
        "extent": extent(layer, service.native_wkid),
        "relationships": [],
    }
    if service.current_version < PAGINATION_SINCE:
        # A 10.2 server knows nothing of resultOffset: it does not even say it lacks it.
        del info["supportsPagination"], info["advancedQueryCapabilities"]
    if service.current_version >= STANDARD_MAX_RECORD_COUNT_SINCE:
        info["standardMaxRecordCount"] = max(4000, quirks.max_record_count)
        info["tileMaxRecordCount"] = 8000
    global_ids = [spec.name for spec in layer.fields if spec.type == "esriFieldTypeGlobalID"]
    if global_ids:
        info["globalIdField"] = global_ids[0]
    if service.is_hosted:
        info["editingInfo"]["dataLastEditDate"] = layer.last_edit_ms
        info["editingInfo"]["schemaLastEditDate"] = layer.last_edit_ms
        info["uniqueIdField"] = {"name": layer.object_id_field, "isSystemMaintained": True}
    return info


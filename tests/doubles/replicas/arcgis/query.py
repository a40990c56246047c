"""`<layer>/query`: select object ids, cut a page, write it as Esri JSON or GeoJSON.

Only the ids of one page are ever turned into features, so any page of any layer costs the
same. The layer's quirks are applied here, each at the one place it changes the answer.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from replicas.arcgis.answers import ArcGISError, answer, html_page, query_error
from replicas.arcgis.attribute_where import parse_attribute_where
from replicas.arcgis.features import GeneratedFeature, all_features, generate_feature
from replicas.arcgis.geometry import (
    WEB_MERCATOR_WKIDS,
    WGS84_WKIDS,
    esri_geometry,
    geojson_geometry,
    spatial_reference,
)
from replicas.arcgis.ids import IdList, IndexWindow, Selection
from replicas.arcgis.spec import GEOMETRY_FIELD_TYPE, FieldSpec, LayerSpec, ServiceSpec
from replicas.arcgis.where import IdFilter, WhereError, parse_where
from replicas.server import Response

OUTPUT_FORMATS = ("json", "pjson", "geojson")
OID_STATISTICS = ("min", "max", "count")


@dataclass(frozen=True)
class PageRequest:
    offset: int | None
    record_count: int | None
    descending: bool


def flag(params: dict[str, str], name: str) -> bool:
    return params.get(name, "").strip().lower() == "true"


def whole_number(params: dict[str, str], name: str) -> int | None:
    text = params.get(name, "").strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise query_error(f"'{name}' parameter is invalid") from None
    if value < 0:
        raise query_error(f"'{name}' parameter is invalid")
    return value


def output_format(service: ServiceSpec, params: dict[str, str]) -> str:
    requested = params.get("f", "html").strip().lower()
    if requested == "geojson" and "geojson" not in service.supported_query_formats.lower():
        raise ArcGISError(400, "Invalid or missing input parameters.",
                          ["'f' parameter is invalid: this server answers "
                           f"{service.supported_query_formats}"])
    if requested not in OUTPUT_FORMATS + ("html",):
        raise ArcGISError(400, "Invalid or missing input parameters.",
                          [f"'f' parameter is invalid: the replica answers {OUTPUT_FORMATS}"])
    return requested


def object_id_filter(layer: LayerSpec, params: dict[str, str]) -> IdFilter:
    if not params.get("where", "").strip() and not params.get("objectIds", "").strip():
        raise query_error("Either 'where' or 'geometry' or 'objectIds' parameter must be "
                          "specified")
    try:
        selected = parse_where(params.get("where"), layer.object_id_field)
    except WhereError as oid_only:
        selected = attribute_filter(layer, params.get("where", ""), oid_only)
    listed = params.get("objectIds", "").strip()
    if listed:
        try:
            members = frozenset(int(item) for item in listed.split(",") if item.strip())
        except ValueError:
            raise query_error("'objectIds' parameter is invalid") from None
        selected = selected.intersect(IdFilter(members=members))
    return selected


def attribute_filter(layer: LayerSpec, where: str, oid_only: WhereError) -> IdFilter:
    """The object ids whose attributes satisfy `where` (a filter on fields other than the
    object id), computed over the layer's features."""
    names = [spec.name for spec in layer.fields if spec.type != GEOMETRY_FIELD_TYPE]
    try:
        predicate = parse_attribute_where(where, names)
    except WhereError as error:
        detail = error if "Failed to execute" in str(error) else oid_only
        raise ArcGISError(400, "Failed to execute query.",
                          [f"'where' parameter is invalid: {detail}"]) from None
    matching = frozenset(feature.object_id for feature in all_features(layer)
                         if predicate(feature.attributes))
    return IdFilter(members=matching)


def select(layer: LayerSpec, id_filter: IdFilter) -> Selection:
    ids = layer.id_space()
    if id_filter.matches_nothing:
        return IdList([])
    if id_filter.members is not None:
        return IdList(sorted(oid for oid in id_filter.members
                         if id_filter.admits(oid) and ids.index_of(oid) is not None))
    start = 0 if id_filter.low is None else ids.first_index_from(id_filter.low)
    stop = ids.count if id_filter.high is None else ids.first_index_from(id_filter.high + 1)
    return IndexWindow(ids, start, stop)


def out_fields(layer: LayerSpec, params: dict[str, str]) -> list[FieldSpec]:
    """Requested fields in layer order; the object-id field always comes along. A listed
    geometry field (a MapServer's SHAPE) is the geometry, never an attribute."""
    requested = [name.strip() for name in params.get("outFields", "").split(",") if name.strip()]
    attributes = [spec for spec in layer.fields if spec.type != GEOMETRY_FIELD_TYPE]
    if "*" in requested:
        return attributes
    by_name = {spec.name.lower(): spec for spec in layer.fields}
    unknown = [name for name in requested if name.lower() not in by_name]
    if unknown:
        raise query_error(f"'outFields' parameter is invalid: no field {unknown[0]!r}")
    wanted = {name.lower() for name in requested} | {layer.object_id_field.lower()}
    return [spec for spec in attributes if spec.name.lower() in wanted]


def out_wkid(service: ServiceSpec, layer: LayerSpec, params: dict[str, str]) -> int:
    if layer.quirks.ignores_out_sr:
        return 102100
    text = params.get("outSR", "").strip()
    if not text:
        return service.native_wkid
    try:
        parsed = json.loads(text)
        wkid = int(parsed.get("latestWkid") or parsed["wkid"]) if isinstance(parsed, dict) else (
            int(parsed))
    except (ValueError, KeyError, TypeError):
        raise query_error("'outSR' parameter is invalid") from None
    if wkid not in WGS84_WKIDS | WEB_MERCATOR_WKIDS:
        raise query_error(f"'outSR' parameter is invalid: the replica projects to 4326 and "
                          f"Web Mercator only, not {wkid}")
    return wkid


def page_request(layer: LayerSpec, params: dict[str, str]) -> PageRequest:
    offset = whole_number(params, "resultOffset")
    if offset is not None and not layer.quirks.supports_pagination:
        raise query_error("'resultOffset' parameter is invalid: pagination is not supported")
    order = params.get("orderByFields", "").strip().split()
    if order and order[0].lower() != layer.object_id_field.lower():
        raise query_error("'orderByFields' parameter is invalid: the replica orders by "
                          f"{layer.object_id_field} only")
    record_count = whole_number(params, "resultRecordCount")
    if not layer.quirks.supports_pagination:
        record_count = None
    descending = len(order) > 1 and order[1].upper() == "DESC"
    return PageRequest(offset, record_count, descending)


def cut_page(layer: LayerSpec, selection: Selection,
             request: PageRequest) -> tuple[list[int], bool]:
    """The page's object ids and whether more match than it holds."""
    quirks = layer.quirks
    cap = quirks.max_record_count
    size = min(request.record_count or cap, cap)
    offset = request.offset or 0
    if quirks.ignores_result_offset:
        offset = 0
    elif quirks.duplicate_ids_across_pages and offset > 0:
        offset -= 1  # an unstable order: the previous page's last feature comes back first
    total = len(selection)
    if request.descending:
        start = max(0, total - offset - size)
        oids = selection.page(start, max(0, total - offset - start))[::-1]
    else:
        oids = selection.page(offset, size)
    more = total > offset + len(oids)
    return oids, more and not quirks.omits_exceeded_flag


def statistics(layer: LayerSpec, selection: Selection, text: str) -> dict:
    """outStatistics on the object-id field: min, max and count."""
    try:
        wanted = json.loads(text)
    except ValueError:
        wanted = None
    if not isinstance(wanted, list) or not all(isinstance(item, dict) for item in wanted):
        raise query_error("'outStatistics' parameter is invalid")
    first = selection.page(0, 1)
    last = selection.page(len(selection) - 1, 1) if len(selection) else []
    known = {"min": first[0] if first else None, "max": last[0] if last else None,
             "count": len(selection)}
    attributes, fields = {}, []
    for item in wanted:
        kind = str(item.get("statisticType", "")).lower()
        on_field = str(item.get("onStatisticField", ""))
        if kind not in OID_STATISTICS or on_field.lower() != layer.object_id_field.lower():
            raise query_error("'outStatistics' parameter is invalid: the replica computes "
                              f"min, max and count of {layer.object_id_field} only")
        name = item.get("outStatisticFieldName") or f"{kind}_{on_field}"
        attributes[name] = known[kind]
        fields.append({"name": name, "type": "esriFieldTypeInteger", "alias": name})
    return {"displayFieldName": "", "fieldAliases": {f["name"]: f["name"] for f in fields},
            "fields": fields, "features": [{"attributes": attributes}]}


def features_of(layer: LayerSpec, oids: list[int]) -> list[GeneratedFeature]:
    ids = layer.id_space()
    found = ((oid, ids.index_of(oid)) for oid in oids)
    return [generate_feature(layer, index, oid) for oid, index in found if index is not None]


@dataclass(frozen=True)
class Rendering:
    """How the page is written, read from the parameters before any work is done."""

    kind: str
    wkid: int
    precision: int | None
    with_geometry: bool
    fields: list[FieldSpec]


def rendering(service: ServiceSpec, layer: LayerSpec, params: dict[str, str],
              kind: str) -> Rendering:
    return Rendering(
        kind=kind,
        wkid=out_wkid(service, layer, params),
        precision=whole_number(params, "geometryPrecision"),
        with_geometry=params.get("returnGeometry", "true").strip().lower() != "false",
        fields=out_fields(layer, params),
    )


def esri_page(service: ServiceSpec, layer: LayerSpec, how: Rendering,
              features: list[GeneratedFeature], more: bool) -> dict:
    page: dict = {"objectIdFieldName": layer.object_id_field}
    if service.is_hosted:
        page["uniqueIdField"] = {"name": layer.object_id_field, "isSystemMaintained": True}
        page["globalIdFieldName"] = ""
    page["geometryType"] = layer.esri_geometry_type
    page["spatialReference"] = spatial_reference(how.wkid)
    page["fields"] = [spec.describe() for spec in how.fields]
    if more:
        page["exceededTransferLimit"] = True
    names = [spec.name for spec in how.fields]
    items = []
    for feature in features:
        item: dict = {"attributes": {name: feature.attributes[name] for name in names}}
        if how.with_geometry and feature.shape is not None:
            # ArcGIS leaves `geometry` out of a feature whose shape is null.
            item["geometry"] = esri_geometry(feature.shape, how.wkid, how.precision)
        items.append(item)
    page["features"] = items
    return page


def geojson_feature(feature: GeneratedFeature, how: Rendering) -> dict:
    shape = feature.shape if how.with_geometry else None
    return {"type": "Feature", "id": feature.object_id,
            "geometry": geojson_geometry(shape, how.precision) if shape else None,
            "properties": {spec.name: feature.attributes[spec.name] for spec in how.fields}}


def geojson_page(how: Rendering, features: list[GeneratedFeature], more: bool) -> dict:
    collection: dict = {"type": "FeatureCollection",
                        "features": [geojson_feature(feature, how) for feature in features]}
    if more:
        collection["properties"] = {"exceededTransferLimit": True}
    return collection


def run_query(service: ServiceSpec, layer: LayerSpec, params: dict[str, str]) -> Response:
    kind = output_format(service, params)
    if kind == "html":
        return html_page(f"Query: {layer.name} (ID: {layer.index})")
    if params.get("geometry", "").strip():
        raise query_error("'geometry' parameter is invalid: the replica has no spatial filter")
    selection = select(layer, object_id_filter(layer, params))
    if flag(params, "returnCountOnly"):
        return answer({"count": len(selection)}, kind)
    if flag(params, "returnIdsOnly"):
        return answer({"objectIdFieldName": layer.object_id_field,
                       "objectIds": list(selection)}, kind)
    if params.get("outStatistics", "").strip():
        return answer(statistics(layer, selection, params["outStatistics"]), kind)
    how = rendering(service, layer, params, kind)
    oids, more = cut_page(layer, selection, page_request(layer, params))
    if layer.quirks.page_delay_seconds:
        time.sleep(layer.quirks.page_delay_seconds)
    features = features_of(layer, oids)
    if kind == "geojson":
        return answer(geojson_page(how, features, more), kind)
    return answer(esri_page(service, layer, how, features, more), kind)

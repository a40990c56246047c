"""`ArcGISReplica`: the utilities' ArcGIS Server / ArcGIS Online REST endpoints, locally.

Plugged into replicas/server.py, it answers http://127.0.0.1:PORT/<host>/<path>?<query> as
https://<host>/<path>?<query> would be answered: the services directory and its folders,
`/rest/info`, each service, each layer, and each layer's `query`. Paths are matched without
regard to case (ArcGIS Online accepts `/arcgis/` and `/ArcGIS/` alike); listings echo the
case the request used.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from replicas.arcgis import metadata
from replicas.arcgis.answers import ArcGISError, answer, html_page
from replicas.arcgis.catalog import protocol_catalog
from replicas.arcgis.catalog_evidence import default_catalog
from replicas.arcgis.features import all_features
from replicas.arcgis.geometry import esri_geometry, geojson_geometry
from replicas.arcgis.query import run_query
from replicas.arcgis.spec import LayerSpec, ServiceSpec
from replicas.server import Request, Response

SERVICE_TYPES = {"featureserver": "FeatureServer", "mapserver": "MapServer"}
REST_SERVICES = "/rest/services"


def _key(*parts: str) -> tuple[str, ...]:
    return tuple(part.strip("/").lower() for part in parts)


def _split_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return (parts.hostname or ""), parts.path


class ArcGISReplica:
    """Serves every service of `catalog` (default: the built-in catalog of utilities)."""

    def __init__(self, catalog: Iterable[ServiceSpec] | None = None):
        self.services: list[ServiceSpec] = []
        self._by_key: dict[tuple[str, ...], tuple[ServiceSpec, str]] = {}
        for service in default_catalog() if catalog is None else catalog:
            self.add_service(service)

    # --- the catalog, for tests -------------------------------------------------------

    def add_service(self, service: ServiceSpec) -> ServiceSpec:
        self.services.append(service)
        kinds = [service.type] + (["MapServer"] if service.also_map_server else [])
        for kind in kinds:
            self._by_key[_key(service.host, service.root_path, service.name, kind)] = (
                service, kind)
        return service

    def service(self, service_url: str) -> ServiceSpec:
        host, path = _split_url(service_url.rstrip("/"))
        marker = path.lower().find(REST_SERVICES + "/")
        if marker >= 0:
            root, rest = path[:marker + len(REST_SERVICES)], path[marker + len(REST_SERVICES):]
            name, _, kind = rest.strip("/").rpartition("/")
            found = self._by_key.get(_key(host, root, name, kind))
            if found:
                return found[0]
        raise KeyError(f"no replicated service at {service_url!r}")

    def layer(self, service_url: str, layer_index: int) -> LayerSpec:
        """The live spec of a layer: change `.quirks`, call `.touch()`, `.add_features()`..."""
        layer = self.service(service_url).layer(layer_index)
        if layer is None:
            raise KeyError(f"{service_url!r} has no layer {layer_index}")
        return layer

    def set_quirks(self, service_url: str, layer_index: int, **quirks: object) -> LayerSpec:
        return self.layer(service_url, layer_index).set_quirks(**quirks)

    def features(self, service_url: str, layer_index: int,
                 geometry_format: str = "geojson") -> Iterator[dict]:
        """Every feature as served now: {"attributes": ..., "geometry": ...} in WGS84."""
        return layer_features(self.layer(service_url, layer_index), geometry_format)

    # --- the ReplicaApp protocol ------------------------------------------------------

    def serves(self, host: str) -> bool:
        host = host.split(":")[0].lower()
        return any(service.host.lower() == host for service in self.services)

    def handle(self, request: Request) -> Response:
        try:
            return self._route(request)
        except ArcGISError as error:
            kind = "pjson" if request.params.get("f", "").lower() == "pjson" else "json"
            return answer(error.payload(), kind)

    # --- routing ----------------------------------------------------------------------

    def _route(self, request: Request) -> Response:
        path = "/" + "/".join(part for part in request.path.split("/") if part)
        lowered = path.lower()
        if lowered.endswith("/rest/info"):
            return self._info(request, path[:-len("/rest/info")] + REST_SERVICES)
        marker = lowered.find(REST_SERVICES)
        if marker < 0 or lowered[marker + len(REST_SERVICES):][:1] not in ("", "/"):
            raise ArcGISError(400, "Invalid URL", [f"no ArcGIS REST path in {request.path!r}"])
        root = path[:marker + len(REST_SERVICES)]
        services = self._services_under(request.host, root)
        if not services and self._under_maintenance(request.host, root):
            return maintenance_page()
        if not services:
            raise ArcGISError(400, "Invalid URL", [f"no services at {root!r}"])
        segments = [s for s in path[marker + len(REST_SERVICES):].split("/") if s]
        position = next((i for i, s in enumerate(segments) if s.lower() in SERVICE_TYPES), None)
        if position is None:
            return self._directory(request, root, services, "/".join(segments))
        name, kind = "/".join(segments[:position]), SERVICE_TYPES[segments[position].lower()]
        found = self._by_key.get(_key(request.host, root, name, kind))
        if found is None and services[0].is_hosted:
            # ArcGIS Online: a name the organisation does not have is an invalid URL.
            raise ArcGISError(400, "Invalid URL", ["Invalid URL"])
        if found is None:
            raise ArcGISError(404, "Service not found", [f"Service {name}/{kind} not found"])
        return self._service_resource(request, found[0], kind, segments[position + 1:])

    def _under_maintenance(self, host: str, root: str) -> bool:
        return any(s.host.lower() == host.split(":")[0].lower()
                   and root.lower() in (r.lower() for r in s.maintenance_roots)
                   for s in self.services)

    def _services_under(self, host: str, root: str) -> list[ServiceSpec]:
        return [s for s in self.services if _key(s.host, s.root_path) == _key(host, root)]

    def _info(self, request: Request, root: str) -> Response:
        services = self._services_under(request.host, root)
        if not services:
            raise ArcGISError(400, "Invalid URL", [f"no services at {root!r}"])
        hosted = services[0].is_hosted
        token_url = ("https://www.arcgis.com/sharing/rest/generateToken" if hosted else
                     f"https://{request.host}{root[:-len(REST_SERVICES)]}/tokens/")
        version = max(s.current_version for s in services)
        return answer({"currentVersion": version, "fullVersion": f"{version}.0",
                       "authInfo": {"isTokenBasedSecurity": True,
                                    "tokenServicesUrl": token_url}},
                      request.params.get("f", "json"))

    def _directory(self, request: Request, root: str, services: list[ServiceSpec],
                   folder: str) -> Response:
        kind = request.params.get("f", "html").lower()
        if kind not in ("json", "pjson"):
            return html_page(f"Folder: {folder or '/'}")
        folders = sorted({s.folder for s in services if s.folder})
        if folder and folder.lower() not in {f.lower() for f in folders}:
            raise ArcGISError(404, "Folder not found", [f"Folder {folder} not found"])
        listed = []
        for service in sorted(services, key=lambda s: s.name.lower()):
            if service.folder.lower() != folder.lower() or not service.listed:
                continue
            for service_type in [service.type] + (
                    ["MapServer"] if service.also_map_server else []):
                url = (f"https://{request.host}{root}/{service.name}/{service_type}"
                       if service.is_hosted else "")
                listed.append((service.name, service_type, url))
        version = max(s.current_version for s in services)
        return answer(metadata.directory(version, [] if folder else folders, listed), kind)

    def _service_resource(self, request: Request, service: ServiceSpec, kind: str,
                          rest: list[str]) -> Response:
        _check_referer(request, service)
        if not rest:
            self._check_token(request, service.layers)
            return self._metadata(request, metadata.service_info(service, kind), service.name)
        layer = service.layer(int(rest[0])) if rest[0].isdigit() else None
        if layer is None:
            raise ArcGISError(400, "Invalid or missing input parameters.",
                              [f"Layer {rest[0]} not found in {service.name}/{kind}"])
        self._check_token(request, [layer])
        if len(rest) == 1:
            return self._metadata(request, metadata.layer_info(service, layer, kind),
                                  layer.name)
        if len(rest) == 2 and rest[1].lower() == "query":
            return run_query(service, layer, request.params)
        raise ArcGISError(400, "Invalid URL", [f"unknown operation {'/'.join(rest[1:])!r}"])

    @staticmethod
    def _metadata(request: Request, payload: dict, title: str) -> Response:
        kind = request.params.get("f", "html").lower()
        return answer(payload, kind) if kind in ("json", "pjson") else html_page(title)

    @staticmethod
    def _check_token(request: Request, layers: list[LayerSpec]) -> None:
        guarded = [layer for layer in layers if layer.quirks.requires_token]
        if not guarded:
            return
        supplied = request.params.get("token") or _bearer_token(request.headers)
        if not supplied:
            raise ArcGISError(499, "Token Required")
        if any(supplied != layer.quirks.token for layer in guarded):
            raise ArcGISError(498, "Invalid Token")


def _check_referer(request: Request, service: ServiceSpec) -> None:
    """ComEd's proxied services answer HTTP 200 carrying error 403 (GWM_0003) unless the
    request comes with the exact Referer of the utility's web map."""
    if service.required_referer is None:
        return
    referer = next((v for k, v in request.headers.items() if k.lower() == "referer"), "")
    if referer != service.required_referer:
        raise ArcGISError(403, "You do not have permissions to access this resource or "
                          "perform this operation.", [], message_code="GWM_0003")


def maintenance_page() -> Response:
    """What SCE's drpep.sce.com answers under /arcgis/ (its services live under
    /arcgis_server/): an HTML page with status 404 that reads like an outage."""
    body = (b"<html><head><title>Site Maintenance</title></head><body><h1>We'll be back soon"
            b"</h1><p>This site is down for maintenance.</p></body></html>")
    return Response(404, body, "text/html; charset=utf-8")


def _bearer_token(headers: dict[str, str]) -> str:
    for name, value in headers.items():
        if name.lower() in ("x-esri-authorization", "authorization"):
            return value.removeprefix("Bearer ").strip()
    return ""


def layer_features(layer: LayerSpec, geometry_format: str = "geojson") -> Iterator[dict]:
    """Features of a layer spec as served (attributes exactly; geometry in WGS84)."""
    for feature in all_features(layer):
        shape = feature.shape
        if shape is None:
            geometry = None
        elif geometry_format == "esri":
            geometry = esri_geometry(shape, 4326)
        else:
            geometry = geojson_geometry(shape)
        yield {"attributes": dict(feature.attributes), "geometry": geometry}


def fixture_features(service_url: str, layer_index: int,
                     geometry_format: str = "geojson") -> Iterator[dict]:
    """The built-in catalog's features of one layer, exactly as the replica serves them.

    Each item is {"attributes": {field: value}, "geometry": GeoJSON in WGS84 or None}
    (`geometry_format="esri"`: Esri JSON in 4326). Lazy: a big layer is never held whole.
    """
    try:
        return ArcGISReplica().features(service_url, layer_index, geometry_format)
    except KeyError:  # the engine's tests read the synthetic protocol services too
        return ArcGISReplica(protocol_catalog()).features(service_url, layer_index,
                                                          geometry_format)

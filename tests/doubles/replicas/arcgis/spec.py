"""What a replicated ArcGIS service is made of: services, layers, fields, quirks, territory.

These are plain data: the catalog (catalog.py) writes one entry per utility with them, and
everything served is computed from them. A `LayerSpec` also holds the little state a test
changes at runtime: its quirks, its last edit date, features added, removed or revised.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from replicas.arcgis.ids import DENSE_IDS, IdLayout, IdSpace
from replicas.arcgis.seeds import stable_seed

GEOMETRY_TYPES = {"point": "esriGeometryPoint", "polyline": "esriGeometryPolyline",
                  "polygon": "esriGeometryPolygon"}
OID_TYPE = "esriFieldTypeOID"
GEOMETRY_FIELD_TYPE = "esriFieldTypeGeometry"  # listed by MapServer layers, never an attribute
QUARTER_MILE_M = 402.336
# ArcGIS Server added resultOffset paging (and advancedQueryCapabilities) in 10.3.
PAGINATION_SINCE = 10.3


def epoch_ms(moment: datetime | str) -> int:
    """Epoch milliseconds (UTC) of a datetime or an ISO date string."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


@dataclass(frozen=True)
class Region:
    """A cluster of load where feeders are drawn (a city and its suburbs)."""

    name: str
    lon: float
    lat: float
    spread_km: float = 15.0
    company: str = ""  # the operating company or state, where a utility publishes one
    state: str = ""  # the region's state, where a layer publishes one


@dataclass(frozen=True)
class Grid:
    """How one utility's distribution network looks: places, names, sizes, vocabulary."""

    regions: tuple[Region, ...]
    substations: tuple[str, ...]
    voltages_kv: tuple[float, ...]
    constraints: tuple[tuple[str, int], ...]  # the utility's own words, with weights
    # Formats may use {substation}, {substation_number}, {circuit}, {feeder_number},
    # {circuit_word} and {circuit_title} (a name from `circuit_words`, as SCE names circuits),
    # {substation_code} (three letters, as Xcel and Duke abbreviate), {substation_digit},
    # {letter}, {bank} (the substation transformer) and {circuit_short} (circuit mod 100).
    feeder_id_format: str = "{substation_number:04d}{circuit:04d}"
    feeder_name_format: str = "{substation} {circuit}"
    substation_name_format: str = "{substation}"
    circuit_words: tuple[str, ...] = ()
    feeders_per_substation: int = 6
    first_circuit: int = 1101
    hosting_kw: tuple[float, float] = (300.0, 12000.0)
    constrained_share: float = 0.15  # feeders whose remaining capacity goes negative
    study_date: str = "2026-01-15"
    network_share: float = 0.0  # feeders on a secondary network (Con Edison, downtowns)
    feeder_rating_kw: tuple[float, float] = (4000.0, 14000.0)  # load ratings, peaks below
    substation_rating_kw: tuple[float, float] = (15000.0, 60000.0)


@dataclass(frozen=True)
class FieldSpec:
    """One attribute field: its ArcGIS type and which generated quantity fills it.

    The shares make the values as messy as the real layers: nulls, blanks, "N/A", and
    numbers written with thousands separators in string fields.
    """

    name: str
    type: str
    source: str = ""  # a quantity of values.QUANTITIES; "" for the object-id field
    alias: str | None = None
    length: int | None = None
    null_share: float = 0.0
    blank_share: float = 0.0
    not_available_share: float = 0.0
    thousands_separator: bool = False
    separator_share: float = 0.0  # "1,234.5" on this share of values only (text fields)
    decimals: int = 2
    scale: float = 1.0  # 0.001 turns the kW quantities into MW (or MVA)
    # Per-feature decisions shared by every field of a feature (so twins agree):
    unmeasured_share: float = 0.0  # serve `unmeasured_value` ('NA', -1, None): not measured
    unmeasured_value: object = None
    zero_share: float = 0.0  # a real measured zero (served as `zero_text` in a text field)
    zero_text: str | None = None
    list_share: float = 0.0  # a comma list of 2-3 items (cells over several feeders)
    ceiling: float | None = None  # the study's clip: values above it are served at it
    bins: tuple[float, ...] = ()  # text ranges 'low - high' between edges, '>last' above
    suffix: str = ""  # a unit written after the number ('24.9 KV')

    def describe(self) -> dict:
        described = {"name": self.name, "type": self.type, "alias": self.alias or self.name}
        if self.type == "esriFieldTypeString":
            described["length"] = self.length or 255
        return described


@dataclass
class Quirks:
    """How a layer's server departs from the textbook. Tests switch them at runtime."""

    max_record_count: int = 2000  # resultRecordCount is capped at this, silently
    supports_pagination: bool = True  # False: resultOffset is refused (error 400)
    ignores_result_offset: bool = False  # claims pagination, always serves the first page
    omits_exceeded_flag: bool = False  # never says exceededTransferLimit
    duplicate_ids_across_pages: bool = False  # offset pages overlap by one feature
    page_delay_seconds: float = 0.0  # sleep before answering a page of features
    ignores_out_sr: bool = False  # Esri JSON always in Web Mercator, whatever outSR says
    requires_token: bool = False  # no token: error 499; wrong token: error 498
    token: str = "replica-token"
    null_geometry_every: int = 0  # every Nth object id has no geometry (0: never)


QUIRK_NAMES = tuple(f.name for f in dataclasses.fields(Quirks))


@dataclass
class LayerSpec:
    """One layer of a service, with the runtime state tests change (under `lock`)."""

    index: int
    name: str
    geometry: str  # point | polyline | polygon
    fields: tuple[FieldSpec, ...]
    feature_count: int
    grid: Grid
    seed: str = ""
    quirks: Quirks = field(default_factory=Quirks)
    id_layout: IdLayout = DENSE_IDS
    segments_per_feeder: tuple[int, int] = (5, 40)
    display_field: str = ""
    description: str = ""
    last_edit_date: str = "2026-02-01T06:00:00"
    # Polygons: squares of `square_m` on a fixed grid, walked by each feeder (BGE's grid
    # squares), or `tiled`: one square per feature, spiralling out from the first region, so
    # every square is a distinct named quad (PECO); `quads_per_major` minor quads a side.
    square_m: float = QUARTER_MILE_M
    tiled: bool = False
    quads_per_major: int = 4
    deleted: tuple[int, ...] = ()  # indices of features removed at runtime, sorted
    revisions: dict[int, int] = field(default_factory=dict)  # first object id -> revisions
    # Added to every object id since the layer was first served: `renumber()` republishes it
    # with new ids, each feature keeping its data (seeded by its first id).
    oid_shift: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.geometry not in GEOMETRY_TYPES:
            raise ValueError(f"layer {self.name!r}: geometry must be one of {list(GEOMETRY_TYPES)}")
        oid_fields = [f for f in self.fields if f.type == OID_TYPE]
        if len(oid_fields) != 1:
            raise ValueError(f"layer {self.name!r} needs exactly one {OID_TYPE} field")
        self.seed = self.seed or self.name
        self.last_edit_ms = epoch_ms(self.last_edit_date)

    @property
    def object_id_field(self) -> str:
        return next(f.name for f in self.fields if f.type == OID_TYPE)

    @property
    def esri_geometry_type(self) -> str:
        return GEOMETRY_TYPES[self.geometry]

    @property
    def numeric_seed(self) -> int:
        return stable_seed(self.seed)

    def id_space(self) -> IdSpace:
        return IdSpace(self.id_layout, self.numeric_seed, self.feature_count, self.deleted,
                       self.oid_shift)

    def first_object_id(self, oid: int) -> int:
        """The id this feature had when the layer was first served (what seeds its data)."""
        return oid - self.oid_shift

    def set_quirks(self, **quirks: object) -> LayerSpec:
        unknown = sorted(set(quirks) - set(QUIRK_NAMES))
        if unknown:
            raise ValueError(f"unknown quirk(s) {unknown}; known: {', '.join(QUIRK_NAMES)}")
        with self.lock:
            for name, value in quirks.items():
                setattr(self.quirks, name, value)
        return self

    def touch(self, at: datetime | str | None = None) -> int:
        """Move lastEditDate on (one hour later than before by default); returns it."""
        with self.lock:
            self.last_edit_ms = epoch_ms(at) if at is not None else self.last_edit_ms + 3_600_000
            return self.last_edit_ms

    def add_features(self, count: int) -> list[int]:
        """Append `count` new features (new object ids after the last); returns their ids."""
        with self.lock:
            start = self.feature_count
            self.feature_count += count
            ids = self.id_space()
            self._edited()
            return [ids.oid_at(i) for i in range(start, start + count)]

    def remove_features(self, object_ids: list[int]) -> None:
        with self.lock:
            ids = self.id_space()
            indices = {ids.index_of(oid) for oid in object_ids} - {None}
            self.deleted = tuple(sorted(set(self.deleted) | indices))
            self._edited()

    def revise_features(self, object_ids: list[int]) -> None:
        """Give these features new values (as a utility's quarterly refresh would)."""
        with self.lock:
            for oid in map(self.first_object_id, object_ids):
                self.revisions[oid] = self.revisions.get(oid, 0) + 1
            self._edited()

    def renumber(self, shift: int) -> None:
        """Republish the layer as a truncate-and-append does: every feature keeps its data
        and gets a new object id (`shift` higher; ids after the last one when `shift` is at
        least the highest id)."""
        with self.lock:
            self.oid_shift += shift
            self._edited()

    def _edited(self) -> None:
        self.last_edit_ms += 3_600_000


@dataclass
class ServiceSpec:
    """One FeatureServer (or MapServer) and its layers, at its real URL."""

    url: str  # https://<host>/<root>/rest/services/[<folder>/]<name>/FeatureServer
    layers: list[LayerSpec]
    description: str = ""
    current_version: float = 11.3
    supported_query_formats: str = "JSON, geoJSON, PBF"
    native_wkid: int = 102100  # what the data is stored in, answered without outSR
    also_map_server: bool = False  # ArcGIS Server publishes a MapServer twin of the service
    listed: bool = True  # False: public, but left out of the services directory (Dominion)
    # Answers only requests carrying this exact Referer; others get HTTP 200 with error 403.
    required_referer: str | None = None
    # Other roots on this host that answer an HTML 404 maintenance page (SCE's /arcgis/).
    maintenance_roots: tuple[str, ...] = ()
    saved_document: dict | None = None  # the service's JSON exactly as recorded
    copyright_text: str = ""

    def __post_init__(self) -> None:
        parts = urlsplit(self.url.rstrip("/"))
        marker = parts.path.lower().find("/rest/services/")
        segments = parts.path[marker + len("/rest/services/"):].split("/") if marker >= 0 else []
        if parts.scheme != "https" or len(segments) < 2 or segments[-1] not in (
                "FeatureServer", "MapServer"):
            raise ValueError(f"not an ArcGIS service URL: {self.url!r}")
        self.host = parts.hostname or ""
        self.root_path = parts.path[:marker + len("/rest/services")]
        self.name = "/".join(segments[:-1])
        self.type = segments[-1]

    @property
    def folder(self) -> str:
        return self.name.rpartition("/")[0]

    @property
    def is_hosted(self) -> bool:
        """ArcGIS Online hosted services (servicesN.arcgis.com) answer a little differently."""
        return self.host.endswith(".arcgis.com")

    def layer(self, index: int) -> LayerSpec | None:
        return next((layer for layer in self.layers if layer.index == index), None)

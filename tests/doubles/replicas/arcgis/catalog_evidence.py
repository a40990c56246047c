"""The utilities' services as recorded evidence says they are (tests/doubles/evidence).

Every layer of evidence.json with a layer index becomes a replica layer at its real URL, with
exactly the evidence's field names (the union of the records for that layer; an object-id
field `OBJECTID` is added only where no record names one), the types a source states
(field_types.json, SCE's saved schema) or else the type the field's recorded role implies,
values in the recorded unit, and geometry from the recorded row grain. SCE's saved service
JSON is served as saved. What each server does beyond the textbook (a Referer it insists on,
a maintenance page under the wrong path, 'NA' beside -1, a ceiling, comma lists, stubs) is
in BEHAVIOURS below, each with the evidence it comes from. Nothing here reads configs/.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from replicas.arcgis.catalog import bench_service
from replicas.arcgis.shorthands import MW
from replicas.arcgis.spec import FieldSpec, Grid, LayerSpec, Quirks, Region, ServiceSpec

EVIDENCE_DIR = Path(__file__).resolve().parents[2] / "evidence"
OID_NAMES = ("OBJECTID", "OBJECTID_1", "objectid", "FID")
GEOMETRY_OF_GRAIN = {"line_section": "polyline", "feeder": "polyline", "unknown": "polyline",
                     "dissolved_multipart": "polyline", "mixed": "polygon",
                     "grid_cell": "polygon", "point": "point", "bus": "point"}
ROLE_QUANTITY = {
    "feeder_id": "feeder_id", "feeder_name": "feeder_name", "substation": "substation_name",
    "voltage_kv": "voltage_kv", "hosting_capacity": "hosting_kw", "hc_max": "hosting_max_kw",
    "hc_min": "hosting_min_kw", "remaining": "remaining_kw", "installed_dg": "existing_dg_kw",
    "queued_dg": "queued_dg_kw", "record_date": "study_date", "constraint": "constraint",
}
CAPACITY_ROLES = ("hosting_capacity", "hc_max", "hc_min", "remaining", "installed_dg",
                  "queued_dg")
DEFAULT_COUNT = 300


@dataclass
class EvidenceLayer:
    """What the records of one (service, layer) say, merged in record order."""

    service_url: str
    index: int
    utility: str
    fields: list[str] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    unit: str = "unknown"
    grain: str = "unknown"
    capacity_types: list[str] = field(default_factory=list)

    @property
    def service_name(self) -> str:
        return self.service_url.split("/rest/services/")[1].rsplit("/", 1)[0]

    @property
    def key(self) -> str:
        return f"{self.service_name}/{self.index}"


def url_key(url: str) -> str:
    """ArcGIS Online paths ignore case (/ArcGIS/ and /arcgis/ are one service)."""
    return url.rstrip("/").lower()


@cache
def evidence_records() -> tuple[dict, ...]:
    return tuple(json.loads((EVIDENCE_DIR / "evidence.json").read_text(encoding="utf-8")))


@cache
def field_types() -> dict[str, dict[str, dict]]:
    data = json.loads((EVIDENCE_DIR / "field_types.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


@cache
def sce_saved_service() -> dict:
    return json.loads((EVIDENCE_DIR / "sce_drpep_ica_layer_featureserver.json").read_text(
        encoding="utf-8"))


@cache
def sce_layer0_types() -> dict[str, str]:
    schema = json.loads((EVIDENCE_DIR / "sce_drpep_ica_layer0_schema.json").read_text(
        encoding="utf-8"))
    return {name: prop["x-esri-field-type"] for name, prop in schema["properties"].items()
            if "x-esri-field-type" in prop}


def evidence_layers() -> list[EvidenceLayer]:
    """Every recorded layer with a layer index, its records merged."""
    merged: dict[tuple[str, int], EvidenceLayer] = {}
    for record in evidence_records():
        if record.get("layer") is None:
            continue
        key = (url_key(record["service_url"]), record["layer"])
        layer = merged.setdefault(key, EvidenceLayer(record["service_url"].rstrip("/"),
                                                     record["layer"], record["utility"]))
        for name, role in record["fields"].items():
            if name not in layer.roles:
                layer.fields.append(name)
                layer.roles[name] = role
        if layer.unit == "unknown" and record["unit"] not in ("unknown", "mixed"):
            layer.unit = record["unit"]
        if layer.grain == "unknown" and record["row_grain"] != "unknown":
            layer.grain = record["row_grain"]
        layer.capacity_types.append(record["capacity_type"])
    return list(merged.values())


# --- what each server does beyond the textbook, from the evidence ---------------------------


@dataclass(frozen=True)
class Behaviour:
    count: int = DEFAULT_COUNT
    max_record_count: int = 2000
    hosting_kw: tuple[float, float] = (300.0, 12000.0)
    constrained_share: float = 0.15
    field_options: dict[str, dict] = field(default_factory=dict)  # field -> FieldSpec options
    stub_share: float = 0.0  # rows with every attribute NULL (geometry-only stubs)
    regions: tuple[tuple[str, str], ...] = ()  # (company, state) per region
    required_referer: str | None = None
    requires_token: bool = False
    copyright_text: str = ""
    also_named: tuple[str, ...] = ()  # older names of a rotating service, same fields


COMED_REFERER = ("https://exelonutilities.maps.arcgis.com/apps/webappviewer/index.html"
                 "?id=8d4f22be2a3b47b0bb86ca5438a8dd69")

BEHAVIOURS: dict[str, Behaviour] = {
    # PHI layer 0: CodeCollective filters Region = 'Pepco' AND State = 'MD'; dchub reads it for
    # all of PHI ("reading only L0 may miss DPL/ACE"): Pepco rows in DC and MD, some Delmarva.
    "PHI_Hosting_Capacity_Public/0": Behaviour(
        count=400, regions=(("Pepco", "DC"), ("Pepco", "MD"), ("Delmarva", "MD"))),
    # Layer 2: Region spelled 'Delmarva' (CodeCollective).
    "PHI_Hosting_Capacity_Public/2": Behaviour(count=300, regions=(("Delmarva", "MD"),
                                                                   ("Delmarva", "DE"))),
    # One EV layer for Pepco and DPL, told apart by Region ('DPL' here).
    "PHI_EV_Load_Serving_Capacity/0": Behaviour(
        count=400, regions=(("Pepco", "DC"), ("Pepco", "MD"), ("DPL", "MD"))),
    # PECO: 89.9% populated on layer 0, 39.3% NULL on layer 1 (dchub).
    "PECO_Available_Distribution_Capacity_Map/0": Behaviour(
        field_options={"NET_AVAILABLE_CAPACITY": {"null_share": 0.10}}),
    "PECO_Available_Distribution_Capacity_Map/1": Behaviour(
        field_options={"NET_AVAILABLE_CAPACITY": {"null_share": 0.39}}),
    # ComEd: HTTP 200 with error 403 (GWM_0003) without the webappviewer Referer; 218 real
    # zeros of 5,164 circuits, no NULLs (dchub).
    "ComEd_EV_Load_Capacity_JUN2026/28": Behaviour(
        count=250, required_referer=COMED_REFERER,
        field_options={"EV_HC_kW": {"zero_share": 0.04}}),
    # ComEd BESS: an anonymous token only through the app proxy (comed-capacity-map).
    "ComEd_BESS_Hosting_Capacity_032026/75": Behaviour(count=100, requires_token=True),
    # Con Edison: maxRecordCount 6000 (api-evangelist).
    "CECONY_NodalHCV_Prod/0": Behaviour(count=500, max_record_count=6000),
    # SCE layer 15: 'NA' in the String, -1 in its Double twin (38,490 of 676,467 rows), and
    # 221,340 real zeros (dchub). Layer 0: ica_overall_load is a String (saved schema).
    "Hosted/ICA_Layer/15": Behaviour(count=500, field_options={
        "uniform_load_static_grid": {"unmeasured_share": 0.06, "unmeasured_value": "NA",
                                     "zero_share": 0.33},
        "uniform_load_static_grid_legend": {"unmeasured_share": 0.06,
                                            "unmeasured_value": -1.0, "zero_share": 0.33}}),
    "Hosted/ICA_Layer/0": Behaviour(count=500, field_options={
        "ica_overall_load": {"unmeasured_share": 0.06, "unmeasured_value": "NA"}}),
    # SDG&E: 1,827 cells at exactly 10 MW, none above (a clip); 31,328 real zeros (dchub).
    "ICA_MAP_PROD_LoadCapacityGrids_VW/0": Behaviour(
        count=500, hosting_kw=(300.0, 16000.0), field_options={
            "ICAWOF_UNILOAD": {"ceiling": 10.0, "zero_share": 0.06, "decimals": 1},
            "ICAWNOF_UNILOAD": {"ceiling": 10.0, "zero_share": 0.06, "decimals": 1}}),
    # NV Energy: 200 sections at exactly 20 MW, none above ('Over 20MW'); FDR_VLT '24.9 KV'.
    "DRP/DRP_WebApp/31": Behaviour(count=500, hosting_kw=(300.0, 26000.0), field_options={
        "DRP_GIS_DATA.DRP_HCA.LHC": {"ceiling": 20.0},
        "DRP_SECTIONS.FDR_VLT": {"suffix": " KV"}}, copyright_text=""),
    # PSE&G: 37.6% negative (over-subscribed), 3,725 'Analysis Pending' NULLs (dchub).
    "EVCapacity/0": Behaviour(count=500, constrained_share=0.4, field_options={
        "CAPACITY_REMAINING": {"unmeasured_share": 0.013, "unmeasured_value": None}}),
    # LADWP: text ranges in kW, bimodal by voltage, '>7500', and 'NO CAPACITY' on a third.
    "PowerCapacity/0": Behaviour(count=400, hosting_kw=(0.0, 9000.0), field_options={
        "Capacity_Range_KW": {"bins": (0, 150, 300, 450, 600, 1000, 1500, 2000, 3000, 4000,
                                       5000, 6000, 7000, 7500),
                              "zero_share": 0.33, "zero_text": "NO CAPACITY"}}),
    # Ameren: FEEDERID 'A,B' with '1.2,3.4' aligned by position (comed-capacity-map).
    "AIC_LC_Grids/0": Behaviour(count=400, field_options={
        "FEEDERID": {"list_share": 0.25}, "MAXLOADMW_TXT": {"list_share": 0.25}}),
    "IL_HC_Grids/0": Behaviour(count=400, field_options={
        "FEEDERID": {"list_share": 0.25}, "MAXGENMW_TXT": {"list_share": 0.25}}),
    # Duke Ohio: circuit_ids_v a comma list on 2,471 of 7,451 hexes (dchub).
    "Ohio_Load_Map/0": Behaviour(count=400, field_options={
        "circuit_ids_v": {"list_share": 0.33}, "substation_names_v": {"list_share": 0.33}}),
    # Central Hudson: most rows are geometry-only stubs (where Feeder IS NOT NULL); 33.6% of
    # gen sections exactly 0 MW (capacity-atlas).
    "Hosting_Capacity_Stage3/0": Behaviour(count=500, stub_share=0.45, field_options={
        "HCMin": {"zero_share": 0.33}, "HCMax": {"zero_share": 0.33}}),
    "Electrification_HC/0": Behaviour(count=400, stub_share=0.45),
    # National Grid MA: answers with the portal's Referer (dchub).
    "MASDP/Nodal_Hosting_Capacity_MA/0": Behaviour(
        required_referer="https://systemdataportal.nationalgrid.com/"),
    # Xcel NSP: renamed monthly; dchub's candidates July_2026 (newest) and June_2026.
    "NSP_HCA_Blurred_GEN_Popup_July_2026/0": Behaviour(also_named=("NSP_HCA_Popup_June_2026",)),
    # Avista: MW_Available is pass/fail at study sizes up to 300 MW (dchub).
    "HeatMap_MW_Impact_PRD/0": Behaviour(hosting_kw=(20000.0, 300000.0)),
    # SCE saved JSON: a Web Mercator service; NV, NG, Eversource: ArcGIS Server MapServers.
}

TERRITORIES: dict[str, tuple[float, float, str]] = {
    "pepco": (-77.03, 38.90, "DC"), "dpl": (-75.55, 39.16, "DE"), "ace": (-74.55, 39.45, "NJ"),
    "bge": (-76.61, 39.29, "MD"), "peco": (-75.16, 39.95, "PA"), "comed": (-87.63, 41.88, "IL"),
    "coned": (-73.94, 40.73, "NY"), "oru": (-74.05, 41.10, "NY"),
    "nationalgrid_ny": (-73.76, 42.65, "NY"), "nationalgrid_ma": (-71.80, 42.26, "MA"),
    "ri_energy": (-71.41, 41.82, "RI"), "nyseg_rge": (-77.61, 43.16, "NY"),
    "cmp": (-70.26, 43.66, "ME"), "central_hudson": (-73.92, 41.70, "NY"),
    "dominion": (-77.44, 37.54, "VA"), "sce": (-117.40, 34.06, "CA"),
    "sdge": (-117.16, 32.72, "CA"), "pge": (-121.45, 38.60, "CA"), "duke": (-84.51, 39.10, "OH"),
    "pseg_nj": (-74.17, 40.73, "NJ"), "ladwp": (-118.24, 34.05, "CA"),
    "nvenergy": (-115.14, 36.17, "NV"), "avista": (-117.43, 47.66, "WA"),
    "aep": (-82.99, 39.96, "OH"), "ameren": (-89.65, 39.78, "IL"), "dte": (-83.05, 42.33, "MI"),
    "xcel_mn": (-93.27, 44.98, "MN"), "xcel_co": (-104.99, 39.74, "CO"),
    "eversource": (-72.68, 41.76, "CT"), "potomac_edison": (-77.72, 39.64, "MD"),
    "smeco": (-76.75, 38.55, "MD"),
}
SUBSTATIONS = ("Ash Grove", "Birch Hill", "Cedar Point", "Dogwood", "Elm Street", "Fox Run",
               "Glen Park", "Harbor", "Ivy Lane", "Juniper", "Kingsley", "Laurel", "Maple",
               "North Gate", "Oak Ridge", "Pine Bluff")
CONSTRAINTS = (("Thermal", 35), ("Voltage", 20), ("Protection", 10), ("Islanding", 5),
               ("Reverse Power Flow", 5), ("", 15))


def territory(utility: str, behaviour: Behaviour) -> Grid:
    lon, lat, state = TERRITORIES.get(utility, (-98.0, 39.0, ""))
    places = behaviour.regions or (("", state),)
    regions = tuple(Region(f"{company or utility} {i + 1}", lon + 0.18 * i, lat - 0.07 * i, 12,
                           company=company, state=region_state)
                    for i, (company, region_state) in enumerate(places))
    return Grid(regions=regions, substations=SUBSTATIONS, voltages_kv=(4.16, 12.47, 13.2, 34.5),
                constraints=CONSTRAINTS, feeder_id_format="{substation_code}{circuit}",
                hosting_kw=behaviour.hosting_kw, constrained_share=behaviour.constrained_share)


def unit_scale(unit: str) -> float:
    """The generated quantities are kW; MW and MVA layers serve them in MW."""
    return 1.0 if unit.lower() in ("kw", "kva") else MW


def field_unit(name: str, layer_unit: str) -> str:
    """A field whose name carries its own unit (IN_QUEUE_DG_KW in an MW layer) uses it."""
    lowered = name.lower()
    if lowered.endswith(("_kw", "kw_", "_kva")) or "_kw_" in lowered:
        return "kw"
    if lowered.endswith(("_mw", "mw_", "_mva")) or "_mw_" in lowered:
        return "mw"
    return layer_unit


def other_quantity(name: str) -> tuple[str, str]:
    """(quantity, esri type) for a field the evidence lists only as 'other'."""
    lowered = name.lower()
    if lowered in ("region", "company", "opco"):
        return "company", "esriFieldTypeString"
    if lowered in ("state", "state_abbr"):
        return "state", "esriFieldTypeString"
    if "date" in lowered:
        return "study_date", "esriFieldTypeDate"
    if lowered in ("shape__length", "shape_length"):
        return "shape_length", "esriFieldTypeDouble"
    if lowered == "shape__area":
        return "shape_area", "esriFieldTypeDouble"
    if lowered in ("lat", "ymin"):
        return "centroid_lat", "esriFieldTypeDouble"
    if lowered in ("lon", "xmin"):
        return "centroid_lon", "esriFieldTypeDouble"
    if lowered in ("map_name", "major"):
        return "grid_name", "esriFieldTypeString"
    if lowered == "count_":
        return "segment_count", "esriFieldTypeInteger"
    if "volt" in lowered or lowered.endswith("_kv"):
        return "voltage_kv", "esriFieldTypeDouble"
    if any(word in lowered for word in ("zone", "area", "district", "system", "sys_name")):
        return "region", "esriFieldTypeString"
    if any(word in lowered for word in ("_mw", "_kw", "cap", "load", "headroom", "gen", "hc",
                                        "mw_", "peak", "def", "marg", "penetration")):
        return "load_capacity_kw", "esriFieldTypeDouble"
    return "line_section", "esriFieldTypeString"


def field_spec(layer: EvidenceLayer, name: str, behaviour: Behaviour,
               used: set[str] | None = None) -> FieldSpec:
    role = layer.roles[name]
    used = set() if used is None else used
    stated = field_types().get(layer.key, {}).get(name, {}).get("type")
    if layer.key == "Hosted/ICA_Layer/0":
        stated = stated or sce_layer0_types().get(name)
    if role in ROLE_QUANTITY:
        quantity = ROLE_QUANTITY[role]
        kind = ("esriFieldTypeDate" if role == "record_date" else
                "esriFieldTypeString" if role in ("feeder_id", "feeder_name", "substation",
                                                  "constraint") else "esriFieldTypeDouble")
    else:
        quantity, kind = other_quantity(name)
    if role in CAPACITY_ROLES and quantity in used:
        # Two capacities in one row (PG&E's GenericPVCapacity_kW beside LoadCapacity_kW)
        # must differ, or a swap could never show.
        quantity = "load_capacity_kw"
    used.add(quantity)
    kind = stated or kind
    options: dict = {"decimals": 3}
    if role in CAPACITY_ROLES or quantity == "load_capacity_kw":
        options["scale"] = unit_scale(field_unit(name, layer.unit))
    if quantity == "segment_count" and kind == "esriFieldTypeString":
        kind = "esriFieldTypeInteger"
    if kind in ("esriFieldTypeDate",) and quantity != "study_date":
        quantity = "study_date"
    if behaviour.stub_share:
        options.update(unmeasured_share=behaviour.stub_share, unmeasured_value=None)
    options.update(behaviour.field_options.get(name, {}))
    length = 255 if kind == "esriFieldTypeString" else None
    return FieldSpec(name, kind, quantity, length=length, **options)


def replica_layer(layer: EvidenceLayer) -> LayerSpec:
    behaviour = BEHAVIOURS.get(layer.key, Behaviour())
    oid = next((n for n in layer.fields if n in OID_NAMES), None)
    fields = [FieldSpec(oid or "OBJECTID", "esriFieldTypeOID")]
    used: set[str] = set()
    fields += [field_spec(layer, name, behaviour, used) for name in layer.fields if name != oid]
    geometry = GEOMETRY_OF_GRAIN.get(layer.grain, "polyline")
    if layer.key == "ComEd_EV_Load_Capacity_JUN2026/28":
        geometry = "polygon"  # 'buffered circuit polygons' (dchub)
    per_feeder = (5, 40) if geometry == "polyline" else (1, 4)
    return LayerSpec(
        index=layer.index, name=f"{layer.service_name.rsplit('/', 1)[-1]} {layer.index}",
        geometry=geometry, fields=tuple(fields), feature_count=behaviour.count,
        grid=territory(layer.utility, behaviour), seed=f"evidence:{layer.key}",
        segments_per_feeder=per_feeder, tiled=geometry == "polygon",
        quirks=Quirks(max_record_count=behaviour.max_record_count,
                      requires_token=behaviour.requires_token))


def _service(url: str, layers: list[LayerSpec], behaviours: list[Behaviour]) -> ServiceSpec:
    referer = next((b.required_referer for b in behaviours if b.required_referer), None)
    copyright_text = next((b.copyright_text for b in behaviours if b.copyright_text), "")
    spec = ServiceSpec(url=url, layers=layers, description="", required_referer=referer,
                       copyright_text=copyright_text)
    if url_key(url) == url_key("https://drpep.sce.com/arcgis_server/rest/services/Hosted/"
                               "ICA_Layer/FeatureServer"):
        # Saved by api-evangelist; /arcgis/ answers a 404 maintenance page (dchub).
        spec.saved_document = sce_saved_service()
        spec.current_version = 11.1
        spec.supported_query_formats = "JSON"
        spec.maintenance_roots = ("/arcgis/rest/services",)
    return spec


def evidence_services() -> list[ServiceSpec]:
    """One service per recorded service URL, with every recorded layer of it."""
    grouped: dict[str, tuple[str, list[LayerSpec], list[Behaviour]]] = {}
    for layer in evidence_layers():
        behaviour = BEHAVIOURS.get(layer.key, Behaviour())
        url, layers, behaviours = grouped.setdefault(
            url_key(layer.service_url), (layer.service_url, [], []))
        layers.append(replica_layer(layer))
        behaviours.append(behaviour)
    services = []
    for url, layers, behaviours in grouped.values():
        layers.sort(key=lambda spec: spec.index)
        services.append(_service(url, layers, behaviours))
        for older in (name for b in behaviours for name in b.also_named):
            renamed = url.replace(url.split("/rest/services/")[1].rsplit("/", 1)[0], older)
            copies = [replace(spec, seed=f"{spec.seed}:{older}", quirks=replace(spec.quirks),
                              deleted=(), revisions={}) for spec in layers]
            for copy in copies:
                copy.last_edit_ms -= 30 * 86_400_000
            services.append(_service(renamed, copies, behaviours))
    return services


def default_catalog() -> list[ServiceSpec]:
    """Fresh specs every call: the utilities' services from the evidence, and the bench."""
    return [*evidence_services(), bench_service()]

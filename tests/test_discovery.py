"""Discovery: rotating service names are found on the server, and --discover drafts a config."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from extract.arcgis.config import LayerConfig, UtilityConfig, load_config_file
from extract.arcgis.discovery_report import discover
from extract.arcgis.field_map_draft import draft_field_map, guess_capacity_unit
from extract.arcgis.service_url import (
    DiscoveryError,
    newest_first_key,
    resolve_service_url,
    service_date,
)
from extract.http import HttpClient, RetryPolicy
from replicas.server import ReplicaServer, Request, Response

CONFIG_DIR = Path(__file__).resolve().parents[1] / "configs" / "utilities"
HOST = "services9.arcgis.example"
ROOT = "/ORG/arcgis/rest/services"
HC_FIELDS = [
    {"name": "OBJECTID", "type": "esriFieldTypeOID", "alias": "OBJECTID"},
    {"name": "FEEDER_ID", "type": "esriFieldTypeString", "alias": "Feeder"},
    {"name": "HC_KW", "type": "esriFieldTypeDouble", "alias": "Hosting Capacity (kW)"},
    {"name": "Shape__Length", "type": "esriFieldTypeDouble", "alias": "Shape__Length"},
]


class FakeArcGISOrg:
    """An ArcGIS Online organisation: a services directory, folders, and the services in them.
    A missing service answers like ArcGIS Online does: HTTP 200 with an error body (or a 404
    when `missing_status` says so)."""

    def __init__(self, services: dict[str, str], folders: dict[str, dict[str, str]] | None = None,
                 host: str = HOST, root: str = ROOT, fields: list[dict] | None = None,
                 missing_status: int = 200):
        self.services = services  # name -> FeatureServer | MapServer
        self.folders = folders or {}
        self.host = host
        self.root = root
        self.fields = fields or HC_FIELDS
        self.missing_status = missing_status

    def serves(self, host: str) -> bool:
        return host == self.host

    def all_services(self) -> dict[str, str]:
        nested = {f"{folder}/{name}": kind for folder, services in self.folders.items()
                  for name, kind in services.items()}
        return {**self.services, **nested}

    def handle(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if path == self.root:
            return self.directory(self.services, list(self.folders))
        if path.removeprefix(self.root + "/") in self.folders:
            folder = path.removeprefix(self.root + "/")
            named = {f"{folder}/{name}": kind for name, kind in self.folders[folder].items()}
            return self.directory(named, [])
        match = re.match(rf"^{self.root}/(?P<name>.+?)/(?P<type>FeatureServer|MapServer)"
                         r"(?:/(?P<layer>\d+))?$", path)
        if not match or self.all_services().get(match["name"]) != match["type"]:
            return Response.json({"error": {"code": 400, "message": "Invalid URL",
                                            "details": []}}, status=self.missing_status)
        if match["layer"] is None:
            return Response.json({"currentVersion": 11.3, "layers": [
                {"id": 0, "name": "Hosting Capacity", "geometryType": "esriGeometryPolyline"}],
                "tables": []})
        return Response.json({"id": 0, "name": "Hosting Capacity", "maxRecordCount": 2000,
                              "geometryType": "esriGeometryPolyline", "fields": self.fields})

    @staticmethod
    def directory(services: dict[str, str], folders: list[str]) -> Response:
        return Response.json({"currentVersion": 11.3, "folders": folders, "services": [
            {"name": name, "type": kind} for name, kind in services.items()]})


class AppSlot:
    """One replica server for the module (starting one per test costs a shutdown poll each);
    each test puts its own fake orgs in the slot."""

    def __init__(self) -> None:
        self.apps: list[FakeArcGISOrg] = []

    def serves(self, host: str) -> bool:
        return any(app.serves(host) for app in self.apps)

    def handle(self, request: Request) -> Response:
        return next(app for app in self.apps if app.serves(request.host)).handle(request)


@pytest.fixture(scope="module")
def replica():
    slot = AppSlot()
    with ReplicaServer(apps=[slot]) as server:
        yield server, slot


@pytest.fixture
def serve(replica, monkeypatch):
    """serve(*apps) -> an HttpClient that reaches the apps through the replica rewrite."""
    server, slot = replica
    clients = []

    def start(*apps: FakeArcGISOrg) -> HttpClient:
        slot.apps = list(apps)
        monkeypatch.setenv("HC_REPLICA_URL", server.url)
        client = HttpClient(policy=RetryPolicy(attempts=2, base_delay_s=0.0, timeout_s=5.0))
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.close()
    slot.apps = []


def rotating_layer(method: str, pattern: str, last_known: str,
                   kind: str = "FeatureServer") -> tuple[UtilityConfig, LayerConfig]:
    layer = LayerConfig(name="dg", service_url=f"https://{HOST}{ROOT}/{last_known}/{kind}",
                        layer_index=0, field_map={"FEEDER_ID": "feeder_id_external"},
                        url_discovery_method=method, url_pattern=pattern)
    utility = UtilityConfig(utility_code="demo", utility_name="Demo Power", states=("IL",),
                            data_source_type="exelon", requires_auth=False,
                            source_file=Path("demo.yaml"), layers=(layer,))
    return utility, layer


def quarterly(last_known: str = "Demo_HC_MAR2026") -> tuple[UtilityConfig, LayerConfig]:
    return rotating_layer("quarterly_name", "Demo_HC_{month}{year}", last_known)


def scanned(pattern: str = r"^(NSP_HCA|HCA_NSP)_Popup_Layer_",
            last_known: str = "NSP_HCA_Popup_Layer_Feb_2026") -> tuple[UtilityConfig, LayerConfig]:
    return rotating_layer("catalog_scan", pattern, last_known)


MAY_2026 = datetime.date(2026, 5, 10)


def test_static_url_is_used_as_configured_without_a_request(serve):
    client = serve(FakeArcGISOrg({}))
    utility, layer = rotating_layer("static", "", "Fixed")
    assert resolve_service_url(utility, layer, client, MAY_2026) == layer.service_url
    assert client.request_count == 0


def test_quarterly_discovery_picks_this_quarters_name_when_it_is_published(serve):
    client = serve(FakeArcGISOrg({"Demo_HC_MAR2026": "FeatureServer",
                                  "Demo_HC_JUN2026": "FeatureServer"}))
    utility, layer = quarterly()
    url = resolve_service_url(utility, layer, client, MAY_2026)
    assert url == f"https://{HOST}{ROOT}/Demo_HC_JUN2026/FeatureServer"


def test_quarterly_discovery_falls_back_to_earlier_quarters_newest_first(serve):
    server_app = FakeArcGISOrg({"Demo_HC_SEP2025": "FeatureServer",
                                "Demo_HC_DEC2025": "FeatureServer"})
    client = serve(server_app)
    utility, layer = quarterly()
    url = resolve_service_url(utility, layer, client, MAY_2026)
    assert url.endswith("/Demo_HC_DEC2025/FeatureServer")
    assert client.request_count == 3  # JUN2026, MAR2026, then DEC2025: no retries on misses


def test_quarterly_discovery_treats_http_404_as_a_missing_name(serve):
    client = serve(FakeArcGISOrg({"Demo_HC_DEC2025": "FeatureServer"}, missing_status=404))
    utility, layer = quarterly()
    assert resolve_service_url(utility, layer, client, MAY_2026).endswith(
        "/Demo_HC_DEC2025/FeatureServer")


def test_quarterly_discovery_tries_the_last_known_name_when_the_clock_lags(serve):
    client = serve(FakeArcGISOrg({"Demo_HC_MAR2026": "FeatureServer"}))
    utility, layer = quarterly("Demo_HC_MAR2026")
    assert resolve_service_url(utility, layer, client, datetime.date(2025, 1, 2)).endswith(
        "/Demo_HC_MAR2026/FeatureServer")


def test_quarterly_discovery_error_names_the_utility_and_every_name_tried(serve):
    client = serve(FakeArcGISOrg({"Demo_HC_MAR2018": "FeatureServer"}))
    utility, layer = quarterly()
    with pytest.raises(DiscoveryError) as raised:
        resolve_service_url(utility, layer, client, MAY_2026)
    message = str(raised.value)
    assert message.startswith("demo/dg: no quarterly service found")
    for name in ("Demo_HC_JUN2026", "Demo_HC_MAR2026", "Demo_HC_DEC2024", "Demo_HC_SEP2024"):
        assert name in message
    assert "demo.yaml" in message


def test_catalog_scan_picks_the_newest_name_across_month_spellings(serve):
    client = serve(FakeArcGISOrg({
        "NSP_HCA_Popup_Layer_Feb_2026": "FeatureServer",
        "HCA_NSP_Popup_Layer_February_2026": "FeatureServer",
        "NSP_HCA_Popup_Layer_March_2026": "FeatureServer",
        "NSP_HCA_Popup_Layer_Dec_2025": "FeatureServer",
        "NSP_HCA_Popup_Layer_Sept_2025": "FeatureServer",
        "NSP_HCA_Popup_Layer_April_2026": "MapServer",  # another service type: not ours
        "PSCO_GEN_Popup_Layer_May_2026": "FeatureServer",  # another territory
        "NSP_Blurred": "FeatureServer",
    }))
    utility, layer = scanned()
    url = resolve_service_url(utility, layer, client, MAY_2026)
    assert url == f"https://{HOST}{ROOT}/NSP_HCA_Popup_Layer_March_2026/FeatureServer"


def test_catalog_scan_orders_across_a_year_end(serve):
    client = serve(FakeArcGISOrg({"HCA_NSP_Popup_Layer_December_2025": "FeatureServer",
                                  "NSP_HCA_Popup_Layer_JAN2026": "FeatureServer"}))
    utility, layer = scanned()
    assert resolve_service_url(utility, layer, client, MAY_2026).endswith(
        "/NSP_HCA_Popup_Layer_JAN2026/FeatureServer")


def test_catalog_scan_falls_back_to_name_order_when_names_carry_no_date(serve):
    client = serve(FakeArcGISOrg({"HC_Layer_v2": "FeatureServer", "HC_Layer_v3": "FeatureServer",
                                  "HC_Layer_v1": "FeatureServer"}))
    utility, layer = scanned(pattern="^HC_Layer_", last_known="HC_Layer_v1")
    assert resolve_service_url(utility, layer, client, MAY_2026).endswith(
        "/HC_Layer_v3/FeatureServer")


def test_catalog_scan_looks_into_folders_when_the_root_has_no_match(serve):
    client = serve(FakeArcGISOrg({"Other": "FeatureServer"}, folders={
        "Hosting": {"NSP_HCA_Popup_Layer_Jan_2026": "FeatureServer",
                    "NSP_HCA_Popup_Layer_Apr_2026": "FeatureServer"}}))
    utility, layer = scanned()
    assert resolve_service_url(utility, layer, client, MAY_2026) == (
        f"https://{HOST}{ROOT}/Hosting/NSP_HCA_Popup_Layer_Apr_2026/FeatureServer")


def test_catalog_scan_error_says_what_the_server_lists(serve):
    client = serve(FakeArcGISOrg({"PSCO_GEN_Popup_Layer_Feb_2026": "FeatureServer"}))
    utility, layer = scanned()
    with pytest.raises(DiscoveryError) as raised:
        resolve_service_url(utility, layer, client, MAY_2026)
    message = str(raised.value)
    assert message.startswith("demo/dg: no FeatureServer")
    assert "(NSP_HCA|HCA_NSP)_Popup_Layer_" in message
    assert "PSCO_GEN_Popup_Layer_Feb_2026" in message


@pytest.mark.parametrize(("name", "expected"), [
    ("NSP_HCA_Popup_Layer_March_2026", (2026, 3)),
    ("PSCO_GEN_Popup_Layer_Feb_2026", (2026, 2)),
    ("ComEd_PV_Hosting_Capacity_JUN2024", (2024, 6)),
    ("NSPM_may2025_popUps", (2025, 5)),
    ("HostingCapacity_DCirc_NYSEG_RGE_APR272018", (2018, 4)),
    ("HC_Layer_2026_03", (2026, 3)),
    ("Decatur_Feeders_2020", None),  # "Dec" inside a word is not December
    ("HC_Layer_v3", None),
])
def test_service_date_reads_month_and_year_from_names(name, expected):
    assert service_date(name) == expected


def test_real_rotating_configs_resolve_against_their_orgs(serve):
    """xcel_mn.yaml and xcel_co.yaml as shipped find the newest service on a server shaped like
    Xcel's organisation, in both name formats Xcel has used (hosts and paths from the configs)."""
    mn, _ = load_config_file(CONFIG_DIR / "xcel_mn.yaml")
    co, _ = load_config_file(CONFIG_DIR / "xcel_co.yaml")
    xcel_org = FakeArcGISOrg({"NSP_HCA_Popup_June_2026": "FeatureServer",
                              "NSP_HCA_Blurred_GEN_Popup_July_2026": "FeatureServer",
                              "NSP_HCA_Blurred_GEN_Popup_August_2026": "FeatureServer",
                              "PSCO_Blurred_Popup_GEN_June_2026": "FeatureServer",
                              "PSCO_Blurred_Popup_GEN_Sept_2026": "FeatureServer",
                              "PSCO22Final": "FeatureServer"},
                             host="services1.arcgis.com",
                             root="/eM84fwjsSggLQk61/arcgis/rest/services")
    client = serve(xcel_org)
    assert resolve_service_url(mn, mn.layers[0], client, MAY_2026).endswith(
        "/NSP_HCA_Blurred_GEN_Popup_August_2026/FeatureServer")
    assert resolve_service_url(co, co.layers[0], client, MAY_2026).endswith(
        "/PSCO_Blurred_Popup_GEN_Sept_2026/FeatureServer")


def test_comed_month_first_names_are_dated_like_the_others():
    assert service_date("ComEd_EV_Load_Capacity_032026") == (2026, 3)
    assert service_date("ComEd_EV_Load_Capacity_JUN2026") == (2026, 6)
    assert max(["ComEd_EV_Load_Capacity_032026", "ComEd_EV_Load_Capacity_JUN2026"],
               key=newest_first_key) == "ComEd_EV_Load_Capacity_JUN2026"


def test_discover_reports_layers_fields_and_a_draft_field_map(serve):
    client = serve(FakeArcGISOrg({"Demo_HC_MAR2026": "FeatureServer"}))
    utility, _ = quarterly()
    report = discover(utility, client, today=MAY_2026)
    assert f"service: https://{HOST}{ROOT}/Demo_HC_MAR2026/FeatureServer" in report
    assert "0  Hosting Capacity  esriGeometryPolyline" in report
    assert re.search(r"HC_KW\s+Double\s+Hosting Capacity \(kW\)", report)
    assert "    FEEDER_ID: feeder_id_external" in report
    assert "    HC_KW: hosting_capacity_mw" in report
    assert "  capacity_unit: kw" in report
    assert "every source field exists" in report


def test_discover_without_an_arcgis_service_says_why():
    utility = UtilityConfig(utility_code="ladwp", utility_name="LADWP", states=("CA",),
                            data_source_type="custom", requires_auth=False,
                            source_file=Path("ladwp.yaml"), notes="Custom portal.")
    with pytest.raises(DiscoveryError, match="ladwp: no ArcGIS service to discover"):
        discover(utility, client=None)  # type: ignore[arg-type] - never reached


def fields(*names: str, kind: str = "esriFieldTypeDouble") -> list[dict]:
    return [{"name": n, "type": kind, "alias": n} for n in names]


def test_draft_field_map_for_a_pge_like_layer():
    layer_fields = [{"name": "OBJECTID", "type": "esriFieldTypeOID", "alias": "OBJECTID"},
                    *fields("feederid", "csv_linesection", kind="esriFieldTypeString"),
                    *fields("loadica", "loadapplications", "plannedprojects", "expectedcapacity"),
                    {"name": "Shape__Length", "type": "esriFieldTypeDouble", "alias": ""}]
    assert draft_field_map(layer_fields) == {
        "feederid": "feeder_id_external",
        "loadica": "hosting_capacity_mw",
        "plannedprojects": "queued_dg_mw",
    }


def test_draft_field_map_for_an_sce_like_layer():
    layer_fields = [*fields("CircuitName", "CircuitDisplayName", "SubstationName",
                            "LimitingCriteria", kind="esriFieldTypeString"),
                    *fields("UniformGenerationCapacity_kW", "MinGenerationCapacity_kW",
                            "MaxGenerationCapacity_kW", "ExistingGeneration_kW",
                            "QueuedGeneration_kW", "NominalVoltage_kV"),
                    {"name": "LastUpdate", "type": "esriFieldTypeDate", "alias": "Last Update"},
                    {"name": "EditDate", "type": "esriFieldTypeDate", "alias": "EditDate"}]
    draft = draft_field_map(layer_fields)
    assert draft == {
        "CircuitName": "feeder_id_external",
        "CircuitDisplayName": "feeder_name",
        "SubstationName": "substation_name",
        "UniformGenerationCapacity_kW": "hosting_capacity_mw",
        "MinGenerationCapacity_kW": "hosting_capacity_min_mw",
        "MaxGenerationCapacity_kW": "hosting_capacity_max_mw",
        "ExistingGeneration_kW": "installed_dg_mw",
        "QueuedGeneration_kW": "queued_dg_mw",
        "LimitingCriteria": "constraining_metric",
        "NominalVoltage_kV": "voltage_kv",
        "LastUpdate": "record_date",
    }
    assert guess_capacity_unit(layer_fields, draft) == "kw"


def test_draft_field_map_uses_aliases_when_names_are_cryptic():
    layer_fields = [{"name": "F1", "type": "esriFieldTypeString", "alias": "Circuit ID"},
                    {"name": "F2", "type": "esriFieldTypeDouble",
                     "alias": "Hosting Capacity (MW)"},
                    {"name": "F3", "type": "esriFieldTypeDouble", "alias": "Headroom (MW)"}]
    draft = draft_field_map(layer_fields)
    assert draft == {"F1": "feeder_id_external", "F2": "hosting_capacity_mw",
                     "F3": "remaining_capacity_mw"}
    assert guess_capacity_unit(layer_fields, draft) == "mw"


def test_draft_field_map_for_an_avangrid_like_layer_in_mva():
    layer_fields = fields("CIRCUIT", "SUBSTATION", "FEEDER_NAME", "MAX_HC_MVA", "CONN_DG_MVA",
                          "QUEUED_DG_MVA", "HEADROOM_MVA", "LIMITING_ELEMENT", "KV",
                          "NUMPHASES")
    draft = draft_field_map(layer_fields)
    assert draft["MAX_HC_MVA"] == "hosting_capacity_mw"  # the only capacity figure
    assert draft["CONN_DG_MVA"] == "installed_dg_mw"
    assert draft["QUEUED_DG_MVA"] == "queued_dg_mw"
    assert draft["HEADROOM_MVA"] == "remaining_capacity_mw"
    assert draft["CIRCUIT"] == "feeder_id_external"
    assert draft["FEEDER_NAME"] == "feeder_name"
    assert draft["SUBSTATION"] == "substation_name"
    assert draft["KV"] == "voltage_kv"
    assert draft["NUMPHASES"] == "phase_config"
    assert draft["LIMITING_ELEMENT"] == "constraining_metric"
    assert len(set(draft.values())) == len(draft)  # each canonical field once
    assert guess_capacity_unit(layer_fields, draft) == "mw"


def test_draft_field_map_for_an_xcel_like_layer_of_text_fields():
    layer_fields = fields("Feeder", "Substation", "HostingCapacity", "MinHostingCap",
                          "MaxHostingCap", "ConstrainingMetric", "MinConstrainingMetric",
                          "MaxConstrainingMetric", "SubsTransInstalledDG", "SubsTransQueuedDG",
                          "NetworkOrRadial", "PlanningRegion", kind="esriFieldTypeString")
    assert draft_field_map(layer_fields) == {
        "Feeder": "feeder_id_external",
        "Substation": "substation_name",
        "HostingCapacity": "hosting_capacity_mw",
        "MinHostingCap": "hosting_capacity_min_mw",
        "MaxHostingCap": "hosting_capacity_max_mw",
        "SubsTransInstalledDG": "installed_dg_mw",
        "SubsTransQueuedDG": "queued_dg_mw",
        "ConstrainingMetric": "constraining_metric",
        "NetworkOrRadial": "is_network",
    }


def test_draft_never_takes_a_peak_load_for_a_feeder_id():
    draft = draft_field_map(fields("feeder_peak", "feeder_cdf", "feeder_voltage"))
    assert draft == {"feeder_cdf": "feeder_id_external", "feeder_voltage": "voltage_kv"}


def test_capacity_unit_is_unknown_when_names_say_nothing():
    assert guess_capacity_unit(fields("HostingCapacity", "Feeder")) is None

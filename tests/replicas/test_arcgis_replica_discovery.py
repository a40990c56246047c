"""Discovery: the services directory, services and layers answer as ArcGIS does."""

from __future__ import annotations

import httpx

from replicas.arcgis import ArcGISReplica, protocol_catalog
from replicas.arcgis.catalog import BENCH_URL, PGE_URL, PHI_URL, SCE_URL
from replicas.server import ReplicaServer

PGE_ROOT = "https://services2.arcgis.com/ProtocolPgeOrg01/ArcGIS/rest/services"
EXELON_ROOT = "https://services3.arcgis.com/ProtocolExelon01/arcgis/rest/services"
SCE_ROOT = "https://sce.protocol.example/arcgis/rest/services"


def test_online_organisation_lists_its_hosted_services_with_urls(arcgis):
    directory = arcgis.get(EXELON_ROOT, f="json")
    assert directory["folders"] == []
    assert {"name": "PHI_Hosting_Capacity", "type": "FeatureServer", "url": PHI_URL} in (
        directory["services"])
    assert isinstance(directory["currentVersion"], float)


def test_arcgis_segment_matches_any_case_and_listing_echoes_the_case_asked(arcgis):
    lower = arcgis.get(PGE_ROOT.replace("/ArcGIS/", "/arcgis/"), f="json")
    upper = arcgis.get(PGE_ROOT, f="json")
    assert lower["services"][0]["url"] == PGE_URL.replace("/ArcGIS/", "/arcgis/")
    assert upper["services"][0]["url"] == PGE_URL
    assert arcgis.get(PGE_URL.replace("/ArcGIS/", "/arcgis/"), f="json")["layers"]


def test_self_hosted_server_lists_folders_then_the_folders_services(arcgis):
    root = arcgis.get(SCE_ROOT, f="json")
    assert root["folders"] == ["DRP"] and root["services"] == []
    folder = arcgis.get(f"{SCE_ROOT}/DRP", f="json")
    listed = {(s["name"], s["type"]) for s in folder["services"]}
    assert {("DRP/ICA_Layer", "FeatureServer"), ("DRP/ICA_Layer", "MapServer")} <= listed
    assert all("url" not in s for s in folder["services"])


def test_map_server_twin_of_a_self_hosted_service_serves_the_same_layer(arcgis):
    map_server = SCE_URL.replace("FeatureServer", "MapServer")
    assert arcgis.get(map_server, f="json")["layers"][0]["name"] == "ICA Circuit Segments"
    assert arcgis.get(f"{map_server}/0/query", where="1=1", returnCountOnly="true",
                      f="json")["count"] == 3041


def test_service_lists_its_layers_with_geometry_types_and_record_cap(arcgis):
    service = arcgis.get(PGE_URL, f="json")
    layers = {layer["id"]: layer for layer in service["layers"]}
    assert len(layers) >= 8
    assert layers[7]["name"] == "ICAEstimatedCapacitySummary"
    assert layers[7]["geometryType"] == "esriGeometryPolyline"
    assert layers[0]["geometryType"] == "esriGeometryPoint"
    assert service["tables"] == [] and service["maxRecordCount"] == 2000
    assert service["spatialReference"] == {"wkid": 102100, "latestWkid": 3857}
    assert "serviceDescription" in service and "currentVersion" in service


def test_layer_describes_fields_paging_formats_and_last_edit(arcgis):
    layer = arcgis.get(f"{PGE_URL}/7", f="json")
    fields = {f["name"]: f for f in layer["fields"]}
    assert layer["type"] == "Feature Layer" and layer["objectIdField"] == "OBJECTID"
    assert fields["OBJECTID"]["type"] == "esriFieldTypeOID"
    for name in ("loadica", "loadapplications", "plannedprojects", "expectedcapacity"):
        assert fields[name]["type"] == "esriFieldTypeDouble"
    assert fields["feederid"]["type"] == "esriFieldTypeString" and fields["feederid"]["length"]
    assert layer["maxRecordCount"] == 2000 and layer["standardMaxRecordCount"] >= 2000
    assert layer["supportsPagination"] is True
    assert layer["advancedQueryCapabilities"]["supportsPagination"] is True
    assert layer["advancedQueryCapabilities"]["supportsOrderBy"] is True
    assert layer["supportedQueryFormats"] == "JSON, geoJSON, PBF"
    assert layer["editingInfo"]["lastEditDate"] == layer["editingInfo"]["dataLastEditDate"]
    assert layer["extent"]["spatialReference"]["wkid"] == 102100


def test_old_self_hosted_server_offers_json_and_amf_only(arcgis):
    layer = arcgis.get(f"{SCE_URL}/0", f="json")
    assert layer["supportedQueryFormats"] == "JSON, AMF"
    assert layer["currentVersion"] < 10.6 and "standardMaxRecordCount" not in layer
    assert "dataLastEditDate" not in layer["editingInfo"] and layer["editingInfo"]["lastEditDate"]
    fields = {f["name"]: f["type"] for f in layer["fields"]}
    assert fields["NominalVoltage_kV"] == "esriFieldTypeString"
    assert fields["UniformGenerationCapacity_kW"] == "esriFieldTypeDouble"


def test_exelon_layers_carry_their_field_maps_names(arcgis):
    pepco = {f["name"] for f in arcgis.get(f"{PHI_URL}/0", f="json")["fields"]}
    ace = {f["name"] for f in arcgis.get(f"{PHI_URL}/4", f="json")["fields"]}
    assert {"FeederID", "Allowable_PV_kW", "Strict_PV_kW", "Max_PV_kW", "Total_Active_Gen_kW",
            "Total_Pending_Gen_kW", "Voltage"} <= pepco
    assert {"FEEDER_ID", "FEEDER_NAME", "SUBSTATION", "HC_KW", "MIN_HC_KW", "MAX_HC_KW",
            "EXISTING_DG_KW", "QUEUED_DG_KW", "LIMITING_FACTOR", "VOLTAGE_KV", "PHASE"} <= ace
    names = [layer["name"] for layer in arcgis.get(PHI_URL, f="json")["layers"]]
    assert names[1] == "Pepco_EV_Load_Capacity" and len(names) == 6


def test_unknown_service_answers_service_not_found_inside_http_200(arcgis):
    response = arcgis.response(f"{SCE_ROOT}/DRP/ICA_Layer_2025/FeatureServer", f="json")
    assert response.status_code == 200
    assert response.json()["error"]["code"] == 404
    assert response.json()["error"]["message"] == "Service not found"


def test_query_without_where_or_object_ids_is_refused(arcgis):
    error = arcgis.get(f"{PGE_URL}/7/query", outFields="*", f="json")["error"]
    assert error["code"] == 400 and "where" in error["details"][0]


def test_unknown_layer_and_folder_answer_arcgis_errors(arcgis):
    assert arcgis.get(f"{PGE_URL}/42", f="json")["error"]["code"] == 400
    assert arcgis.get(f"{SCE_ROOT}/Nowhere", f="json")["error"]["code"] == 404
    assert arcgis.get(f"{PGE_URL}/7/queryTopFeatures", f="json")["error"]["code"] == 400


def test_without_f_json_a_browser_gets_the_html_directory(arcgis):
    response = arcgis.response(f"{PGE_URL}/7")
    assert response.headers["content-type"].startswith("text/html")


def test_pjson_is_the_same_answer_pretty_printed(arcgis):
    pretty = arcgis.response(f"{PGE_URL}/7", f="pjson")
    assert b"\n  " in pretty.content
    assert pretty.json() == arcgis.get(f"{PGE_URL}/7", f="json")


def test_rest_info_tells_where_tokens_come_from(arcgis):
    info = arcgis.get("https://sce.protocol.example/arcgis/rest/info", f="json")
    assert info["authInfo"]["tokenServicesUrl"] == "https://sce.protocol.example/arcgis/tokens/"


def test_default_replica_serves_the_utilities_hosts_and_the_protocol_one_its_own():
    replica = ArcGISReplica()
    for host in ("drpep.sce.com", "services3.arcgis.com", "services.nvenergy.com",
                 "utility.arcgis.com", BENCH_URL.split("/")[2]):
        assert replica.serves(host)
    assert not replica.serves("pe-api.gridx.com")
    protocol = ArcGISReplica(protocol_catalog())
    for url in (PGE_URL, SCE_URL, PHI_URL):
        assert protocol.serves(url.split("/")[2])


def test_hosts_the_replica_does_not_serve_get_the_servers_404():
    with ReplicaServer(apps=[ArcGISReplica()]) as server:
        response = httpx.get(f"{server.url}/services99.arcgis.com/x/arcgis/rest/services")
        assert response.status_code == 404

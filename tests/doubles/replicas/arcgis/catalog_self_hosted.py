"""Utilities running their own ArcGIS Server, publishing MapServers (no FeatureServer).

Each is a different vintage: Duke's 10.8 gateway caps pages at the MapServer default of
1000; National Grid's 11.1 portal pages by offset and has feeders without geometry;
Eversource's 10.2 server (on its gas GIS host) predates resultOffset paging altogether, lists
no pagination capability, has sparse object ids, a lowered cap, and answers slowly, so it is
read by object-id batches. MapServer layers list their SHAPE column among the fields.
"""

from __future__ import annotations

from replicas.arcgis.ids import IdLayout
from replicas.arcgis.shorthands import (
    companion_layer,
    double,
    geometry_field,
    mw,
    oid,
    shape_length,
    text,
)
from replicas.arcgis.spec import Grid, LayerSpec, Quirks, Region, ServiceSpec

DUKE_URL = "https://duke.protocol.example/arcgis/rest/services/HostingCapacity/MapServer"
NATIONAL_GRID_URL = ("https://nationalgrid.protocol.example/arcgis/rest/services/"
                     "Electrification_Data_TEST/MapServer")
EVERSOURCE_ROOT = "https://eversource.protocol.example/wamgasgis/rest/services"
EVERSOURCE_URL = f"{EVERSOURCE_ROOT}/DG_Hosting/GenerationCapacityExternalMapProd/MapServer"
EVERSOURCE_GAS_URL = f"{EVERSOURCE_ROOT}/Gas/GasServiceTerritory/MapServer"


# --- Duke Energy (Carolinas and Progress) -------------------------------------------------

DUKE_GRID = Grid(
    regions=(Region("Charlotte", -80.84, 35.23, 14, "DEC"),
             Region("Greensboro", -79.79, 36.07, 10, "DEC"),
             Region("Durham", -78.90, 35.99, 8, "DEC"),
             Region("Greenville-Spartanburg", -82.15, 34.90, 14, "DEC"),
             Region("Raleigh", -78.64, 35.78, 12, "DEP"),
             Region("Wilmington", -77.94, 34.23, 10, "DEP"),
             Region("Asheville", -82.55, 35.60, 10, "DEP"),
             Region("Florence", -79.76, 34.20, 10, "DEP")),
    substations=("Allen", "Buck", "Catawba Ridge", "Dan River", "Eno", "Falls Lake",
                 "Greenbrier", "Harris", "Ivy Creek", "Jordan Lake", "Keowee", "Lee Street",
                 "Marshall", "Neuse", "Oakboro", "Pisgah", "Riverbend", "Sutton", "Tiger",
                 "Umstead", "Walnut Creek", "Yadkin River"),
    voltages_kv=(12.47, 12.47, 23.9, 4.16, 12.0),
    constraints=(("Thermal - Conductor", 22), ("Thermal - Transformer", 12),
                 ("High Voltage", 15), ("Voltage Fluctuation", 10),
                 ("Fault Current Contribution", 6), ("Breaker Reduction of Reach", 6),
                 ("Reverse Power Flow", 6), ("None", 15), ("", 8)),
    feeder_id_format="{substation_code}{circuit:04d}",
    feeder_name_format="{substation} {circuit}",
    first_circuit=1201,
    hosting_kw=(200.0, 9000.0),
    study_date="2026-08-01",
)


def duke_service() -> ServiceSpec:
    layer = LayerSpec(
        index=0, name="Hosting Capacity", geometry="polyline", grid=DUKE_GRID,
        feature_count=1040, seed="duke-hdr-hc", display_field="FEEDER_NAME",
        fields=(
            oid(),
            text("FEEDER_ID", "feeder_id", 20),
            text("FEEDER_NAME", "feeder_name", 60),
            text("SUBSTATION_NAME", "substation_name", 50),
            double("HC_KW", "hosting_kw", decimals=0),
            double("MIN_HC_KW", "hosting_min_kw", decimals=0),
            double("MAX_HC_KW", "hosting_max_kw", decimals=0),
            double("EXIST_DG_KW", "existing_dg_kw", decimals=0),
            double("QUEUED_DG_KW", "queued_dg_kw", decimals=0, null_share=0.04),
            double("REMAINING_KW", "remaining_kw", decimals=0),
            text("LIMITING_FACTOR", "constraint", 60),
            text("NOMINAL_VOLTAGE", "voltage_kv", 10, not_available_share=0.01),
            text("PHASE_DESIGNATION", "phase", 5),
            text("JURISDICTION", "company", 5),
            geometry_field(),
            shape_length("SHAPE.STLength()"),
        ),
        last_edit_date="2026-08-12T03:00:00",
        quirks=Quirks(max_record_count=1000),
    )
    substations = companion_layer(1, "Substations", "point", DUKE_GRID, 40,
                                  (text("SUBSTATION_NAME", "substation_name"),
                                   text("JURISDICTION", "company", 5)))
    return ServiceSpec(url=DUKE_URL, layers=[layer, substations], current_version=10.81,
                       description="Duke Energy hosting capacity (DEC and DEP)")


# --- National Grid (electrification: feeder load headroom, MW) ----------------------------

NATIONAL_GRID_GRID = Grid(
    regions=(Region("Buffalo", -78.88, 42.89, 12, "NY"),
             Region("Syracuse", -76.15, 43.05, 12, "NY"),
             Region("Albany", -73.76, 42.65, 12, "NY"), Region("Utica", -75.23, 43.10, 10, "NY"),
             Region("Worcester", -71.80, 42.26, 10, "MA"),
             Region("Brockton", -71.02, 42.08, 8, "MA"),
             Region("Merrimack Valley", -71.20, 42.68, 8, "MA"),
             Region("North Shore", -70.95, 42.50, 6, "MA")),
    substations=("Ballston", "Buckley Corners", "Clay", "Dewitt", "Elm Street", "Forbes Avenue",
                 "Gardenville", "Huntley", "Inghams", "Johnstown", "Kensington", "Lockport",
                 "Mortimer", "Niagara", "Oneida", "Porter", "Bell Rock", "Chartley Pond",
                 "Dewar Street", "Everett", "Salem Harbor", "Wachusett"),
    voltages_kv=(13.2, 13.2, 4.16, 23.0, 34.5),
    constraints=(("Thermal", 1),),
    feeder_id_format="{substation_number:02d}_{circuit:04d}",
    substation_name_format="{substation} - Bank {bank}",
    feeder_rating_kw=(5000.0, 15000.0),
    study_date="2026-06-01",
)


def _national_grid_fields() -> tuple:
    return (
        oid(),
        text("feeder_cdf", "feeder_id", 20),
        text("substation_bank_name", "substation_name", 60),
        text("state", "company", 2),
        double("feeder_voltage", "voltage_kv"),
        mw("feeder_rating", "feeder_rating_kw", 2),
        mw("feeder_peak", "peak_load_kw", 2, null_share=0.02),
        mw("feeder_load_capacity_headroom", "load_headroom_kw", 2, null_share=0.02),
        text("district", "region", 30),
        geometry_field("Shape"),
        shape_length("Shape.STLength()"),
    )


def national_grid_service() -> ServiceSpec:
    summer = LayerSpec(
        index=0, name="feeder_summer_load_capacity_data", geometry="polyline",
        grid=NATIONAL_GRID_GRID, feature_count=850, seed="national-grid-summer",
        display_field="feeder_cdf", fields=_national_grid_fields(),
        last_edit_date="2026-06-20T02:00:00",
        quirks=Quirks(max_record_count=2000, null_geometry_every=300),
    )
    winter = LayerSpec(
        index=1, name="feeder_winter_load_capacity_data", geometry="polyline",
        grid=NATIONAL_GRID_GRID, feature_count=80, seed="national-grid-winter",
        display_field="feeder_cdf", fields=_national_grid_fields(),
        last_edit_date="2026-06-20T02:00:00", quirks=Quirks(max_record_count=2000),
    )
    substations = companion_layer(2, "substation_load_capacity_data", "point",
                                  NATIONAL_GRID_GRID, 40,
                                  (text("substation_bank_name", "substation_name", 60),
                                   mw("bank_rating", "substation_rating_kw", 2),
                                   mw("bank_peak", "substation_peak_kw", 2)))
    return ServiceSpec(url=NATIONAL_GRID_URL, layers=[summer, winter, substations],
                       current_version=11.1,
                       description="National Grid system data portal: electrification data")


# --- Eversource ---------------------------------------------------------------------------

EVERSOURCE_GRID = Grid(
    regions=(Region("Hartford", -72.68, 41.76, 12, "CT"),
             Region("Stamford", -73.54, 41.07, 8, "CT"),
             Region("Waterbury", -73.05, 41.56, 8, "CT"), Region("Boston", -71.06, 42.34, 8, "MA"),
             Region("Springfield", -72.59, 42.10, 10, "MA"),
             Region("Cape Cod", -70.28, 41.68, 12, "MA"),
             Region("New Bedford", -70.93, 41.64, 8, "MA"),
             Region("Manchester", -71.46, 42.99, 10, "NH"),
             Region("Seacoast", -70.80, 43.05, 8, "NH")),
    substations=("Agawam", "Berlin", "Cos Cob", "Dover", "Eastover", "Frost Bridge", "Glenbrook",
                 "Hyannis", "Ipswich", "Kingston", "Ludlow", "Mystic", "Norwalk", "Oxford",
                 "Plumtree", "Resistance", "Scobie Pond", "Tower Hill", "Uncasville", "Wilton"),
    voltages_kv=(13.8, 13.8, 23.0, 4.8, 34.5, 12.47),
    constraints=(("Thermal", 1),),
    feeder_id_format="{substation_number}{letter}{circuit_short}",
    feeder_name_format="{substation} {substation_number}{letter}{circuit_short}",
    first_circuit=1,
    hosting_kw=(100.0, 8000.0),
    study_date="2026-03-31",
)


def eversource_services() -> list[ServiceSpec]:
    old_server = {"current_version": 10.22, "supported_query_formats": "JSON, AMF"}
    layer = LayerSpec(
        index=0, name="Generation Capacity", geometry="polyline", grid=EVERSOURCE_GRID,
        feature_count=800, seed="eversource-dg-hosting", display_field="CIRCUIT_NAME",
        fields=(
            oid(),
            text("CIRCUIT_ID", "feeder_id", 12),
            text("CIRCUIT_NAME", "feeder_name", 60),
            text("SUBSTATION", "substation_name", 50),
            double("HOSTING_CAPACITY_KW", "hosting_kw", decimals=0),
            double("EXISTING_DG_KW", "existing_dg_kw", decimals=0),
            double("QUEUED_DG_KW", "queued_dg_kw", decimals=0, null_share=0.05),
            double("VOLTAGE_KV", "voltage_kv"),
            text("STATE", "company", 2),
            text("TOWN", "region", 40),
            geometry_field(),
            shape_length("SHAPE.LEN"),
        ),
        # An old enterprise geodatabase: ids with gaps from years of edits.
        id_layout=IdLayout(first=10_001, stride=4, block_size=300, hole=2500),
        last_edit_date="2026-04-02T07:00:00",
        quirks=Quirks(max_record_count=500, supports_pagination=False,
                      page_delay_seconds=0.05),
    )
    substations = companion_layer(1, "Substations", "point", EVERSOURCE_GRID, 30,
                                  (text("SUBSTATION", "substation_name"),
                                   text("STATE", "company", 2)))
    territory = companion_layer(0, "Gas Service Territory", "polygon", EVERSOURCE_GRID, 12,
                                (text("TOWN", "region", 40),), square_m=8000.0, tiled=True,
                                length_field="SHAPE.LEN")
    for spec in (substations, territory):
        spec.quirks = Quirks(max_record_count=500, supports_pagination=False)
    return [
        ServiceSpec(url=EVERSOURCE_URL, layers=[layer, substations],
                    description="Eversource generation hosting capacity (external map)",
                    **old_server),
        ServiceSpec(url=EVERSOURCE_GAS_URL, layers=[territory],
                    description="Gas service territory", **old_server),
    ]


def self_hosted_services() -> list[ServiceSpec]:
    return [duke_service(), national_grid_service(), *eversource_services()]


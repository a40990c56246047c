"""Exelon's ArcGIS Online organisation (services3.arcgis.com/ProtocolExelon01), beside PHI:
BGE's grid squares, PECO's capacity quads and ComEd's quarterly renamed PV service.

ComEd publishes a new service each quarter (`ComEd_PV_Hosting_Capacity_SEP2026`) and keeps a
few old ones; a quarter not yet published answers as ArcGIS Online does for any unknown name
(`{"error": {"code": 400, "message": "Invalid URL"}}` inside HTTP 200).
"""

from __future__ import annotations

from dataclasses import replace

from replicas.arcgis.shorthands import (
    companion_layer,
    date,
    double,
    global_id,
    mw,
    oid,
    shape_area,
    shape_length,
    text,
)
from replicas.arcgis.spec import Grid, LayerSpec, Quirks, Region, ServiceSpec

EXELON_ROOT = "https://services3.arcgis.com/ProtocolExelon01/arcgis/rest/services"
BGE_URL = f"{EXELON_ROOT}/BGE_Hosting_Capacity/FeatureServer"
PECO_URL = f"{EXELON_ROOT}/PECO_Available_Distribution_Capacity_Map/FeatureServer"
COMED_NAME = "ComEd_PV_Hosting_Capacity_{quarter}"
# (quarter, segments, last edit): the newest first. DEC2026 is not published yet.
COMED_QUARTERS = (("SEP2026", 1100, "2026-09-21T15:10:00"),
                  ("JUN2026", 1040, "2026-06-24T14:35:00"),
                  ("MAR2026", 1010, "2026-03-19T16:05:00"))


def comed_url(quarter: str) -> str:
    return f"{EXELON_ROOT}/{COMED_NAME.format(quarter=quarter)}/FeatureServer"


BGE_GRID = Grid(
    regions=(Region("Baltimore City", -76.61, 39.29, 5),
             Region("Baltimore County", -76.60, 39.42, 10),
             Region("Anne Arundel County", -76.60, 39.02, 10),
             Region("Howard County", -76.88, 39.23, 8),
             Region("Harford County", -76.35, 39.52, 8),
             Region("Carroll County", -77.00, 39.57, 8)),
    substations=("Westport", "Riverside", "Wagner", "Gould Street", "Conastone",
                 "Waugh Chapel", "Pumphrey", "Northwest", "Graceton", "Granite", "Windy Edge",
                 "Mays Chapel", "Owings Mills", "Glen Burnie", "Towson", "Dundalk",
                 "Catonsville", "Ellicott City", "Columbia", "Bel Air", "Westminster",
                 "Sykesville"),
    voltages_kv=(13.2, 13.2, 13.2, 34.5, 4.16),
    # BGE, as the other Exelon companies, publishes EPRI DRIVE limiting factors.
    constraints=(("Thermal Overload", 30), ("Voltage Fluctuation", 15),
                 ("Primary Over-Voltage", 12), ("Reverse Power Flow", 10),
                 ("Protection - Reduction of Reach", 6), ("Unintentional Islanding", 4),
                 ("", 15), ("N/A", 8)),
    feeder_id_format="{substation_number:02d}{circuit_short:02d}",
    feeder_name_format="{substation} {circuit_short:02d}",
    first_circuit=1,
    hosting_kw=(150.0, 6000.0),
    study_date="2026-06-30",
)

PECO_GRID = Grid(
    regions=(Region("Philadelphia", -75.20, 40.02, 8),
             Region("Delaware County", -75.40, 39.92, 8),
             Region("Montgomery County", -75.30, 40.18, 10),
             Region("Bucks County", -75.05, 40.30, 10),
             Region("Chester County", -75.60, 40.02, 10)),
    substations=("Plymouth Meeting", "Whitpain", "Heaton", "Emilie", "Tunnel", "Schuylkill",
                 "Master", "Lombard", "Chichester", "Eddystone", "Cromby", "Bradford",
                 "Pottstown", "Warrington", "Buckingham", "Newlinville"),
    voltages_kv=(13.2, 13.2, 34.0, 4.16),
    constraints=(("Thermal", 1),),  # PECO's quads carry no constraint, only a number
    feeder_id_format="{substation_number:03d}-{circuit_short:02d}",
    first_circuit=1,
    hosting_kw=(500.0, 12000.0),
    constrained_share=0.2,
    study_date="2026-07-15",
)

COMED_GRID = Grid(
    regions=(Region("Chicago", -87.68, 41.85, 9), Region("Northwest Suburbs", -88.08, 42.04, 10),
             Region("West Suburbs", -88.20, 41.79, 10), Region("South Suburbs", -87.75, 41.55, 10),
             Region("Joliet", -88.08, 41.53, 8), Region("Rockford", -89.09, 42.27, 10),
             Region("Waukegan", -87.84, 42.36, 8), Region("Kankakee", -87.86, 41.12, 10),
             Region("DeKalb", -88.75, 41.93, 10)),
    substations=("Crawford", "Fisk", "Ridgeland", "Elmhurst", "Lisle", "Glenview", "Skokie",
                 "Libertyville", "Plano", "Aurora", "Wolfs Crossing", "Kankakee", "Belvidere",
                 "Dixon", "Sterling", "Streator", "Pontiac", "Bradley", "Des Plaines", "Itasca",
                 "Wayne", "Goodings Grove", "Sugar Grove", "Zion"),
    voltages_kv=(12.47, 12.47, 12.47, 34.5, 4.16),
    constraints=(("Thermal", 30), ("Primary Over-Voltage", 15), ("Voltage Deviation", 12),
                 ("Reverse Power Flow", 8), ("Breaker Reach", 6), ("Additional Element Fault", 4),
                 ("Unintentional Islanding", 4), ("None", 14), ("", 7)),
    feeder_id_format="{letter}{substation_number:02d}{circuit_short:02d}",
    feeder_name_format="{substation} {letter}{circuit_short:02d}",
    first_circuit=1,
    hosting_kw=(250.0, 9000.0),
)


# --- BGE ----------------------------------------------------------------------------------

def bge_service() -> ServiceSpec:
    squares = LayerSpec(
        index=38, name="BGE_Hosting_Capacity_Grid", geometry="polygon", grid=BGE_GRID,
        feature_count=900, seed="exelon-bge-grid", display_field="FEEDER_ID",
        description="Hosting capacity on quarter-mile grid squares, by the feeder serving each",
        fields=(
            oid(),
            text("GRID_ID", "grid_name", 12),
            text("FEEDER_ID", "feeder_id", 20),
            text("FEEDER_NAME", "feeder_name", 60),
            text("SUBSTATION", "substation_name", 50),
            double("HC_KW", "hosting_kw", decimals=1),
            double("EXISTING_DG_KW", "existing_dg_kw", decimals=1),
            double("QUEUED_DG_KW", "queued_dg_kw", decimals=1, null_share=0.04),
            text("LIMITING_FACTOR", "constraint", 60),
            double("VOLTAGE_KV", "voltage_kv", null_share=0.01),
            text("COUNTY", "region", 40),
            date("LAST_UPDATED"),
            shape_area(),
            shape_length(),
        ),
        last_edit_date="2026-07-08T13:20:00",
        quirks=Quirks(max_record_count=1000),
    )
    substations = companion_layer(0, "BGE_Substations", "point", BGE_GRID, 30,
                                  (text("SUBSTATION", "substation_name"),
                                   text("COUNTY", "region")))
    return ServiceSpec(url=BGE_URL, layers=[substations, squares],
                       description="BGE hosting capacity map (quarter-mile grid)")


# --- PECO ---------------------------------------------------------------------------------

MILE_M = 1609.344


def peco_service() -> ServiceSpec:
    minor = LayerSpec(
        index=1, name="Minor_Quad_Available_Capacity_Service_Territory", geometry="polygon",
        grid=PECO_GRID, feature_count=600, seed="exelon-peco-minor-quads",
        display_field="GRID_NAME", square_m=MILE_M, tiled=True, quads_per_major=5,
        description="Net available distribution capacity (MW) per minor quad",
        fields=(
            oid("OBJECTID"),
            text("GRID_NAME", "grid_name", 10),
            text("MAJORQUAD", "major_grid", 6),
            mw("NET_AVAILABLE_CAPACITY", "remaining_kw", decimals=2, null_share=0.02),
            double("LAT", "centroid_lat", decimals=6),
            double("LON", "centroid_lon", decimals=6),
            text("COUNTY", "region", 30),
            shape_area(),
            shape_length(),
        ),
        last_edit_date="2026-08-04T11:45:00",
        quirks=Quirks(max_record_count=2000),
    )
    major = companion_layer(0, "Major_Quad_Available_Capacity_Service_Territory", "polygon",
                            PECO_GRID, 30, (text("MAJORQUAD", "major_grid", 6),
                                            mw("NET_AVAILABLE_CAPACITY", "remaining_kw", 2)),
                            square_m=5 * MILE_M, tiled=True, quads_per_major=1)
    return ServiceSpec(url=PECO_URL, layers=[major, minor],
                       description="PECO available distribution capacity map (MW)")


# --- ComEd --------------------------------------------------------------------------------

def _comed_layer(quarter: str, count: int, last_edit: str) -> LayerSpec:
    month, year = quarter[:3], quarter[3:]
    study = {"MAR": "03-01", "JUN": "06-01", "SEP": "09-01", "DEC": "12-01"}[month]
    return LayerSpec(
        index=0, name="ComEd_PV_Hosting_Capacity", geometry="polyline",
        grid=replace(COMED_GRID, study_date=f"{year}-{study}"),
        feature_count=count, seed=f"exelon-comed-{quarter}", display_field="FEEDER_ID",
        fields=(
            oid(),
            text("FEEDER_ID", "feeder_id", 20),
            text("FEEDER_NAME", "feeder_name", 60),
            text("SUBSTATION", "substation_name", 50),
            double("HC_KW", "hosting_kw", decimals=1),
            double("MIN_HC_KW", "hosting_min_kw", decimals=1),
            double("MAX_HC_KW", "hosting_max_kw", decimals=1),
            double("EXISTING_DG_KW", "existing_dg_kw", decimals=1),
            double("QUEUED_DG_KW", "queued_dg_kw", decimals=1, null_share=0.03),
            text("LIMITING_FACTOR", "constraint", 60),
            double("VOLTAGE_KV", "voltage_kv"),
            text("PHASE", "phase", 5, blank_share=0.01),
            text("REGION", "region", 40),
            date("LAST_UPDATED"),
            global_id(),
            shape_length(),
        ),
        last_edit_date=last_edit,
        quirks=Quirks(max_record_count=2000),
    )


def comed_services() -> list[ServiceSpec]:
    return [ServiceSpec(url=comed_url(quarter), layers=[_comed_layer(quarter, count, edited)],
                        description=f"ComEd PV hosting capacity, {quarter[:3]} {quarter[3:]}")
            for quarter, count, edited in COMED_QUARTERS]


def exelon_services() -> list[ServiceSpec]:
    return [bge_service(), peco_service(), *comed_services()]

"""Utilities publishing hosted layers on ArcGIS Online (servicesN.arcgis.com/<org>).

Hosted layers answer as ArcGIS Online does: `standardMaxRecordCount`, `uniqueIdField`,
`dataLastEditDate`, a `maxRecordCount` of 1000 (older layers) or 2000, `Shape__Length`.
Layers published from shapefiles keep their ten-character names (DTE's `Circuit_De`) and
object-id fields other than OBJECTID (DTE's FID, O&R's OBJECTID_1). Dominion's organisation
leaves its services out of the directory: the service answers, the listing is empty.
"""

from __future__ import annotations

from replicas.arcgis.shorthands import (
    companion_layer,
    date,
    double,
    global_id,
    mw,
    oid,
    shape_length,
    small_integer,
    text,
)
from replicas.arcgis.spec import Grid, LayerSpec, Quirks, Region, ServiceSpec

AMEREN_URL = ("https://services.arcgis.com/ProtocolAmeren01/arcgis/rest/services/"
              "Ameren_DG_Hosting_Capacity/FeatureServer")
CENTRAL_HUDSON_URL = ("https://services.arcgis.com/ProtocolCenHud01/arcgis/rest/services/"
                      "Central_Hudson_Hosting_Capacity/FeatureServer")
AVANGRID_ROOT = "https://services.arcgis.com/ProtocolAvangr01/arcgis/rest/services"
CMP_URL = f"{AVANGRID_ROOT}/CMP_HostingCapacity/FeatureServer"
UI_URL = f"{AVANGRID_ROOT}/UI_HostingCapacity/FeatureServer"
NYSEG_RGE_URL = f"{AVANGRID_ROOT}/HostingCapacity_DCirc_NYSEG_RGE_APR272018/FeatureServer"
CONED_URL = ("https://services8.arcgis.com/ProtocolConEd001/arcgis/rest/services/"
             "Feeder_Hosting_Capacity_Layers/FeatureServer")
ORU_URL = ("https://services3.arcgis.com/ProtocolOandR001/arcgis/rest/services/"
           "Orange_Rockland_EV_Capacity_Summer_Winter/FeatureServer")
CONSUMERS_URL = ("https://services.arcgis.com/ProtocolConsum01/arcgis/rest/services/"
                 "HostingCapacity/FeatureServer")
DOMINION_URL = ("https://services1.arcgis.com/ProtocolDomin001/arcgis/rest/services/"
                "Dominion_Hosting_Capacity/FeatureServer")
DTE_URL = ("https://services1.arcgis.com/ProtocolDTE00001/arcgis/rest/services/"
           "DTE_CircuitData/FeatureServer")
FIRSTENERGY_ROOT = "https://services.arcgis.com/ProtocolFirstE01/arcgis/rest/services"
JCPL_URL = f"{FIRSTENERGY_ROOT}/JCP_L_Hosting_Capacity/FeatureServer"
POTOMAC_EDISON_URL = f"{FIRSTENERGY_ROOT}/Potomac_Edison_Hosting_Capacity/FeatureServer"

# New York's Joint Utilities publish their hosting capacity criteria in the same words.
NY_JU_CONSTRAINTS = (("Thermal - Discharging", 28), ("Voltage - Overvoltage", 16),
                     ("Voltage - Deviation", 10), ("Flicker", 6),
                     ("Protection - Breaker Reach", 6), ("Protection - Sympathetic Tripping", 3),
                     ("Islanding - Anti-Islanding", 4), ("None", 18), ("", 9))
AVANGRID_CONSTRAINTS = (("Substation Transformer", 18), ("Primary Conductor", 22),
                        ("Steady State Voltage", 15), ("Voltage Regulator", 8),
                        ("Recloser Reach", 6), ("Anti-Islanding", 5), ("Reverse Power", 6),
                        ("", 20))
FIRSTENERGY_CONSTRAINTS = (("THERMAL - CONDUCTOR", 28), ("THERMAL - TRANSFORMER", 14),
                           ("VOLTAGE - HIGH", 14), ("VOLTAGE - FLICKER", 8),
                           ("PROTECTION - REACH", 7), ("REVERSE POWER", 5), ("NONE", 16),
                           ("", 8))


# --- Ameren Illinois ----------------------------------------------------------------------

AMEREN_GRID = Grid(
    regions=(Region("Peoria", -89.59, 40.69, 10), Region("Springfield", -89.65, 39.78, 10),
             Region("Champaign-Urbana", -88.24, 40.11, 8), Region("Decatur", -88.95, 39.84, 8),
             Region("Bloomington-Normal", -88.99, 40.48, 8),
             Region("Metro East", -89.98, 38.55, 12), Region("Quincy", -91.41, 39.94, 8),
             Region("Galesburg", -90.37, 40.95, 8), Region("Marion", -88.93, 37.73, 12)),
    substations=("Adams", "Bartonville", "Cahokia", "Dewey", "East Peoria", "Frink",
                 "Galesburg", "Havana", "Interstate", "Jacksonville", "Kickapoo", "Lincoln",
                 "Mattoon", "North Decatur", "Oglesby", "Pana", "Quarry Road", "Rend Lake",
                 "Stallings", "Taylorville", "Urbana", "Vandalia", "Wood River"),
    voltages_kv=(12.47, 12.47, 4.16, 34.5, 13.8),
    constraints=(("Thermal", 30), ("Steady State Voltage", 16), ("Voltage Fluctuation", 12),
                 ("Reverse Power Flow", 8), ("Protection", 8), ("None", 18), ("", 8)),
    feeder_id_format="{substation_code}{circuit:04d}",
    feeder_name_format="{substation} {circuit}",
    first_circuit=501,
    hosting_kw=(200.0, 8000.0),
    study_date="2026-05-01",
)


def ameren_service() -> ServiceSpec:
    layer = LayerSpec(
        index=0, name="DG Hosting Capacity", geometry="polyline", grid=AMEREN_GRID,
        feature_count=700, seed="ameren-dg", display_field="FEEDER_NAME",
        fields=(
            oid(),
            text("FEEDER_ID", "feeder_id", 20),
            text("FEEDER_NAME", "feeder_name", 60),
            text("SUBSTATION", "substation_name", 50),
            double("DG_HC_KW", "hosting_kw", decimals=1),
            double("EXISTING_DG_KW", "existing_dg_kw", decimals=1),
            double("QUEUED_DG_KW", "queued_dg_kw", decimals=1, null_share=0.05),
            double("REMAINING_KW", "remaining_kw", decimals=1),
            text("CONSTRAINT", "constraint", 50),
            text("VOLTAGE", "voltage_kv", 10, not_available_share=0.02),
            text("OPERATING_CENTER", "region", 40),
            text("PHASES", "phase", 5),
            date("UPDATED"),
            shape_length(),
        ),
        last_edit_date="2026-05-12T09:30:00",
        quirks=Quirks(max_record_count=2000),
    )
    return ServiceSpec(url=AMEREN_URL, layers=[layer],
                       description="Ameren Illinois DG hosting capacity")


# --- Central Hudson -----------------------------------------------------------------------

CENTRAL_HUDSON_GRID = Grid(
    regions=(Region("Poughkeepsie", -73.92, 41.70, 8), Region("Kingston", -73.99, 41.93, 8),
             Region("Newburgh", -74.01, 41.50, 8), Region("Catskill", -73.86, 42.22, 10),
             Region("Fishkill", -73.90, 41.53, 6)),
    substations=("Danskammer", "Rock Tavern", "Hurley Avenue", "Pleasant Valley",
                 "Fishkill Plains", "Sand Dock", "Lincoln Park", "Knapps Corners", "Highland",
                 "Milan", "Ohioville", "Saugerties", "Kerhonkson", "Modena", "Coxsackie"),
    voltages_kv=(13.2, 13.2, 4.8, 13.8, 69.0),
    constraints=NY_JU_CONSTRAINTS,
    feeder_id_format="{substation_number:02d}{circuit_short:02d}",
    feeder_name_format="{substation} {circuit_short:02d}",
    first_circuit=1,
    feeders_per_substation=3,
    hosting_kw=(100.0, 5000.0),
    study_date="2026-04-01",
)


def central_hudson_service() -> ServiceSpec:
    layer = LayerSpec(
        index=0, name="Hosting Capacity", geometry="polyline", grid=CENTRAL_HUDSON_GRID,
        feature_count=500, seed="central-hudson-hc", display_field="FEEDER_ID",
        fields=(
            oid(),
            text("FEEDER_ID", "feeder_id", 10),
            text("FEEDER_NAME", "feeder_name", 50),
            text("SUBSTATION", "substation_name", 50),
            double("HC_KW", "hosting_kw", decimals=0),
            double("MIN_HC_KW", "hosting_min_kw", decimals=0),
            double("MAX_HC_KW", "hosting_max_kw", decimals=0),
            double("EXISTING_DG_KW", "existing_dg_kw", decimals=0),
            double("REMAINING_KW", "remaining_kw", decimals=0, null_share=0.02),
            text("CONSTRAINT_TYPE", "constraint", 60),
            double("VOLTAGE", "voltage_kv"),
            text("PHASE", "phase", 5),
            shape_length(),
        ),
        last_edit_date="2026-04-17T18:00:00",
        quirks=Quirks(max_record_count=1000),
    )
    return ServiceSpec(url=CENTRAL_HUDSON_URL, layers=[layer],
                       description="Central Hudson hosting capacity")


# --- Avangrid: CMP, United Illuminating, NYSEG/RG&E (values in MVA) -----------------------

CMP_GRID = Grid(
    regions=(Region("Portland", -70.26, 43.66, 8), Region("Lewiston-Auburn", -70.21, 44.10, 8),
             Region("Augusta", -69.78, 44.31, 10), Region("Brunswick", -69.97, 43.91, 8),
             Region("Rockland", -69.11, 44.10, 10), Region("Skowhegan", -69.72, 44.77, 12),
             Region("Sanford", -70.77, 43.44, 10), Region("Farmington", -70.15, 44.67, 12)),
    substations=("Belfast", "Bridgton", "Cape Elizabeth", "Dresden", "Elm Street", "Fairfield",
                 "Gulf Island", "Highland", "Island Falls", "Kimball Road", "Livermore Falls",
                 "Maguire Road", "North Gorham", "Orrington", "Pleasant Hill", "Rumford",
                 "South Gorham", "Topsham", "Union", "Waterville", "Yarmouth"),
    voltages_kv=(12.47, 12.47, 34.5, 4.16, 7.2),
    constraints=AVANGRID_CONSTRAINTS,
    feeder_id_format="{substation_number}{letter}{circuit_short}",
    feeder_name_format="{substation} {letter}{circuit_short}",
    first_circuit=1,
    hosting_kw=(100.0, 7000.0),
    study_date="2026-03-31",
)

UI_GRID = Grid(
    regions=(Region("New Haven", -72.93, 41.31, 6), Region("Bridgeport", -73.19, 41.19, 6),
             Region("Stratford", -73.13, 41.20, 5), Region("Milford-Orange", -73.05, 41.25, 6),
             Region("Hamden-North Haven", -72.88, 41.39, 6)),
    substations=("Ash Creek", "Baird", "Congress Street", "East Shore", "Elmwest", "Grand Avenue",
                 "Hawthorne", "Mix Avenue", "Old Town", "Pequonnock", "Quinnipiac",
                 "Sackett", "Trap Falls", "West River", "Woodmont"),
    voltages_kv=(13.8, 13.8, 4.16, 23.0),
    constraints=AVANGRID_CONSTRAINTS,
    feeder_id_format="{substation_code}{circuit_short:02d}",
    feeder_name_format="{substation} {circuit_short:02d}",
    first_circuit=1,
    feeders_per_substation=3,
    hosting_kw=(100.0, 5000.0),
    network_share=0.1,
    study_date="2026-03-31",
)

NYSEG_RGE_GRID = Grid(
    regions=(Region("Rochester", -77.61, 43.16, 10, "RG&E"),
             Region("Binghamton", -75.92, 42.10, 8, "NYSEG"),
             Region("Ithaca", -76.50, 42.44, 8, "NYSEG"),
             Region("Elmira", -76.81, 42.09, 8, "NYSEG"),
             Region("Geneva", -76.99, 42.87, 8, "NYSEG"),
             Region("Lockport", -78.69, 43.17, 8, "NYSEG"),
             Region("Plattsburgh", -73.45, 44.70, 10, "NYSEG"),
             Region("Brewster", -73.62, 41.40, 8, "NYSEG"),
             Region("Canandaigua", -77.28, 42.89, 8, "RG&E")),
    substations=("Avoca", "Brewster", "Coddington", "Dansville", "Etna", "Fraser", "Goudey",
                 "Hickling", "Hornell", "Jennison", "Kintigh", "Lapeer", "Mortimer",
                 "Newark", "Oakdale", "Pannell", "Robinson Road", "Station 80", "Station 124",
                 "Taylor Road", "Wethersfield"),
    voltages_kv=(12.47, 12.47, 4.8, 34.5, 11.5),
    constraints=AVANGRID_CONSTRAINTS,
    feeder_id_format="{substation_code}{circuit:03d}",
    first_circuit=201,
    hosting_kw=(100.0, 6000.0),
    study_date="2018-03-30",
)


def _avangrid_fields() -> tuple:
    return (
        oid(),
        text("CIRCUIT", "feeder_id", 20),
        text("FEEDER_NAME", "feeder_name", 60),
        text("SUBSTATION", "substation_name", 50),
        mw("MAX_HC_MVA", "hosting_kw"),
        mw("MIN_HC_MVA", "hosting_min_kw"),
        mw("CONN_DG_MVA", "existing_dg_kw"),
        mw("QUEUED_DG_MVA", "queued_dg_kw", null_share=0.03),
        mw("HEADROOM_MVA", "remaining_kw"),
        text("LIMITING_ELEMENT", "constraint", 60),
        double("KV", "voltage_kv"),
        small_integer("NUMPHASES", "phase_count"),
        text("OPERATING_AREA", "region", 40),
        date("STUDY_DATE"),
        shape_length(),
    )


def _avangrid_layer(name: str, grid: Grid, count: int, seed: str, edited: str) -> LayerSpec:
    return LayerSpec(index=0, name=name, geometry="polyline", grid=grid, feature_count=count,
                     seed=seed, display_field="CIRCUIT", fields=_avangrid_fields(),
                     last_edit_date=edited, quirks=Quirks(max_record_count=2000))


def _nyseg_rge_layer(index: int, name: str, count: int, phases: bool) -> LayerSpec:
    fields = (
        oid(),
        text("CIRCUIT", "feeder_id", 20),
        text("FIRST_COMPANY", "company", 10),
        text("SUBSTATION", "substation_name", 50),
        mw("MAX_HC_MVA_1", "hosting_min_kw", 2),
        mw("MAX_HC_MVA_2", "hosting_kw", 2),
        mw("CONN_IPP_MVA_1", "existing_dg_kw", 2),
        mw("QUEUED_IPP_MVA_2", "queued_dg_kw", 2, null_share=0.05),
        double("kv", "voltage_kv"),
        *((small_integer("NUMPHASES", "phase_count"),) if phases else ()),
        mw("circ_peakload", "peak_load_kw", 2),
        shape_length(),
    )
    return LayerSpec(index=index, name=name, geometry="polyline", grid=NYSEG_RGE_GRID,
                     feature_count=count, seed=f"nyseg-rge-2018-{index}",
                     display_field="CIRCUIT", fields=fields,
                     last_edit_date="2018-04-27T20:14:00", quirks=Quirks(max_record_count=2000))


def avangrid_services() -> list[ServiceSpec]:
    nyseg_rge = [_nyseg_rge_layer(0, "3PH Overhead conductors", 650, phases=True),
                 _nyseg_rge_layer(1, "3PH Underground conductors", 60, phases=True),
                 _nyseg_rge_layer(2, "1PH Overhead conductors", 60, phases=False),
                 _nyseg_rge_layer(3, "1PH Underground conductors", 60, phases=False)]
    return [
        ServiceSpec(url=CMP_URL, description="Central Maine Power DG hosting capacity (MVA)",
                    layers=[_avangrid_layer("CMP_HostingCapacity", CMP_GRID, 650,
                                            "avangrid-cmp", "2026-04-09T12:00:00")]),
        ServiceSpec(url=UI_URL, description="United Illuminating DG hosting capacity (MVA)",
                    layers=[_avangrid_layer("UI_HostingCapacity", UI_GRID, 350,
                                            "avangrid-ui", "2026-04-09T12:30:00")]),
        # Published in 2018 and never replaced: no PBF output then.
        ServiceSpec(url=NYSEG_RGE_URL, layers=nyseg_rge,
                    supported_query_formats="JSON, geoJSON",
                    description="NYSEG and RG&E hosting capacity, distribution circuits"),
    ]


# --- Con Edison ---------------------------------------------------------------------------

CONED_GRID = Grid(
    regions=(Region("Manhattan", -73.97, 40.78, 4), Region("Bronx", -73.87, 40.85, 4),
             Region("Brooklyn", -73.95, 40.65, 6), Region("Queens", -73.80, 40.72, 7),
             Region("Staten Island", -74.15, 40.58, 5), Region("Westchester", -73.78, 41.03, 9)),
    # Con Edison's distribution zones are its secondary networks and radial load areas.
    substations=("Yorkville", "Fashion", "Grand Central", "Herald Square", "Harlem",
                 "Washington Heights", "Fordham", "Riverdale", "Flatbush", "Bay Ridge",
                 "Jamaica", "Flushing", "Long Island City", "Fresh Kills", "Wainwright",
                 "Ossining West", "Cortlandt", "Battery Park City", "Times Square",
                 "Sheridan Square", "Borough Hall", "Williamsburg", "Ridgewood", "Rockaway"),
    voltages_kv=(13.0, 13.0, 27.0, 33.0, 4.0),
    constraints=NY_JU_CONSTRAINTS,
    feeder_id_format="{substation_digit}{letter}{circuit_short:02d}",
    first_circuit=1,
    feeders_per_substation=10,
    hosting_kw=(50.0, 3000.0),
    network_share=0.6,
    substation_rating_kw=(8000.0, 40000.0),
    study_date="2026-06-01",
)


def coned_service() -> ServiceSpec:
    feeders = LayerSpec(
        index=1, name="FeederHostingCapacity", geometry="polyline", grid=CONED_GRID,
        feature_count=800, seed="coned-feeder-hc", display_field="FEEDERNUM",
        fields=(
            oid(),
            text("FEEDERNUM", "feeder_id", 10),
            text("DistributionZone", "substation_name", 50),
            text("Borough", "region", 20),
            double("FeederPV", "hosting_kw", decimals=0),
            double("DistZonePV", "substation_hosting_kw", decimals=0),
            double("FeederConnectedDG", "existing_dg_kw", decimals=0, null_share=0.05),
            double("VoltageKV", "voltage_kv"),
            text("Phase", "phase", 5),
            text("Type", "overhead", 5),
            text("NetworkType", "network_or_radial", 10),
            date("RefreshDate"),
            shape_length(),
        ),
        last_edit_date="2026-06-15T04:00:00",
        quirks=Quirks(max_record_count=1000),
    )
    zones = companion_layer(0, "DistributionZoneHostingCapacity", "polygon", CONED_GRID, 30,
                            (text("DistributionZone", "substation_name"),
                             double("DistZonePV", "substation_hosting_kw", decimals=0)),
                            square_m=3000.0, tiled=True)
    return ServiceSpec(url=CONED_URL, layers=[zones, feeders],
                       description="Con Edison hosting capacity: zones and feeders")


# --- Orange & Rockland (EV load capacity, MW) ---------------------------------------------

ORU_GRID = Grid(
    regions=(Region("Rockland County", -74.02, 41.15, 8, "NY"),
             Region("Orange County", -74.32, 41.40, 12, "NY"),
             Region("Sullivan County", -74.78, 41.65, 12, "NY"),
             Region("Bergen County", -74.12, 41.05, 6, "NJ"),
             Region("Sussex County", -74.60, 41.20, 8, "NJ")),
    substations=("Ramapo", "Hillburn", "West Nyack", "New City", "Monsey", "Spring Valley",
                 "Congers", "Harriman", "Middletown", "Port Jervis", "Washingtonville",
                 "Blooming Grove", "Summit Avenue", "Montvale", "Ringwood", "Mahwah",
                 "Wurtsboro", "Monticello"),
    voltages_kv=(13.2, 13.2, 4.16, 34.5),
    constraints=(("Thermal", 1),),
    feeder_id_format="{substation_number:02d}-{circuit_short:02d}",
    first_circuit=1,
    feeders_per_substation=3,
    feeder_rating_kw=(3000.0, 12000.0),
    substation_rating_kw=(12000.0, 56000.0),
    study_date="2026-05-20",
)


def oru_service() -> ServiceSpec:
    fields = (
        oid("OBJECTID_1"),
        text("CIRCUIT", "feeder_id", 12),
        text("SUBSTATION", "substation_name", 40),
        text("STATE", "company", 2),
        double("VOLTAGE_KV", "voltage_kv"),
        mw("TOTAL_XFMR_CAPACITY", "substation_rating_kw", 2),
        mw("SUBST_PEAK", "substation_peak_kw", 2),
        mw("FEEDER_RATING", "feeder_rating_kw", 2),
        mw("EV_HEADROOM", "load_headroom_kw", 2, null_share=0.02),
        text("CONSTRUCTIONTYPE", "construction", 12, blank_share=0.02),
        shape_length(),
    )
    clip = LayerSpec(index=75, name="OrangeRocklandE_PairwiseClip", geometry="polyline",
                     grid=ORU_GRID, feature_count=400, seed="oru-ev-summer-winter",
                     display_field="CIRCUIT", fields=fields,
                     last_edit_date="2026-05-28T10:00:00", quirks=Quirks(max_record_count=2000))
    substations = companion_layer(74, "OrangeRocklandE_Substations", "point", ORU_GRID, 30,
                                  (text("SUBSTATION", "substation_name"),
                                   mw("TOTAL_XFMR_CAPACITY", "substation_rating_kw", 2)))
    return ServiceSpec(url=ORU_URL, layers=[substations, clip],
                       description="Orange & Rockland EV capacity, summer and winter")


# --- Consumers Energy ---------------------------------------------------------------------

CONSUMERS_GRID = Grid(
    regions=(Region("Jackson", -84.40, 42.25, 8), Region("Lansing", -84.55, 42.73, 10),
             Region("Kalamazoo", -85.59, 42.29, 10), Region("Grand Rapids", -85.67, 42.96, 12),
             Region("Saginaw", -83.95, 43.42, 10), Region("Flint", -83.69, 43.01, 10),
             Region("Traverse City", -85.62, 44.76, 12), Region("Cadillac", -85.40, 44.25, 12),
             Region("Muskegon", -86.25, 43.23, 10)),
    substations=("Argentine", "Battle Creek", "Blackstone", "Cadillac", "Coldwater", "Delhi",
                 "Eaton Rapids", "Fremont", "Gaylord", "Hastings", "Ionia", "Kalamazoo River",
                 "Ludington", "Midland", "Owosso", "Portage", "Saginaw River", "Tittabawassee",
                 "Vergennes", "Zeeland"),
    voltages_kv=(12.47, 12.47, 4.8, 8.32),
    constraints=(("Thermal Loading", 28), ("Voltage Rise", 18), ("Voltage Fluctuation", 10),
                 ("Fault Current", 8), ("Reverse Power Flow", 8), ("Anti-Islanding", 4),
                 ("None", 16), ("", 8)),
    feeder_id_format="{substation_code}-{circuit:03d}",
    feeder_name_format="{substation} {circuit}",
    first_circuit=101,
    hosting_kw=(100.0, 7000.0),
    study_date="2026-02-28",
)


def consumers_service() -> ServiceSpec:
    layer = LayerSpec(
        index=0, name="Hosting Capacity", geometry="polyline", grid=CONSUMERS_GRID,
        feature_count=700, seed="consumers-hc", display_field="FEEDER_NAME",
        fields=(
            oid(),
            text("FEEDER_ID", "feeder_id", 20),
            text("FEEDER_NAME", "feeder_name", 60),
            text("SUBSTATION", "substation_name", 50),
            double("HOSTING_CAPACITY_KW", "hosting_kw", decimals=1),
            double("EXISTING_GEN_KW", "existing_dg_kw", decimals=1),
            double("QUEUED_GEN_KW", "queued_dg_kw", decimals=1, null_share=0.06),
            double("REMAINING_HC_KW", "remaining_kw", decimals=1),
            text("LIMITING_FACTOR", "constraint", 50),
            text("VOLTAGE", "voltage_kv", 10, not_available_share=0.03, blank_share=0.01),
            date("LAST_STUDY_DATE"),
            shape_length(),
        ),
        last_edit_date="2026-03-06T15:00:00",
        quirks=Quirks(max_record_count=2000),
    )
    return ServiceSpec(url=CONSUMERS_URL, layers=[layer],
                       description="Consumers Energy hosting capacity")


# --- Dominion Energy ----------------------------------------------------------------------

DOMINION_GRID = Grid(
    regions=(Region("Northern Virginia", -77.40, 38.90, 14, "VA"),
             Region("Richmond", -77.44, 37.54, 12, "VA"),
             Region("Hampton Roads", -76.29, 36.85, 14, "VA"),
             Region("Charlottesville", -78.48, 38.03, 10, "VA"),
             Region("Fredericksburg", -77.46, 38.30, 10, "VA"),
             Region("Roanoke Rapids", -77.65, 36.46, 10, "NC"),
             Region("Elizabeth City", -76.25, 36.29, 12, "NC")),
    substations=("Possum Point", "Chesterfield", "Elmont", "Ox", "Loudoun", "Brambleton",
                 "Pleasant View", "Yadkin", "Fentress", "Landstown", "Suffolk", "Carson",
                 "Clover", "Everetts", "Hathaway", "Winfall", "Idylwood", "Beaumeade",
                 "Gainesville", "Cunningham", "Lakeside", "Midlothian", "Chickahominy"),
    voltages_kv=(12.47, 12.47, 34.5, 4.16),
    constraints=(("Thermal", 30), ("Voltage - High", 15), ("Voltage Flicker", 10),
                 ("Protection - Fault Current", 8), ("Reverse Power Flow at Substation", 7),
                 ("None", 20), ("", 10)),
    feeder_id_format="{substation_number:03d}{circuit_short:02d}",
    feeder_name_format="{substation} {circuit}",
    hosting_kw=(200.0, 9000.0),
    study_date="2026-06-30",
)


def dominion_service() -> ServiceSpec:
    layer = LayerSpec(
        index=6, name="Distribution_Hosting_Capacity", geometry="polyline",
        grid=DOMINION_GRID, feature_count=850, seed="dominion-dg",
        display_field="FEEDER_ID",
        fields=(
            oid(),
            text("FEEDER_ID", "feeder_id", 20),
            text("FEEDER_NAME", "feeder_name", 60),
            text("SUBSTATION_NAME", "substation_name", 50),
            double("HOSTING_CAPACITY_KW", "hosting_kw", decimals=1),
            double("MIN_HC_KW", "hosting_min_kw", decimals=1),
            double("MAX_HC_KW", "hosting_max_kw", decimals=1),
            double("EXISTING_DG_KW", "existing_dg_kw", decimals=1),
            double("QUEUED_DG_KW", "queued_dg_kw", decimals=1, null_share=0.04),
            double("REMAINING_HC_KW", "remaining_kw", decimals=1),
            text("LIMITING_CRITERIA", "constraint", 60),
            double("VOLTAGE_KV", "voltage_kv"),
            text("PHASE_CONFIG", "phase", 5),
            text("STATE", "company", 2),
            global_id(),
            shape_length(),
        ),
        last_edit_date="2026-07-20T08:00:00",
        quirks=Quirks(max_record_count=2000),
    )
    substations = companion_layer(0, "Substations", "point", DOMINION_GRID, 40,
                                  (text("SUBSTATION_NAME", "substation_name"),
                                   text("STATE", "company", 2)))
    return ServiceSpec(url=DOMINION_URL, layers=[substations, layer], listed=False,
                       description="Dominion Energy distribution hosting capacity")


# --- DTE (EV load capacity; a shapefile upload) -------------------------------------------

DTE_GRID = Grid(
    regions=(Region("Detroit", -83.05, 42.35, 8), Region("Ann Arbor", -83.74, 42.28, 8),
             Region("Troy", -83.15, 42.60, 8), Region("Dearborn", -83.20, 42.31, 6),
             Region("Port Huron", -82.43, 42.97, 8), Region("Monroe", -83.40, 41.92, 8),
             Region("Pontiac", -83.29, 42.64, 8)),
    substations=("Adair", "Bunce", "Caniff", "Essex", "Fermi", "Garfield", "Hancock",
                 "Ironwood", "Jewell", "Kent", "Lenox", "Northville", "Placid", "Quarry",
                 "Redford", "Sterling", "Utica", "Warren", "Wixom", "Yale"),
    voltages_kv=(13.2, 4.8, 13.2, 4.8, 8.32),
    constraints=(("Circuit Thermal", 28), ("Substation Transformer", 18),
                 ("Voltage", 10), ("None", 34), ("", 10)),
    feeder_id_format="{substation_code}{circuit_short:02d}",
    feeder_name_format="{substation} {circuit_short:02d}",
    first_circuit=1,
    feeders_per_substation=4,
    hosting_kw=(300.0, 6000.0),
    study_date="2026-01-31",
)


def dte_service() -> ServiceSpec:
    layer = LayerSpec(
        index=10, name="DTE_CircuitData", geometry="polyline", grid=DTE_GRID,
        feature_count=600, seed="dte-circuit-data", display_field="Circuit",
        fields=(
            oid("FID"),
            text("FEEDERID", "feeder_id", 10),
            text("Circuit", "feeder_name", 50),
            text("Substation", "substation_name", 50),
            double("EV_Hosting", "load_capacity_kw", decimals=0),
            double("Circuit_De", "load_headroom_kw", decimals=0, null_share=0.02),
            text("Category_D", "constraint", 50),
            text("Voltage", "voltage_kv", 10, blank_share=0.02),
            text("Circuit_Ty", "overhead", 5),
            shape_length(),
        ),
        last_edit_date="2026-02-10T17:45:00",
        quirks=Quirks(max_record_count=1000),
    )
    substations = companion_layer(0, "DTE_Substations", "point", DTE_GRID, 30,
                                  (text("Substation", "substation_name"),))
    return ServiceSpec(url=DTE_URL, layers=[substations, layer],
                       description="DTE circuit data: EV hosting capacity and reliability")


# --- FirstEnergy: JCP&L, Potomac Edison ---------------------------------------------------

JCPL_GRID = Grid(
    regions=(Region("Morristown", -74.48, 40.80, 10), Region("Toms River", -74.20, 39.95, 10),
             Region("Freehold", -74.27, 40.26, 8), Region("Flemington", -74.86, 40.51, 10),
             Region("Asbury Park", -74.02, 40.22, 6), Region("Phillipsburg", -75.19, 40.69, 8),
             Region("Dover", -74.56, 40.88, 8)),
    substations=("Atlantic", "Larrabee", "Whippany", "Gillette", "Red Bank", "Oceanview",
                 "Freneau", "Manitou", "Englishtown", "Flemington", "Montville", "Kittatinny",
                 "Pequannock", "Readington", "Lakewood", "Madison", "Oyster Creek", "Berkeley"),
    voltages_kv=(12.47, 12.47, 34.5, 4.16),
    constraints=FIRSTENERGY_CONSTRAINTS,
    feeder_id_format="{substation_code}{circuit:04d}",
    feeder_name_format="{substation} {circuit}",
    hosting_kw=(200.0, 7000.0),
    study_date="2026-04-30",
)

POTOMAC_EDISON_GRID = Grid(
    regions=(Region("Hagerstown", -77.72, 39.64, 10), Region("Frederick", -77.41, 39.41, 10),
             Region("Cumberland", -78.76, 39.65, 10), Region("Oakland", -79.41, 39.41, 10),
             Region("Westminster", -76.99, 39.58, 8)),
    substations=("Ringgold", "Antietam", "Doubs", "Monocacy", "Catoctin", "Lime Kiln",
                 "Halfway", "Reid", "Ridgeley", "Oakland", "Westminster", "Urbana",
                 "Walkersville", "Thurmont"),
    voltages_kv=(12.47, 12.47, 34.5, 4.16),
    constraints=FIRSTENERGY_CONSTRAINTS,
    feeder_id_format="{substation_code}{circuit:04d}",
    feeder_name_format="{substation} {circuit}",
    feeders_per_substation=4,
    hosting_kw=(150.0, 6000.0),
    study_date="2026-04-30",
)


def _firstenergy_layer(grid: Grid, count: int, seed: str, edited: str) -> LayerSpec:
    return LayerSpec(
        index=0, name="Hosting_Capacity", geometry="polyline", grid=grid,
        feature_count=count, seed=seed, display_field="FEEDER_NAME",
        fields=(
            oid(),
            text("FEEDER_ID", "feeder_id", 20),
            text("FEEDER_NAME", "feeder_name", 60),
            text("STATION_NAME", "substation_name", 50),
            double("HC_KW", "hosting_kw", decimals=0),
            double("MIN_HC_KW", "hosting_min_kw", decimals=0),
            double("MAX_HC_KW", "hosting_max_kw", decimals=0),
            double("EXIST_DG_KW", "existing_dg_kw", decimals=0),
            double("QUEUED_KW", "queued_dg_kw", decimals=0, null_share=0.05),
            double("REMAINING_KW", "remaining_kw", decimals=0),
            text("THERMAL_LIMIT", "constraint", 40),
            double("LINE_KV", "voltage_kv"),
            text("PHASE", "phase", 5),
            text("REGION", "region", 40),
            global_id(),
            shape_length(),
        ),
        last_edit_date=edited,
        quirks=Quirks(max_record_count=2000),
    )


def firstenergy_services() -> list[ServiceSpec]:
    return [
        ServiceSpec(url=JCPL_URL, description="JCP&L DG hosting capacity",
                    layers=[_firstenergy_layer(JCPL_GRID, 700, "firstenergy-jcpl",
                                               "2026-05-14T13:00:00")]),
        ServiceSpec(url=POTOMAC_EDISON_URL, description="Potomac Edison DG hosting capacity",
                    layers=[_firstenergy_layer(POTOMAC_EDISON_GRID, 450,
                                               "firstenergy-potomac-edison",
                                               "2026-05-14T13:30:00")]),
    ]


def online_services() -> list[ServiceSpec]:
    return [ameren_service(), central_hudson_service(), *avangrid_services(), coned_service(),
            oru_service(), consumers_service(), dominion_service(), dte_service(),
            *firstenergy_services()]


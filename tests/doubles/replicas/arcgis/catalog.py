"""The protocol catalog: synthetic services that exercise the replica and the extractor.

These are NOT any utility's data and NOT the product's replicas: their hosts and organisation
ids are made up (`*.protocol.example`, `services2.arcgis.com/ProtocolPgeOrg01`...), and their
fields were written by hand to test paging, ids, quirks, projections and faults. The replicas
of the real utilities are built from recorded evidence in catalog_evidence.py.
`protocol_catalog()` lists them; the replica engine's own tests (tests/replicas) use it.
"""

from __future__ import annotations

from replicas.arcgis.ids import IdLayout
from replicas.arcgis.shorthands import (  # noqa: F401 - oid, integer: the catalog's shorthands
    companion_layer,
    date,
    double,
    integer,
    oid,
    shape_length,
    text,
)
from replicas.arcgis.spec import FieldSpec, Grid, LayerSpec, Quirks, Region, ServiceSpec

PGE_URL = ("https://services2.arcgis.com/ProtocolPgeOrg01/ArcGIS/rest/services/"
           "DRPComplianceRelProd/FeatureServer")
SCE_URL = "https://sce.protocol.example/arcgis/rest/services/DRP/ICA_Layer/FeatureServer"
SCE_LNBA_URL = "https://sce.protocol.example/arcgis/rest/services/DRP/LNBA_Layer/FeatureServer"
PHI_URL = ("https://services3.arcgis.com/ProtocolExelon01/arcgis/rest/services/"
           "PHI_Hosting_Capacity/FeatureServer")
BENCH_URL = "https://bench.example.com/arcgis/rest/services/Bench/HostingCapacity/FeatureServer"


# --- utilities' networks ------------------------------------------------------------------

PGE_GRID = Grid(
    regions=(
        Region("East Bay", -122.22, 37.78, 12), Region("De Anza", -121.95, 37.30, 12),
        Region("Peninsula", -122.30, 37.52, 8), Region("Sonoma", -122.71, 38.44, 12),
        Region("Sacramento", -121.45, 38.60, 15), Region("Stockton", -121.29, 37.96, 10),
        Region("Fresno", -119.79, 36.74, 15), Region("Kern", -119.02, 35.37, 12),
        Region("Central Coast", -121.66, 36.68, 10), Region("North Valley", -121.84, 39.73, 10),
    ),
    substations=("ALPAUGH", "BRENTWOOD", "CLAREMONT", "DUMBARTON", "EVERGREEN", "FULTON",
                 "GONZALES", "HICKS", "IGNACIO", "JEFFERSON", "KERMAN", "LAKEWOOD", "MARTELL",
                 "NEWARK", "OLEUM", "PITTSBURG", "RINCON", "SAN RAMON", "TASSAJARA",
                 "VACA DIXON", "WOODLAND", "YOSEMITE"),
    voltages_kv=(12.0, 12.0, 21.0, 4.16, 17.0),
    constraints=(("Thermal", 40), ("Voltage (Steady State)", 15), ("Voltage Fluctuation", 10),
                 ("Protection - Reduction of Reach", 10), ("Operational Flexibility", 8),
                 ("Islanding", 5), ("", 10), ("N/A", 2)),
    feeder_id_format="{substation_number:05d}{circuit:04d}",
    hosting_kw=(200.0, 9000.0),
)

SCE_GRID = Grid(
    regions=(
        Region("Long Beach", -118.19, 33.80, 8), Region("San Gabriel Valley", -117.95, 34.08, 12),
        Region("Inland Empire", -117.40, 34.06, 18), Region("Orange County", -117.86, 33.72, 10),
        Region("Ventura", -119.15, 34.25, 10), Region("Antelope Valley", -118.13, 34.65, 15),
        Region("Coachella Valley", -116.35, 33.75, 12), Region("Tulare", -119.30, 36.20, 15),
    ),
    # Substation names as SCE's own pricing API lists its representative circuits.
    substations=("Alamitos", "Antelope", "Bailey", "Barre", "Center", "Chino", "Del Amo",
                 "Devers", "Eagle Rock", "El Casco", "El Nido", "Ellis", "Etiwanda", "Goleta",
                 "Gould", "Hinson", "Johanna", "Kramer", "La Cienega", "La Fresa",
                 "Laguna Bell", "Lighthipe", "Mesa", "Mira Loma", "Mirage", "Moorpark",
                 "Olinda", "Padua", "Rector", "Rio Hondo", "San Bernardino", "Santa Clara",
                 "Santiago"),
    circuit_words=("Abalone", "Bandini", "Cabrillo", "Dolphin", "Escondido", "Falcon",
                   "Gaucho", "Harbor", "Iris", "Jasper", "Kona", "Lariat", "Mustang",
                   "Nutmeg", "Oriole", "Pelican", "Quail", "Rodeo", "Saddle", "Tortilla",
                   "Umber", "Vaquero", "Walnut", "Yucca", "Zephyr", "Arrow", "Bronco",
                   "Cougar", "Dune", "Ember", "Foothill", "Granite", "Hawk", "Ironwood"),
    voltages_kv=(12.0, 16.0, 4.16, 33.0, 12.0),
    constraints=(("Thermal", 35), ("Voltage (Steady State)", 18), ("Voltage Fluctuation", 12),
                 ("Protection - Reduction of Reach", 12), ("Islanding", 6),
                 ("Operational Flexibility", 5), ("", 8), ("N/A", 4)),
    feeder_id_format="{circuit_word}",
    feeder_name_format="{circuit_title}",
    hosting_kw=(300.0, 10000.0),
)

EXELON_CONSTRAINTS = (("Thermal Overload", 35), ("Reverse Power Flow", 15),
                      ("Voltage Fluctuation", 15), ("Voltage (Steady State)", 10),
                      ("Protection - Reduction of Reach", 5), ("", 12), ("N/A", 8))

PEPCO_GRID = Grid(
    regions=(Region("District of Columbia", -77.03, 38.90, 5),
             Region("Montgomery County", -77.15, 39.08, 10),
             Region("Prince George's County", -76.85, 38.85, 10)),
    substations=("Benning", "Buzzard Point", "Takoma", "Harvard", "Bethesda", "Rockville",
                 "Oxon Hill", "Bowie", "Largo", "Ritchie", "Brookland", "Georgetown",
                 "Norbeck", "Quince Orchard", "Tuxedo", "Fort Slocum"),
    voltages_kv=(13.2, 13.2, 4.16, 34.5),
    constraints=EXELON_CONSTRAINTS,
    feeder_id_format="{substation_number:03d}{circuit:02d}",
    first_circuit=1,
    hosting_kw=(200.0, 6000.0),
)

DPL_GRID = Grid(
    regions=(Region("New Castle County", -75.62, 39.68, 10),
             Region("Kent County", -75.52, 39.16, 12),
             Region("Sussex County", -75.35, 38.70, 15),
             Region("Eastern Shore", -75.60, 38.37, 15)),
    substations=("Christiana", "Edge Moor", "Hay Road", "Glasgow", "Dover", "Harrington",
                 "Milford", "Millsboro", "Salisbury", "Vienna", "Indian River", "Cecil"),
    voltages_kv=(12.47, 12.47, 25.0, 34.5),
    constraints=EXELON_CONSTRAINTS,
    feeder_id_format="{substation_number:03d}{circuit:02d}",
    first_circuit=1,
    hosting_kw=(200.0, 7000.0),
)

ACE_GRID = Grid(
    regions=(Region("Atlantic County", -74.55, 39.45, 12),
             Region("Cape May County", -74.85, 39.08, 10),
             Region("Cumberland County", -75.05, 39.40, 12),
             Region("Gloucester County", -75.15, 39.70, 10)),
    substations=("Cardiff", "Middle", "Mickleton", "Lewis", "Churchtown", "Cedar", "Corson",
                 "Orchard", "Monroe", "Landis", "Sherman Ave", "Tuckahoe"),
    voltages_kv=(12.0, 12.0, 23.0, 34.5, 4.0),
    constraints=EXELON_CONSTRAINTS,
    feeder_id_format="{substation_number:03d}{circuit:02d}",
    feeder_name_format="{substation} {circuit:02d}",
    first_circuit=1,
    hosting_kw=(200.0, 7000.0),
)

BENCH_GRID = Grid(
    regions=(Region("Denver", -104.99, 39.74, 25), Region("Minneapolis", -93.27, 44.98, 25),
             Region("Chicago", -87.63, 41.88, 25)),
    substations=tuple(f"Bench Substation {letter}" for letter in "ABCDEFGHJKLMNPQRSTUVWXYZ"),
    voltages_kv=(12.47, 13.2, 34.5),
    constraints=EXELON_CONSTRAINTS,
    feeder_id_format="BENCH-{substation_number:05d}-{circuit}",
)


# --- PG&E ---------------------------------------------------------------------------------

def _pge_summary_layer() -> LayerSpec:
    return LayerSpec(
        index=7, name="ICAEstimatedCapacitySummary", geometry="polyline", grid=PGE_GRID,
        feature_count=4123, seed="pge-ica-summary", display_field="feederid",
        fields=(
            oid(),
            text("feederid", "feeder_id", 20),
            text("feedername", "feeder_name", 60),
            text("csv_linesection", "line_section", 30),
            text("substationname", "substation_name", 60),
            text("division", "region", 40),
            double("nominalvoltage", "voltage_kv", null_share=0.01),
            double("loadica", "hosting_kw"),
            double("loadapplications", "existing_dg_kw", null_share=0.03),
            double("plannedprojects", "queued_dg_kw", null_share=0.05),
            double("expectedcapacity", "remaining_kw"),
            text("limitingfactor", "constraint", 60),
            date("refreshdate"),
            shape_length(),
        ),
        quirks=Quirks(max_record_count=2000),
    )


def _small_layer(index: int, name: str, geometry: str, grid: Grid, count: int,
                 fields: tuple[FieldSpec, ...]) -> LayerSpec:
    """A companion layer: listed and servable, not what the warehouse extracts."""
    return companion_layer(index, name, geometry, grid, count, fields)


def pge_service() -> ServiceSpec:
    substation_fields = (text("substationname", "substation_name"),
                         text("substationid", "substation_id", 10), text("division", "region"))
    feeder_fields = (text("feederid", "feeder_id", 20), text("feedername", "feeder_name", 60),
                     text("division", "region"))
    return ServiceSpec(
        url=PGE_URL, description="PG&E Distribution Resources Plan (DRP) compliance data",
        layers=[
            _small_layer(0, "Substations", "point", PGE_GRID, 140, substation_fields),
            _small_layer(1, "Feeders", "polyline", PGE_GRID, 900, feeder_fields),
            _small_layer(2, "GNASubstation", "point", PGE_GRID, 140, substation_fields),
            _small_layer(3, "GNAFeeder", "polyline", PGE_GRID, 600, feeder_fields),
            _small_layer(4, "DDORProjects", "point", PGE_GRID, 60, substation_fields),
            _small_layer(5, "LNBAFeeder", "polyline", PGE_GRID, 600, feeder_fields),
            _small_layer(6, "GRIPSubstationLoading", "point", PGE_GRID, 140,
                         (*substation_fields, double("peakloadkw", "load_capacity_kw"))),
            _pge_summary_layer(),
        ],
    )


# --- SCE ----------------------------------------------------------------------------------

def _sce_ica_layer() -> LayerSpec:
    return LayerSpec(
        index=0, name="ICA Circuit Segments", geometry="polyline", grid=SCE_GRID,
        feature_count=3041, seed="sce-ica", display_field="CircuitName",
        fields=(
            oid(),
            text("CircuitName", "feeder_id", 60),
            text("CircuitDisplayName", "feeder_name", 60),
            text("SubstationName", "substation_name", 60),
            text("SectionID", "line_section", 20),
            double("UniformGenerationCapacity_kW", "hosting_kw"),
            double("MinGenerationCapacity_kW", "hosting_min_kw"),
            double("MaxGenerationCapacity_kW", "hosting_max_kw"),
            double("ExistingGeneration_kW", "existing_dg_kw"),
            double("QueuedGeneration_kW", "queued_dg_kw", null_share=0.04),
            double("UniformLoadCapacity_kW", "load_capacity_kw"),
            text("LimitingCriteria", "constraint", 60),
            text("NominalVoltage_kV", "voltage_kv", 10, not_available_share=0.02),
            date("LastUpdated"),
            shape_length("Shape.STLength()"),
        ),
        # An ArcGIS Server 10.3 that answers in its own Web Mercator whatever outSR says.
        quirks=Quirks(max_record_count=2000, ignores_out_sr=True, null_geometry_every=250),
    )


def sce_services() -> list[ServiceSpec]:
    old_server = {"current_version": 10.31, "supported_query_formats": "JSON, AMF",
                  "also_map_server": True}
    lnba = _small_layer(0, "LNBA Circuit Segments", "polyline", SCE_GRID, 800,
                        (text("CircuitName", "feeder_id", 60),
                         double("DeferralValue_USD", "load_capacity_kw")))
    return [
        ServiceSpec(url=SCE_URL, description="SCE Integration Capacity Analysis (ICA)",
                    layers=[_sce_ica_layer()], **old_server),
        ServiceSpec(url=SCE_LNBA_URL, description="SCE Locational Net Benefit Analysis",
                    layers=[lnba], **old_server),
    ]


# --- PHI (Exelon: Pepco, Delmarva Power, Atlantic City Electric) --------------------------

def _phi_pv_fields(pending_as_text: bool) -> tuple[FieldSpec, ...]:
    pending = (text("Total_Pending_Gen_kW", "queued_dg_kw", 20, thousands_separator=True,
                    decimals=1, not_available_share=0.01) if pending_as_text
               else double("Total_Pending_Gen_kW", "queued_dg_kw", null_share=0.02))
    return (
        oid(),
        text("FeederID", "feeder_id", 20),
        text("Substation", "substation_name", 50),
        double("Allowable_PV_kW", "hosting_kw"),
        double("Strict_PV_kW", "hosting_min_kw"),
        double("Max_PV_kW", "hosting_max_kw"),
        double("Total_Active_Gen_kW", "existing_dg_kw"),
        pending,
        text("Voltage", "voltage_kv", 10, blank_share=0.01, not_available_share=0.02),
        text("Limiting_Factor", "constraint", 50),
        date("Last_Updated"),
        shape_length(),
    )


def _ace_fields() -> tuple[FieldSpec, ...]:
    return (
        oid(),
        text("FEEDER_ID", "feeder_id", 20),
        text("FEEDER_NAME", "feeder_name", 60),
        text("SUBSTATION", "substation_name", 50),
        double("HC_KW", "hosting_kw"),
        double("MIN_HC_KW", "hosting_min_kw"),
        double("MAX_HC_KW", "hosting_max_kw"),
        text("EXISTING_DG_KW", "existing_dg_kw", 20, thousands_separator=True, decimals=1,
             not_available_share=0.02),
        double("QUEUED_DG_KW", "queued_dg_kw", null_share=0.03),
        text("LIMITING_FACTOR", "constraint", 50),
        double("VOLTAGE_KV", "voltage_kv"),
        text("PHASE", "phase", 5, blank_share=0.02),
        FieldSpec("GlobalID", "esriFieldTypeGlobalID", "global_id", length=38),
        shape_length(),
    )


def _ev_layer(index: int, utility: str, grid: Grid, count: int) -> LayerSpec:
    return _small_layer(index, f"{utility}_EV_Load_Capacity", "polyline", grid, count,
                        (text("FeederID", "feeder_id", 20),
                         double("Load_Capacity_kW", "load_capacity_kw"),
                         text("Voltage", "voltage_kv", 10)))


def phi_service() -> ServiceSpec:
    pepco = LayerSpec(
        index=0, name="Pepco_Hosting_Capacity", geometry="polyline", grid=PEPCO_GRID,
        feature_count=2517, seed="phi-pepco", display_field="FeederID",
        fields=_phi_pv_fields(pending_as_text=False),
        # Rows deleted and reloaded over the years: ids have gaps, pagination is off.
        id_layout=IdLayout(first=1, stride=3, block_size=400, hole=1000),
        quirks=Quirks(max_record_count=2000, supports_pagination=False),
    )
    dpl = LayerSpec(
        index=2, name="DPL_Hosting_Capacity", geometry="polyline", grid=DPL_GRID,
        feature_count=1843, seed="phi-dpl", display_field="FeederID",
        fields=_phi_pv_fields(pending_as_text=True),
        quirks=Quirks(max_record_count=2000, null_geometry_every=400),
    )
    ace = LayerSpec(
        index=4, name="ACE_Hosting_Capacity", geometry="polyline", grid=ACE_GRID,
        feature_count=1562, seed="phi-ace", display_field="FEEDER_NAME", fields=_ace_fields(),
        quirks=Quirks(max_record_count=2000),
    )
    return ServiceSpec(
        url=PHI_URL, description="Pepco Holdings hosting capacity (Pepco, DPL, ACE)",
        layers=[pepco, _ev_layer(1, "Pepco", PEPCO_GRID, 300), dpl,
                _ev_layer(3, "DPL", DPL_GRID, 300), ace, _ev_layer(5, "ACE", ACE_GRID, 300)],
    )


# --- bench --------------------------------------------------------------------------------

def bench_service(feature_count: int = 100_000, page_delay_seconds: float = 0.3,
                  url: str = BENCH_URL, max_record_count: int = 2000) -> ServiceSpec:
    """A big, slow layer for `make bench`: only the pages asked for are ever computed."""
    layer = LayerSpec(
        index=0, name="Bench_Hosting_Capacity", geometry="polyline", grid=BENCH_GRID,
        feature_count=feature_count, seed="bench", display_field="FEEDER_ID",
        fields=(oid(), text("FEEDER_ID", "feeder_id", 30), text("SUBSTATION", "substation_name"),
                double("HC_KW", "hosting_kw"), double("EXISTING_DG_KW", "existing_dg_kw"),
                double("QUEUED_DG_KW", "queued_dg_kw"), text("LIMITING_FACTOR", "constraint"),
                double("VOLTAGE_KV", "voltage_kv"), shape_length()),
        quirks=Quirks(max_record_count=max_record_count, page_delay_seconds=page_delay_seconds),
    )
    return ServiceSpec(url=url, layers=[layer], description="Benchmark layer",
                       current_version=10.91)


def protocol_catalog() -> list[ServiceSpec]:
    """Fresh synthetic specs every call, so one replica's runtime changes never leak into
    another."""
    from replicas.arcgis.catalog_exelon import exelon_services
    from replicas.arcgis.catalog_online import online_services
    from replicas.arcgis.catalog_self_hosted import self_hosted_services
    from replicas.arcgis.catalog_xcel import xcel_services

    return [pge_service(), *sce_services(), phi_service(), *exelon_services(),
            *online_services(), *xcel_services(), *self_hosted_services(), bench_service()]

"""Xcel Energy's ArcGIS Online organisation (services1.arcgis.com/ProtocolXcel0001).

Xcel republishes its hosting capacity popup layers every few months under a new name, with
the words in either order and the month spelled out or cut short (NSP_HCA_Popup_Layer_
October_2026, HCA_NSP_Popup_Layer_February_2026, PSCO_GEN_Popup_Layer_Sept_2026), and keeps
the old ones; the organisation also hosts the blurred maps the public viewer draws, and an
old name of another shape (NSPM_may2025_popUps). Every attribute is esriFieldTypeString:
numbers come as text, now and then "1,234.5", "N/A" or "".
"""

from __future__ import annotations

from dataclasses import replace

from replicas.arcgis.shorthands import companion_layer, oid, shape_length, text
from replicas.arcgis.spec import FieldSpec, Grid, LayerSpec, Quirks, Region, ServiceSpec

XCEL_ROOT = "https://services1.arcgis.com/ProtocolXcel0001/arcgis/rest/services"
# (service name, segments, last edit), newest first.
NSP_SERVICES = (("NSP_HCA_Popup_Layer_October_2026", 1000, "2026-10-06T19:00:00"),
                ("NSP_HCA_Popup_Layer_March_2026", 930, "2026-03-09T19:00:00"),
                ("HCA_NSP_Popup_Layer_February_2026", 910, "2026-02-11T19:00:00"),
                ("NSPM_may2025_popUps", 120, "2025-05-22T16:00:00"))
PSCO_SERVICES = (("PSCO_GEN_Popup_Layer_Sept_2026", 850, "2026-09-14T20:00:00"),
                 ("PSCO_GEN_Popup_Layer_Feb_2026", 790, "2026-02-17T20:00:00"))

XCEL_CONSTRAINTS = (("Thermal", 28), ("Primary Over-Voltage", 14), ("Voltage Deviation", 12),
                    ("Regulator Deviation", 4), ("Breaker Reach", 5),
                    ("Additional Element Fault", 4), ("Sympathetic Tripping", 2),
                    ("Unintentional Islanding", 4), ("None", 18), ("", 9))

NSP_GRID = Grid(
    regions=(Region("Metro West", -93.30, 44.97, 12), Region("Metro East", -93.05, 44.95, 12),
             Region("Northwest", -94.16, 45.56, 12), Region("Southwest", -94.00, 44.16, 12),
             Region("Southeast", -91.90, 44.30, 14), Region("Northeast", -92.85, 45.45, 12)),
    substations=("Aldrich", "Blue Lake", "Chisago", "Dakota Heights", "Elm Creek", "Fridley",
                 "Goose Lake", "Hiawatha", "Inver Hills", "Johnson Street", "Kohlman Lake",
                 "Lake Marion", "Midtown", "Nicollet", "Orono", "Parkers Lake", "Quarry",
                 "Rice Street", "Sauk Rapids", "Terminal", "Union", "Viking", "Wilmarth"),
    voltages_kv=(13.8, 13.8, 13.8, 34.5, 4.16),
    constraints=XCEL_CONSTRAINTS,
    feeder_id_format="{substation_code}{circuit_short:03d}",
    feeder_name_format="{substation_code} TR{bank}",
    first_circuit=61,
    hosting_kw=(100.0, 10000.0),
    network_share=0.04,
    study_date="2026-09-30",
)

PSCO_GRID = Grid(
    regions=(Region("Denver Metro", -104.99, 39.74, 14), Region("Boulder", -105.27, 40.01, 8),
             Region("Front Range North", -104.71, 40.42, 12),
             Region("Western Slope", -108.55, 39.06, 12),
             Region("Mountain", -106.04, 39.48, 12), Region("San Luis Valley", -105.87, 37.47, 14)),
    substations=("Arapahoe", "Buckley", "Cherokee", "Daniels Park", "Englewood", "Federal Heights",
                 "Green Valley", "Harrison", "Jordan", "Kitty Hawk", "Leetsdale", "Monaco",
                 "Northglenn", "Ortiz", "Prospect", "Quincy", "Ralston", "Sandown", "Tollgate",
                 "Valmont", "Waterton"),
    voltages_kv=(13.2, 13.2, 13.2, 12.47, 34.5),
    constraints=XCEL_CONSTRAINTS,
    feeder_id_format="{substation_code}{circuit_short:04d}",
    feeder_name_format="{substation_code} T{bank}",
    first_circuit=1,
    hosting_kw=(100.0, 9000.0),
    study_date="2026-08-31",
)


def number_text(name: str, source: str, null_share: float = 0.0) -> FieldSpec:
    """A number as Xcel's popups write it: text, sometimes "1,234.5", "N/A" or blank."""
    return text(name, source, 20, decimals=1, separator_share=0.08, not_available_share=0.02,
                blank_share=0.01, null_share=null_share)


def _popup_fields() -> tuple[FieldSpec, ...]:
    """The fields both Xcel territories' popup layers share, in their order."""
    return (
        oid("OBJECTID"),
        text("Feeder", "feeder_id", 12),
        text("Transformer", "feeder_name", 12),
        text("Substation", "substation_name", 40),
        text("PlanningRegion", "region", 30),
        number_text("HostingCapacity", "hosting_kw"),
        number_text("MinHostingCap", "hosting_min_kw"),
        number_text("MaxHostingCap", "hosting_max_kw"),
        text("ConstrainingMetric", "constraint", 40),
    )


def _nsp_fields() -> tuple[FieldSpec, ...]:
    return (
        *_popup_fields(),
        text("MinConstrainingMetric", "constraint_at_min", 40),
        text("MaxConstrainingMetric", "constraint_at_max", 40),
        number_text("FeederInstalledDG", "existing_dg_kw"),
        number_text("FeederQueuedDG", "queued_dg_kw", null_share=0.02),
        number_text("SubsTransInstalledDG", "substation_dg_kw"),
        number_text("SubsTransQueuedDG", "substation_queued_kw", null_share=0.02),
        text("NetworkOrRadial", "network_or_radial", 10, blank_share=0.01),
        text("NominalVoltage", "voltage_kv", 10, not_available_share=0.01),
        shape_length(),
    )


def _psco_fields() -> tuple[FieldSpec, ...]:
    return (
        *_popup_fields(),
        number_text("FeederInstalledDG", "existing_dg_kw"),
        text("NominalVoltage", "voltage_kv", 10, not_available_share=0.01),
        text("Phase", "phase", 5),
        text("OH_UG", "overhead", 5, blank_share=0.01),
        shape_length(),
    )


def _popup_service(name: str, count: int, edited: str, grid: Grid,
                   fields: tuple[FieldSpec, ...], layer_name: str) -> ServiceSpec:
    layer = LayerSpec(
        index=0, name=layer_name, geometry="polyline",
        grid=replace(grid, study_date=edited[:10]), feature_count=count,
        seed=f"xcel-{name.lower()}", display_field="Feeder", fields=fields,
        last_edit_date=edited, quirks=Quirks(max_record_count=2000))
    return ServiceSpec(url=f"{XCEL_ROOT}/{name}/FeatureServer", layers=[layer],
                       description="Hosting capacity analysis popup layer")


def _blurred_service(name: str, grid: Grid) -> ServiceSpec:
    bands = companion_layer(0, name, "polygon", grid, 60,
                            (text("HC_Band", "hosting_kw", 20, decimals=0),
                             text("PlanningRegion", "region", 30)),
                            square_m=2000.0, tiled=True)
    return ServiceSpec(url=f"{XCEL_ROOT}/{name}/FeatureServer", layers=[bands],
                       description="Blurred hosting capacity for the public map")


def xcel_services() -> list[ServiceSpec]:
    nsp = [_popup_service(name, count, edited, NSP_GRID, _nsp_fields(), "NSP_HCA_Popup_Layer")
           for name, count, edited in NSP_SERVICES]
    psco = [_popup_service(name, count, edited, PSCO_GRID, _psco_fields(),
                           "PSCO_GEN_Popup_Layer") for name, count, edited in PSCO_SERVICES]
    return [*nsp, *psco, _blurred_service("NSP_Blurred", NSP_GRID),
            _blurred_service("PSCO_Blurred_Raster_Final_with_Exclusions", PSCO_GRID)]

"""A faithful local replica of the utilities' ArcGIS REST servers (see replica.py).

Public names:
- `ArcGISReplica(catalog=None)`: the ReplicaApp; `.layer(url, index)` gives a live
  `LayerSpec` (quirks, `touch()`, `add_features()`, `remove_features()`, `revise_features()`).
- `fixture_features(service_url, layer_index)`: the built-in catalog's features as served.
- `default_catalog()`: the utilities' services built from recorded evidence (plus the bench);
  `protocol_catalog()`: synthetic services for the engine's own tests; `bench_service(...)`;
  `ServiceSpec`, `LayerSpec`, `FieldSpec`, `Quirks`, `Grid`, `Region`, `IdLayout` to write
  new entries.
"""

from replicas.arcgis.catalog import bench_service, protocol_catalog
from replicas.arcgis.catalog_evidence import default_catalog
from replicas.arcgis.ids import IdLayout
from replicas.arcgis.replica import ArcGISReplica, fixture_features, layer_features
from replicas.arcgis.spec import FieldSpec, Grid, LayerSpec, Quirks, Region, ServiceSpec

__all__ = [
    "ArcGISReplica", "FieldSpec", "Grid", "IdLayout", "LayerSpec", "Quirks", "Region",
    "ServiceSpec", "bench_service", "default_catalog", "fixture_features", "layer_features",
    "protocol_catalog",
]

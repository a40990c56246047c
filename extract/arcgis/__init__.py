"""ArcGIS REST (FeatureServer / MapServer) hosting-capacity layers into `raw_arcgis`.

One job per module:

- `config`: a utility's YAML (`configs/utilities/*.yaml`) validated into `UtilityConfig`.
- `service_url`: the layer's current service URL (quarterly or monthly renames).
- `layer`: one layer read completely, metadata then pages; `geometry`: Esri JSON to GeoJSON.
- `values`: per-field counts of values that do not parse as numbers, for the run record.
- `pipeline`: one utility's extract as a dlt load; `runs`: its ingestion-run record.
- `field_map_draft` and `discovery_report`: `--discover`, for writing or repairing a config.
- `live_check`: `validate-configs --live`, the config compared with the live server.
- `cli`: `python -m extract hosting-capacity ...`.
"""

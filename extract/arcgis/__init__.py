"""ArcGIS REST (FeatureServer / MapServer) hosting-capacity layers into `raw_arcgis`."""

"""Extract hosting capacity (ArcGIS REST) and dynamic prices (GridX) into raw DuckDB schemas."""

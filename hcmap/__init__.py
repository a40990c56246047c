"""The static map site: vector tiles of the marts, MapLibre GL JS, served on 127.0.0.1."""

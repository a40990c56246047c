-- Table macros for the DuckDB CLI and BI tools, created in both hosting_capacity.duckdb and
-- marts.duckdb by the on-run-end hook publish() (extract/publish.py; {marts} becomes `marts`),
-- or, with HC_LAKE, in the lake and marts.duckdb ({marts} becomes `lake.marts` in the lake).
-- Run `LOAD spatial;` first.
--
-- Each macro first narrows to a range of the centroid or bbox columns that can only keep
-- more rows than the exact test, never fewer; the records are stored along a Hilbert curve,
-- so that range touches a few row groups (DuckDB's zone maps skip the rest). The exact test
-- then decides, so the answers are those of a full scan.

-- Records whose centroid lies within radius_km of (lat, lon), nearest first. The distance is
-- the haversine great-circle distance on a sphere of the mean Earth radius (6371.0088 km).
-- Prefilter: a point within angle d = radius/R differs by at most d in latitude and by at
-- most asin(sin d / cos lat) in longitude (no longitude bound once that reaches a pole or
-- crosses the antimeridian).
create or replace macro hc_nearby(lat, lon, radius_km) as table
    select *
    from (
        select
            records.*,
            2 * 6371.0088 * asin(sqrt(
                pow(sin(radians(records.centroid_lat - lat) / 2), 2)
                + cos(radians(lat)) * cos(radians(records.centroid_lat))
                * pow(sin(radians(records.centroid_lon - lon) / 2), 2)
            )) as distance_km
        from {marts}.hosting_capacity_records as records
        where
            records.centroid_lat
            between lat - degrees(radius_km / 6371.0088) - 1e-9
            and lat + degrees(radius_km / 6371.0088) + 1e-9
            and (
                sin(radius_km / 6371.0088) >= cos(radians(lat))
                -- a circle across the antimeridian: no longitude bound
                or abs(lon) + degrees(asin(least(
                    1.0, sin(radius_km / 6371.0088) / cos(radians(lat))
                ))) >= 180
                or records.centroid_lon
                between lon - degrees(asin(least(
                    1.0, sin(radius_km / 6371.0088) / cos(radians(lat))
                ))) - 1e-9
                and lon + degrees(asin(least(
                    1.0, sin(radius_km / 6371.0088) / cos(radians(lat))
                ))) + 1e-9
            )
    )
    where distance_km <= radius_km
    order by distance_km;

-- Records whose geometry intersects the box (WGS84 degrees; edges included).
create or replace macro hc_in_bbox(min_lon, min_lat, max_lon, max_lat) as table
    select records.*
    from {marts}.hosting_capacity_records as records
    where
        records.bbox_max_lon >= min_lon and records.bbox_min_lon <= max_lon
        and records.bbox_max_lat >= min_lat and records.bbox_min_lat <= max_lat
        and st_intersects(records.geom, st_makeenvelope(min_lon, min_lat, max_lon, max_lat));

-- The siting question: segments in the box whose generation hosting capacity covers the
-- project's nameplate (kW), with whether the data is stale and whether the project is above
-- the 500 kW threshold where SCE asks for a pre-application report.
create or replace macro hc_sites_for_project(nameplate_kw, min_lon, min_lat, max_lon, max_lat)
as table
    select
        records.utility_code,
        records.feeder_id_external,
        records.feeder_name,
        records.substation_name,
        records.source_layer,
        records.source_object_id,
        coalesce(
            records.generation_capacity_peak_mw, records.hosting_capacity_mw
        ) as generation_hosting_capacity_mw,
        records.remaining_capacity_mw,
        records.constraining_metric,
        records.centroid_lat,
        records.centroid_lon,
        utilities.data_vintage_date,
        coalesce(utilities.is_stale, true) as data_is_stale,
        nameplate_kw > 500 as needs_pre_application,
        records.geom
    from {marts}.hosting_capacity_records as records
    left join {marts}.utilities as utilities on records.utility_code = utilities.utility_code
    where
        records.capacity_kind = 'generation'
        and coalesce(records.generation_capacity_peak_mw, records.hosting_capacity_mw) * 1000
        >= nameplate_kw
        and records.bbox_max_lon >= min_lon and records.bbox_min_lon <= max_lon
        and records.bbox_max_lat >= min_lat and records.bbox_min_lat <= max_lat
        and st_intersects(records.geom, st_makeenvelope(min_lon, min_lat, max_lon, max_lat))
    order by generation_hosting_capacity_mw desc;

-- The records as they stood at the end of a day (UTC), by the data's own vintage: every
-- version whose layer vintage (lastEditDate, or load time where the layer has none) began
-- by then and had not yet been replaced. `hc_as_of(current_date)` gives the current records.
create or replace macro hc_as_of(as_of_date) as table
    select history.*
    from {marts}.hosting_capacity_history as history
    where
        history.valid_from < cast(as_of_date as date) + interval 1 day
        and (
            history.valid_to is null
            or history.valid_to >= cast(as_of_date as date) + interval 1 day
        );

-- One feeder's vintages, oldest first (generation before load where it has both): its
-- figures before and after each refresh of its utility, the deltas, segments added and
-- removed, and what changed.
create or replace macro hc_feeder_history(utility, feeder_id) as table
    select changes.*
    from {marts}.hosting_capacity_changes as changes
    where
        changes.utility_code = utility
        and changes.feeder_id_external = cast(feeder_id as varchar)
    order by changes.capacity_kind, changes.current_vintage_at;

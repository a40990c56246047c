-- Table macros for the DuckDB CLI and BI tools, created in both hosting_capacity.duckdb and
-- marts.duckdb by the model int_marts_file_published ({marts} is replaced by `marts`).
-- Run `LOAD spatial;` first.

-- Records whose centroid lies within radius_km of (lat, lon), nearest first. The distance is
-- the haversine great-circle distance on a sphere of the mean Earth radius (6371.0088 km).
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
        where records.centroid_lat is not null
    )
    where distance_km <= radius_km
    order by distance_km;

-- Records whose geometry intersects the box (WGS84 degrees; edges included).
create or replace macro hc_in_bbox(min_lon, min_lat, max_lon, max_lat) as table
    select records.*
    from {marts}.hosting_capacity_records as records
    where st_intersects(records.geom, st_makeenvelope(min_lon, min_lat, max_lon, max_lat));

-- Seed 000's siting route: segments in the box whose generation hosting capacity covers the
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
        and st_intersects(records.geom, st_makeenvelope(min_lon, min_lat, max_lon, max_lat))
    order by generation_hosting_capacity_mw desc;

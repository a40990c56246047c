"""A synthetic distribution network, computed on demand from (layer seed, feature index).

Features are grouped into feeders of 5-40 segments (grid squares, points), feeders into
substations, substations into the utility's regions. Feature indices are cut into blocks of
`BLOCK_SIZE`; a block's cut into feeders comes from that block's own seed, so the feeder of
any feature is found without looking at the others and memory stays flat for any size.
Coordinates are WGS84 lon/lat, rounded to 7 decimals (about a centimetre).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

from replicas.arcgis.seeds import seeded_random
from replicas.arcgis.spec import Grid, Region

BLOCK_SIZE = 240
METRES_PER_DEGREE = 111_320.0
NAME_QUALIFIERS = ("North", "South", "East", "West", "Junction", "Hills", "Valley", "Park")


@dataclass(frozen=True)
class FeederPlace:
    """Where a feature sits in the network: which feeder, and which of its segments."""

    feeder_number: int
    segment: int
    segment_count: int


@dataclass(frozen=True)
class Feeder:
    number: int
    substation_number: int
    substation: str
    circuit: int
    region: Region
    route: tuple[tuple[float, float], ...]  # segment k runs from route[k] to route[k + 1]
    heading: float


@lru_cache(maxsize=4096)
def feeder_starts(seed: int, block: int, shortest: int, longest: int) -> tuple[int, ...]:
    """Offsets, inside one block, where each feeder's segments begin."""
    rng = seeded_random(seed, "block", block)
    starts, position = [], 0
    while BLOCK_SIZE - position > longest:
        starts.append(position)
        left = BLOCK_SIZE - position
        position += rng.randint(shortest, max(shortest, min(longest, left - shortest)))
    starts.append(position)
    return tuple(starts)


def place_of(seed: int, index: int, segments_per_feeder: tuple[int, int]) -> FeederPlace:
    shortest, longest = segments_per_feeder
    block, offset = divmod(index, BLOCK_SIZE)
    starts = feeder_starts(seed, block, shortest, longest)
    local = bisect_right(starts, offset) - 1
    end = starts[local + 1] if local + 1 < len(starts) else BLOCK_SIZE
    feeders_per_block = BLOCK_SIZE // max(1, shortest) + 1
    return FeederPlace(block * feeders_per_block + local, offset - starts[local],
                       end - starts[local])


def offset_lon_lat(lon: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    new_lat = lat + north_m / METRES_PER_DEGREE
    new_lon = lon + east_m / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
    return round(new_lon, 7), round(new_lat, 7)


@lru_cache(maxsize=8192)
def substation_site(grid: Grid, seed: int, number: int) -> tuple[Region, float, float]:
    rng = seeded_random(seed, "substation", number)
    region = grid.regions[rng.randrange(len(grid.regions))]
    spread = region.spread_km * 1000
    lon, lat = offset_lon_lat(region.lon, region.lat, rng.gauss(0, spread), rng.gauss(0, spread))
    return region, lon, lat


def substation_name(grid: Grid, number: int) -> str:
    """Names from the utility's list; once they run out, qualified as utilities do."""
    base = grid.substations[number % len(grid.substations)]
    generation = number // len(grid.substations)
    if generation == 0:
        return base
    rounds, which = divmod(generation - 1, len(NAME_QUALIFIERS))
    qualifier = NAME_QUALIFIERS[which] + (f" {rounds + 2}" if rounds else "")
    return f"{base} {qualifier.upper() if base.isupper() else qualifier}"


@lru_cache(maxsize=8192)
def feeder(grid: Grid, seed: int, number: int, segment_count: int) -> Feeder:
    """A feeder leaves its substation in one direction and wanders, segment after segment."""
    substation_number = number // grid.feeders_per_substation
    region, sub_lon, sub_lat = substation_site(grid, seed, substation_number)
    rng = seeded_random(seed, "feeder", number)
    heading = rng.uniform(0, 2 * math.pi)
    lon, lat = offset_lon_lat(sub_lon, sub_lat, rng.uniform(50, 400) * math.cos(heading),
                              rng.uniform(50, 400) * math.sin(heading))
    route = [(lon, lat)]
    for _ in range(segment_count):
        heading += rng.gauss(0, 0.35)
        length = rng.uniform(80, 650)
        lon, lat = offset_lon_lat(lon, lat, length * math.cos(heading), length * math.sin(heading))
        route.append((lon, lat))
    return Feeder(number, substation_number, substation_name(grid, substation_number),
                  grid.first_circuit + number % grid.feeders_per_substation, region,
                  tuple(route), heading)


def segment_paths(line: Feeder, segment: int, rng) -> list[list[list[float]]]:
    """The polyline of one segment: its two route points with a few bends between them.
    About one segment in a hundred also has a short lateral tap (a second path)."""
    (lon0, lat0), (lon1, lat1) = line.route[segment], line.route[segment + 1]
    bends = rng.randint(0, 3)
    path = [[lon0, lat0]]
    for step in range(1, bends + 1):
        share = step / (bends + 1)
        lon, lat = lon0 + (lon1 - lon0) * share, lat0 + (lat1 - lat0) * share
        path.append(list(offset_lon_lat(lon, lat, rng.gauss(0, 12), rng.gauss(0, 12))))
    path.append([lon1, lat1])
    paths = [path]
    if rng.random() < 0.01:
        tap_end = offset_lon_lat(lon1, lat1, rng.uniform(-150, 150), rng.uniform(-150, 150))
        paths.append([[lon1, lat1], list(tap_end)])
    return paths


def _cell_size(grid: Grid, size_m: float) -> tuple[float, float]:
    """(degrees of longitude, of latitude) of a square, at the utility's first region: one
    fixed grid for the whole territory, so squares of neighbouring feeders line up."""
    lat = grid.regions[0].lat
    return (size_m / (METRES_PER_DEGREE * math.cos(math.radians(lat))),
            size_m / METRES_PER_DEGREE)


def walked_cell(grid: Grid, line: Feeder, segment: int, size_m: float) -> tuple[int, int]:
    """The square a feeder serves with this segment: the squares next to its start, six a row."""
    size_lon, size_lat = _cell_size(grid, size_m)
    lon, lat = line.route[0]
    return math.floor(lon / size_lon) + segment % 6, math.floor(lat / size_lat) + segment // 6


def spiral_position(index: int) -> tuple[int, int]:
    """Square spiral around (0, 0): every index its own cell, rings outward, in O(1)."""
    if index == 0:
        return 0, 0
    ring = (math.isqrt(index) + 1) // 2
    leg, along = divmod(index - (2 * ring - 1) ** 2, 2 * ring)
    if leg == 0:
        return ring, -ring + 1 + along
    if leg == 1:
        return ring - 1 - along, ring
    if leg == 2:
        return -ring, ring - 1 - along
    return -ring + 1 + along, -ring


def tiled_cell(grid: Grid, index: int, size_m: float) -> tuple[int, int]:
    """Feature `index`'s own square, spiralling out from the first region's centre."""
    size_lon, size_lat = _cell_size(grid, size_m)
    centre = grid.regions[0]
    dx, dy = spiral_position(index)
    return math.floor(centre.lon / size_lon) + dx, math.floor(centre.lat / size_lat) + dy


def cell_rings(grid: Grid, cell: tuple[int, int], size_m: float) -> list[list[list[float]]]:
    """The square as one clockwise ring (Esri's orientation for an outer ring)."""
    size_lon, size_lat = _cell_size(grid, size_m)
    column, row = cell
    x0, y0 = round(column * size_lon, 7), round(row * size_lat, 7)
    x1, y1 = round((column + 1) * size_lon, 7), round((row + 1) * size_lat, 7)
    return [[[x0, y0], [x0, y1], [x1, y1], [x1, y0], [x0, y0]]]


def cell_centre(grid: Grid, cell: tuple[int, int], size_m: float) -> tuple[float, float]:
    size_lon, size_lat = _cell_size(grid, size_m)
    return round((cell[0] + 0.5) * size_lon, 6), round((cell[1] + 0.5) * size_lat, 6)


def cell_names(cell: tuple[int, int], per_major: int) -> tuple[str, str]:
    """(minor quad, major quad) names of a square: major quads of per_major x per_major
    squares are named by a column letter and a row number (K53), minor ones K53-07."""
    column, row = cell
    major_column, minor_column = divmod(column, per_major)
    major_row, minor_row = divmod(row, per_major)
    major = f"{chr(ord('A') + major_column % 26)}{major_row % 100:02d}"
    return f"{major}-{minor_row * per_major + minor_column + 1:02d}", major


def point_site(line: Feeder, segment: int, rng) -> list[float]:
    lon, lat = line.route[segment + 1]
    return list(offset_lon_lat(lon, lat, rng.gauss(0, 20), rng.gauss(0, 20)))

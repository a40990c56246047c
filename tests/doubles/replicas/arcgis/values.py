"""Attribute values: realistic quantities per feeder and segment, written as a field says.

Feeder-level values (voltage, installed and queued DG, the limiting constraint) repeat on
every segment of a feeder, as the utilities publish them; segment-level values (hosting
capacity and its range) vary. Constrained feeders have more DG than they can host, so their
remaining capacity is negative. Each field then applies its own mess (nulls, blanks, "N/A",
"1,234.5" in string fields) with one random draw per field, so a value never depends on
which other fields a query asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from random import Random

from replicas.arcgis.network import Feeder
from replicas.arcgis.seeds import seeded_random
from replicas.arcgis.spec import FieldSpec, Grid, epoch_ms

DAY_MS = 86_400_000
NOT_AVAILABLE = "N/A"
NO_CONSTRAINT_WORDS = {"", NOT_AVAILABLE.lower(), "none"}  # compared in lower case
PHASES = ("A", "B", "C", "AB", "BC", "AC")
CODE_LETTERS = "ABCDEFGHJKLMNPRSTUVWXY"
QUANTITIES = (
    "feeder_id", "feeder_name", "substation_name", "substation_id", "region", "line_section",
    "voltage_kv", "phase", "overhead", "hosting_kw", "hosting_min_kw", "hosting_max_kw",
    "load_capacity_kw", "existing_dg_kw", "queued_dg_kw", "remaining_kw", "constraint",
    "study_date", "global_id", "shape_length", "shape_area", "segment_count", "is_constrained",
    # feeder level: load rating, peak and headroom; the constraint at the range's two ends
    "phase_count", "construction", "network_or_radial", "company", "constraint_at_min",
    "constraint_at_max", "feeder_rating_kw", "peak_load_kw", "load_headroom_kw",
    # substation (or distribution zone) totals
    "substation_rating_kw", "substation_peak_kw", "substation_dg_kw", "substation_queued_kw",
    "substation_hosting_kw",
    # from the geometry: centroid, and the quad names of a polygon's grid square
    "centroid_lon", "centroid_lat", "grid_name", "major_grid", "state",
)  # fmt: skip


@dataclass(frozen=True)
class FeederValues:
    hosting_base_kw: float
    existing_dg_kw: float
    queued_dg_kw: float
    constraint: str
    voltage_kv: float
    study_date_ms: int
    overhead: bool
    is_constrained: bool
    is_network: bool
    rating_kw: float
    peak_kw: float
    constraint_at_min: str
    constraint_at_max: str


@dataclass(frozen=True)
class SubstationValues:
    rating_kw: float
    peak_kw: float
    installed_dg_kw: float
    queued_dg_kw: float
    hosting_kw: float


def weighted_choice(rng: Random, choices: tuple[tuple[str, int], ...]) -> str:
    words = [word for word, _ in choices]
    return rng.choices(words, weights=[weight for _, weight in choices])[0]


def is_a_constraint(word: str) -> bool:
    return word.strip().lower() not in NO_CONSTRAINT_WORDS


@lru_cache(maxsize=8192)
def feeder_values(grid: Grid, seed: int, number: int) -> FeederValues:
    rng = seeded_random(seed, "feeder values", number)
    low, high = grid.hosting_kw
    base = rng.uniform(low, high)
    constrained = rng.random() < grid.constrained_share
    if constrained:
        base *= rng.uniform(0.03, 0.2)
        existing, queued = base * rng.uniform(1.1, 3.0), base * rng.uniform(0.0, 0.8)
        limits = tuple(c for c in grid.constraints if is_a_constraint(c[0]))
    else:
        existing = 0.0 if rng.random() < 0.2 else base * rng.uniform(0.01, 0.25)
        queued = 0.0 if rng.random() < 0.45 else base * rng.uniform(0.01, 0.1)
        limits = grid.constraints
    chosen = limits or grid.constraints
    constraint = weighted_choice(rng, chosen)
    voltage = rng.choice(grid.voltages_kv)
    study_date_ms = epoch_ms(grid.study_date) - rng.randrange(0, 90) * DAY_MS
    overhead = rng.random() < 0.7
    # Drawn after the values above, so adding them changed none of those.
    rating = rng.uniform(*grid.feeder_rating_kw)
    return FeederValues(
        hosting_base_kw=base, existing_dg_kw=round(existing, 1), queued_dg_kw=round(queued, 1),
        constraint=constraint, voltage_kv=voltage, study_date_ms=study_date_ms,
        overhead=overhead, is_constrained=constrained,
        is_network=rng.random() < grid.network_share, rating_kw=round(rating, 1),
        peak_kw=round(rating * rng.uniform(0.35, 1.08), 1),
        constraint_at_min=weighted_choice(rng, chosen),
        constraint_at_max=weighted_choice(rng, grid.constraints))


@lru_cache(maxsize=4096)
def substation_values(grid: Grid, seed: int, number: int) -> SubstationValues:
    """Totals of a substation (its transformer banks), the same on each of its feeders."""
    rng = seeded_random(seed, "substation values", number)
    rating = rng.uniform(*grid.substation_rating_kw)
    queued = 0.0 if rng.random() < 0.4 else rating * rng.uniform(0.01, 0.2)
    return SubstationValues(
        rating_kw=round(rating, 1), peak_kw=round(rating * rng.uniform(0.45, 1.02), 1),
        installed_dg_kw=round(rating * rng.uniform(0.0, 0.35), 1), queued_dg_kw=round(queued, 1),
        hosting_kw=round(rating * rng.uniform(0.15, 0.9), 1))


def global_id(rng: Random) -> str:
    digits = f"{rng.getrandbits(128):032X}"
    return f"{{{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}}}"


def feeder_names(grid: Grid, line: Feeder) -> dict[str, object]:
    words = grid.circuit_words or ("CIRCUIT",)
    word = words[line.number % len(words)]
    generation = line.number // len(words)
    word = word if generation == 0 else f"{word} {generation + 1}"
    round_of_names = line.substation_number // len(grid.substations)
    code = "".join(c for c in grid.substations[line.substation_number % len(grid.substations)]
                   if c.isalpha())[:3].upper() + (str(round_of_names) if round_of_names else "")
    return {"substation": line.substation, "substation_number": line.substation_number,
            "circuit": line.circuit, "feeder_number": line.number,
            "circuit_word": word.upper(), "circuit_title": word.title(),
            "substation_code": code, "substation_digit": 1 + line.substation_number % 9,
            "letter": CODE_LETTERS[line.substation_number % len(CODE_LETTERS)],
            "bank": 1 + (line.number % grid.feeders_per_substation) // 2,
            "circuit_short": line.circuit % 100}


def quantities(grid: Grid, seed: int, line: Feeder, segment: int, segment_count: int,
               rng: Random) -> dict[str, object]:
    """Every quantity a field can show, for one feature."""
    values = feeder_values(grid, seed, line.number)
    station = substation_values(grid, seed, line.substation_number)
    hosting = round(values.hosting_base_kw * rng.uniform(0.35, 1.0), 1)
    names = feeder_names(grid, line)
    line_section = str(rng.randint(10**7, 10**8 - 1))
    phase = "ABC" if rng.random() < 0.85 else rng.choice(PHASES)
    return {
        "feeder_id": grid.feeder_id_format.format(**names),
        "feeder_name": grid.feeder_name_format.format(**names),
        "substation_name": grid.substation_name_format.format(**names),
        "substation_id": f"{line.substation_number:05d}",
        "region": line.region.name,
        "line_section": line_section,
        "voltage_kv": values.voltage_kv,
        "phase": phase,
        "overhead": "OH" if values.overhead else "UG",
        "hosting_kw": hosting,
        "hosting_min_kw": round(hosting * rng.uniform(0.4, 0.95), 1),
        "hosting_max_kw": round(hosting * rng.uniform(1.0, 1.8), 1),
        "load_capacity_kw": round(values.hosting_base_kw * rng.uniform(0.5, 1.5), 1),
        "existing_dg_kw": values.existing_dg_kw,
        "queued_dg_kw": values.queued_dg_kw,
        "remaining_kw": round(hosting - values.existing_dg_kw - values.queued_dg_kw, 1),
        "constraint": values.constraint,
        "study_date": values.study_date_ms,
        "global_id": global_id(rng),
        "segment_count": segment_count,
        "is_constrained": int(values.is_constrained),
        # No draws below this line: they would move every value of the fields after them.
        "phase_count": len(phase),
        "construction": "Overhead" if values.overhead else "Underground",
        "network_or_radial": "Network" if values.is_network else "Radial",
        "company": line.region.company,
        "constraint_at_min": values.constraint_at_min,
        "constraint_at_max": values.constraint_at_max,
        "feeder_rating_kw": values.rating_kw,
        "peak_load_kw": values.peak_kw,
        "load_headroom_kw": round(values.rating_kw - values.peak_kw, 1),
        "substation_rating_kw": station.rating_kw,
        "substation_peak_kw": station.peak_kw,
        "substation_dg_kw": station.installed_dg_kw,
        "substation_queued_kw": station.queued_dg_kw,
        "substation_hosting_kw": station.hosting_kw,
        "state": line.region.state,
    }


def format_number(value: float, spec: FieldSpec, separator: bool | None = None) -> str:
    if spec.thousands_separator if separator is None else separator:
        return f"{value:,.{spec.decimals}f}"
    return str(round(value, spec.decimals))


@dataclass(frozen=True)
class SharedDraws:
    """Decisions one feature makes once for all its fields: a 'NA' string and its -1 Double
    twin, or a comma list of feeders and its aligned list of values, always agree."""

    unmeasured: float
    zero: float
    listed: float
    list_length: int
    list_factors: tuple[float, ...]

    @classmethod
    def of(cls, rng: Random) -> SharedDraws:
        return cls(rng.random(), rng.random(), rng.random(), rng.choice((2, 2, 3)),
                   tuple(rng.uniform(0.2, 1.0) for _ in range(3)))


def binned(value: float, edges: tuple[float, ...]) -> str:
    for low, high in zip(edges, edges[1:], strict=False):
        if value < high:
            return f"{low:g} - {high:g}"
    return f">{edges[-1]:g}"


def listed(spec: FieldSpec, value: object, shared: SharedDraws) -> object:
    """The same quantity for 2-3 feeders of one cell, comma-packed as the utilities do."""
    if isinstance(value, str):
        return ",".join([value] + [f"{value}{chr(65 + i)}" for i in range(
            shared.list_length - 1)])
    if isinstance(value, int | float) and not isinstance(value, bool):
        return ",".join(format_number(float(value) * factor, spec, False)
                        for factor in (1.0, *shared.list_factors)[:shared.list_length])
    return value


def render(spec: FieldSpec, value: object, draw: float,
           shared: SharedDraws | None = None) -> object:
    """The value as this field serves it; `draw` (uniform 0-1) decides the mess, `shared`
    the decisions all fields of the feature take together."""
    if shared is not None and shared.unmeasured < spec.unmeasured_share:
        return spec.unmeasured_value
    if value is None or draw < spec.null_share:
        return None
    draw -= spec.null_share
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if numeric and shared is not None and shared.zero < spec.zero_share:
        if spec.zero_text is not None:
            return spec.zero_text
        value = 0.0
    if spec.scale != 1.0 and numeric:
        value = float(value) * spec.scale
    if numeric and spec.ceiling is not None:
        value = min(float(value), spec.ceiling)
    if numeric and spec.bins:
        return binned(float(value), spec.bins)
    if shared is not None and shared.listed < spec.list_share:
        return listed(spec, value, shared)
    if spec.suffix and numeric:
        return f"{format_number(float(value), spec)}{spec.suffix}"
    if spec.type == "esriFieldTypeString":
        if draw < spec.blank_share:
            return ""
        draw -= spec.blank_share
        if draw < spec.not_available_share:
            return NOT_AVAILABLE
        draw -= spec.not_available_share
        if isinstance(value, float):
            return format_number(value, spec, spec.thousands_separator
                                 or draw < spec.separator_share)
        return str(value)
    if spec.type in ("esriFieldTypeDouble", "esriFieldTypeSingle"):
        return round(float(value), spec.decimals)
    if spec.type in ("esriFieldTypeInteger", "esriFieldTypeSmallInteger", "esriFieldTypeDate"):
        return int(round(float(value)))
    return value

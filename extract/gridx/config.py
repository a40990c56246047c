"""Pricing configs (`configs/pricing/*.yaml`): which GridX prices to extract and how politely.

Every problem is reported as (file, key, why), like the utility configs, so that
`python -m extract validate-configs` lists them all in one pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from extract.config import ConfigError, ConfigProblem, check_url

# GridX documents that prices exist from this day on; nothing earlier can be requested.
EARLIEST_PRICE_DATE = date(2024, 6, 1)
# "for optimal performance, do not request more than two weeks of prices at once"
MAX_WINDOW_DAYS = 14
MAX_CONCURRENCY = 8

REQUIRED_KEYS = (
    "base_url", "utility", "program", "market", "rate_names", "representative_circuits",
    "history_start",
)  # fmt: skip
OPTIONAL_KEYS = (
    "lookback_days", "window_days", "max_concurrency", "timezone", "publish_time", "cca",
    "notes", "evidence",
)  # fmt: skip
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._&'()/-]*$")
PUBLISH_TIME_PATTERN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class PricingConfig:
    """One GridX price feed: a utility's program on one market, for some rates and circuits."""

    source_file: Path
    base_url: str  # e.g. https://pe-api.gridx.com/stage; requests go to <base_url>/v1/getPricing
    utility: str
    program: str
    market: str
    rate_names: tuple[str, ...]
    representative_circuits: tuple[str, ...]
    history_start: date  # earliest day ever requested
    lookback_days: int | None = None  # default runs start this many days back (None: history)
    window_days: int = MAX_WINDOW_DAYS
    max_concurrency: int = 4
    timezone: str = "America/Los_Angeles"
    publish_time: time = time(18, 15)  # local time after which tomorrow's prices are out
    cca: str | None = None  # Community Choice Aggregator code sent as `cca` (PG&E); None: none
    evidence: tuple[tuple[str, str], ...] = ()  # (fact, where it is published)

    @property
    def name(self) -> str:
        return self.source_file.stem

    @property
    def endpoint(self) -> str:
        return f"{self.base_url.rstrip('/')}/v1/getPricing"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _names(value: object, key: str, problems: list[str]) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        problems.append(f"{key}: must be a non-empty list of names")
        return ()
    names = []
    for item in value:
        if isinstance(item, int | float) and not isinstance(item, bool):
            problems.append(f"{key}: {item!r} was read as a number; quote it (e.g. "
                            "'013532223') so that it stays text with its leading zeros")
        elif not isinstance(item, str) or not NAME_PATTERN.match(item) or item != item.strip():
            problems.append(f"{key}: {item!r} is not a plain name (letters, digits, spaces, "
                            "-._&'()/)")
        elif item in names:
            problems.append(f"{key}: {item!r} is listed twice")
        else:
            names.append(item)
    return tuple(names)


def _text(data: dict, key: str, problems: list[str]) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not NAME_PATTERN.match(value):
        problems.append(f"{key}: must be a plain non-empty name, got {value!r}")
        return ""
    return value


def _integer(data: dict, key: str, default: int | None, low: int, high: int | None,
             problems: list[str]) -> int | None:
    value = data.get(key, default)
    if value is None and default is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (
            high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        problems.append(f"{key}: must be an integer {bound}, got {value!r}")
        return default
    return value


def parse_pricing_config(data: object, path: Path) -> tuple[PricingConfig | None,
                                                            list[ConfigProblem]]:
    """The config in `data` (read from `path`) and every problem found in it."""
    found: list[str] = []
    if not isinstance(data, dict):
        return None, [ConfigProblem(str(path), "(file)",
                                    "must be a YAML mapping of keys to values")]
    for key in sorted(set(data) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS), key=str):
        found.append(f"{key}: unknown key (typo?); known keys: "
                     f"{', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)}")
    for key in REQUIRED_KEYS:
        if key not in data:
            found.append(f"{key}: missing required key")
    base_url = data.get("base_url")
    if "base_url" in data and (why := check_url(base_url)):
        found.append(f"base_url: {why}")
    elif isinstance(base_url, str) and base_url.rstrip("/").lower().endswith("/getpricing"):
        found.append("base_url: give the base (e.g. https://pe-api.gridx.com/stage); "
                     "/v1/getPricing is appended")
    utility = _text(data, "utility", found) if "utility" in data else ""
    program = _text(data, "program", found) if "program" in data else ""
    market = _text(data, "market", found) if "market" in data else ""
    rates = _names(data.get("rate_names"), "rate_names", found) if "rate_names" in data else ()
    circuits = (_names(data.get("representative_circuits"), "representative_circuits", found)
                if "representative_circuits" in data else ())
    history_start = data.get("history_start", EARLIEST_PRICE_DATE)
    if not isinstance(history_start, date):
        found.append(f"history_start: must be a date YYYY-MM-DD, got {history_start!r}")
        history_start = EARLIEST_PRICE_DATE
    elif history_start < EARLIEST_PRICE_DATE:
        found.append(f"history_start: {history_start} is before {EARLIEST_PRICE_DATE}, the "
                     "first day GridX has prices for")
    lookback = _integer(data, "lookback_days", None, 1, None, found)
    window_days = _integer(data, "window_days", MAX_WINDOW_DAYS, 1, MAX_WINDOW_DAYS, found)
    concurrency = _integer(data, "max_concurrency", 4, 1, MAX_CONCURRENCY, found)
    zone = data.get("timezone", "America/Los_Angeles")
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "Pacific" is a directory
        found.append(f"timezone: {zone!r} is not an IANA time zone (e.g. America/Los_Angeles)")
        zone = "America/Los_Angeles"
    publish = data.get("publish_time", "18:15")
    match = PUBLISH_TIME_PATTERN.match(publish) if isinstance(publish, str) else None
    if not match:
        found.append(f"publish_time: must be a quoted local time \"HH:MM\", got {publish!r}")
    cca = data.get("cca")
    if cca is not None and not (isinstance(cca, str) and NAME_PATTERN.match(cca)):
        found.append(f"cca: must be a plain name, got {cca!r}")
    if "notes" in data and not isinstance(data["notes"], str):
        found.append("notes: must be text")
    evidence = data.get("evidence", {})
    if not isinstance(evidence, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip()
            for k, v in evidence.items()):
        found.append("evidence: must map each fact (e.g. rate_names) to the non-empty text "
                     "of where it is published (repository, commit, path)")
        evidence = {}
    problems = [ConfigProblem(str(path), *line.split(": ", 1)) for line in found]
    if problems:
        return None, problems
    return PricingConfig(
        source_file=path, base_url=base_url, utility=utility, program=program, market=market,
        rate_names=rates, representative_circuits=circuits, history_start=history_start,
        lookback_days=lookback, window_days=window_days, max_concurrency=concurrency,
        timezone=str(zone), publish_time=time(int(match.group(1)), int(match.group(2))),
        cca=cca, evidence=tuple((str(k), str(v)) for k, v in evidence.items()),
    ), []


def load_pricing_config_file(path: Path) -> tuple[PricingConfig | None, list[ConfigProblem]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        return None, [ConfigProblem(str(path), where, f"not valid YAML: {error}")]
    except (OSError, UnicodeDecodeError) as error:
        return None, [ConfigProblem(str(path), "(file)", f"cannot read: {error}")]
    return parse_pricing_config(data, path)


def load_pricing_configs(config_dir: Path) -> tuple[list[PricingConfig], list[ConfigProblem]]:
    """Every valid config in `config_dir/pricing`, and every problem found in any of them."""
    directory = Path(config_dir) / "pricing"
    if not directory.is_dir():
        return [], [ConfigProblem(str(directory), "(dir)", "no pricing config directory")]
    configs: list[PricingConfig] = []
    problems: list[ConfigProblem] = []
    for path in sorted(directory.iterdir()):
        if path.suffix not in (".yaml", ".yml"):
            continue
        config, found = load_pricing_config_file(path)
        problems += found
        if config is not None:
            configs.append(config)
    feeds = [(c.utility, c.program, c.market, c.cca) for c in configs]
    for config in configs:
        if feeds.count((config.utility, config.program, config.market, config.cca)) > 1:
            cca = f" cca {config.cca}" if config.cca else " without a cca"
            problems.append(ConfigProblem(
                str(config.source_file), "utility",
                f"another file also configures {config.utility} {config.program} "
                f"{config.market}{cca}; keep one file per feed"))
    return configs, problems


def validate_pricing_configs(config_dir: Path) -> list[ConfigProblem]:
    """Every problem in configs/pricing/*.yaml, as (file, key, why); empty when all is well."""
    return load_pricing_configs(config_dir)[1]


def valid_pricing_configs(config_dir: Path) -> list[PricingConfig]:
    """Configs for extraction: refuses to go on if any pricing config has a problem."""
    configs, problems = load_pricing_configs(config_dir)
    if problems:
        raise ConfigError(problems)
    return configs

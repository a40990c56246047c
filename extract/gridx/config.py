"""Pricing configs (`configs/pricing/*.yaml`): which GridX prices to extract and how politely.

`PricingFile` declares the keys (pydantic, unknown keys refused); every problem of a file is
reported at once as (file, key, why), like the utility configs, so that
`python -m extract validate-configs` lists them all in one pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from extract.configfile import ConfigProblem, check_url, read_yaml, validation_problems

# GridX documents that prices exist from this day on; nothing earlier can be requested.
EARLIEST_PRICE_DATE = date(2024, 6, 1)
# "for optimal performance, do not request more than two weeks of prices at once"
MAX_WINDOW_DAYS = 14
MAX_CONCURRENCY = 8

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


def _names(value: object, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError("must be a non-empty list of names")
    names, problems = [], []
    for item in value:
        if isinstance(item, int | float) and not isinstance(item, bool):
            problems.append(f"{item!r} was read as a number; quote it (e.g. "
                            "'013532223') so that it stays text with its leading zeros")
        elif not isinstance(item, str) or not NAME_PATTERN.match(item) or item != item.strip():
            problems.append(f"{item!r} is not a plain name (letters, digits, spaces, -._&'()/)")
        elif item in names:
            problems.append(f"{item!r} is listed twice")
        else:
            names.append(item)
    if problems:
        raise ValueError("; ".join(problems))
    return tuple(names)


def _integer(value: object, low: int, high: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (
            high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise ValueError(f"must be an integer {bound}, got {value!r}")
    return value


class PricingFile(BaseModel):
    """The keys of one pricing YAML file and the rule for each; unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str
    utility: str
    program: str
    market: str
    rate_names: tuple[str, ...]
    representative_circuits: tuple[str, ...]
    history_start: date
    lookback_days: int | None = None
    window_days: int = MAX_WINDOW_DAYS
    max_concurrency: int = 4
    timezone: str = "America/Los_Angeles"
    publish_time: time = time(18, 15)
    cca: str | None = None
    notes: str | None = None
    evidence: dict[str, str] = {}

    @field_validator("base_url", mode="before")
    @classmethod
    def _base_url(cls, value: object) -> object:
        if why := check_url(value):
            raise ValueError(why)
        if value.rstrip("/").lower().endswith("/getpricing"):
            raise ValueError("give the base (e.g. https://pe-api.gridx.com/stage); "
                             "/v1/getPricing is appended")
        return value

    @field_validator("utility", "program", "market", mode="before")
    @classmethod
    def _plain_name(cls, value: object) -> object:
        if not isinstance(value, str) or not NAME_PATTERN.match(value):
            raise ValueError(f"must be a plain non-empty name, got {value!r}")
        return value

    @field_validator("rate_names", "representative_circuits", mode="before")
    @classmethod
    def _name_list(cls, value: object, info: ValidationInfo) -> tuple[str, ...]:
        return _names(value, info.field_name)

    @field_validator("history_start", mode="before")
    @classmethod
    def _history_start(cls, value: object) -> date:
        if not isinstance(value, date):
            raise ValueError(f"must be a date YYYY-MM-DD, got {value!r}")
        if value < EARLIEST_PRICE_DATE:
            raise ValueError(f"{value} is before {EARLIEST_PRICE_DATE}, the first day GridX "
                             "has prices for")
        return value

    @field_validator("lookback_days", mode="before")
    @classmethod
    def _lookback(cls, value: object) -> int | None:
        return None if value is None else _integer(value, 1, None)

    @field_validator("window_days", mode="before")
    @classmethod
    def _window(cls, value: object) -> int:
        return _integer(value, 1, MAX_WINDOW_DAYS)

    @field_validator("max_concurrency", mode="before")
    @classmethod
    def _concurrency(cls, value: object) -> int:
        return _integer(value, 1, MAX_CONCURRENCY)

    @field_validator("timezone", mode="before")
    @classmethod
    def _timezone(cls, value: object) -> str:
        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError, OSError):  # "Pacific" is a directory
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. America/Los_Angeles)"
                             ) from None
        return str(value)

    @field_validator("publish_time", mode="before")
    @classmethod
    def _publish_time(cls, value: object) -> time:
        match = PUBLISH_TIME_PATTERN.match(value) if isinstance(value, str) else None
        if not match:
            raise ValueError(f'must be a quoted local time "HH:MM", got {value!r}')
        return time(int(match.group(1)), int(match.group(2)))

    @field_validator("cca", mode="before")
    @classmethod
    def _cca(cls, value: object) -> object:
        if value is not None and not (isinstance(value, str) and NAME_PATTERN.match(value)):
            raise ValueError(f"must be a plain name, got {value!r}")
        return value

    @field_validator("notes", mode="before")
    @classmethod
    def _notes(cls, value: object) -> object:
        if not isinstance(value, str):
            raise ValueError("must be text")
        return value

    @field_validator("evidence", mode="before")
    @classmethod
    def _evidence(cls, value: object) -> object:
        if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and v.strip()
                for k, v in value.items()):
            raise ValueError("must map each fact (e.g. rate_names) to the non-empty text of "
                             "where it is published (repository, commit, path)")
        return value


KNOWN_KEYS = tuple(PricingFile.model_fields)


def parse_pricing_config(data: object, path: Path) -> tuple[PricingConfig | None,
                                                            list[ConfigProblem]]:
    """The config in `data` (read from `path`) and every problem found in it."""
    if not isinstance(data, dict):
        return None, [ConfigProblem(str(path), "(file)",
                                    "must be a YAML mapping of keys to values")]
    try:
        parsed = PricingFile.model_validate(data)
    except ValidationError as error:
        return None, validation_problems(error, path, KNOWN_KEYS)
    return PricingConfig(
        source_file=path, base_url=parsed.base_url, utility=parsed.utility,
        program=parsed.program, market=parsed.market, rate_names=parsed.rate_names,
        representative_circuits=parsed.representative_circuits,
        history_start=parsed.history_start, lookback_days=parsed.lookback_days,
        window_days=parsed.window_days, max_concurrency=parsed.max_concurrency,
        timezone=parsed.timezone, publish_time=parsed.publish_time, cca=parsed.cca,
        evidence=tuple(parsed.evidence.items()),
    ), []


def load_pricing_config_file(path: Path) -> tuple[PricingConfig | None, list[ConfigProblem]]:
    data, problems = read_yaml(path)
    if problems:
        return None, problems
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


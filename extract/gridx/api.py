"""One getPricing request for one (rate, circuit, window), judged and parsed into exact rows.

GridX answers "no data" and parameter errors with a 204 in one of two forms, and does not
document which: an HTTP 204 with no body, or an HTTP 200 whose `meta.code` is 204 with the
message in `meta.response`. Both end as a `WindowResult`: rows, an empty window (the period
has no prices yet) or a failure whose message names the rate, circuit, dates and GridX's words.

An answer is trusted only as far as it agrees with itself and with the request
(`check_intervals`): intervals of days not requested are left out (and said so); an interval
outside its own curve's startTime..endTime, off the interval grid, published twice with
different prices, or a local day with more or fewer intervals than its length (24, 23 or 25
hours; 96, 92 or 100 quarter hours) fails the window, and nothing of it is stored.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import httpx

from extract.gridx.config import PricingConfig
from extract.http import FetchError, HttpClient
from extract.jsontext import AnswerFormatError, parse_json_exact

# 204 messages that mean "nothing published for these days" rather than a bad request.
NO_DATA_MESSAGE = re.compile(r"not available for any of the time period|\bno data\b", re.I)
PRICE_SCALE = 6  # raw and marts store DECIMAL(12, 6)
PRICE_LIMIT = Decimal(10) ** (12 - PRICE_SCALE)
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


@dataclass(frozen=True)
class Window:
    """Consecutive local days of one (rate, circuit): what one request asks for."""

    rate_name: str
    circuit: str
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self, config: PricingConfig) -> str:
        cca = f" cca {config.cca}" if config.cca else ""
        return (f"{config.utility} {config.program}{cca} rate {self.rate_name} circuit "
                f"{self.circuit!r} {self.start.isoformat()}..{self.end.isoformat()}")


@dataclass
class WindowResult:
    window: Window
    status: str  # loaded | empty | failed
    rows: list[dict] = field(default_factory=list)
    message: str = ""
    notes: list[str] = field(default_factory=list)  # what was left out of a loaded window


class AnswerError(Exception):
    """The answer cannot be used; `retry` when another attempt may cure it (truncated body)."""

    def __init__(self, message: str, retry: bool = False):
        super().__init__(message)
        self.retry = retry


def request_params(config: PricingConfig, window: Window) -> dict[str, str]:
    """Query parameters in the documented form; httpx URL-encodes them (circuit names with
    spaces become `Eagle+Rock`)."""
    params = {
        "market": config.market,
        "program": config.program,
        "utility": config.utility,
        "ratename": window.rate_name,
        "representativeCircuitId": window.circuit,
        "startdate": window.start.strftime("%Y%m%d"),
        "enddate": window.end.strftime("%Y%m%d"),
    }
    if config.cca:
        params["cca"] = config.cca
    return params


def read_answer(response: httpx.Response) -> tuple[str, list[dict] | str]:
    """("data", entries) for prices, ("204", message) for a 204 in either form."""
    if response.status_code == 204:
        return "204", ""
    if response.status_code != 200:
        raise AnswerError(f"HTTP {response.status_code}: {response.text[:200].strip()}")
    try:
        payload = parse_json_exact(response.content, parse_float=Decimal)
    except AnswerFormatError as error:  # not UTF-8, a repeated key: a retry would not help
        raise AnswerError(str(error)) from error
    except ValueError as error:
        raise AnswerError(f"invalid or truncated JSON ({len(response.content)} bytes)",
                          retry=True) from error
    if not isinstance(payload, dict):
        raise AnswerError(f"expected a JSON object, got {type(payload).__name__}")
    meta = payload.get("meta") if isinstance(payload.get("meta"), dict) else {}
    code = meta.get("code", 200)
    message = str(meta.get("response") or "").strip()
    if code == 204 or str(code) == "204":
        return "204", message
    if str(code) != "200":
        raise AnswerError(f"meta.code {code}: {message or 'no message'}")
    data = payload.get("data")
    if data is None:
        return "data", []
    if not isinstance(data, list):
        raise AnswerError(f"`data` is a {type(data).__name__}, expected a list")
    return "data", data


def parse_price(value: object, where: str) -> Decimal:
    """A price string as an exact Decimal; refuses what DECIMAL(12, 6) would round or reject."""
    # JSON numbers are parsed as Decimal too (parse_float=Decimal): nothing goes via float.
    if not isinstance(value, str | int | Decimal) or isinstance(value, bool):
        raise AnswerError(f"{where}: price {value!r} is not a decimal string")
    try:
        price = Decimal(str(value).strip())
    except InvalidOperation as error:
        raise AnswerError(f"{where}: price {value!r} is not a decimal number") from error
    if not price.is_finite() or abs(price) >= PRICE_LIMIT:
        raise AnswerError(f"{where}: price {value!r} is out of range for DECIMAL(12, 6)")
    if price.as_tuple().exponent < -PRICE_SCALE and price != round(price, PRICE_SCALE):
        raise AnswerError(f"{where}: price {value!r} has more than {PRICE_SCALE} decimals "
                          "and would be rounded")
    return price


def parse_timestamp(value: object, where: str) -> datetime:
    if not isinstance(value, str):
        raise AnswerError(f"{where}: startIntervalTimeStamp {value!r} is not a string")
    try:
        parsed = datetime.strptime(value.strip(), TIMESTAMP_FORMAT)
    except ValueError as error:
        raise AnswerError(f"{where}: startIntervalTimeStamp {value!r} is not "
                          "YYYY-MM-DDTHH:MM:SS±HHMM") from error
    if parsed.tzinfo is None:
        raise AnswerError(f"{where}: startIntervalTimeStamp {value!r} has no UTC offset")
    return parsed


def day_minutes(day: date, zone: ZoneInfo) -> int:
    """Length of a local day: 1380 on a spring-forward day, 1500 on a fall-back day."""
    following = day + timedelta(days=1)
    # Aware datetimes sharing a tzinfo subtract as wall times: compare them in UTC.
    start = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
    end = datetime(following.year, following.month, following.day, tzinfo=zone).astimezone(UTC)
    return int((end - start).total_seconds() // 60)


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def _day_length(minutes: int, interval: int) -> str:
    unit = "hourly" if interval == 60 else f"{interval}-minute"
    hours = minutes // 60
    kind = {23: " (spring-forward day)", 25: " (fall-back day)"}.get(hours, "")
    return f"{minutes // interval} {unit} intervals: the day has {hours} hours{kind}"


def price_rows(config: PricingConfig, window: Window, entries: list[dict]) -> list[dict]:
    """Raw rows, one per interval, with the components nested (dlt makes them a child table).
    Every entry of `data` and every detail is read: GridX does not say whether a multi-day
    request returns one entry per day or one for all. Raises AnswerError for an answer that
    contradicts itself (see `check_intervals`, which the caller applies)."""
    rows = []
    for e, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise AnswerError(f"data[{e}] is not an object")
        header = entry.get("priceHeader") or {}
        details = entry.get("priceDetails") or []
        if not isinstance(header, dict) or not isinstance(details, list):
            raise AnswerError(f"data[{e}]: priceHeader must be an object and priceDetails a list")
        minutes = header.get("intervalLengthInMinutes")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
            raise AnswerError(f"data[{e}].priceHeader.intervalLengthInMinutes is {minutes!r}")
        count = header.get("recordCount")
        if count is not None and count != len(details):
            raise AnswerError(f"data[{e}]: recordCount says {count} intervals, priceDetails "
                              f"has {len(details)}")
        bounds = _curve_bounds(header, f"data[{e}].priceHeader")
        for d, detail in enumerate(details):
            where = f"data[{e}].priceDetails[{d}]"
            if not isinstance(detail, dict):
                raise AnswerError(f"{where} is not an object")
            components = detail.get("priceComponents") or []
            if not isinstance(components, list):
                raise AnswerError(f"{where}.priceComponents is not a list")
            start = parse_timestamp(detail.get("startIntervalTimeStamp"), where)
            if bounds and not bounds[0] <= start <= bounds[1]:
                raise AnswerError(
                    f"{where}: interval {detail['startIntervalTimeStamp'].strip()} lies outside "
                    f"its curve's startTime..endTime {header['startTime']}..{header['endTime']}")
            rows.append({
                "utility": config.utility,
                "program": config.program,
                "cca": config.cca or "",
                "rate_name": window.rate_name,
                "representative_circuit_id": window.circuit,
                "interval_start": start,
                "market": config.market,
                "price_curve_name": header.get("priceCurveName"),
                "market_name": header.get("marketName"),
                "interval_length_in_minutes": minutes,
                "settlement_currency": header.get("settlementCurrency"),
                "settlement_unit": header.get("settlementUnit"),
                "start_interval_timestamp": detail["startIntervalTimeStamp"].strip(),
                "interval_price": parse_price(detail.get("intervalPrice"), where),
                "price_status": detail.get("priceStatus"),
                "requested_start_date": window.start,
                "requested_end_date": window.end,
                "components": [_component(c, f"{where}.priceComponents[{i}]")
                               for i, c in enumerate(components)],
            })
    return rows


def _curve_bounds(header: dict, where: str) -> tuple[datetime, datetime] | None:
    """(startTime, endTime) of a curve, or None when the header does not give both."""
    if header.get("startTime") is None or header.get("endTime") is None:
        return None
    return (parse_timestamp(header["startTime"], f"{where}.startTime"),
            parse_timestamp(header["endTime"], f"{where}.endTime"))


def _same_interval(one: dict, other: dict) -> bool:
    def content(row: dict) -> tuple:
        return (row["interval_price"], row["price_status"],
                [(c["component"], c["price_type"], c["interval_price"])
                 for c in row["components"]])
    return content(one) == content(other)


def check_intervals(config: PricingConfig, window: Window,
                    rows: list[dict]) -> tuple[list[dict], list[str]]:
    """The rows to store and notes on what was left out; AnswerError when the answer cannot be
    trusted. Only intervals of the requested local days are kept; an interval published twice
    is kept once if both copies agree and fails the window if they do not; every local day
    must have exactly the intervals of its length, on the interval grid."""
    zone = config.zone
    notes: list[str] = []
    outside = sorted({r["interval_start"].astimezone(zone).date() for r in rows}
                     - {window.start + timedelta(days=i) for i in range(window.days)})
    if outside:
        kept = [r for r in rows if r["interval_start"].astimezone(zone).date() not in outside]
        notes.append(f"{len(rows) - len(kept)} intervals of days not requested "
                     f"({', '.join(d.isoformat() for d in outside)}) were not stored")
        rows = kept
    unique: dict[tuple[datetime, int], dict] = {}
    repeated = 0
    for row in rows:
        key = (row["interval_start"].astimezone(UTC), row["interval_length_in_minutes"])
        if key not in unique:
            unique[key] = row
        elif _same_interval(unique[key], row):
            repeated += 1
        else:
            first = unique[key]
            raise AnswerError(
                f"interval {row['start_interval_timestamp']} is published twice with different "
                f"contents (price {first['interval_price']} {first['price_status']} and "
                f"{row['interval_price']} {row['price_status']}); nothing of this window stored")
    if repeated:
        notes.append(f"{repeated} intervals published twice identically were stored once")
    days: dict[tuple[date, int], int] = {}
    for (moment, minutes), row in unique.items():
        day = moment.astimezone(zone).date()
        offset = (moment - _local_midnight(day, zone)).total_seconds() / 60
        if offset % minutes:
            raise AnswerError(f"interval {row['start_interval_timestamp']} does not start on the "
                              f"{minutes}-minute grid of its local day")
        days[(day, minutes)] = days.get((day, minutes), 0) + 1
    for (day, minutes), count in sorted(days.items()):
        length = day_minutes(day, zone)
        if count * minutes != length:
            raise AnswerError(f"local day {day.isoformat()} has {count} intervals of {minutes} "
                              f"minutes, expected {_day_length(length, minutes)}; nothing of "
                              "this window stored")
    return list(unique.values()), notes


def _component(component: object, where: str) -> dict:
    if not isinstance(component, dict) or not component.get("component"):
        raise AnswerError(f"{where} is not a component object with a name")
    return {
        "component": str(component["component"]),
        "price_type": component.get("priceType"),
        "interval_price": parse_price(component.get("intervalPrice"), where),
    }


def fetch_window(client: HttpClient, config: PricingConfig, window: Window,
                 published_until: date) -> WindowResult:
    """Request one window and judge the answer; never raises for a bad answer.

    `published_until` is the last day whose prices should be out by now: a body-less HTTP 204
    for a window entirely after it is an empty window; otherwise it is a failure, because that
    form does not say whether GridX had no data or rejected a parameter.
    """
    label = window.label(config)
    attempts = client.policy.attempts
    for attempt in range(1, attempts + 1):
        try:
            response = client.send(config.endpoint, request_params(config, window))
            kind, answer = read_answer(response)
            if kind == "204":
                return _judge_204(window, label, str(answer), published_until)
            rows, notes = check_intervals(config, window, price_rows(config, window, answer))
            notes = [f"{label}: {note}" for note in notes]
            if not rows:
                return WindowResult(window, "empty", message=f"{label}: no intervals",
                                    notes=notes)
            return WindowResult(window, "loaded", rows=rows, notes=notes)
        except FetchError as error:
            return WindowResult(window, "failed", message=f"{label}: {error}")
        except AnswerError as error:
            if not error.retry or attempt == attempts:
                suffix = f" after {attempt} attempts" if error.retry else ""
                return WindowResult(window, "failed", message=f"{label}: {error}{suffix}")
            time.sleep(client.policy.delay(attempt))
    raise AssertionError("unreachable")  # pragma: no cover


def _judge_204(window: Window, label: str, message: str,
               published_until: date) -> WindowResult:
    if message and NO_DATA_MESSAGE.search(message):
        return WindowResult(window, "empty", message=f"{label}: GridX 204: {message}")
    if not message and window.start > published_until:
        return WindowResult(window, "empty", message=f"{label}: HTTP 204 for days not "
                            "published yet")
    why = message or ("HTTP 204 No Content: GridX returned no prices and no reason (no data "
                      "for these days, or a rejected parameter)")
    return WindowResult(window, "failed", message=f"{label}: GridX 204: {why}")

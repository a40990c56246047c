"""A replica of GridX's getPricing (pe-api.gridx.com), for the demo and the tests.

It validates like the documented API and answers its documented 204 messages; prices are
generated, deterministic per (utility, rate, circuit, local day, interval), hourly on
America/Los_Angeles local days (23 intervals on spring-forward days, 25 on fall-back days), as
6-decimal strings whose components add up exactly to the interval price.

Choices where GridX documents nothing (switch them per test):
- `no_content`: "meta" answers 204s as HTTP 200 with meta.code 204 and the message in
  meta.response; "http" answers HTTP 204 with no body.
- Requests longer than `max_window_days` (14) are refused with a 204 message, not cut short.
- A non-DAM market is refused with a 204 message of our own wording.
- One `data` entry per local day (`one_entry_per_request=True`: one entry for the request).
- Prices for day D appear at 18:00 local time on D-1 as "Preliminary" and are "Final" from
  D 00:00 on; `revise_final_prices=True` makes the Final price differ from the Preliminary one.
- "Now" is `now` if set, else $HC_GRIDX_REPLICA_NOW (ISO 8601), else the real time.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from replicas.server import Request, Response

HOSTS = ("pe-api.gridx.com",)
ZONE = ZoneInfo("America/Los_Angeles")
FIRST_PRICE_DATE = date(2024, 6, 1)
PUBLISH_HOUR = 18
REQUEST_URL = "https://sce-api-prod.gridx.com/v1/getpricing"

MESSAGES = {
    "date_format": "The provided date format is invalid. Please use YYYY-MM-DD.",
    "start_empty": "Start date cannot be empty. Please provide a valid date.",
    "end_empty": "End date cannot be empty. Please provide a valid date.",
    "cca": "The specified CCA name does not exist. Please provide a valid CCA name.",
    "utility": "The specified utility or program name does not exist. Please provide a valid "
               "utility and program name.",
    "rate": "The provided rate code does not match the selected utility. Please provide a "
            "valid rate code.",
    "circuit": "The specified circuit ID is invalid or does not exist. Please provide a valid "
               "circuit ID.",
    "range": "Prices are available from 2024-06-01 through to a week from today's date. "
             "Please provide a valid start and end date.",
    # Not documented by GridX: wording of this replica.
    "no_data": "Data is not available for any of the time period requested.",
    "too_long": "Requests are limited to 14 days of prices. Please request at most two weeks "
                "at once.",
    "market": "The specified market does not exist. Only DAM is accepted.",
}

RATES = {
    "SCE": (
        "TOU-GS-1", "TOU-GS-2", "TOU-GS-3", "TOU-EV-9ST", "TOU-EV-9P", "TOU-EV-9S", "TOU-PRIME",
        "TOU-D-49", "TOU-D-58", "TOU-EV-8", "TOU-PA-2", "TOU-PA-3", "TOU-8ST", "TOU-8P",
        "TOU-8S",
    ),
}
CIRCUITS = {
    "SCE": (
        "Alamitos", "Antelope", "Bailey", "Barre", "Center", "Chino", "Del Amo", "Devers",
        "Eagle Rock", "El Casco", "El Nido", "Ellis", "Etiwanda", "Goleta", "Gould", "Hinson",
        "Johanna", "Kramer", "La Cienega", "La Fresa", "Laguna Bell", "Lighthipe", "Mesa",
        "Mira Loma", "Mirage", "Moorpark", "Olinda", "Padua", "Rector", "Rio Hondo",
        "San Bernardino", "Santa Clara", "Santiago", "Saugus", "Springville", "System",
        "Valley AB", "Valley EFG", "Vestal", "Victor", "Viejo", "Villa Park", "Vista 115",
        "Vista 66", "Walnut", "Windhub",
    ),
}
PROGRAMS = ("calfuse",)
CCAS: tuple[str, ...] = ()  # no CCA is known to the replica: any `cca` gets the CCA message

# Marginal energy cost shape by local hour (thousandths of a dollar): the duck curve.
MEC_BY_HOUR = (38, 36, 35, 35, 36, 40, 45, 42, 30, 22, 18, 16,
               15, 16, 20, 30, 55, 85, 95, 80, 60, 50, 45, 40)
PEAK_HOURS = range(16, 21)


def _draw(low: int, high: int, *key: object) -> int:
    """A deterministic integer in [low, high] for `key`."""
    digest = hashlib.blake2b("|".join(map(str, key)).encode(), digest_size=8).digest()
    return low + int.from_bytes(digest, "big") % (high - low + 1)


def micro_to_text(micro: int) -> str:
    """Micro-dollars as the API's 6-decimal string (exact: no float involved)."""
    sign = "-" if micro < 0 else ""
    return f"{sign}{abs(micro) // 1_000_000}.{abs(micro) % 1_000_000:06d}"


def voltage_class(rate: str) -> str:
    if rate.endswith("ST"):
        return "SUBTRANSMISSION"
    if rate.endswith("P") and not rate.endswith("PRIME"):
        return "PRIMARY"
    return "SECONDARY"


def local_intervals(day: date, minutes: int = 60) -> list[datetime]:
    """Interval starts of a local day, in local time: 23, 24 or 25 of them for hours."""
    start = datetime(day.year, day.month, day.day, tzinfo=ZONE).astimezone(UTC)
    following = day + timedelta(days=1)
    end = datetime(following.year, following.month, following.day, tzinfo=ZONE).astimezone(UTC)
    starts = []
    while start < end:
        starts.append(start.astimezone(ZONE))
        start += timedelta(minutes=minutes)
    return starts


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S%z")  # 2025-07-01T00:00:00-0700


def price_components(utility: str, rate: str, circuit: str, moment: datetime, index: int,
                     preliminary_bump: int = 0) -> list[tuple[str, str, int]]:
    """(component, priceType, micro-dollars) for one interval; the price is their sum."""
    hour = moment.hour
    key = (utility, rate, circuit, moment.date().isoformat(), index)
    peak = hour in PEAK_HOURS
    components = [
        ("abank", "distribution", _draw(9_000, 9_800, "abank", *key)),
        ("bbank", "distribution", _draw(8_000, 8_900, "bbank", *key)),
        ("circuitpricecurve", "distribution",
         _draw(2_000, 9_000, "circuit", utility, circuit) * (3 if peak else 1)
         + _draw(0, 900, "circuitpricecurve", *key)),
        ("mec", "generation",
         MEC_BY_HOUR[hour] * 1_000 + _draw(-8_000, 8_000, "mec", *key) + preliminary_bump),
        ("nbc", "nonbypassablecharge", _draw(30_000, 45_000, "nbc", utility, rate)),
        ("ppf", "generation", _draw(17_500, 20_500, "ppf", *key)),
        ("ramp", "generation",
         _draw(500, 3_000, "ramp", *key) if hour in (16, 17, 18) else _draw(20, 80, "ramp", *key)),
        ("transmissionpricecurve", "transmission", _draw(500, 800, "transmission", *key)),
    ]
    if peak:
        components.insert(6, ("peak", "generation", _draw(10_000, 40_000, "peak", *key)))
    return components


class GridXReplica:
    """Serves GET <base>/v1/getPricing for pe-api.gridx.com (any base path, e.g. /stage)."""

    def __init__(self, now: datetime | None = None, no_content: str = "meta",
                 revise_final_prices: bool = False, one_entry_per_request: bool = False,
                 max_window_days: int = 14):
        if no_content not in ("meta", "http"):
            raise ValueError("no_content must be 'meta' or 'http'")
        self.now = now
        self.no_content = no_content
        self.revise_final_prices = revise_final_prices
        self.one_entry_per_request = one_entry_per_request
        self.max_window_days = max_window_days

    def serves(self, host: str) -> bool:
        return host.lower() in HOSTS

    def current_time(self) -> datetime:
        if self.now is not None:
            return self.now
        configured = os.environ.get("HC_GRIDX_REPLICA_NOW", "").strip()
        return datetime.fromisoformat(configured) if configured else datetime.now(UTC)

    def local_now(self) -> datetime:
        return self.current_time().astimezone(ZONE)

    def last_published_day(self) -> date:
        local = self.local_now()
        return local.date() + timedelta(days=1 if local.hour >= PUBLISH_HOUR else 0)

    def price_status(self, day: date) -> str:
        return "Final" if day <= self.local_now().date() else "Preliminary"

    def handle(self, request: Request) -> Response:
        if not request.path.lower().endswith("/v1/getpricing"):
            return Response.json({"message": f"Not Found: {request.path}"}, status=404)
        if request.method not in ("GET", "POST"):
            return Response.json({"message": "Method Not Allowed"}, status=405)
        params = request.params
        problem, days = self.validate(params)
        if problem:
            return self.no_content_response(params, MESSAGES[problem])
        return Response.json(self.pricing(params, days))

    def validate(self, params: dict[str, str]) -> tuple[str | None, list[date]]:
        """The key of the first problem's message (None if fine) and the days with prices."""
        start_text = params.get("startdate", "").strip()
        end_text = params.get("enddate", "").strip()
        if not start_text:
            return "start_empty", []
        if not end_text:
            return "end_empty", []
        start, end = _parse_day(start_text), _parse_day(end_text)
        if start is None or end is None:
            return "date_format", []
        if params.get("cca") and params["cca"] not in CCAS:
            return "cca", []
        utility = params.get("utility", "").strip().upper()
        if utility not in RATES or params.get("program", "").strip().lower() not in PROGRAMS:
            return "utility", []
        if params.get("market", "").strip().upper() != "DAM":
            return "market", []
        if params.get("ratename", "") not in RATES[utility]:
            return "rate", []
        circuit = params.get("representativeCircuitId", params.get("representativeCircuit", ""))
        if circuit not in CIRCUITS[utility]:
            return "circuit", []
        week_ahead = self.local_now().date() + timedelta(days=7)
        if start < FIRST_PRICE_DATE or end > week_ahead or end < start:
            return "range", []
        if (end - start).days + 1 > self.max_window_days:
            return "too_long", []
        last = self.last_published_day()
        days = [start + timedelta(days=i) for i in range((min(end, last) - start).days + 1)]
        return (None, days) if days else ("no_data", [])

    def no_content_response(self, params: dict[str, str], message: str) -> Response:
        if self.no_content == "http":
            return Response(status=204, body=b"")
        return Response.json({"meta": self.meta(params, 204, message), "data": []})

    def meta(self, params: dict[str, str], code: int, message: str) -> dict:
        return {"code": code, "requestURL": REQUEST_URL,
                "requestBody": json.dumps(dict(sorted(params.items())), separators=(",", ":")),
                "response": message}

    def pricing(self, params: dict[str, str], days: list[date]) -> dict:
        utility = params["utility"].strip().upper()
        rate = params["ratename"]
        circuit = params.get("representativeCircuitId", params.get("representativeCircuit"))
        groups = [days] if self.one_entry_per_request else [[day] for day in days]
        data = []
        for group in groups:
            details = [detail for day in group for detail in self.day_details(
                utility, rate, circuit, day)]
            last_day = group[-1] + timedelta(days=1)
            end = datetime(last_day.year, last_day.month, last_day.day, tzinfo=ZONE)
            data.append({
                "priceHeader": {
                    "priceCurveName": f"{utility}-CalFUSE-{rate}-{voltage_class(rate)}",
                    "marketName": "CAISO-DAM",
                    "intervalLengthInMinutes": 60,
                    "settlementCurrency": "USD",
                    "settlementUnit": "kWh",
                    "startTime": stamp(local_intervals(group[0])[0]),
                    "endTime": stamp((end - timedelta(seconds=1)).astimezone(ZONE)),
                    "recordCount": len(details),
                },
                "priceDetails": details,
            })
        return {"meta": self.meta(params, 200, "Request succeeded"), "data": data}

    def day_details(self, utility: str, rate: str, circuit: str, day: date) -> list[dict]:
        status = self.price_status(day)
        bump = 2_500 if self.revise_final_prices and status == "Preliminary" else 0
        details = []
        for index, moment in enumerate(local_intervals(day)):
            components = price_components(utility, rate, circuit, moment, index, bump)
            details.append({
                "startIntervalTimeStamp": stamp(moment),
                "intervalPrice": micro_to_text(sum(micro for _, _, micro in components)),
                "priceStatus": status,
                "priceComponents": [
                    {"component": name, "intervalPrice": micro_to_text(micro),
                     "priceType": price_type}
                    for name, price_type, micro in components],
            })
        return details


def _parse_day(text: str) -> date | None:
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None

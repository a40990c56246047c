"""A replica of GridX's getPricing for SCE and PG&E, for the demo and the tests.

Built from what GridX publishes, never from our configs:
- The OpenAPI descriptions and trimmed response samples in github.com/grid-coordination/clj-gridx
  at commit 79fc975d6c961163739beeb7c86d7108eb1a9903, resources/gridx-pricing-spec/:
  `sce/openapi.yaml` + `sce/examples/sce-pricing-response-sample.json` (SCE) and
  `pge/openapi.yaml` + `pge/examples/pge-pricing-response-sample.json` (PG&E). They are
  "derived from the GridX developer documentation" (its ORIGIN.md).
- GridX's documentation page "(GET) Pricing SCE": the 204 messages, the two-week advice, the
  ~6 PM publication.
The facts are transcribed, with the place of each, in tests/gridx/gridx_published.yaml, and
tests/test_gridx_published.py ties this module's lists and answers to that record.

What the replica takes from them, per utility (`UTILITIES`):
- parameters: utility, market (DAM), program (CalFUSE), startdate, enddate (YYYYMMDD),
  ratename, representativeCircuitId (SCE: 46 substation names; PG&E: the 59 9-digit ids
  "confirmed available via the GridX API", text with leading zeros); PG&E's optional `cca`
  (PCE, AVA, SVCE, MCE, VCE, SJCE, 3CE, PIO; omitted for bundled service). SCE documents no
  `cca`, so any CCA there gets the CCA 204 message.
- rate names: SCE's 15, PG&E's 18.
- `meta`: code, requestURL (SCE's sample: https://sce-api-prod.gridx.com/v1/getpricing;
  PG&E's: https://pe-api.gridx.com/stage/v1/getpricing; null on a 204, which the description
  allows: "May be null on error"), requestBody (the parameters as a compact JSON string with
  sorted keys, as in both samples), response ("Request succeeded").
- `priceHeader`: priceCurveName `<UTILITY>-CalFUSE-<rate>-<voltage class>`, marketName
  CAISO-DAM, intervalLengthInMinutes (15 or 60), USD, kWh, startTime/endTime of the local day
  (endTime 23:59:59 with the offset of that moment), recordCount; one `data` entry per day
  ("Each day in the range produces one entry in the data array").
- components, in the samples' order, adding up exactly to intervalPrice: SCE abank, bbank,
  circuitpricecurve (distribution), mec (generation), nbc (nonbypassablecharge), ppf, ramp
  (generation), transmissionpricecurve (transmission); PG&E cld (distribution), mec, mgcc
  (generation): "The sum of these three components equals the total interval price."
- first day with prices: SCE 2025-07-01 ("Historical prices available from July 1, 2025"),
  PG&E 2024-06-01 ("Earliest available is 20240601"). Before 2024-06-01 or after a week from
  today: the documented range message; SCE days between 2024-06-01 and 2025-06-30 have none.
- publication: SCE's next day at 18:00 Pacific ("~6 PM"); PG&E's "posted daily at ~4:30 PM
  PST (day-ahead and week-ahead forecasts) and finalized at ~6:30 PM PST".
- the documented samples themselves: a request for a sample's (utility, rate, circuit, day)
  answers the sample's intervals with its exact decimals at its timestamps.

Prices other than the samples' are generated, deterministic per (utility, cca, rate, circuit,
local day, interval, interval length), on America/Los_Angeles local days (23, 24 or 25 hours;
92, 96 or 100 quarter hours), as 6-decimal strings. PG&E's mec goes below zero at spring
middays ("negative price hours").

Choices where GridX documents nothing (switch them per test):
- `no_content`: "meta" answers 204s as HTTP 200 with meta.code 204 and the message in
  meta.response; "http" answers HTTP 204 with no body.
- Requests longer than `max_window_days` (14) are refused with a 204 message of our own wording,
  not cut short; so are a non-DAM market and a period with no data at all.
- `one_entry_per_request=True`: one `data` entry for the whole request.
- Status: a day is "Final" once it has begun (SCE) or from 18:30 the evening before (PG&E);
  before that it is "Preliminary" (PG&E lists only Final, SCE Final and Preliminary).
  `revise_final_prices=True` makes a Final price differ from the Preliminary one.
- Interval length: 60 minutes, except for the (utility, rate) pairs in `quarter_hour_rates`
  (no request parameter selects it; "15 for AMI-enabled" meters).
- Both hosts (pe-api.gridx.com, pge-pe-api.gridx.com) serve both utilities, under any base path
  (/v1, /stage/v1).
- Faults for the trust tests: `faults` holds names from `ANSWER_FAULTS` (an interval of the
  day after, duplicates, a missing hour...), applied to every day answered.
- "Now" is `now` if set, else $HC_GRIDX_REPLICA_NOW (ISO 8601), else the real time.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from replicas.server import Request, Response

HOSTS = ("pe-api.gridx.com", "pge-pe-api.gridx.com")
ZONE = ZoneInfo("America/Los_Angeles")
FIRST_PRICE_DATE = date(2024, 6, 1)  # the range message: "available from 2024-06-01"
WEEK_AHEAD_DAYS = 7  # "...through to a week from today's date"

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


@dataclass(frozen=True)
class UtilityFacts:
    """What GridX publishes about one utility's getPricing (see the module docstring)."""

    utility: str
    rates: tuple[str, ...]
    circuits: tuple[str, ...]
    ccas: tuple[str, ...]
    components: tuple[tuple[str, str], ...]  # (component, priceType), in published order
    first_day: date
    request_url: str  # meta.requestURL of the sample
    preliminary_from: time  # local time tomorrow's prices appear (as Preliminary)
    final_from: time | None  # local time tomorrow's prices turn Final (None: when it begins)
    days_ahead: int  # days after tomorrow with forecast prices
    # The published sample: (rate, circuit, day, ((startIntervalTimeStamp, intervalPrice,
    # (component prices in `components` order)), ...)).
    sample: tuple[str, str, date, tuple[tuple[str, str, tuple[str, ...]], ...]]


UTILITIES = {
    "SCE": UtilityFacts(
        utility="SCE",
        rates=(
            "TOU-GS-1", "TOU-GS-2", "TOU-GS-3", "TOU-EV-9ST", "TOU-EV-9P", "TOU-EV-9S",
            "TOU-PRIME", "TOU-D-49", "TOU-D-58", "TOU-EV-8", "TOU-PA-2", "TOU-PA-3", "TOU-8ST",
            "TOU-8P", "TOU-8S",
        ),
        circuits=(
            "Alamitos", "Antelope", "Bailey", "Barre", "Center", "Chino", "Del Amo", "Devers",
            "Eagle Rock", "El Casco", "El Nido", "Ellis", "Etiwanda", "Goleta", "Gould",
            "Hinson", "Johanna", "Kramer", "La Cienega", "La Fresa", "Laguna Bell", "Lighthipe",
            "Mesa", "Mira Loma", "Mirage", "Moorpark", "Olinda", "Padua", "Rector", "Rio Hondo",
            "San Bernardino", "Santa Clara", "Santiago", "Saugus", "Springville", "System",
            "Valley AB", "Valley EFG", "Vestal", "Victor", "Viejo", "Villa Park", "Vista 115",
            "Vista 66", "Walnut", "Windhub",
        ),
        ccas=(),
        components=(
            ("abank", "distribution"), ("bbank", "distribution"),
            ("circuitpricecurve", "distribution"), ("mec", "generation"),
            ("nbc", "nonbypassablecharge"), ("ppf", "generation"), ("ramp", "generation"),
            ("transmissionpricecurve", "transmission"),
        ),
        first_day=date(2025, 7, 1),
        request_url="https://sce-api-prod.gridx.com/v1/getpricing",
        preliminary_from=time(18, 0),
        final_from=None,
        days_ahead=0,
        sample=("TOU-EV-9S", "System", date(2025, 7, 1), (
            ("2025-07-01T00:00:00-0700", "0.139976", (
                "0.009422", "0.008459", "0.006268", "0.054316", "0.041390", "0.019446",
                "0.000044", "0.000631")),
            ("2025-07-01T12:00:00-0700", "0.098432", (
                "0.007211", "0.006543", "0.004812", "0.038921", "0.029876", "0.010234",
                "0.000204", "0.000631")),
        )),
    ),
    "PGE": UtilityFacts(
        utility="PGE",
        rates=(
            "AG-A1", "AG-A2", "AGBP", "AGBS", "AGCP", "AGCS", "B6", "B10P", "B10S", "B19P",
            "B19S", "B20P", "B20S", "EELEC", "BEV1", "BEV2P", "BEV2S", "EV2AS",
        ),
        circuits=(
            "012041131", "012640401", "013532223", "013921103", "014052103", "014321101",
            "014592108", "022011162", "024011104", "024040403", "024091102", "024101103",
            "024131103", "042211101", "042450414", "042571101", "042891102", "082031112",
            "082831109", "082952113", "083182102", "083371113", "083611114", "083771102",
            "083892102", "102841106", "103081106", "103351101", "152442109", "152561107",
            "152701109", "162611702", "162611703", "162611704", "162991101", "163121106",
            "163191711", "163191714", "163251101", "163722110", "163912104", "182191101",
            "182381104", "182492104", "183052109", "252051104", "252051114", "252062112",
            "252281111", "252711104", "252802101", "253611106", "253882109", "253911102",
            "254081104", "254091104", "254411105", "254452101", "254572101",
        ),
        ccas=("PCE", "AVA", "SVCE", "MCE", "VCE", "SJCE", "3CE", "PIO"),
        components=(("cld", "distribution"), ("mec", "generation"), ("mgcc", "generation")),
        first_day=date(2024, 6, 1),
        request_url="https://pe-api.gridx.com/stage/v1/getpricing",
        preliminary_from=time(16, 30),
        final_from=time(18, 30),
        days_ahead=WEEK_AHEAD_DAYS - 1,
        sample=("EELEC", "013532223", date(2025, 3, 1), (
            ("2025-03-01T00:00:00-0800", "0.053046", ("0.000482", "0.052564", "0.000000")),
            ("2025-03-01T08:00:00-0800", "0.058432", ("0.001141", "0.057291", "0.000000")),
            ("2025-03-01T17:00:00-0800", "0.082979", ("0.002016", "0.080963", "0.000000")),
            ("2025-03-01T23:00:00-0800", "0.059126", ("0.000587", "0.058539", "0.000000")),
        )),
    ),
}
PROGRAMS = ("calfuse",)

# Hostile answers for the trust tests (issue 12): what each does to every day's details.
ANSWER_FAULTS = (
    "spill_next_day",  # 6 more hourly intervals of the following day in the day's entry
    "previous_day",  # an extra entry for the day before the window
    "duplicate_same",  # the day's first interval twice, identical
    "duplicate_different",  # the day's first interval twice, the copy 0.01 dearer
    "missing_hour",  # the day's last interval left out (recordCount agrees)
)

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


def text_to_micro(text: str) -> int:
    whole, _, fraction = text.lstrip("-").partition(".")
    micro = int(whole) * 1_000_000 + int(fraction.ljust(6, "0"))
    return -micro if text.startswith("-") else micro


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


def sce_components(key: tuple, circuit: str, rate: str, hour: int,
                   bump: int) -> list[int]:
    peak = hour in PEAK_HOURS
    return [
        _draw(9_000, 9_800, "abank", *key),
        _draw(8_000, 8_900, "bbank", *key),
        _draw(2_000, 9_000, "circuit", "SCE", circuit) * (3 if peak else 1)
        + _draw(0, 900, "circuitpricecurve", *key),
        MEC_BY_HOUR[hour] * 1_000 + _draw(-8_000, 8_000, "mec", *key) + bump,
        _draw(30_000, 45_000, "nbc", "SCE", rate),
        _draw(17_500, 20_500, "ppf", *key),
        _draw(500, 3_000, "ramp", *key) if hour in (16, 17, 18) else _draw(20, 80, "ramp", *key),
        _draw(500, 800, "transmission", *key),
    ]


def pge_components(key: tuple, circuit: str, moment: datetime, bump: int) -> list[int]:
    hour = moment.hour
    spring_midday = moment.month in (3, 4, 5) and 10 <= hour <= 14
    mec = (_draw(-12_000, 15_000, "mec", *key) if spring_midday
           else MEC_BY_HOUR[hour] * 900 + _draw(-6_000, 6_000, "mec", *key))
    summer_evening = moment.month in (7, 8, 9) and hour in PEAK_HOURS
    return [
        _draw(300, 700, "cld", *key) * (3 if hour in PEAK_HOURS else 1)
        + _draw(0, 400, "cld-circuit", "PGE", circuit),
        mec + bump,
        _draw(5_000, 60_000, "mgcc", *key) if summer_evening else 0,
    ]


def price_components(utility: str, rate: str, circuit: str, moment: datetime, index: int,
                     bump: int = 0, cca: str = "", minutes: int = 60) -> list[tuple[str, str, int]]:
    """(component, priceType, micro-dollars) for one interval; the price is their sum."""
    key: tuple = (utility, rate, circuit, moment.date().isoformat(), index)
    if cca:
        key += (cca,)
    if minutes != 60:
        key += (minutes,)
    if utility == "SCE":
        micros = sce_components(key, circuit, rate, moment.hour, bump)
    else:
        micros = pge_components(key, circuit, moment, bump)
    return [(name, kind, micro)
            for (name, kind), micro in zip(UTILITIES[utility].components, micros, strict=True)]


class GridXReplica:
    """Serves GET <base>/v1/getPricing for SCE and PG&E on GridX's hosts."""

    def __init__(self, now: datetime | None = None, no_content: str = "meta",
                 revise_final_prices: bool = False, one_entry_per_request: bool = False,
                 max_window_days: int = 14,
                 quarter_hour_rates: frozenset[tuple[str, str]] = frozenset(),
                 faults: tuple[str, ...] = ()):
        if no_content not in ("meta", "http"):
            raise ValueError("no_content must be 'meta' or 'http'")
        unknown = set(faults) - set(ANSWER_FAULTS)
        if unknown:
            raise ValueError(f"unknown answer faults {sorted(unknown)}; known: {ANSWER_FAULTS}")
        self.now = now
        self.no_content = no_content
        self.revise_final_prices = revise_final_prices
        self.one_entry_per_request = one_entry_per_request
        self.max_window_days = max_window_days
        self.quarter_hour_rates = frozenset(quarter_hour_rates)
        self.faults = tuple(faults)

    def serves(self, host: str) -> bool:
        return host.lower() in HOSTS

    def current_time(self) -> datetime:
        if self.now is not None:
            return self.now
        configured = os.environ.get("HC_GRIDX_REPLICA_NOW", "").strip()
        return datetime.fromisoformat(configured) if configured else datetime.now(UTC)

    def local_now(self) -> datetime:
        return self.current_time().astimezone(ZONE)

    def last_published_day(self, utility: str = "SCE") -> date:
        facts = UTILITIES[utility]
        local = self.local_now()
        tomorrow_out = local.time() >= facts.preliminary_from
        return local.date() + timedelta(days=facts.days_ahead + (1 if tomorrow_out else 0))

    def price_status(self, day: date, utility: str = "SCE") -> str:
        facts = UTILITIES[utility]
        local = self.local_now()
        if day <= local.date():
            return "Final"
        if (facts.final_from is not None and day == local.date() + timedelta(days=1)
                and local.time() >= facts.final_from):
            return "Final"
        return "Preliminary"

    def interval_minutes(self, utility: str, rate: str) -> int:
        return 15 if (utility, rate) in self.quarter_hour_rates else 60

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
        utility = params.get("utility", "").strip().upper()
        facts = UTILITIES.get(utility)
        if params.get("cca") and (facts is None or params["cca"] not in facts.ccas):
            return "cca", []
        if facts is None or params.get("program", "").strip().lower() not in PROGRAMS:
            return "utility", []
        if params.get("market", "").strip().upper() != "DAM":
            return "market", []
        if params.get("ratename", "") not in facts.rates:
            return "rate", []
        if self.circuit(params) not in facts.circuits:
            return "circuit", []
        week_ahead = self.local_now().date() + timedelta(days=WEEK_AHEAD_DAYS)
        if start < FIRST_PRICE_DATE or end > week_ahead or end < start:
            return "range", []
        if (end - start).days + 1 > self.max_window_days:
            return "too_long", []
        first = max(start, facts.first_day)
        last = min(end, self.last_published_day(utility))
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        return (None, days) if days else ("no_data", [])

    @staticmethod
    def circuit(params: dict[str, str]) -> str:
        return params.get("representativeCircuitId", params.get("representativeCircuit", ""))

    def no_content_response(self, params: dict[str, str], message: str) -> Response:
        if self.no_content == "http":
            return Response(status=204, body=b"")
        return Response.json({"meta": self.meta(params, 204, message), "data": []})

    def meta(self, params: dict[str, str], code: int, message: str) -> dict:
        facts = UTILITIES.get(params.get("utility", "").strip().upper())
        url = facts.request_url if facts is not None and code == 200 else None
        return {"code": code, "requestURL": url,
                "requestBody": json.dumps(dict(sorted(params.items())), separators=(",", ":")),
                "response": message}

    def pricing(self, params: dict[str, str], days: list[date]) -> dict:
        utility = params["utility"].strip().upper()
        rate, circuit, cca = params["ratename"], self.circuit(params), params.get("cca", "")
        minutes = self.interval_minutes(utility, rate)
        if "previous_day" in self.faults:
            days = [days[0] - timedelta(days=1), *days]
        groups = [days] if self.one_entry_per_request else [[day] for day in days]
        data = []
        for group in groups:
            details = [detail for day in group for detail in self.faulty(self.day_details(
                utility, rate, circuit, day, cca=cca, minutes=minutes), day, utility, rate,
                circuit, cca, minutes)]
            last_day = group[-1] + timedelta(days=1)
            end = datetime(last_day.year, last_day.month, last_day.day, tzinfo=ZONE)
            data.append({
                "priceHeader": {
                    "priceCurveName": f"{utility}-CalFUSE-{rate}-{voltage_class(rate)}",
                    "marketName": "CAISO-DAM",
                    "intervalLengthInMinutes": minutes,
                    "settlementCurrency": "USD",
                    "settlementUnit": "kWh",
                    "startTime": stamp(local_intervals(group[0])[0]),
                    "endTime": stamp((end - timedelta(seconds=1)).astimezone(ZONE)),
                    "recordCount": len(details),
                },
                "priceDetails": details,
            })
        return {"meta": self.meta(params, 200, "Request succeeded"), "data": data}

    def faulty(self, details: list[dict], day: date, utility: str, rate: str, circuit: str,
               cca: str, minutes: int) -> list[dict]:
        """The day's details with this replica's answer faults applied."""
        if "spill_next_day" in self.faults:
            following = self.day_details(utility, rate, circuit, day + timedelta(days=1),
                                         cca=cca, minutes=minutes)
            details = details + following[: 6 * 60 // minutes]
        if "duplicate_same" in self.faults:
            details = [details[0], *details]
        if "duplicate_different" in self.faults:
            copy = json.loads(json.dumps(details[0]))
            copy["intervalPrice"] = micro_to_text(text_to_micro(copy["intervalPrice"]) + 10_000)
            first = copy["priceComponents"][0]
            first["intervalPrice"] = micro_to_text(text_to_micro(first["intervalPrice"]) + 10_000)
            details = [details[0], copy, *details[1:]]
        if "missing_hour" in self.faults:
            details = details[:-1]
        return details

    def day_details(self, utility: str, rate: str, circuit: str, day: date, cca: str = "",
                    minutes: int = 60) -> list[dict]:
        facts = UTILITIES[utility]
        status = self.price_status(day, utility)
        bump = 2_500 if self.revise_final_prices and status == "Preliminary" else 0
        documented = {}
        if (rate, circuit, day) == facts.sample[:3] and not cca and minutes == 60:
            documented = {start: (price, parts) for start, price, parts in facts.sample[3]}
        details = []
        for index, moment in enumerate(local_intervals(day, minutes)):
            components = price_components(utility, rate, circuit, moment, index, bump, cca,
                                          minutes)
            price = micro_to_text(sum(micro for _, _, micro in components))
            texts = [micro_to_text(micro) for _, _, micro in components]
            if stamp(moment) in documented:
                price, texts = documented[stamp(moment)][0], list(documented[stamp(moment)][1])
            details.append({
                "startIntervalTimeStamp": stamp(moment),
                "intervalPrice": price,
                "priceStatus": status,
                "priceComponents": [
                    {"component": name, "intervalPrice": text, "priceType": price_type}
                    for (name, price_type, _), text in zip(components, texts, strict=True)],
            })
        return details


def _parse_day(text: str) -> date | None:
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None

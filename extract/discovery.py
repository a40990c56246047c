"""Finding a layer's current service, and drafting a config from what the server lists.

Some utilities rename their service every quarter (ComEd: `..._MAR2026`) or month (Xcel:
`..._Popup_Layer_March_2026`). A config keeps the last known URL plus a pattern; before each
extract `resolve_service_url` finds the newest service that exists, so a rename does not
need a config change. `discover` prints what a server has (layers, fields, types, aliases)
and a draft `field_map`, for writing or repairing a config with
`python -m extract hosting-capacity --utility X --discover`.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass, replace

import yaml

from extract.config import CANONICAL_FIELDS, CAPACITY_FIELDS, LayerConfig, UtilityConfig
from extract.http import FetchError, HttpClient
from extract.jsontext import AnswerFormatError, parse_json

MONTH_ABBREVIATIONS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
# Quarterly names carry the quarter's last month (ComEd_PV_Hosting_Capacity_JUN2024, _MAR2026).
QUARTER_END_MONTHS = (3, 6, 9, 12)
QUARTERS_TO_TRY = 8  # two years: a utility that skipped a few quarters is still found
MAX_FOLDERS_TO_SCAN = 50

SERVICE_URL = re.compile(r"^(?P<root>.+/rest/services)/(?P<name>.+?)/"
                         r"(?P<type>FeatureServer|MapServer)/?$")
MONTH_NUMBERS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11,
    "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
# A month name or abbreviation, an optional day, a year: March_2026, MAR2026, APR272018.
MONTH_YEAR = re.compile(
    r"(?<![a-z])(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?"
    r"|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
    r"[_\-\s]?(?:\d{1,2}[_\-\s]?)??(?P<year>(?:19|20)\d{2})(?!\d)", re.IGNORECASE)
# Numeric dates: 2026_03, 202603, 2026-03-15.
YEAR_MONTH = re.compile(r"(?<!\d)(?P<year>(?:19|20)\d{2})[_\-]?(?P<month>0[1-9]|1[0-2])"
                        r"(?:[_\-]?\d{2})?(?!\d)")
# Month first, as ComEd names March 2026: ComEd_EV_Load_Capacity_032026.
MONTH_FIRST = re.compile(r"(?<![\d])(?P<month>0[1-9]|1[0-2])[_\-]?(?P<year>(?:19|20)\d{2})(?!\d)")


class DiscoveryError(FetchError):
    """No usable service was found. A FetchError, so callers fail just that utility."""


@dataclass(frozen=True)
class ServiceAddress:
    """https://host/.../rest/services/<Folder/>Name/FeatureServer, split into its parts."""

    root: str  # .../rest/services
    name: str  # Name, or Folder/Name
    type: str  # FeatureServer or MapServer

    @classmethod
    def parse(cls, url: str, who: str) -> ServiceAddress:
        match = SERVICE_URL.match(url or "")
        if not match:
            raise DiscoveryError(f"{who}: service_url {url!r} is not an ArcGIS service URL "
                                 "(.../rest/services/<name>/FeatureServer or MapServer)")
        return cls(match["root"], match["name"], match["type"])

    @property
    def url(self) -> str:
        return f"{self.root}/{self.name}/{self.type}"

    @property
    def folder_prefix(self) -> str:
        folder, _, _ = self.name.rpartition("/")
        return f"{folder}/" if folder else ""

    def renamed(self, name: str) -> ServiceAddress:
        return replace(self, name=name)


def layer_label(utility: UtilityConfig, layer: LayerConfig) -> str:
    return f"{utility.utility_code}/{layer.name}"


# --- resolving the current service URL ----------------------------------------------------


def resolve_service_url(utility: UtilityConfig, layer: LayerConfig, client: HttpClient,
                        today: datetime.date) -> str:
    """The URL of the service to extract `layer` from today."""
    method = layer.url_discovery_method
    if method == "static":
        return layer.service_url
    if method == "quarterly_name":
        return newest_quarterly_service(utility, layer, client, today)
    if method == "catalog_scan":
        return newest_catalog_service(utility, layer, client)
    raise DiscoveryError(f"{layer_label(utility, layer)}: unknown url_discovery_method "
                         f"{method!r}")


def quarter_names(pattern: str, today: datetime.date, count: int = QUARTERS_TO_TRY) -> list[str]:
    """This quarter's service name, then earlier quarters', newest first."""
    year, month = today.year, QUARTER_END_MONTHS[(today.month - 1) // 3]
    names = []
    for _ in range(count):
        names.append(pattern.format(month=MONTH_ABBREVIATIONS[month - 1], year=year))
        month, year = (month - 3, year) if month > 3 else (month + 9, year - 1)
    return names


def probe_service(client: HttpClient, url: str) -> str | None:
    """None when `url` answers as an ArcGIS service, else why not. Uses `send`, which gives
    back 4xx answers: a missing name must cost one request, not a round of retries. A
    server that cannot be reached at all raises FetchError: other names would not help."""
    response = client.send(url, {"f": "json"})
    if response.status_code >= 400:
        return f"HTTP {response.status_code}"
    try:
        payload = parse_json(response.content)
    except AnswerFormatError as error:
        return str(error)
    except ValueError:
        return "not JSON"
    if not isinstance(payload, dict):
        return "not a JSON object"
    error = payload.get("error")
    if error:
        code = error.get("code") if isinstance(error, dict) else None
        return f"ArcGIS error {code}" if code is not None else "ArcGIS error"
    return None


def newest_quarterly_service(utility: UtilityConfig, layer: LayerConfig, client: HttpClient,
                             today: datetime.date) -> str:
    who = layer_label(utility, layer)
    address = ServiceAddress.parse(layer.service_url, who)
    # The last known name goes last: it still works when the clock lags the publisher.
    names = quarter_names(layer.url_pattern or "", today)
    last_known = address.name.rpartition("/")[2]
    tried = []
    for name in names + ([last_known] if last_known not in names else []):
        candidate = address.renamed(address.folder_prefix + name)
        why_not = probe_service(client, candidate.url)
        if why_not is None:
            return candidate.url
        tried.append(f"{name} ({why_not})")
    raise DiscoveryError(
        f"{who}: no quarterly service found under {address.root} for pattern "
        f"{layer.url_pattern!r}; tried {', '.join(tried)}. Look the current name up in "
        f"{address.root}?f=json and update service_url in {utility.source_file.name}")


def service_date(name: str) -> tuple[int, int] | None:
    """(year, month) written in a service name, e.g. March_2026, Feb_2026, MAR2026, 2026_03."""
    matches = [(int(m["year"]), MONTH_NUMBERS[m["month"].lower()])
               for m in MONTH_YEAR.finditer(name)]
    matches += [(int(m["year"]), int(m["month"])) for m in YEAR_MONTH.finditer(name)]
    if not matches:
        matches = [(int(m["year"]), int(m["month"])) for m in MONTH_FIRST.finditer(name)]
    return max(matches) if matches else None


def newest_first_key(name: str) -> tuple:
    """Dated names rank by date (name as tie-break), above undated names, which rank by name."""
    date = service_date(name)
    return (1, *date, name) if date else (0, 0, 0, name)


def list_services(client: HttpClient, url: str) -> tuple[list[dict], list[str]]:
    """The services and folders of one services-directory page."""
    listing = client.get_json(url, {"f": "json"})
    services = [s for s in listing.get("services") or [] if isinstance(s, dict)]
    folders = [f for f in listing.get("folders") or [] if isinstance(f, str)]
    return services, folders


def matching_services(client: HttpClient, address: ServiceAddress,
                      pattern: re.Pattern) -> tuple[list[str], list[str]]:
    """Names of services of the same type whose own name (without folder) matches, and every
    name seen. Folders are listed only when the root has no match: most hosted orgs have none."""
    def matches(services: list[dict]) -> list[str]:
        return [s["name"] for s in services if s.get("type") == address.type
                and isinstance(s.get("name"), str)
                and pattern.search(s["name"].rpartition("/")[2])]

    services, folders = list_services(client, address.root)
    seen = [str(s.get("name")) for s in services]
    found = matches(services)
    for folder in folders[:MAX_FOLDERS_TO_SCAN] if not found else []:
        folder_services, _ = list_services(client, f"{address.root}/{folder}")
        seen += [str(s.get("name")) for s in folder_services]
        found += matches(folder_services)
    return found, seen


def newest_catalog_service(utility: UtilityConfig, layer: LayerConfig,
                           client: HttpClient) -> str:
    who = layer_label(utility, layer)
    address = ServiceAddress.parse(layer.service_url, who)
    pattern = re.compile(layer.url_pattern or "")
    found, seen = matching_services(client, address, pattern)
    if not found:
        shown = ", ".join(sorted(seen)[:30]) + (" ..." if len(seen) > 30 else "")
        raise DiscoveryError(
            f"{who}: no {address.type} in {address.root} matches url_pattern "
            f"{layer.url_pattern!r}; services listed: {shown or 'none'}. Fix url_pattern in "
            f"{utility.source_file.name}")
    return address.renamed(max(found, key=newest_first_key)).url


# --- drafting a field_map ------------------------------------------------------------------

SKIPPED_TYPES = {"esriFieldTypeOID", "esriFieldTypeGlobalID", "esriFieldTypeGeometry",
                 "esriFieldTypeBlob", "esriFieldTypeRaster", "esriFieldTypeXML",
                 "esriFieldTypeGUID"}
SKIPPED_NAMES = re.compile(r"^(shape|objectid|fid|globalid)(_.*)?$", re.IGNORECASE)
EDITOR_FIELDS = re.compile(r"edit|creat", re.IGNORECASE)  # editor tracking, not data vintage
UNIT_WORDS = {"kw": "kw", "kva": "kw", "mw": "mw", "mva": "mw"}
CAMEL_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


class FieldWords:
    """The words of a field's name and alias, for matching: HostingCap_kW -> hosting, cap, kw."""

    def __init__(self, field: dict):
        texts = [str(field.get("name") or ""), str(field.get("alias") or "")]
        self.tokens: set[str] = set()
        for part in re.split(r"[^A-Za-z0-9]+", " ".join(texts)):
            if part.lower() in UNIT_WORDS:
                self.tokens.add(part.lower())  # kW would otherwise split into k, w
            elif part:
                self.tokens.update(w.lower() for w in CAMEL_WORDS.findall(part))
        # Names without separators (feederid, NUMPHASES) are matched inside the whole text.
        self.compact = " ".join(re.sub(r"[^a-z0-9]", "", t.lower()) for t in texts)
        self.count = len(self.tokens)

    def exact(self, *words: str) -> bool:
        return any(w in self.tokens for w in words)

    def prefix(self, *stems: str) -> bool:
        return any(t.startswith(s) for t in self.tokens for s in stems) or any(
            s in self.compact for s in stems if len(s) >= 5)

    def unit(self) -> str | None:
        units = [UNIT_WORDS[t] for t in self.tokens if t in UNIT_WORDS]
        return units[0] if units else None


def hosting_hint(w: FieldWords) -> bool:
    return (w.exact("hc", "ica", "cap", "pv") or w.prefix("hosting", "capac", "allow", "rating")
            or any(t.endswith("ica") for t in w.tokens))


def is_quantity(w: FieldWords) -> bool:
    """Names of measured values: such a field is never a feeder or substation identifier."""
    return bool(hosting_hint(w) or w.unit() or w.exact("dg", "der", "gen", "kv", "amps")
                or w.prefix("peak", "load", "volt", "headroom", "remain", "avail", "queue",
                            "exist", "install"))


def attribute_scores(w: FieldWords) -> dict[str, float]:
    scores = {}
    if w.prefix("limit", "constrain", "criteri", "violat") and not w.unit():
        scores["constraining_metric"] = 3.0
    if w.prefix("volt") or w.exact("kv"):
        scores["voltage_kv"] = 3.0
    if w.prefix("phase"):
        scores["phase_config"] = 3.0
    if w.prefix("overhead", "underground", "construct") or w.exact("oh", "ug"):
        scores["is_overhead"] = 3.0
    if w.prefix("network", "radial"):
        scores["is_network"] = 3.0
    return scores


def capacity_scores(w: FieldWords) -> dict[str, float]:
    hinted = hosting_hint(w) or bool(w.unit())
    bonus = 0.5 if hinted else 0.0
    scores = {}
    if w.prefix("remain", "headroom", "avail"):
        scores["remaining_capacity_mw"] = 3.0 + bonus
    if w.prefix("queue", "pending", "planned", "proposed"):
        scores["queued_dg_mw"] = 3.0 + bonus
    generation = hinted or w.exact("gen", "dg", "der", "ipp") or w.prefix("generat")
    if generation and (w.prefix("exist", "install", "connected", "interconn", "active")
                       or w.exact("conn")):
        scores["installed_dg_mw"] = 3.0 + bonus
    if generation and not w.prefix("constrain", "limit", "criteri"):
        if w.exact("min") or w.prefix("minimum", "strict"):
            scores["hosting_capacity_min_mw"] = 3.0
        if w.exact("max") or w.prefix("maximum"):
            scores["hosting_capacity_max_mw"] = 3.0
    if hosting_hint(w):
        scores["hosting_capacity_mw"] = 2.0 + (0.5 if w.unit() else 0.0)
    return scores


def identity_scores(w: FieldWords) -> dict[str, float]:
    if is_quantity(w):
        return {}
    named = w.exact("name") or w.prefix("display", "desc")
    if w.prefix("subst", "station") or w.exact("sub", "subs"):
        return {"substation_name": 2.5 + (0.5 if named else 0.0)}
    if not (w.prefix("feeder", "circuit") or w.exact("fdr", "ckt", "circ")):
        return {}
    id_like = w.exact("id", "num", "no", "number", "cdf", "code", "key") or any(
        c.endswith(("id", "num")) for c in w.compact.split())
    return {
        "feeder_id_external": 1.5 + (2.0 if id_like else 0.0) - (1.0 if named else 0.0),
        "feeder_name": 1.0 + (2.0 if named else 0.0) + (1.0 if w.prefix("display") else 0.0),
    }


def date_scores(field: dict, w: FieldWords) -> dict[str, float]:
    name = str(field.get("name") or "")
    dated = field.get("type") == "esriFieldTypeDate" or w.prefix("date", "asof", "vintage",
                                                                 "update")
    return {"record_date": 2.0} if dated and not EDITOR_FIELDS.search(name) else {}


def is_skipped(field: dict) -> bool:
    """Object ids, geometry and GUIDs: never data for a canonical field."""
    return field.get("type") in SKIPPED_TYPES or bool(
        SKIPPED_NAMES.match(str(field.get("name") or "")))


def field_scores(field: dict) -> dict[str, float]:
    """How well one field fits each canonical field (higher is better; absent: not at all)."""
    if is_skipped(field):
        return {}
    w = FieldWords(field)
    if field.get("type") == "esriFieldTypeDate":
        return date_scores(field, w)  # INSTALL_DATE is a date, not installed capacity
    scores = {**identity_scores(w), **date_scores(field, w), **capacity_scores(w)}
    scores.update(attribute_scores(w))
    return scores


def draft_field_map(fields: list[dict]) -> dict[str, str]:
    """A first field_map (source -> canonical) from field names and aliases. Each canonical
    field and each source field is used once, best fits first; a draft for a human to check."""
    pairs = []
    for field in fields:
        words = FieldWords(field)
        for canonical, score in field_scores(field).items():
            # Among equal scores the plainer name wins: ConstrainingMetric over MinConstraining...
            pairs.append((-score, words.count, len(str(field["name"])), field["name"], canonical))
    chosen: dict[str, str] = {}
    for *_, source, canonical in sorted(pairs):
        if source not in chosen and canonical not in chosen.values():
            chosen[source] = canonical
    promote_lone_bound(chosen)
    order = {name: i for i, name in enumerate(CANONICAL_FIELDS)}
    return dict(sorted(chosen.items(), key=lambda item: order[item[1]]))


def promote_lone_bound(chosen: dict[str, str]) -> None:
    """A layer whose only capacity figure is a max (CMP's MAX_HC_MVA) publishes that as its
    hosting capacity."""
    if "hosting_capacity_mw" in chosen.values():
        return
    for bound in ("hosting_capacity_max_mw", "hosting_capacity_min_mw"):
        source = next((s for s, c in chosen.items() if c == bound), None)
        if source:
            chosen[source] = "hosting_capacity_mw"
            return


def guess_capacity_unit(fields: list[dict], field_map: dict[str, str] | None = None) -> str | None:
    """kw or mw from unit words in the capacity fields' names and aliases (MVA counts as MW),
    or None when the names say nothing."""
    capacity_sources = {s for s, c in (field_map or {}).items() if c in CAPACITY_FIELDS}
    chosen = [f for f in fields if f.get("name") in capacity_sources] or fields
    units = Counter(u for u in (FieldWords(f).unit() for f in chosen) if u)
    return units.most_common(1)[0][0] if units else None


# --- the --discover report -----------------------------------------------------------------


def discover(utility: UtilityConfig, client: HttpClient,
             today: datetime.date | None = None) -> str:
    """A printable report per configured layer: the service's layers, the chosen layer's
    fields, and a draft field_map and capacity_unit. Raises DiscoveryError or FetchError
    when the service cannot be read."""
    today = today or datetime.date.today()
    layers = list(utility.layers) or [unconfigured_layer(utility)]
    lines = [f"{utility.utility_code}: {utility.utility_name} ({utility.data_source_type}, "
             f"{'supported' if utility.is_supported else 'not supported'})"]
    for layer in layers:
        lines += describe_layer(utility, layer, client, today)
    return "\n".join(lines)


def unconfigured_layer(utility: UtilityConfig) -> LayerConfig:
    """An ArcGIS service whose fields are unknown yet: discover its first layer."""
    if not utility.service_url:
        raise DiscoveryError(f"{utility.utility_code}: no ArcGIS service to discover "
                             f"({utility.unsupported_reason or 'no service_url'})")
    return LayerConfig(name="primary", service_url=utility.service_url, layer_index=-1,
                       field_map={})


def describe_layer(utility: UtilityConfig, layer: LayerConfig, client: HttpClient,
                   today: datetime.date) -> list[str]:
    service_url = resolve_service_url(utility, layer, client, today)
    service = client.get_json(service_url, {"f": "json"})
    lines = ["", f"== layer {layer.name} ==", f"service: {service_url}"]
    if service_url != layer.service_url:
        lines.append(f"  (found by {layer.url_discovery_method}; last known: "
                     f"{layer.service_url})")
    lines += service_layer_lines(service)
    index = layer.layer_index if layer.layer_index >= 0 else first_layer_id(service)
    detail = client.get_json(f"{service_url.rstrip('/')}/{index}", {"f": "json"})
    fields = [f for f in detail.get("fields") or [] if isinstance(f, dict) and f.get("name")]
    lines += [f"layer {index}: {detail.get('name', '?')} ({detail.get('geometryType', '?')}), "
              f"maxRecordCount {detail.get('maxRecordCount', '?')}, {len(fields)} fields"]
    lines += field_lines(fields)
    lines += configured_field_lines(layer, fields)
    lines += draft_lines(fields)
    return lines


def first_layer_id(service: dict) -> int:
    ids = [item.get("id") for item in service.get("layers") or [] if isinstance(item, dict)]
    return next((i for i in ids if isinstance(i, int)), 0)


def service_layer_lines(service: dict) -> list[str]:
    lines = ["service layers (id, name, geometryType):"]
    for kind in ("layers", "tables"):
        for item in service.get(kind) or []:
            if isinstance(item, dict):
                geometry = item.get("geometryType") or ("table" if kind == "tables" else "?")
                lines.append(f"  {item.get('id', '?'):>4}  {item.get('name', '?')}  {geometry}")
    return lines if len(lines) > 1 else lines + ["  (none listed)"]


def field_lines(fields: list[dict]) -> list[str]:
    width = max((len(str(f["name"])) for f in fields), default=4)
    lines = ["fields (name, type, alias):"]
    for field in fields:
        kind = str(field.get("type", "?")).removeprefix("esriFieldType")
        lines.append(f"  {str(field['name']):<{width}}  {kind:<12}  {field.get('alias') or ''}")
    return lines


def configured_field_lines(layer: LayerConfig, fields: list[dict]) -> list[str]:
    names = {str(f["name"]) for f in fields}
    missing = [source for source in layer.field_map if source not in names]
    if not layer.field_map:
        return []
    if not missing:
        return ["configured field_map: every source field exists in this layer"]
    return [f"configured field_map names fields this layer does not have: {', '.join(missing)}"]


def draft_lines(fields: list[dict]) -> list[str]:
    draft = draft_field_map(fields)
    unit = guess_capacity_unit(fields, draft)
    text = yaml.safe_dump({"field_map": draft} if draft else {"field_map": {}},
                          sort_keys=False, allow_unicode=True).rstrip()
    unmatched = [str(f["name"]) for f in fields if f["name"] not in draft and not is_skipped(f)]
    lines = ["draft (check every line before using it):"]
    lines += [f"  {line}" for line in text.splitlines()]
    lines.append(f"  capacity_unit: {unit}" if unit else
                 "  # capacity_unit: no kW/MW in the field names; check the layer's description")
    if unmatched:
        lines.append(f"  # not matched: {', '.join(unmatched)}")
    return lines

"""Finding a layer's current service URL.

Some utilities rename their service every quarter (ComEd: `..._MAR2026`) or month (Xcel:
`..._Popup_Layer_March_2026`). A config keeps the last known URL plus a pattern; before each
extract `resolve_service_url` finds the newest service that exists, so a rename does not
need a config change.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, replace

from extract.arcgis.config import LayerConfig, UtilityConfig
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

"""`python -m extract validate-configs --live [--utility X]`: each supported layer's metadata
fetched from its server and compared with the config. One line per drift:

- `url gone`: the service or layer does not answer as ArcGIS JSON (HTML page, 404, error);
  `url moved` when the other ArcGIS base path (/arcgis/ versus /arcgis_server/) answers;
- `rotated name`: the configured service is gone or superseded and a newer dated sibling
  is published (for a rotating config, the last known name is stale);
- `field missing`, with what it may have become (`renamed`): another case, a fully
  qualified name ending in it, a shapefile-truncated name, or a close spelling;
- `type changed`: a type the config's evidence recorded is not the server's any more;
- `unit hint`: a mapped capacity field's name or alias says kW where the config says MW,
  or the reverse.

Exit status 1 when anything drifted. Nothing is written.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from dataclasses import dataclass

from extract import settings
from extract.arcgis.config import CAPACITY_FIELDS, LayerConfig, UtilityConfig, load_utility_configs
from extract.arcgis.service_url import (
    DiscoveryError,
    ServiceAddress,
    list_services,
    newest_first_key,
    resolve_service_url,
    service_date,
)
from extract.http import FetchError, HttpClient

BASE_PATHS = (("/arcgis/", "/arcgis_server/"), ("/arcgis_server/", "/arcgis/"))
KW_WORDS = re.compile(r"(?<![a-z])(kw|kva)(?![a-z])|_kw|kw_|\(kw\)", re.IGNORECASE)
MW_WORDS = re.compile(r"(?<![a-z])(mw|mva)(?![a-z])|_mw|mw_|\(mw\)", re.IGNORECASE)


@dataclass(frozen=True)
class Drift:
    utility: str
    layer: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.utility}/{self.layer}: {self.kind}: {self.detail}"


def answers_as_arcgis(client: HttpClient, url: str) -> tuple[dict | None, str]:
    """The JSON a URL answers, or None and why not (one request, no retries on 4xx)."""
    try:
        response = client.send(url, {"f": "json"})
    except FetchError as error:
        return None, str(error)
    kind = response.headers.get("content-type", "")
    if response.status_code >= 400:
        page = " with an HTML page" if "html" in kind.lower() else ""
        return None, f"HTTP {response.status_code}{page}"
    try:
        payload = json.loads(response.content)
    except ValueError:
        return None, "not JSON (an HTML page?)"
    if not isinstance(payload, dict):
        return None, "not a JSON object"
    if payload.get("error"):
        error = payload["error"]
        code = error.get("code") if isinstance(error, dict) else None
        return None, f"ArcGIS error {code} inside HTTP {response.status_code}"
    return payload, ""


def field_suggestions(missing: str, names: list[str]) -> list[str]:
    """What a missing field may have become on the server."""
    lowered = missing.lower()
    found = [n for n in names if n.lower() == lowered and n != missing]
    found += [n for n in names if n.lower().endswith("." + lowered) or (
        "." in missing and lowered.endswith("." + n.lower()))]
    found += [n for n in names if len(n) >= 8 and lowered.startswith(n.lower())
              and n.lower() != lowered]  # shapefile-style truncation (10 characters)
    found += difflib.get_close_matches(missing, names, n=2, cutoff=0.8)
    return list(dict.fromkeys(found))


def unit_hints(utility: UtilityConfig, layer: LayerConfig, fields: list[dict]) -> list[Drift]:
    drifts = []
    by_name = {f.get("name"): f for f in fields}
    for source, canonical in layer.field_map.items():
        if canonical not in CAPACITY_FIELDS or source not in by_name:
            continue
        text = f"{source} {by_name[source].get('alias') or ''}"
        unit = layer.unit_of(source)
        says_kw, says_mw = bool(KW_WORDS.search(text)), bool(MW_WORDS.search(text))
        if unit in ("mw", "mva") and says_kw and not says_mw:
            drifts.append(Drift(utility.utility_code, layer.name, "unit hint",
                                f"{source!r} reads kW ({text.strip()!r}) but the config "
                                f"says {unit}"))
        if unit in ("kw", "kva") and says_mw and not says_kw:
            drifts.append(Drift(utility.utility_code, layer.name, "unit hint",
                                f"{source!r} reads MW ({text.strip()!r}) but the config "
                                f"says {unit}"))
    return drifts


def moved_url(client: HttpClient, url: str) -> str | None:
    for wrong, right in BASE_PATHS:
        if wrong in url:
            candidate = url.replace(wrong, right, 1)
            payload, _ = answers_as_arcgis(client, candidate)
            if payload is not None:
                return candidate
    return None


def newer_sibling(client: HttpClient, url: str) -> str | None:
    """A dated service next to `url` whose name shares its undated stem and is newer."""
    try:
        address = ServiceAddress.parse(url, "live check")
        services, _ = list_services(client, address.root)
    except FetchError:
        return None
    own = address.name.rpartition("/")[2]
    # Publishers change more than the date (Xcel: NSP_HCA_Popup_June_2026, then
    # NSP_HCA_Blurred_GEN_Popup_July_2026): siblings share the name's first two words.
    stem = "_".join(re.split(r"[_\-]", own)[:2])
    names = [str(s.get("name")).rpartition("/")[2] for s in services
             if s.get("type") == address.type]
    candidates = [n for n in names if n != own and stem and n.startswith(stem)
                  and service_date(n) is not None]
    if not candidates:
        return None
    newest = max(candidates, key=newest_first_key)
    if service_date(own) is not None and newest_first_key(newest) <= newest_first_key(own):
        return None
    return address.renamed(address.folder_prefix + newest).url


def check_layer(utility: UtilityConfig, layer: LayerConfig, client: HttpClient,
                today) -> list[Drift]:
    code, name = utility.utility_code, layer.name
    try:
        service_url = resolve_service_url(utility, layer, client, today)
    except (DiscoveryError, FetchError) as error:
        return [Drift(code, name, "url gone", str(error))]
    drifts = []
    if service_url.rstrip("/") != layer.service_url.rstrip("/"):
        drifts.append(Drift(code, name, "rotated name", f"the newest service is "
                            f"{service_url}; the config's last known is {layer.service_url}"))
    service, why = answers_as_arcgis(client, service_url)
    if service is None:
        moved = moved_url(client, service_url)
        if moved:
            return [*drifts, Drift(code, name, "url moved",
                                   f"{service_url} answers {why}; {moved} answers")]
        sibling = newer_sibling(client, service_url)
        if sibling:
            return [*drifts, Drift(code, name, "rotated name",
                                   f"{service_url} answers {why}; {sibling} is published")]
        return [*drifts, Drift(code, name, "url gone", f"{service_url} answers {why}")]
    if layer.url_discovery_method == "static":
        sibling = newer_sibling(client, service_url)
        if sibling:
            drifts.append(Drift(code, name, "rotated name",
                                f"{sibling} is newer than the configured {service_url}"))
    layer_url = f"{service_url.rstrip('/')}/{layer.layer_index}"
    detail, why = answers_as_arcgis(client, layer_url)
    if detail is None:
        return [*drifts, Drift(code, name, "url gone", f"{layer_url} answers {why}")]
    fields = [f for f in detail.get("fields") or [] if isinstance(f, dict)]
    names = [str(f.get("name")) for f in fields]
    types = {str(f.get("name")): f.get("type") for f in fields}
    for source in layer.field_map:
        if source in types:
            continue
        maybe = field_suggestions(source, names)
        drifts.append(Drift(code, name, "renamed" if maybe else "field missing",
                            f"{source!r} is not in {layer_url}"
                            + (f"; it may now be {', '.join(map(repr, maybe))}" if maybe
                               else "")))
    evidence = layer.evidence.fields if layer.evidence else {}
    for source, fact in evidence.items():
        if fact.type and source in types and types[source] != fact.type:
            drifts.append(Drift(code, name, "type changed", f"{source!r} was {fact.type} "
                                f"({fact.source}), the server says {types[source]}"))
    return drifts + unit_hints(utility, layer, fields)


def validate_live(utility_code: str | None = None) -> int:
    import datetime

    configs, problems = load_utility_configs(settings.config_dir())
    chosen = [c for c in configs if c.is_supported
              and (utility_code in (None, "all") or c.utility_code == utility_code)]
    if utility_code not in (None, "all") and not chosen:
        print(f"error: {utility_code!r} is not a supported utility config", file=sys.stderr)
        return 2
    drifts: list[Drift] = []
    today = datetime.date.today()
    for utility in chosen:
        headers = {k: v for layer in utility.layers for k, v in layer.request_headers.items()}
        with HttpClient(headers=headers) as client:
            for layer in utility.layers:
                found = check_layer(utility, layer, client, today)
                drifts += found
                for drift in found:
                    print(f"drift: {drift}")
    layers = sum(len(u.layers) for u in chosen)
    print(f"{len(drifts)} drift{'s' if len(drifts) != 1 else ''} in {layers} layers of "
          f"{len(chosen)} utilities (live)")
    return 1 if drifts or problems else 0

"""Drafting a field_map from the fields an ArcGIS layer lists: each field's name, alias and
type are scored against the canonical fields, and the best guess per canonical field kept.
Only a draft: `python -m extract hosting-capacity --utility X --discover` prints it for a
person to check against the evidence before it goes into a config.
"""

from __future__ import annotations

import re
from collections import Counter

from extract.arcgis.config import CANONICAL_FIELDS, CAPACITY_FIELDS

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

"""Read one ArcGIS layer completely: metadata first, then pages, each feature exactly once.

Strategy (as pyesridump, but concurrent and strict):
1. `resultOffset` paging where the layer supports it. The page size actually served is what
   the first page returned (servers cap `resultRecordCount` silently at maxRecordCount).
   Knowing the total from `returnCountOnly`, the other pages are fetched concurrently.
2. Object-id batches (`returnIdsOnly`, then `objectIds=`) where pagination is not supported,
   and to fill in whatever offset paging missed (a server that ignores `resultOffset`,
   unstable order across pages).
Every feature id is checked against those already seen, and the total against the count:
a layer that cannot be read completely raises `IncompleteLayerError`, never comes back short.
"""

from __future__ import annotations

import os
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from extract.arcgis.geometry import esri_to_geojson, spatial_reference_wkid
from extract.http import FetchError, HttpClient

OID_FIELD_TYPE = "esriFieldTypeOID"
# Pages requested at once within a layer, unless HC_PAGES_IN_FLIGHT says otherwise.
DEFAULT_PAGES_IN_FLIGHT = 4


class LayerError(Exception):
    """A layer that cannot be extracted; the message names the layer URL and the cause."""


class IncompleteLayerError(LayerError):
    pass


@dataclass(frozen=True)
class LayerMetadata:
    url: str
    object_id_field: str
    fields: list[dict]
    max_record_count: int | None
    supports_pagination: bool
    last_edit_date: datetime | None

    @property
    def field_names(self) -> list[str]:
        return [f["name"] for f in self.fields]


@dataclass
class Feature:
    object_id: int
    attributes: dict
    geometry: dict | None  # GeoJSON, WGS84


class SeenIds:
    """Object ids already read, in about 8 bytes each: ids mostly arrive in ascending order
    (pages are ordered by object id), kept in a sorted array; the rare others in a set."""

    def __init__(self) -> None:
        self._ascending = array("q")
        self._others: set[int] = set()

    def __contains__(self, object_id: int) -> bool:
        ascending = self._ascending
        if ascending and object_id <= ascending[-1]:
            at = bisect_left(ascending, object_id)
            if at < len(ascending) and ascending[at] == object_id:
                return True
        return object_id in self._others

    def add(self, object_id: int) -> None:
        if not self._ascending or object_id > self._ascending[-1]:
            self._ascending.append(object_id)
        else:
            self._others.add(object_id)

    def __len__(self) -> int:
        return len(self._ascending) + len(self._others)


@dataclass
class PageStats:
    """What one layer's extraction did, for the run record and progress lines."""

    expected_count: int | None = None
    pages: int = 0
    features: int = 0
    duplicates_dropped: int = 0
    strategy: str = ""
    notes: list[str] = field(default_factory=list)


def _epoch_ms_to_datetime(value: object) -> datetime | None:
    if isinstance(value, int | float) and value > 0:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    return None


def fetch_layer_metadata(client: HttpClient, layer_url: str, base_params: dict) -> LayerMetadata:
    info = client.get_json(layer_url, {**base_params, "f": "json"})
    fields = info.get("fields") or []
    oid_field = info.get("objectIdField") or next(
        (f["name"] for f in fields if f.get("type") == OID_FIELD_TYPE), None)
    if not oid_field:
        raise LayerError(f"{layer_url}: the layer has no object-id field; cannot page it safely")
    advanced = info.get("advancedQueryCapabilities") or {}
    editing = info.get("editingInfo") or {}
    return LayerMetadata(
        url=layer_url,
        object_id_field=oid_field,
        fields=fields,
        max_record_count=info.get("maxRecordCount") or info.get("standardMaxRecordCount"),
        supports_pagination=bool(info.get("supportsPagination")
                                 or advanced.get("supportsPagination")),
        last_edit_date=_epoch_ms_to_datetime(
            editing.get("dataLastEditDate") or editing.get("lastEditDate")),
    )


def pages_in_flight() -> int:
    return int(os.environ.get("HC_PAGES_IN_FLIGHT", DEFAULT_PAGES_IN_FLIGHT))


class LayerReader:
    """Pages through one layer; iterate `features()` for a stream of `Feature` lists."""

    def __init__(self, client: HttpClient, metadata: LayerMetadata, *, page_size: int,
                 where: str = "1=1", out_sr: int = 4326, paging: str = "auto",
                 base_params: dict | None = None, concurrency: int | None = None,
                 on_page: Callable[[PageStats], None] | None = None):
        self.client = client
        self.meta = metadata
        self.where = where
        self.out_sr = out_sr
        self.paging = paging
        self.base_params = base_params or {}
        cap = metadata.max_record_count
        self.page_size = min(page_size, cap) if cap else page_size
        self.concurrency = concurrency or pages_in_flight()
        self.on_page = on_page or (lambda stats: None)
        self.stats = PageStats()
        self._seen = SeenIds()

    @property
    def query_url(self) -> str:
        return f"{self.meta.url}/query"

    def _query(self, **params: object) -> dict:
        return self.client.get_json(self.query_url, {
            **self.base_params, "where": self.where, "f": "json", **params})

    def count(self) -> int | None:
        try:
            answer = self._query(returnCountOnly="true")
        except FetchError as error:
            # Some servers refuse counts: offset paging then ends on the server's flag and
            # full pages, and the run's notes say the total could not be checked.
            self.stats.notes.append(f"returnCountOnly refused ({error}); total not checked")
            return None
        count = answer.get("count")
        return count if isinstance(count, int) else None

    def object_ids(self) -> list[int]:
        answer = self._query(returnIdsOnly="true")
        ids = answer.get("objectIds")
        if ids is None:
            raise LayerError(f"{self.query_url}: returnIdsOnly answered without objectIds")
        return sorted(int(i) for i in ids)

    def _feature_page(self, **params: object) -> tuple[list[Feature], bool]:
        page = self._query(outFields="*", returnGeometry="true", outSR=self.out_sr, **params)
        if "features" not in page:
            raise LayerError(f"{self.query_url}: a page answered without `features` ({params})")
        wkid = spatial_reference_wkid(page)
        oid_field = page.get("objectIdFieldName") or self.meta.object_id_field
        features = []
        for item in page["features"]:
            attributes = item.get("attributes") or {}
            object_id = attributes.get(oid_field)
            if object_id is None:
                raise LayerError(f"{self.query_url}: a feature without {oid_field} ({params})")
            features.append(Feature(int(object_id), attributes,
                                    esri_to_geojson(item.get("geometry"), wkid)))
        return features, bool(page.get("exceededTransferLimit"))

    def _keep_new(self, features: list[Feature]) -> list[Feature]:
        fresh = []
        for feature in features:
            if feature.object_id in self._seen:
                self.stats.duplicates_dropped += 1
                continue
            self._seen.add(feature.object_id)
            fresh.append(feature)
        self.stats.pages += 1
        self.stats.features += len(fresh)
        self.on_page(self.stats)
        return fresh

    def features(self) -> Iterator[list[Feature]]:
        self.stats.expected_count = self.count()
        use_offsets = self.paging != "object_ids" and (
            self.paging == "offset" or self.meta.supports_pagination)
        if use_offsets:
            self.stats.strategy = "resultOffset"
            yield from self._pages_by_offset()
        if not use_offsets or self._missing_some():
            if use_offsets:
                self.stats.notes.append(
                    f"offset paging returned {self.stats.features} of "
                    f"{self.stats.expected_count}; completed by object ids")
            self.stats.strategy += ("+" if self.stats.strategy else "") + "objectIds"
            yield from self._pages_by_object_ids()
        self._check_complete()

    def _missing_some(self) -> bool:
        expected = self.stats.expected_count
        return expected is None or self.stats.features < expected

    def _pages_by_offset(self) -> Iterator[list[Feature]]:
        order = {"orderByFields": f"{self.meta.object_id_field} ASC"}

        def page_at(offset: int, size: int) -> tuple[list[Feature], bool]:
            return self._feature_page(resultOffset=offset, resultRecordCount=size, **order)

        expected = self.stats.expected_count
        ahead = None
        if expected is not None and expected > self.page_size:
            # The first page is requested with the next ones, all at the size asked: servers
            # serve that (page_size respects maxRecordCount), and the first page no longer
            # costs a round trip alone. A server serving fewer is caught below.
            ahead = self._in_order(range(0, expected, self.page_size),
                                   lambda offset: page_at(offset, self.page_size))
            first, more = next(ahead)
        else:
            first, more = page_at(0, self.page_size)
        yield self._keep_new(first)
        served = len(first)
        if ahead is not None and served != self.page_size:
            ahead.close()  # its offsets assumed the size asked: redone at the size served
            ahead = None
        if not more and not self._missing_some():
            return
        if served == 0:
            return
        if expected is None:
            yield from self._sequential_offsets(served, order)
            return
        pages = ahead or self._in_order(range(served, expected, served),
                                        lambda offset: page_at(offset, served))
        for features, _ in pages:
            fresh = self._keep_new(features)
            if features and not fresh:
                # The server ignores resultOffset (first page again): stop, use object ids.
                self.stats.notes.append("server repeated a page: resultOffset ignored")
                return
            yield fresh

    def _sequential_offsets(self, served: int, order: dict) -> Iterator[list[Feature]]:
        """Without a count: go on while the server says more remain or pages come back full."""
        offset = served
        while True:
            features, more = self._feature_page(resultOffset=offset, resultRecordCount=served,
                                                **order)
            fresh = self._keep_new(features)
            if features and not fresh:
                self.stats.notes.append("server repeated a page: resultOffset ignored")
                return
            yield fresh
            if not features or (not more and len(features) < served):
                return
            offset += len(features)

    def _pages_by_object_ids(self) -> Iterator[list[Feature]]:
        missing = [i for i in self.object_ids() if i not in self._seen]
        if self.stats.expected_count is None:
            self.stats.expected_count = len(self._seen) + len(missing)
        batches = [missing[i:i + self.page_size] for i in range(0, len(missing), self.page_size)]

        def fetch(batch: list[int]) -> tuple[list[Feature], bool]:
            features, _ = self._feature_page(objectIds=",".join(map(str, batch)))
            got = {f.object_id for f in features}
            if not set(batch) <= got:
                absent = sorted(set(batch) - got)
                raise IncompleteLayerError(
                    f"{self.query_url}: objectIds batch of {len(batch)} came back without "
                    f"{len(absent)} ids (first {absent[:5]})")
            return features, False

        for features, _ in self._in_order(batches, fetch):
            yield self._keep_new(features)

    def _in_order(self, items, fetch) -> Iterator[tuple[list[Feature], bool]]:
        """Keep `concurrency` pages requested at once, hand them on in request order, and keep
        only a bounded window in memory (never the whole layer): the page being handed on,
        and the requests in flight meanwhile."""
        window = self.concurrency
        with ThreadPoolExecutor(max_workers=window, thread_name_prefix="page") as pool:
            pending: list[Future] = []
            iterator = iter(items)
            try:
                for item in iterator:
                    pending.append(pool.submit(fetch, item))
                    if len(pending) > window:
                        yield pending.pop(0).result()
                while pending:
                    yield pending.pop(0).result()
            finally:
                for future in pending:
                    future.cancel()

    def _check_complete(self) -> None:
        expected = self.stats.expected_count
        if expected is not None and self.stats.features < expected:
            raise IncompleteLayerError(
                f"{self.meta.url}: read {self.stats.features} features, the server counts "
                f"{expected}; refusing to load a partial layer")

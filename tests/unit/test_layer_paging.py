"""Offset paging asks for the first pages together at the page size asked; a server serving
fewer than that per page is still read completely, each feature once, in order."""

from __future__ import annotations

import threading

import pytest

from extract.arcgis.layer import LayerMetadata, LayerReader

URL = "https://example.test/arcgis/rest/services/HC/FeatureServer/0"


class PagingServer:
    """Answers count and offset queries for `total` features, at most `cap` per page."""

    def __init__(self, total: int, cap: int):
        self.total = total
        self.cap = cap
        self.asked: list[tuple[int, int]] = []
        self.lock = threading.Lock()

    def get_json(self, url: str, params: dict) -> dict:
        if params.get("returnCountOnly") == "true":
            return {"count": self.total}
        offset, size = int(params["resultOffset"]), int(params["resultRecordCount"])
        with self.lock:
            self.asked.append((offset, size))
        ids = range(offset + 1, min(offset + min(size, self.cap), self.total) + 1)
        return {"objectIdFieldName": "OBJECTID",
                "features": [{"attributes": {"OBJECTID": i}} for i in ids],
                "exceededTransferLimit": ids.stop <= self.total}


def read(server: PagingServer, page_size: int) -> tuple[list[int], LayerReader]:
    meta = LayerMetadata(url=URL, object_id_field="OBJECTID", fields=[], max_record_count=None,
                         supports_pagination=True, last_edit_date=None)
    reader = LayerReader(server, meta, page_size=page_size, concurrency=3)
    ids = [feature.object_id for page in reader.features() for feature in page]
    return ids, reader


@pytest.mark.parametrize("cap", [10, 4, 3])
def test_every_feature_once_in_order_whatever_the_server_serves_per_page(cap):
    server = PagingServer(total=23, cap=cap)
    ids, reader = read(server, page_size=10)
    assert ids == list(range(1, 24))
    assert reader.stats.features == 23 and reader.stats.duplicates_dropped == 0
    assert reader.stats.strategy == "resultOffset"


def test_pages_after_the_first_are_asked_at_the_size_the_server_serves():
    server = PagingServer(total=23, cap=4)
    read(server, page_size=10)
    after_first = sorted(set(server.asked) - {(0, 10), (10, 10), (20, 10)})
    assert after_first == [(offset, 4) for offset in range(4, 23, 4)]

"""A live ArcGIS replica on 127.0.0.1 for each test, reached with httpx by real URLs.

The engine's tests run on the synthetic protocol services (made-up hosts and org ids); the
utilities' replicas, built from evidence, are tested in test_replica_fields_are_the_evidence.py
and test_arcgis_replica_catalog_covers_configs.py."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest

from replicas.arcgis import ArcGISReplica, protocol_catalog
from replicas.server import ReplicaServer


@dataclass
class LiveArcGIS:
    app: ArcGISReplica
    server: ReplicaServer
    http: httpx.Client

    @staticmethod
    def local(url: str) -> str:
        """https://host/path -> /host/path, the extractor's replica rewrite."""
        parts = urlsplit(url)
        return f"/{parts.netloc}{parts.path}"

    def response(self, url: str, **params: object) -> httpx.Response:
        return self.http.get(self.local(url), params={k: str(v) for k, v in params.items()})

    def get(self, url: str, **params: object) -> dict:
        response = self.response(url, **params)
        assert response.status_code == 200, response.text[:300]
        return response.json()

    def post(self, url: str, **params: object) -> dict:
        response = self.http.post(self.local(url), data={k: str(v) for k, v in params.items()})
        assert response.status_code == 200, response.text[:300]
        return response.json()


@pytest.fixture
def arcgis() -> Iterator[LiveArcGIS]:
    app = ArcGISReplica(protocol_catalog())
    with ReplicaServer(apps=[app]) as server, httpx.Client(base_url=server.url,
                                                           timeout=30) as http:
        yield LiveArcGIS(app, server, http)

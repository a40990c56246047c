"""The shared HTTP client against a replica that fails on purpose."""

import math
import time

import pytest

from extract.http import FetchError, HttpClient, RetryPolicy, redact
from replicas.server import ReplicaServer, Response

FAST = RetryPolicy(attempts=4, base_delay_s=0.01, timeout_s=2)


class EchoApp:
    def serves(self, host):
        return host == "example.test"

    def handle(self, request):
        return Response.json({"ok": True, "params": request.params})


@pytest.fixture
def server(monkeypatch):
    with ReplicaServer(apps=[EchoApp()]) as replica:
        monkeypatch.setenv("HC_REPLICA_URL", replica.url)
        yield replica


URL = "https://example.test/arcgis/rest/services/x/FeatureServer/0"


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_until_the_page_arrives(server, status):
    server.add_fault("status", status=status, times=2)
    with HttpClient(policy=FAST) as client:
        assert client.get_json(URL, {"f": "json"})["ok"] is True
    assert len(server.requests()) == 3


def test_rate_limit_honours_retry_after(server):
    server.add_fault("status", status=429, retry_after=0.5, times=1)
    started = time.monotonic()
    with HttpClient(policy=FAST) as client:
        client.get_json(URL)
    assert time.monotonic() - started >= 0.5


def test_truncated_json_is_retried(server):
    server.add_fault("truncate", times=1)
    with HttpClient(policy=FAST) as client:
        assert client.get_json(URL)["ok"] is True


def test_read_timeout_is_retried(server):
    server.add_fault("delay", seconds=3, times=1)
    with HttpClient(policy=FAST) as client:
        assert client.get_json(URL)["ok"] is True


def test_dropped_connection_is_retried(server):
    server.add_fault("reset", times=1)
    with HttpClient(policy=FAST) as client:
        assert client.get_json(URL)["ok"] is True


def test_server_side_arcgis_error_inside_http_200_is_retried(server):
    server.add_fault("arcgis_error", status=500, times=2)
    with HttpClient(policy=FAST) as client:
        assert client.get_json(URL)["ok"] is True


def test_client_side_arcgis_error_fails_at_once_with_the_message(server):
    server.add_fault("arcgis_error", status=400, times=-1)
    with HttpClient(policy=FAST) as client, pytest.raises(FetchError, match="ArcGIS error 400"):
        client.get_json(URL)
    assert len(server.requests()) == 1


def test_persistent_failure_raises_naming_the_url_and_cause(server):
    server.add_fault("status", status=503, times=-1)
    with HttpClient(policy=FAST) as client, pytest.raises(FetchError) as raised:
        client.get_json(URL, {"where": "1=1"})
    assert "example.test" in str(raised.value) and "HTTP 503 after 4 attempts" in str(raised.value)


def test_tokens_never_appear_in_errors(server):
    server.add_fault("status", status=503, times=-1)
    secret = "s3cr3t-token-value"
    with HttpClient(policy=FAST, secrets=(secret,)) as client, pytest.raises(FetchError) as raised:
        client.get_json(URL, {"token": secret})
    assert secret not in str(raised.value)


def test_long_object_id_lists_go_by_post(server):
    ids = ",".join(str(i) for i in range(1, 2000))
    with HttpClient(policy=FAST) as client:
        answer = client.get_json(URL + "/query", {"objectIds": ids})
    assert answer["params"]["objectIds"] == ids
    assert server.requests()[-1]["method"] == "POST"


def test_redact_hides_token_query_values():
    assert redact("https://h/x?f=json&token=abc") == "https://h/x?f=json&token=***"


class BareNaNApp(EchoApp):
    """Some ArcGIS servers write empty point coordinates as a bare NaN, which is not JSON."""

    def handle(self, request):
        return Response(200, b'{"features":[{"geometry":{"x":NaN,"y":NaN}}]}')


def test_bare_nan_from_a_server_still_parses():
    with ReplicaServer(apps=[BareNaNApp()]) as replica, pytest.MonkeyPatch.context() as env:
        env.setenv("HC_REPLICA_URL", replica.url)
        with HttpClient(policy=FAST) as client:
            page = client.get_json(URL, {"f": "json"})
    assert math.isnan(page["features"][0]["geometry"]["x"])

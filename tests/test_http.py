"""The shared HTTP client against a replica that fails on purpose."""

import math
import os
import subprocess
import sys
import time

import pytest
from hostile_network import AttemptedConnections, other_host_fixture  # noqa: F401 - fixture

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


# --- limits a hostile or broken server cannot walk around (issue 12, probes 5, 6, 8, 12a) ---

DEADLINE = RetryPolicy(attempts=2, base_delay_s=0.01, timeout_s=2, deadline_s=1.5)


def test_a_server_dripping_one_byte_at_a_time_fails_at_the_total_deadline(server):
    """Each byte arrives well within the read timeout, so only a total deadline stops it."""
    server.add_fault("drip", seconds=0.2, times=-1)
    started = time.monotonic()
    with HttpClient(policy=DEADLINE) as client, pytest.raises(FetchError) as raised:
        client.get_json(URL, {"f": "json"})
    elapsed = time.monotonic() - started
    assert "did not finish within the 1.5 s deadline per request (HC_HTTP_DEADLINE_S)" in str(
        raised.value) and "example.test" in str(raised.value)
    assert 2 * 1.5 <= elapsed < 2 * 1.5 + 2.0  # two attempts of 1.5 s, not a hang
    assert len(server.requests()) == 2


def test_a_slow_but_steady_answer_within_the_deadline_arrives(server):
    server.add_fault("drip", seconds=0.005, times=1)
    with HttpClient(policy=DEADLINE) as client:
        assert client.get_json(URL, {"f": "json"})["ok"] is True
    assert len(server.requests()) == 1


def test_an_endless_answer_stops_at_the_size_limit_naming_the_url(server):
    server.add_fault("endless", times=-1)
    started = time.monotonic()
    policy = RetryPolicy(attempts=3, base_delay_s=0.01, max_response_mb=1)
    with HttpClient(policy=policy) as client, pytest.raises(FetchError) as raised:
        client.get_json(URL, {"f": "json"})
    message = str(raised.value)
    assert message.startswith("https://example.test/arcgis/rest/services/x/FeatureServer/0")
    assert "larger than the 1 MB limit (HC_HTTP_MAX_RESPONSE_MB)" in message
    assert "stopped reading at" in message
    assert len(server.requests()) == 1  # the same answer again would not be smaller
    assert time.monotonic() - started < 5


class LargeApp(EchoApp):
    def handle(self, request):
        return Response(200, b'{"pad": "' + b"x" * 2_000_000 + b'"}')


def test_an_answer_declaring_more_than_the_limit_is_refused_before_reading():
    policy = RetryPolicy(attempts=3, base_delay_s=0.01, max_response_mb=1)
    with ReplicaServer(apps=[LargeApp()]) as replica, pytest.MonkeyPatch.context() as env:
        env.setenv("HC_REPLICA_URL", replica.url)
        with HttpClient(policy=policy) as client, pytest.raises(FetchError) as raised:
            client.get_json(URL)
        assert len(replica.requests()) == 1
    assert "Content-Length 2,000,011 bytes" in str(raised.value)


def test_the_size_limit_is_read_from_the_environment(server, monkeypatch):
    monkeypatch.setenv("HC_HTTP_MAX_RESPONSE_MB", "0.001")  # 1,000 bytes
    server.add_fault("endless", times=-1)
    with HttpClient() as client, pytest.raises(FetchError, match="0.001 MB limit"):
        client.get_json(URL)


@pytest.mark.parametrize("name", ["HC_HTTP_MAX_RESPONSE_MB", "HC_HTTP_DEADLINE_S"])
@pytest.mark.parametrize("value", ["abc", "0", "-5", "inf"])
def test_a_bad_limit_in_the_environment_is_an_error_naming_the_variable(monkeypatch, name,
                                                                        value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=f"environment variable {name}={value!r}"):
        RetryPolicy.from_env()


# Peak RSS from VmHWM: getrusage's ru_maxrss would carry over the forking pytest's own peak.
MEMORY_PROBE = """
import re, sys
from extract.http import FetchError, HttpClient
with HttpClient() as client:
    try:
        client.get_json(sys.argv[1])
    except FetchError as error:
        print(error, file=sys.stderr)
status = open("/proc/self/status").read()
print(int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) // 1024)
"""


def test_an_endless_answer_keeps_memory_bounded_by_the_limit(server):
    """Before the limit, memory grew as long as the server wrote (3.6 GB after 10 minutes)."""
    server.add_fault("endless", times=-1)
    env = {**os.environ, "HC_HTTP_MAX_RESPONSE_MB": "64", "HC_HTTP_DEADLINE_S": "60"}
    child = subprocess.run([sys.executable, "-c", MEMORY_PROBE, URL], env=env,
                           capture_output=True, text=True, timeout=120, check=True)
    assert "larger than the 64 MB limit" in child.stderr
    peak_mb = int(child.stdout.strip())
    assert peak_mb < 64 + 100, f"peak RSS {peak_mb} MB reading an endless answer"


def test_a_redirect_to_another_host_fails_naming_it_and_is_never_followed(
        server, other_host, monkeypatch):
    port, accepted = other_host
    connections = AttemptedConnections(monkeypatch)
    server.add_fault("redirect", status=302, location=f"http://127.0.0.2:{port}/steal?f=json",
                     times=-1)
    with HttpClient(policy=FAST) as client, pytest.raises(FetchError) as raised:
        client.get_json(URL, {"f": "json"})
    message = str(raised.value)
    assert f"redirected (HTTP 302) to http://127.0.0.2:{port}/steal?f=json" in message
    assert "was not contacted" in message and "example.test" in message
    assert connections.hosts() == {"127.0.0.1"} and accepted == []
    assert len(server.requests()) == 1  # not retried: the server would redirect again


def test_a_redirect_to_the_cloud_metadata_address_is_never_attempted(server, monkeypatch):
    connections = AttemptedConnections(monkeypatch)
    server.add_fault("redirect", status=302,
                     location="http://169.254.169.254/latest/meta-data/iam/", times=-1)
    with HttpClient(policy=FAST) as client, pytest.raises(FetchError) as raised:
        client.get_json(URL, {"f": "json"})
    assert "redirected (HTTP 302) to http://169.254.169.254/latest/meta-data/iam/" in str(
        raised.value)
    assert connections.hosts() == {"127.0.0.1"}


def test_a_redirect_to_a_configured_localhost_url_is_held_to_the_same_rule(
        other_host, monkeypatch):
    """Without the replica, a config pointing at 127.0.0.1 gets no more latitude."""
    port, accepted = other_host
    connections = AttemptedConnections(monkeypatch)
    monkeypatch.delenv("HC_REPLICA_URL", raising=False)
    with ReplicaServer(apps=[EchoApp()]) as local:
        local.add_fault("redirect", status=307, location=f"http://127.0.0.2:{port}/x", times=-1)
        with HttpClient(policy=FAST) as client, pytest.raises(FetchError, match="127.0.0.2"):
            client.get_json(f"{local.url}/example.test/arcgis/rest/services")
    assert connections.hosts() == {"127.0.0.1"} and accepted == []


def test_a_redirect_on_the_same_host_is_followed(server):
    server.add_fault("redirect", status=301, location="/example.test/arcgis/moved?f=json",
                     times=1)
    with HttpClient(policy=FAST) as client:
        answer = client.get_json(URL, {"f": "json"})
    assert answer["ok"] is True
    assert [r["path"] for r in server.requests()] == [
        "/arcgis/rest/services/x/FeatureServer/0", "/arcgis/moved"]


def test_a_redirect_loop_on_the_same_host_ends(server):
    server.add_fault("redirect", status=302, location="/example.test/loop", times=-1)
    with HttpClient(policy=FAST) as client, pytest.raises(FetchError, match="more than 5 redir"):
        client.get_json(URL)


class Latin1App(EchoApp):
    def handle(self, request):
        return Response(200, '{"name": "Société Générale"}'.encode("latin-1"))


def test_a_latin1_answer_is_reported_as_not_utf8_and_not_retried():
    with ReplicaServer(apps=[Latin1App()]) as replica, pytest.MonkeyPatch.context() as env:
        env.setenv("HC_REPLICA_URL", replica.url)
        with HttpClient(policy=FAST) as client, pytest.raises(FetchError) as raised:
            client.get_json(URL)
        assert len(replica.requests()) == 1
    message = str(raised.value)
    assert "not UTF-8 (byte 0xE9 at offset 14" in message and "example.test" in message
    assert "truncated" not in message


class DuplicateKeyApp(EchoApp):
    def handle(self, request):
        return Response(200, b'{"features": [{"attributes": {"OBJECTID": 1, "HC_KW": 5, '
                             b'"HC_KW": 900}}]}')


def test_an_answer_repeating_a_key_fails_naming_the_key_and_is_not_retried():
    with ReplicaServer(apps=[DuplicateKeyApp()]) as replica, pytest.MonkeyPatch.context() as env:
        env.setenv("HC_REPLICA_URL", replica.url)
        with HttpClient(policy=FAST) as client, pytest.raises(FetchError) as raised:
            client.get_json(URL)
        assert len(replica.requests()) == 1
    assert "repeats the key 'HC_KW' in one JSON object" in str(raised.value)

"""HTTP for every source: replica rewrite, per-host politeness, retries, secrets kept out of logs.

Retries cover what real servers do under load: 5xx, 429 (honouring Retry-After), timeouts,
dropped connections, truncated JSON and ArcGIS's `{"error": ...}` inside an HTTP 200 with a
server-side code. What is still failing after the last attempt raises `FetchError`, which
names the URL (tokens redacted) and the cause: callers fail that utility, never skip a page.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
import orjson

from extract import settings

SECRET_PARAMS = ("token", "apikey", "api_key", "key", "password")
# ArcGIS error codes inside HTTP 200 that a retry can cure (server busy, query timed out).
TRANSIENT_ARCGIS_CODES = {500, 502, 503, 504}
RETRYABLE_STATUS = {429, 500, 502, 503, 504}
# Long lists of objectIds go by POST, as ArcGIS documents.
MAX_GET_URL_LENGTH = 1800


class FetchError(Exception):
    """A request that failed for good. The message is safe to log and to store."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    timeout_s: float = 60.0

    @classmethod
    def from_env(cls) -> RetryPolicy:
        return cls(
            attempts=int(os.environ.get("HC_HTTP_ATTEMPTS", cls.attempts)),
            base_delay_s=float(os.environ.get("HC_HTTP_BACKOFF_S", cls.base_delay_s)),
            timeout_s=float(os.environ.get("HC_HTTP_TIMEOUT_S", cls.timeout_s)),
        )

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_delay_s)
        backoff = self.base_delay_s * (2 ** (attempt - 1))
        return min(backoff, self.max_delay_s) * (0.5 + random.random() / 2)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Remove secret query values and any known secret strings from a URL or message."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    parts = urlsplit(text) if text.startswith("http") else None
    if parts and parts.query:
        pairs = [p.split("=", 1) for p in parts.query.split("&")]
        query = "&".join(
            f"{p[0]}=***" if p[0].lower() in SECRET_PARAMS and len(p) == 2 else "=".join(p)
            for p in pairs
        )
        text = urlunsplit(parts._replace(query=query))
    return text


def replica_rewrite(url: str) -> str:
    """https://host/path -> <HC_REPLICA_URL>/host/path when the replicas stand in for the web."""
    replica = settings.replica_url()
    if not replica:
        return url
    parts = urlsplit(url)
    if parts.hostname in ("127.0.0.1", "localhost"):
        return url
    return f"{replica}/{parts.netloc}{parts.path}" + (f"?{parts.query}" if parts.query else "")


class HostLimiter:
    """At most `per_host` requests in flight to one host, whatever the number of threads."""

    def __init__(self, per_host: int | None = None):
        self.per_host = per_host or int(os.environ.get("HC_MAX_CONCURRENCY_PER_HOST", "4"))
        self._semaphores: dict[str, threading.BoundedSemaphore] = defaultdict(
            lambda: threading.BoundedSemaphore(self.per_host))
        self._lock = threading.Lock()

    def slot(self, url: str) -> threading.BoundedSemaphore:
        with self._lock:
            return self._semaphores[urlsplit(url).netloc]


class HttpClient:
    """A thread-safe client shared by every extract of one process."""

    def __init__(self, policy: RetryPolicy | None = None, limiter: HostLimiter | None = None,
                 secrets: tuple[str, ...] = (), headers: Mapping[str, str] | None = None):
        self.policy = policy or RetryPolicy.from_env()
        self.limiter = limiter or HostLimiter()
        self.secrets = secrets
        # A config's request_headers (a Referer some servers insist on) never replace the
        # User-Agent that names this extractor.
        extra = {k: v for k, v in (headers or {}).items() if k.lower() != "user-agent"}
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.policy.timeout_s, connect=min(self.policy.timeout_s, 15)),
            headers={**extra, "User-Agent": "hosting-capacity-warehouse/0.1 (+open data extract)"},
            follow_redirects=True,
        )
        self.request_count = 0

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, url: str, params: Mapping[str, object] | None = None) -> httpx.Response:
        """GET (POST when the query is long), retrying transient failures. Returns any
        non-retryable answer (2xx, 204, 4xx) for the caller to judge."""
        params = {k: str(v) for k, v in (params or {}).items()}
        target = replica_rewrite(url)
        shown = redact(f"{url}?{urlencode(params)}" if params else url, self.secrets)
        use_post = len(target) + len(urlencode(params)) > MAX_GET_URL_LENGTH
        last_problem = "no attempt made"
        for attempt in range(1, self.policy.attempts + 1):
            retry_after = None
            try:
                with self.limiter.slot(url):
                    self.request_count += 1
                    if use_post:
                        response = self._client.post(target, data=params)
                    else:
                        response = self._client.get(target, params=params)
                if response.status_code not in RETRYABLE_STATUS:
                    return response
                last_problem = f"HTTP {response.status_code}"
                retry_after = _retry_after_seconds(response)
            except httpx.TimeoutException as error:
                last_problem = f"timed out ({type(error).__name__})"
            except httpx.TransportError as error:
                last_problem = f"connection failed ({type(error).__name__})"
            if attempt < self.policy.attempts:
                time.sleep(self.policy.delay(attempt, retry_after))
        raise FetchError(f"{shown}: {last_problem} after {self.policy.attempts} attempts")

    def get_json(self, url: str, params: Mapping[str, object] | None = None) -> dict:
        """A JSON object from an ArcGIS-style endpoint. Truncated bodies and server-side
        ArcGIS errors are retried; client-side ones (bad parameter, token) fail at once."""
        shown = redact(url, self.secrets)
        last_problem = ""
        for attempt in range(1, self.policy.attempts + 1):
            response = self.send(url, params)
            if response.status_code >= 400:
                raise FetchError(f"{shown}: HTTP {response.status_code}: "
                                 f"{redact(response.text[:200], self.secrets)}"
                                 + html_answer_hint(response))
            try:
                payload = parse_json(response.content)
            except ValueError:
                last_problem = f"invalid or truncated JSON ({len(response.content)} bytes)"
            else:
                if not isinstance(payload, dict):
                    raise FetchError(f"{shown}: expected a JSON object, got "
                                     f"{type(payload).__name__}")
                error = payload.get("error")
                if not error:
                    return payload
                code = error.get("code") if isinstance(error, dict) else None
                message = error.get("message") if isinstance(error, dict) else error
                last_problem = f"ArcGIS error {code}: {redact(str(message), self.secrets)}"
                if code not in TRANSIENT_ARCGIS_CODES:
                    raise FetchError(f"{shown}: {last_problem} (inside HTTP "
                                     f"{response.status_code}){refusal_hint(code)}")
            if attempt < self.policy.attempts:
                time.sleep(self.policy.delay(attempt))
        raise FetchError(f"{shown}: {last_problem} after {self.policy.attempts} attempts")


def html_answer_hint(response: httpx.Response) -> str:
    """An HTML page where ArcGIS JSON was expected is a wrong path, not an outage: SCE's
    /arcgis/ answers 404 'site is down for maintenance' while /arcgis_server/ works."""
    if "html" not in response.headers.get("content-type", "").lower():
        return ""
    return (" (an HTML page, not ArcGIS JSON: the service path is probably wrong or has moved,"
            " e.g. /arcgis/ versus /arcgis_server/; check service_url)")


def refusal_hint(code: object) -> str:
    if code in (401, 403):
        return (": the server refused the request; if its web map sends a Referer, set it in "
                "the config's request_headers")
    return ""


def parse_json(body: bytes) -> object:
    """orjson for speed; json for the bare NaN some ArcGIS servers write, which orjson refuses."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None

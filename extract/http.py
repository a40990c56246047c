"""HTTP for every source: replica rewrite, per-host politeness, retries, limits, secrets kept
out of logs.

Retries cover what real servers do under load: 5xx, 429 (honouring Retry-After), timeouts,
dropped connections, truncated JSON and ArcGIS's `{"error": ...}` inside an HTTP 200 with a
server-side code. What is still failing after the last attempt raises `FetchError`, which
names the URL (tokens redacted) and the cause: callers fail that utility, never skip a page.

Limits a hostile or broken server cannot walk around:
- a total deadline per request, from connecting to the last byte (`HC_HTTP_DEADLINE_S`):
  a server dripping one byte a second never resets it, unlike the timeout between reads;
- a maximum answer size (`HC_HTTP_MAX_RESPONSE_MB`), checked while the body streams in, so
  an endless answer stops at the limit instead of filling memory (not retried);
- redirects are followed only to the host asked (or from http to https on it) or to the
  replica; any other target fails with its URL and is never contacted;
- an answer that is not UTF-8, or that repeats a JSON key, fails at once (extract/jsontext.py).
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import defaultdict
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpcore
import httpx

from extract import settings
from extract.jsontext import AnswerFormatError, parse_json

SECRET_PARAMS = ("token", "apikey", "api_key", "key", "password")
# ArcGIS error codes inside HTTP 200 that a retry can cure (server busy, query timed out).
TRANSIENT_ARCGIS_CODES = {500, 502, 503, 504}
RETRYABLE_STATUS = {429, 500, 502, 503, 504}
# Long lists of objectIds go by POST, as ArcGIS documents.
MAX_GET_URL_LENGTH = 1800
MAX_REDIRECTS = 5
DEFAULT_PORTS = {"http": 80, "https": 443}
MB = 1_000_000


class FetchError(Exception):
    """A request that failed for good. The message is safe to log and to store."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    timeout_s: float = 60.0  # between two reads (and to connect, at most 15 s)
    deadline_s: float = 300.0  # one whole attempt, from connecting to the last byte
    max_response_mb: float = 64.0  # far above an ArcGIS page or a GridX window

    @classmethod
    def from_env(cls) -> RetryPolicy:
        return cls(
            attempts=int(_env_number("HC_HTTP_ATTEMPTS", cls.attempts)),
            base_delay_s=_env_number("HC_HTTP_BACKOFF_S", cls.base_delay_s, zero_ok=True),
            timeout_s=_env_number("HC_HTTP_TIMEOUT_S", cls.timeout_s),
            deadline_s=_env_number("HC_HTTP_DEADLINE_S", cls.deadline_s),
            max_response_mb=_env_number("HC_HTTP_MAX_RESPONSE_MB", cls.max_response_mb),
        )

    @property
    def max_response_bytes(self) -> int:
        return int(self.max_response_mb * MB)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_delay_s)
        backoff = self.base_delay_s * (2 ** (attempt - 1))
        return min(backoff, self.max_delay_s) * (0.5 + random.random() / 2)


def _env_number(name: str, default: float, zero_ok: bool = False) -> float:
    text = os.environ.get(name)
    if text is None or not text.strip():
        return float(default)
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (value >= 0 if zero_ok else value > 0) or value == float("inf"):
        raise ValueError(f"environment variable {name}={text!r}: expected a "
                         f"{'non-negative' if zero_ok else 'positive'} number "
                         f"(default {default:g})")
    return value


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


class _Deadline:
    """The deadline of the request a thread is making, and whether the last socket wait was
    cut short by it (then a timeout of that wait is the deadline's, not the server's)."""

    def __init__(self, seconds: float):
        self.at = time.monotonic() + seconds
        self.limited_last_wait = False


_DEADLINE: ContextVar[_Deadline | None] = ContextVar("hc_http_deadline", default=None)


def _time_left(timeout: float | None, error: type[Exception]) -> float | None:
    """The socket timeout to use now: the configured one, shortened to what is left before
    the request's deadline; `error` once it has passed."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline.at - time.monotonic()
    deadline.limited_last_wait = timeout is None or left <= timeout
    if left <= 0:
        raise error("the request's total deadline has passed")
    return left if timeout is None else min(timeout, left)


class DeadlineExceeded(httpx.TimeoutException):
    pass


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream):
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        return _DeadlineStream(self._stream.start_tls(
            ssl_context, server_hostname, _time_left(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> object:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sockets, each wait capped by the deadline of the request in progress."""

    def __init__(self, backend: httpcore.NetworkBackend):
        self._backend = backend

    def connect_tcp(self, host, port, timeout=None, local_address=None,
                    socket_options=None):
        return _DeadlineStream(self._backend.connect_tcp(
            host, port, _time_left(timeout, httpcore.ConnectTimeout), local_address,
            socket_options))

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        return _DeadlineStream(self._backend.connect_unix_socket(
            path, _time_left(timeout, httpcore.ConnectTimeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _enforce_deadlines(client: httpx.Client) -> None:
    """Put the deadline between httpx's connection pools and their sockets. httpx has no
    public hook for this; if an upgrade moves the pool, fail here rather than run unbounded
    (tests/test_http.py has a dripping server to catch it)."""
    transports = [client._transport, *(t for t in client._mounts.values() if t is not None)]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        if not isinstance(getattr(pool, "_network_backend", None), httpcore.NetworkBackend):
            raise RuntimeError(f"cannot enforce HC_HTTP_DEADLINE_S on {type(transport)}: "
                               "httpx/httpcore internals changed")
        pool._network_backend = _DeadlineBackend(pool._network_backend)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port or DEFAULT_PORTS.get(url.scheme)


def redirect_origins(target: str) -> set[tuple[str, str, int | None]]:
    """Where a redirect from `target` may lead: the same host (also from http to https on it)
    or the replica."""
    url = httpx.URL(target)
    allowed = {_origin(url)}
    if url.scheme == "http":
        allowed.add(("https", url.host, DEFAULT_PORTS["https"]))
    replica = settings.replica_url()
    if replica:
        allowed.add(_origin(httpx.URL(replica)))
    return allowed


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
            follow_redirects=False,  # followed by `_fetch`, only where `redirect_origins` allow
        )
        _enforce_deadlines(self._client)
        self.request_count = 0

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, url: str, params: Mapping[str, object] | None = None) -> httpx.Response:
        """GET (POST when the query is long), retrying transient failures. Returns any
        non-retryable answer (2xx, 204, 4xx) for the caller to judge, its body read in full."""
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
                    response = self._fetch(target, params, use_post, shown)
                if response.status_code not in RETRYABLE_STATUS:
                    return response
                last_problem = f"HTTP {response.status_code}"
                retry_after = _retry_after_seconds(response)
            except httpx.TimeoutException as error:
                last_problem = self._timeout_problem(error)
            except httpx.TransportError as error:
                last_problem = f"connection failed ({type(error).__name__})"
            if attempt < self.policy.attempts:
                time.sleep(self.policy.delay(attempt, retry_after))
        raise FetchError(f"{shown}: {last_problem} after {self.policy.attempts} attempts")

    def _fetch(self, target: str, params: dict[str, str], use_post: bool,
               shown: str) -> httpx.Response:
        """One attempt, redirects included, within the deadline and the size limit."""
        request = (self._client.build_request("POST", target, data=params) if use_post
                   else self._client.build_request("GET", target, params=params))
        deadline = _Deadline(self.policy.deadline_s)
        token = _DEADLINE.set(deadline)
        try:
            response = self._client.send(request, stream=True)
            try:
                response = self._follow_redirects(response, redirect_origins(target), shown)
                body = self._read_body(response, shown)
            finally:
                response.close()
        except httpx.TimeoutException as error:
            if deadline.limited_last_wait:
                raise DeadlineExceeded(str(error), request=request) from error
            raise
        finally:
            _DEADLINE.reset(token)
        # The body is decoded already: the headers that described its encoding go.
        headers = [(k, v) for k, v in response.headers.multi_items()
                   if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
        return httpx.Response(response.status_code, headers=headers, content=body,
                              request=response.request)

    def _follow_redirects(self, response: httpx.Response, allowed: set,
                          shown: str) -> httpx.Response:
        hops = 0
        while response.next_request is not None:
            next_request = response.next_request
            response.close()  # its body is never read: a redirect cannot fill memory either
            where = redact(str(next_request.url), self.secrets)
            if _origin(next_request.url) not in allowed:
                raise FetchError(f"{shown}: redirected (HTTP {response.status_code}) to {where}, "
                                 "another host; redirects are followed only on the same host "
                                 "or to the replica, so it was not contacted")
            hops += 1
            if hops > MAX_REDIRECTS:
                raise FetchError(f"{shown}: more than {MAX_REDIRECTS} redirects (last to {where})")
            response = self._client.send(next_request, stream=True)
        return response

    def _read_body(self, response: httpx.Response, shown: str) -> bytes:
        """The whole body, refused as soon as it passes the size limit (by its declared
        Content-Length, or while it streams in: an endless answer stops at the limit)."""
        limit = self.policy.max_response_bytes
        too_big = (f"{shown}: the answer is larger than the {self.policy.max_response_mb:g} MB "
                   "limit (HC_HTTP_MAX_RESPONSE_MB); lower page_size in the config or raise "
                   "the limit")
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(f"{too_big} (Content-Length {int(declared):,} bytes)")
        body = bytearray()  # one growing buffer: its size is the body's, however it arrives
        for chunk in response.iter_bytes():
            if len(body) + len(chunk) > limit:
                raise FetchError(f"{too_big} (stopped reading at {len(body) + len(chunk):,} "
                                 "bytes)")
            body += chunk
        return bytes(body)

    def _timeout_problem(self, error: httpx.TimeoutException) -> str:
        if isinstance(error, DeadlineExceeded):
            return (f"did not finish within the {self.policy.deadline_s:g} s deadline per "
                    "request (HC_HTTP_DEADLINE_S)")
        return f"timed out ({type(error).__name__})"

    def get_json(self, url: str, params: Mapping[str, object] | None = None) -> dict:
        """A JSON object from an ArcGIS-style endpoint. Truncated bodies and server-side
        ArcGIS errors are retried; client-side ones (bad parameter, token), answers that are
        not UTF-8 and answers repeating a key fail at once."""
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
            except AnswerFormatError as error:
                raise FetchError(f"{shown}: {error}") from error
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


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None

"""`make serve-map`: the built site on 127.0.0.1, with the byte ranges PMTiles reads.

Python's http.server answers whole files only; the map reads its tiles as byte ranges of one
archive, so this handler adds single-range `Range: bytes=a-b` requests (RFC 9110 14.2)."""

from __future__ import annotations

import os
import re
import threading
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DEFAULT_PORT = 8018
RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


class SiteHandler(SimpleHTTPRequestHandler):
    _remaining: int | None = None  # bytes left of the range being sent
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map,
                      ".mjs": "text/javascript", ".js": "text/javascript",
                      ".json": "application/json", ".geojson": "application/geo+json",
                      ".pmtiles": "application/octet-stream"}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        if os.environ.get("HC_MAP_LOG_REQUESTS"):
            super().log_message(format, *args)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def send_head(self):  # noqa: ANN201 - returns a file object or None, as the base class
        self._remaining = None
        wanted = self.headers.get("Range")
        path = Path(self.translate_path(self.path))
        if not wanted or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        match = RANGE.match(wanted.strip())
        if not match or match.groups() == ("", ""):
            self.send_error(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "one byte range only")
            return None
        first, last = match.groups()
        if first == "":  # the last N bytes
            start, end = max(size - int(last), 0), size - 1
        else:
            start, end = int(first), min(int(last) if last else size - 1, size - 1)
        if start >= size or start > end:
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        handle = path.open("rb")
        handle.seek(start)
        self.send_response(HTTPStatus.PARTIAL_CONTENT)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        self._remaining = end - start + 1
        return handle

    def copyfile(self, source, outputfile) -> None:  # noqa: ANN001
        remaining = self._remaining
        if remaining is None:
            return super().copyfile(source, outputfile)
        while remaining > 0 and (chunk := source.read(min(remaining, 1 << 16))):
            outputfile.write(chunk)
            remaining -= len(chunk)
        self._remaining = None
        return None


class SiteServer:
    """The site served from a thread: `with SiteServer(site_dir, port=0) as server: server.url`."""

    def __init__(self, site_dir: Path, host: str = "127.0.0.1", port: int = DEFAULT_PORT):
        if not (site_dir / "index.html").is_file():
            raise FileNotFoundError(f"{site_dir}: no map site here; run `make map` first")
        handler = partial(SiteHandler, directory=str(site_dir))
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://{host}:{self.httpd.server_address[1]}/"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> SiteServer:
        self._thread.start()
        return self

    def wait(self) -> None:
        """Blocks until the server stops (Ctrl-C in `make serve-map`)."""
        self._thread.join()

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join()

"""How ArcGIS writes its answers: compact JSON, pretty `pjson`, errors inside HTTP 200."""

from __future__ import annotations

import json

import orjson

from replicas.server import Response

QUERY_ERROR_MESSAGE = "Unable to perform query. Please check your parameters."
JSON_TYPE = "application/json; charset=utf-8"


class ArcGISError(Exception):
    """An answer of the form {"error": {...}}: ArcGIS sends these with HTTP status 200."""

    def __init__(self, code: int, message: str, details: list[str] | None = None,
                 message_code: str | None = None):
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message
        self.details = details or []
        self.message_code = message_code

    def payload(self) -> dict:
        error: dict = {"code": self.code}
        if self.message_code:
            error["messageCode"] = self.message_code
        error.update({"message": self.message, "details": self.details})
        return {"error": error}


def query_error(detail: str) -> ArcGISError:
    return ArcGISError(400, QUERY_ERROR_MESSAGE, [detail])


def answer(payload: object, output_format: str = "json") -> Response:
    if output_format == "pjson":
        return Response(200, json.dumps(payload, indent=2).encode(), "text/plain; charset=utf-8")
    content_type = "application/geo+json" if output_format == "geojson" else JSON_TYPE
    # orjson: compact like ArcGIS, and fast enough that a page costs its configured delay
    return Response(200, orjson.dumps(payload), content_type)


def html_page(title: str) -> Response:
    """What a browser gets without `f=json`: ArcGIS's HTML services directory."""
    body = (f"<html><head><title>{title} (ArcGIS REST Services Directory)</title></head>"
            f"<body><h2>{title}</h2><p>Add f=json (or f=pjson) to get JSON.</p></body></html>")
    return Response(200, body.encode(), "text/html; charset=utf-8")

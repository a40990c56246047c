"""JSON answers read strictly: UTF-8 only, no repeated keys, odd numbers kept as written.

- JSON is UTF-8 (RFC 8259). Latin-1 or cp1252 bytes are `NotUtf8Error`: a retry would get
  the same bytes, so callers fail at once instead of calling it a truncated answer.
- `{"HC_KW": 1, "HC_KW": 900}` is `DuplicateKeyError`: which value the server meant is
  unknown, and silently keeping the last one would load a guess.
- Bare NaN, Infinity and numbers beyond a double ("1e400"), which some ArcGIS servers write,
  parse as `NonFiniteNumber`: a float (NaN or inf, so geometry code treats them as before)
  that remembers its text, stored as that text in the raw attributes and counted as
  unparseable, never turned into a silent NULL.

orjson reads well-formed answers fast; the strict checks cost two byte counts and a re-dump
(see `_repeats_a_key` for why that finds every repeated key). Anything orjson refuses goes to
the standard library's parser with hooks, which also names the repeated key.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import orjson

INT64_MIN, UINT64_MAX = -(2**63), 2**64 - 1


class AnswerFormatError(ValueError):
    """An answer that no retry will cure."""


class NotUtf8Error(AnswerFormatError):
    def __init__(self, error: UnicodeDecodeError, body: bytes):
        byte = body[error.start:error.start + 1].hex().upper()
        super().__init__(f"the answer is not UTF-8 (byte 0x{byte} at offset {error.start}: "
                         f"{error.reason}); JSON must be UTF-8, so a retry would not help")


class DuplicateKeyError(AnswerFormatError):
    def __init__(self, key: str | None):
        which = f"the key {key!r}" if key is not None else "a key"
        super().__init__(f"the answer repeats {which} in one JSON object; which value the "
                         "server meant is unknown, so the answer is refused")


class NonFiniteNumber(float):
    """NaN, ±Infinity or an overflowing number, as the server wrote it."""

    text: str

    def __new__(cls, text: str) -> NonFiniteNumber:
        number = super().__new__(cls, float(text.replace("Infinity", "inf")))
        number.text = text
        return number


def parse_json(body: bytes) -> object:
    """The JSON value of an answer; ValueError when it is not JSON (truncated, garbled:
    worth a retry), `AnswerFormatError` when it never will be."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return _parse_slowly(_utf8_text(body))
    repeats = _repeats_a_key(body, value)
    if repeats is not False:
        _parse_slowly(body.decode("utf-8"))  # checks every object, naming a repeated key
        if repeats:
            raise DuplicateKeyError(None)
    return value


def parse_json_exact(body: bytes, parse_float: Callable[[str], object]) -> object:
    """For small answers whose numbers must stay exact (GridX prices as Decimal)."""
    return json.loads(_utf8_text(body), parse_float=parse_float,
                      object_pairs_hook=_object_without_repeated_keys)


def number_as_written(value: object) -> str:
    """orjson `default` for raw attributes: a NonFiniteNumber is stored as its text."""
    if isinstance(value, NonFiniteNumber):
        return value.text
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def non_finite_as_null(value: object) -> None:
    """orjson `default` for geometry: a NaN coordinate is stored as null, as before."""
    if isinstance(value, NonFiniteNumber):
        return None
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _utf8_text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.reason == "unexpected end of data" and error.end == len(body):
            raise ValueError("truncated inside a UTF-8 character") from error
        raise NotUtf8Error(error, body) from error


def _parse_slowly(text: str) -> object:
    return json.loads(text, parse_float=_float, parse_int=_int,
                      parse_constant=NonFiniteNumber,
                      object_pairs_hook=_object_without_repeated_keys)


def _float(text: str) -> float:
    number = float(text)
    return number if math.isfinite(number) else NonFiniteNumber(text)


def _int(text: str) -> int | float:
    """As orjson does: beyond 64 bits a float (or, overflowing, the text as written)."""
    if len(text) <= 20 and INT64_MIN <= (number := int(text)) <= UINT64_MAX:
        return number
    return _float(text)


def _object_without_repeated_keys(pairs: list[tuple[str, object]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKeyError(key)
            seen.add(key)
    return result


def _repeats_a_key(body: bytes, value: object) -> bool | None:
    """Whether the text writes more keys than the parsed value holds, without a slow parse;
    None when only the slow parser can tell.

    Colons appear in JSON text only after keys and inside strings, and a string's colons
    are its own bytes unless written as the escape \\u003a. So, without that escape, every
    colon of the text reappears in orjson's re-dump of the value, except those of keys (and
    of their values) dropped as repeats: fewer colons in the re-dump means a repeated key.
    """
    if b"\\" in body and (b"u003a" in body or b"u003A" in body):
        return None
    return orjson.dumps(value).count(b":") < body.count(b":")

"""What every config file shares: the problem record, the one YAML reader, URL checks.

Every YAML the code reads goes through `read_yaml`, which refuses a key given twice (PyYAML
would keep the last one silently: a field_map line or a pricing key would vanish). Problems
are (file, key, why), so `python -m extract validate-configs` lists them all in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

LOCAL_HOSTS = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class ConfigProblem:
    file: str
    key: str
    why: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.why}"


class _StrictLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a mapping key given twice."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int | float | bool):
                continue  # unhashable keys are reported by the checks that follow
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str) -> object:
    """The document in `text`; a duplicate key raises yaml.YAMLError like any syntax error."""
    return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader)


def read_yaml(path: Path) -> tuple[object, list[ConfigProblem]]:
    """The document in `path`, or the problem that kept it from being read."""
    try:
        return parse_yaml(path.read_text(encoding="utf-8")), []
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        why = " ".join(str(error).split())
        return None, [ConfigProblem(str(path), where, f"not valid YAML: {why}")]
    except (OSError, UnicodeDecodeError) as error:
        return None, [ConfigProblem(str(path), "(file)", f"cannot read: {error}")]


def is_config_file(path: Path) -> bool:
    return path.is_file() and path.suffix in (".yaml", ".yml")


def validation_problems(error: ValidationError, file: Path, known_keys: tuple[str, ...] = ()
                        ) -> list[ConfigProblem]:
    """Every error pydantic found in one file, as (file, key path, why)."""
    return [ConfigProblem(str(file), ".".join(str(part) for part in item["loc"]) or "(file)",
                          error_reason(item, known_keys))
            for item in error.errors()]


def error_reason(item: ErrorDetails, known_keys: tuple[str, ...] = ()) -> str:
    """The why of one pydantic error, in the words of the config problems."""
    if item["type"] == "missing":
        return "missing required key"
    if item["type"] == "extra_forbidden":
        return "unknown key (typo?)" + (
            f"; known keys: {', '.join(known_keys)}" if known_keys else "")
    if item["type"] == "value_error":
        return str(item["ctx"]["error"])
    return item["msg"]


def check_url(url: object) -> str | None:
    """Why `url` is not acceptable, or None. Plain http only for local replicas."""
    if not isinstance(url, str) or not url:
        return "must be a non-empty URL string"
    if url != url.strip() or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return f"{url!r} contains spaces or control characters"
    parts = urlsplit(url)
    if parts.username or parts.password:
        return "must not embed credentials; name a token variable in auth_token_env"
    if parts.query or parts.fragment:
        return "must not carry a query string or fragment (tokens go in auth_token_env)"
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname in LOCAL_HOSTS:
        return None
    if parts.scheme == "http":
        return f"plain http is only accepted for {', '.join(LOCAL_HOSTS)}; use https"
    return f"not an http(s) URL: {url!r}"

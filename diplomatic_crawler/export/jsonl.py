"""JSON Lines (and a plain JSON array): one object per record, UTF-8, fields in the stable order, no NaN."""

from __future__ import annotations

import json
from typing import Any

from .base import Writer

try:  # orjson is several times faster on long texts; the standard library is the fallback
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency
    orjson = None

__all__ = ["JsonArrayWriter", "JsonLinesWriter", "dumps", "dumps_bytes"]

_LS, _PS = "\u2028".encode(), "\u2029".encode()


def dumps_bytes(record: Any) -> bytes:
    """Compact UTF-8 JSON, keys in the record's order. Never writes NaN or Infinity (not JSON: the standard
    library refuses them, orjson writes null). U+2028/U+2029 are escaped so that a line splitter that treats
    them as line breaks (JavaScript, `str.splitlines`) still sees one record per line."""
    if orjson is not None:
        data = orjson.dumps(record)
    else:
        data = json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
    if b"\xe2\x80" in data:
        data = data.replace(_LS, b"\\u2028").replace(_PS, b"\\u2029")
    return data


def dumps(record: Any) -> str:
    return dumps_bytes(record).decode("utf-8")


class JsonLinesWriter(Writer):
    extension = "jsonl"
    media_type = "application/jsonl"

    def write(self, record: dict[str, Any]) -> None:
        self.stream.write(dumps_bytes(record) + b"\n")
        self.count += 1


class JsonArrayWriter(Writer):
    """A JSON array of records, one record per line (streamed; the array is closed by `finish`)."""

    extension = "json"
    media_type = "application/json"

    def start(self) -> None:
        self.stream.write(b"[")

    def write(self, record: dict[str, Any]) -> None:
        self.stream.write((b",\n" if self.count else b"\n") + dumps_bytes(record))
        self.count += 1

    def finish(self) -> int:
        self.stream.write(b"\n]\n")
        return super().finish()

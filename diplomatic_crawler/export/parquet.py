"""Parquet (pyarrow, zstd) with an explicit, typed schema, written in row groups of bounded size.

Column types: strings; `authors`, `tags` and `countries` as `list<string>`; `alternates` as
`list<struct<url, hreflang, source>>` (strings); `timezone_assumed` bool; `word_count` and
`crawl_id` int64; `fetched_at`, `first_seen`, `last_checked` as `timestamp[us, tz=UTC]`. `published` and
`modified` stay strings exactly as archived (a day, or a datetime with its original offset: an Arrow
timestamp cannot keep the offset), each followed by two typed columns: `<name>_utc`
(`timestamp[us, tz=UTC]`, NULL when only the day is known) and `<name>_date` (`date32`, the publisher's
local calendar day). Every field carries its description in the Arrow field metadata.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from .base import Writer
from .schema import RECORD_COLUMNS, ExportSchema, parse_iso

__all__ = ["DEFAULT_ROW_GROUP_BYTES", "DEFAULT_ROW_GROUP_ROWS", "ParquetWriter", "arrow_schema", "column_docs"]

DEFAULT_ROW_GROUP_ROWS = 5_000
DEFAULT_ROW_GROUP_BYTES = 8 * 1024 * 1024  # of text: bounds memory whatever the article length
_UTC_TS = pa.timestamp("us", tz="UTC")
_KIND_TYPES = {
    "str": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "list": pa.list_(pa.string()),
    "utc": _UTC_TS,
    "date": pa.string(),
}
_NOT_NULL = frozenset({"article_id", "canonical_url", "url", "site"})


def column_docs(schema: ExportSchema) -> list[tuple[str, pa.DataType, str]]:
    """(column, Arrow type, description) of every Parquet column, in order."""
    out: list[tuple[str, pa.DataType, str]] = []
    for name in schema.fields:
        kind, doc = schema.kind(name), schema.describe(name)
        out.append((name, _records_type(name) if kind == "records" else _KIND_TYPES[kind], doc))
        if kind == "date":
            if f"{name}_utc" not in schema.fields:  # `published_utc` is a field of its own (migration 95)
                out.append((f"{name}_utc", _UTC_TS, f"`{name}` as a UTC instant; NULL when only the day is known"))
            out.append((f"{name}_date", pa.date32(), f"`{name}`'s calendar day in the publisher's time zone"))
    return out


def _records_type(name: str) -> pa.DataType:
    return pa.list_(pa.struct([(key, pa.string()) for key in RECORD_COLUMNS[name]]))


def arrow_schema(schema: ExportSchema) -> pa.Schema:
    return pa.schema(
        [
            pa.field(name, typ, nullable=name not in _NOT_NULL, metadata={"description": doc})
            for name, typ, doc in column_docs(schema)
        ],
        metadata={"generator": "diplomatic-crawler"},
    )


def _utc(value: Any) -> datetime | None:
    parsed = parse_iso(value) if isinstance(value, str) else None
    return parsed if isinstance(parsed, datetime) else None


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


class ParquetWriter(Writer):
    """Options: `row_group_rows` (default 5,000) and `row_group_bytes` (default 8 MiB of text: a row group is
    written when either is reached, so memory stays bounded however long the articles), `compression` (default
    zstd), `metadata` (a dict of strings stored in the file's key-value metadata)."""

    extension = "parquet"
    media_type = "application/vnd.apache.parquet"

    def start(self) -> None:
        self.arrow_schema = arrow_schema(self.schema)
        metadata = dict(self.arrow_schema.metadata or {})
        metadata.update({k.encode(): str(v).encode() for k, v in (self.options.get("metadata") or {}).items()})
        self.arrow_schema = self.arrow_schema.with_metadata(metadata)
        self.row_group_rows = int(self.options.get("row_group_rows") or DEFAULT_ROW_GROUP_ROWS)
        self.row_group_bytes = int(self.options.get("row_group_bytes") or DEFAULT_ROW_GROUP_BYTES)
        self.kinds = {name: self.schema.kind(name) for name in self.schema.fields}
        self.derived_utc = {name: f"{name}_utc" not in self.kinds for name in self.kinds}
        self.writer = pq.ParquetWriter(
            self.stream,
            self.arrow_schema,
            compression=self.options.get("compression", "zstd"),
            write_statistics=True,
        )
        self._reset()

    def _reset(self) -> None:
        self.columns: dict[str, list[Any]] = {name: [] for name in self.arrow_schema.names}
        self.pending = 0
        self.pending_bytes = 0

    def write(self, record: dict[str, Any]) -> None:
        cols = self.columns
        for name, kind in self.kinds.items():
            value = record.get(name)
            if kind == "utc":
                cols[name].append(_utc(value))
            elif kind == "records":  # only the struct's keys, each a string or NULL
                keys = RECORD_COLUMNS[name]
                cols[name].append([{k: _str_or_none(v.get(k)) for k in keys} for v in value or ()])
            elif kind == "date":
                cols[name].append(value)
                parsed = parse_iso(value) if value else None
                if self.derived_utc[name]:
                    cols[f"{name}_utc"].append(parsed if isinstance(parsed, datetime) else None)
                if isinstance(parsed, datetime):
                    cols[f"{name}_date"].append(parsed.date())
                else:
                    cols[f"{name}_date"].append(parsed if isinstance(parsed, date) else None)
            else:
                cols[name].append(value)
        self.count += 1
        self.pending += 1
        self.pending_bytes += len(record.get("text") or "") + len(record.get("title") or "") + 512
        if self.pending >= self.row_group_rows or self.pending_bytes >= self.row_group_bytes:
            self.flush_row_group()

    def flush_row_group(self) -> None:
        if not self.pending:
            return
        table = pa.Table.from_pydict(self.columns, schema=self.arrow_schema)
        self.writer.write_table(table, row_group_size=self.pending)
        self._reset()

    def finish(self) -> int:
        self.flush_row_group()
        self.writer.close()
        return super().finish()

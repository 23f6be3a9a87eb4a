"""CSV that is safe to open in a spreadsheet and still round-trips exactly.

* UTF-8 (`bom=True` adds a byte-order mark for Excel), RFC 4180 quoting: embedded quotes, commas and
  newlines are quoted and read back unchanged by `csv.reader` (open the file with `newline=""`).
* Formula neutralisation (CWE-1236): a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
  return is written with a leading apostrophe `'`, which spreadsheets show as text instead of evaluating.
  A cell that already starts with `'` followed by one of those characters gets one more apostrophe, so
  `restore_cell` (remove one leading `'` before such a character) gives back the exact original value.
* Lists (`authors`, `tags`, `countries`) are JSON arrays of strings, `alternates` a JSON array of objects
  (`{"url": ..., "hreflang": ..., "source": ...}`), each in one cell; `timezone_assumed` is `true`/`false`;
  a missing value is an empty cell. Numbers are written as numbers and never prefixed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from .base import Writer
from .schema import ExportSchema

__all__ = ["FORMULA_PREFIXES", "CsvWriter", "neutralise_cell", "read_csv_records", "restore_cell"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: str) -> str:
    if value.startswith(FORMULA_PREFIXES) or (
        value.startswith("'") and value[1:].lstrip("'").startswith(FORMULA_PREFIXES)
    ):
        return "'" + value
    return value


def restore_cell(value: str) -> str:
    """Undo `neutralise_cell`."""
    if value.startswith("'") and value[1:].lstrip("'").startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


_FORMULA_START = frozenset(FORMULA_PREFIXES)


def _quote(cell: str) -> str:
    """RFC 4180 quoting, as `csv.writer` (QUOTE_MINIMAL) does it, but without a per-character scan in Python:
    quote when the cell holds a comma, a double quote or a line break, doubling the double quotes."""
    if "," in cell or '"' in cell or "\n" in cell or "\r" in cell:
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _text_cell(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        return str(value)
    if value and (value[0] in _FORMULA_START or value[0] == "'"):
        value = neutralise_cell(value)
    return _quote(value)


def _list_cell(value: Any) -> str:
    return _quote(json.dumps(list(value or ()), ensure_ascii=False))


_JSON_KINDS = frozenset({"list", "records"})


def _bool_cell(value: Any) -> str:
    return "" if value is None else ("true" if value else "false")


def _number_cell(value: Any) -> str:
    return "" if value is None else str(value)


class CsvWriter(Writer):
    extension = "csv"
    media_type = "text/csv"

    def start(self) -> None:
        if self.options.get("bom"):
            self.stream.write("\ufeff".encode())
        self.fields = self.schema.fields
        kinds = {name: self.schema.kind(name) for name in self.fields}
        by_kind = {"bool": _bool_cell, "int": _number_cell, "float": _number_cell}
        by_kind.update(dict.fromkeys(_JSON_KINDS, _list_cell))
        self.cells = [(name, by_kind.get(kinds.get(name, "str"), _text_cell)) for name in self.fields]
        if self.options.get("header", True):  # False: appended to a file that has its header already
            self.stream.write((",".join(_quote(name) for name in self.fields) + "\r\n").encode("utf-8"))

    def write(self, record: dict[str, Any]) -> None:
        get = record.get
        line = ",".join([cell(get(name)) for name, cell in self.cells])
        self.stream.write((line + "\r\n").encode("utf-8"))
        self.count += 1


def read_csv_records(stream: BinaryIO, schema: ExportSchema | None = None) -> Iterator[dict[str, Any]]:
    """Read a CSV export back into export records (the inverse of `CsvWriter`)."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    header = next(reader)
    schema = schema or ExportSchema()
    kinds = {name: schema.kind(name) for name in schema.fields}
    for row in reader:
        record: dict[str, Any] = {}
        for name, cell in zip(header, row, strict=True):
            kind = kinds.get(name, "str")
            if kind in _JSON_KINDS:
                record[name] = json.loads(restore_cell(cell)) if cell else []
            elif cell == "":
                record[name] = None
            elif kind == "bool":
                record[name] = cell == "true"
            elif kind == "int":
                record[name] = int(cell)
            elif kind == "float":
                record[name] = float(cell)
            else:
                record[name] = restore_cell(cell)
        yield record

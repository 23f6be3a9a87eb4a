"""Exports of the archive: JSON Feed 1.1, Atom 1.0, JSON Lines, JSON, CSV and Parquet files, research datasets with a
dataset card, per-site statistics, and the same formats as Scrapy feed exporters.

Library first, CLI on top (`diplomatic_crawler.cli.export`):

    from diplomatic_crawler.export import ExportFilter, export_file
    export_file("output/archive.db", "jsonl", "out.jsonl", ExportFilter(sites=["mfa-az"], since="2025"))
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

from ..progress import Progress
from .base import Writer
from .filters import ArchiveReader, ExportError, ExportFilter
from .schema import CORE_FIELDS, ExportSchema

__all__ = [
    "CORE_FIELDS",
    "FEED_FORMATS",
    "FORMATS",
    "ArchiveReader",
    "ExportError",
    "ExportFilter",
    "ExportSchema",
    "check_output_path",
    "export_file",
    "export_stream",
    "write_output",
    "writer_class",
]

FORMATS = ("jsonfeed", "atom", "jsonl", "json", "csv", "parquet")
FEED_FORMATS = frozenset({"jsonfeed", "atom"})  # newest first, with a title, links and the filters


def writer_class(fmt: str) -> type[Writer]:
    """The writer of a format (imported lazily: pyarrow only when Parquet is asked for)."""
    if fmt == "jsonl":
        from .jsonl import JsonLinesWriter

        return JsonLinesWriter
    if fmt == "json":
        from .jsonl import JsonArrayWriter

        return JsonArrayWriter
    if fmt == "jsonfeed":
        from .jsonfeed import JsonFeedWriter

        return JsonFeedWriter
    if fmt == "atom":
        from .atom import AtomWriter

        return AtomWriter
    if fmt == "csv":
        from .csvfile import CsvWriter

        return CsvWriter
    if fmt == "parquet":
        from .parquet import ParquetWriter

        return ParquetWriter
    raise ExportError(f"unknown format {fmt!r} (formats: {', '.join(FORMATS)})")


def write_records(
    stream: BinaryIO,
    fmt: str,
    schema: ExportSchema,
    records: Iterable[dict[str, Any]],
    *,
    writer: type[Writer] | None = None,
    **options: Any,
) -> int:
    """Write records in `fmt` (with `writer`, a Writer for a format of its own, such as the Scrapy feed
    formats of `feeds`); return how many."""
    writer = (writer or writer_class(fmt))(stream, schema, **options)
    writer.start()
    for record in records:
        writer.write(record)
    return writer.finish()


def export_stream(
    reader: ArchiveReader,
    fmt: str,
    stream: BinaryIO,
    flt: ExportFilter,
    *,
    writer: type[Writer] | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> int:
    """Write the filtered articles of an open archive to `stream`; return the number of articles. With
    `progress`, its line counts the articles written (of `reader.count(flt)`)."""
    writer = writer or writer_class(fmt)  # unknown formats fail before any query
    order = "newest" if fmt in FEED_FORMATS else "stable"
    if fmt in FEED_FORMATS:
        options.setdefault("filters", flt.describe())
    records: Iterable[dict[str, Any]] = reader.records(flt, order=order)
    if progress is not None:
        progress.start(reader.count(flt))
        records = progress.iterate(records)
    return write_records(stream, fmt, reader.schema, records, writer=writer, **options)


def check_output_path(output: str | Path) -> Path:
    """An output file path whose directory exists and is writable (nothing is created outside it)."""
    path = Path(output)
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ExportError(f"{path}: is a directory")
    if not parent.is_dir():
        raise ExportError(f"{path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise ExportError(f"{path}: directory {parent} is not writable")
    return path


def export_file(
    db: str | Path,
    fmt: str,
    output: str | Path,
    flt: ExportFilter | None = None,
    *,
    progress: Progress | None = None,
    **options: Any,
) -> int:
    """Export to a file (`-` for standard output). The file is written under a temporary name beside the
    target and renamed when complete: an interrupted export never leaves a truncated file behind."""
    flt = flt or ExportFilter()
    writer_class(fmt)
    with ArchiveReader(db) as reader:
        return write_output(
            output, lambda handle: export_stream(reader, fmt, handle, flt, progress=progress, **options)
        )


def write_output(output: str | Path, write: Callable[[BinaryIO], int]) -> int:
    """Call `write(stream)` on standard output (`-`) or on a temporary file beside `output`, renamed to it
    once complete (mode as the umask says); return what `write` returned."""
    if str(output) == "-":
        return write(sys.stdout.buffer)
    path = check_output_path(output)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as handle:
            count = write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return count

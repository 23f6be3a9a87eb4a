"""Raw captures: every fetched article response, kept as received, so it can be cited and re-extracted.

A capture is the response body after transfer decoding (Scrapy's `response.body`: chunking and
Content-Encoding undone), the status, the headers, the URL and the fetch time. It is written in the same
savepoint as the article row (`Archive.write_articles`), so a row never exists without its capture.

`CAPTURES_STORE` says where the body goes:

* `db` (default): zstd-compressed in `capture_bodies`, keyed by the body's SHA-256, so a page fetched
  again unchanged costs one small `captures` row and no second copy of the body;
* `warc`: a WARC response record (warcio) appended to `<archive dir>/warc/crawl-<id>.warc.gz` (one file per
  crawl, `CAPTURES_WARC_DIR` to change the directory); the `captures` row stores the file and the record's
  offset. Content-Encoding, Transfer-Encoding and Content-Length are left out of the record's HTTP header
  block because the stored payload is already decoded (the full header list stays in `captures.headers`);
* `off`: nothing is kept.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import zstandard

from .crawl_state import crawl_id_of
from .errors import DiplomaticCrawlerError

if TYPE_CHECKING:
    import sqlite_utils
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

__all__ = [
    "STORES",
    "Capture",
    "CaptureError",
    "capture_for",
    "capture_from_response",
    "capture_store",
    "read_body",
    "store_capture",
    "warc_file",
]

STORES = ("db", "warc", "off")
# zstd's default level. Measured on the fundus-dev pages (263 kB each): level 3 stores them 5.45x smaller
# in 0.59 ms a page, level 10 6.0x smaller in 2.9 ms; the writer thread shares the crawl's CPU, so the
# last 10% of space is not worth five times the time.
ZSTD_LEVEL = 3
# The stored body is decoded, so these headers would describe bytes that are not there (WARC record only).
_ENCODING_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})
_warc_lock = threading.Lock()  # one crawl may write from its writer thread and a test from another


class CaptureError(DiplomaticCrawlerError, RuntimeError):
    """A capture cannot be stored or read back (unknown store, missing WARC file, damaged body)."""


@dataclass(frozen=True)
class Capture:
    """One fetched response, as the spider hands it to the archive (pickled with the item)."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    fetched_at: str
    store: str = "db"
    warc_path: str | None = None  # absolute path of the crawl's WARC file when `store == "warc"`

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def capture_store(settings: BaseSettings) -> str:
    """CAPTURES_STORE, checked before the crawl starts (an unknown value is logged and stops it)."""
    store = settings.get("CAPTURES_STORE") or "db"
    if store not in STORES:
        message = f"CAPTURES_STORE: {store!r} is not one of {', '.join(STORES)}"
        logger.error("Invalid setting, nothing crawled: %s", message)
        raise ValueError(message)
    return store


def capture_for(spider: Any, response: Response, fetched_at: str) -> Capture | None:
    """The capture the spider attaches to an article item (`spider.captures_store`, its crawl's WARC file)."""
    warc = None
    if spider.captures_store == "warc":
        warc = warc_file(spider.archive.path, crawl_id_of(spider.crawler), spider.settings.get("CAPTURES_WARC_DIR"))
    return capture_from_response(response, fetched_at, spider.captures_store, warc)


def capture_from_response(response: Response, fetched_at: str, store: str, warc_path: str | None) -> Capture | None:
    """The capture of an article response, or None when captures are off."""
    if store == "off":
        return None
    headers = [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in response.headers.items()
        for value in values
    ]
    return Capture(response.url, response.status, headers, bytes(response.body), fetched_at, store, warc_path)


def warc_file(archive_path: str | Path, crawl_id: int | None, directory: str | None = None) -> str:
    """Where a crawl's WARC records go: `<archive dir>/warc/<archive name>-crawl-<id>.warc.gz` unless a
    directory is given. The archive's name is part of it: distributed workers write their shards side by
    side, each numbering its own crawls, and must never append to one file."""
    base = Path(directory) if directory else Path(archive_path).resolve().parent / "warc"
    return str(base / f"{Path(archive_path).stem}-crawl-{crawl_id if crawl_id is not None else 'none'}.warc.gz")


def store_capture(
    db: sqlite_utils.Database, capture: Capture, canonical_url: str, site: str | None, crawl_id: int | None
) -> int:
    """Write one capture (inside the caller's savepoint); return its `captures.id`."""
    digest = capture.sha256
    raw_size = len(capture.body)
    warc_name: str | None = None
    offset: int | None = None
    if capture.store == "db":
        row = db.execute("SELECT stored_size FROM capture_bodies WHERE sha256 = ?", [digest]).fetchone()
        if row is None:
            data = zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(capture.body)
            db.execute(
                "INSERT INTO capture_bodies (sha256, codec, raw_size, stored_size, data) VALUES (?, 'zstd', ?, ?, ?)",
                [digest, raw_size, len(data), data],
            )
            stored_size = len(data)
        else:
            stored_size = int(row[0])
    elif capture.store == "warc":
        if not capture.warc_path:
            raise CaptureError("WARC capture without a WARC file")
        offset, stored_size = _append_warc(Path(capture.warc_path), capture)
        warc_name = capture.warc_path
    else:
        raise CaptureError(f"unknown capture store {capture.store!r} (expected one of {', '.join(STORES)})")
    db.execute(
        "INSERT INTO captures (canonical_url, url, site, status, headers, fetched_at, crawl_id, sha256, raw_size,"
        " stored_size, store, warc_file, warc_offset) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            canonical_url,
            capture.url,
            site,
            capture.status,
            json.dumps(capture.headers, ensure_ascii=False),
            capture.fetched_at,
            crawl_id,
            digest,
            raw_size,
            stored_size,
            capture.store,
            warc_name,
            offset,
        ],
    )
    return int(db.execute("SELECT last_insert_rowid()").fetchone()[0])


def _append_warc(path: Path, capture: Capture) -> tuple[int, int]:
    """Append one gzip-member WARC response record; return (offset, compressed size)."""
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    http_headers = StatusAndHeaders(
        f"{capture.status} {_reason(capture.status)}",
        [(k, v) for k, v in capture.headers if k.lower() not in _ENCODING_HEADERS],
        protocol="HTTP/1.1",
    )
    buffer = BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    record = writer.create_warc_record(
        capture.url,
        "response",
        payload=BytesIO(capture.body),
        length=len(capture.body),
        http_headers=http_headers,
        warc_headers_dict={"WARC-Date": _warc_date(capture.fetched_at)},
    )
    writer.write_record(record)
    data = buffer.getvalue()
    with _warc_lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab") as fh:
            offset = fh.seek(0, 2)
            fh.write(data)
            fh.flush()
    return offset, len(data)


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _warc_date(fetched_at: str) -> str:
    return fetched_at.replace("+00:00", "Z")


def read_body(db: sqlite_utils.Database, capture_row: Mapping[str, Any]) -> bytes:
    """The body of one `captures` row, byte for byte as it was received (after transfer decoding)."""
    store = capture_row["store"]
    if store == "db":
        row = db.execute("SELECT codec, data FROM capture_bodies WHERE sha256 = ?", [capture_row["sha256"]]).fetchone()
        if row is None:
            raise CaptureError(f"capture {capture_row.get('id')}: body {capture_row['sha256']} missing")
        body = zstandard.ZstdDecompressor().decompress(row[1])
    elif store == "warc":
        body = _read_warc(Path(capture_row["warc_file"]), int(capture_row["warc_offset"]))
    else:
        raise CaptureError(f"capture {capture_row.get('id')}: unknown store {store!r}")
    if hashlib.sha256(body).hexdigest() != capture_row["sha256"]:
        raise CaptureError(f"capture {capture_row.get('id')}: body does not match its SHA-256")
    return body


def _read_warc(path: Path, offset: int) -> bytes:
    from warcio.archiveiterator import ArchiveIterator

    try:
        with path.open("rb") as fh:
            fh.seek(offset)
            for record in ArchiveIterator(fh):
                # raw_stream: the payload exactly as stored (no second decoding of Content-Encoding).
                return record.raw_stream.read()
    except OSError as exc:
        raise CaptureError(f"{path}: cannot read WARC record at {offset}: {exc.strerror or exc}") from exc
    raise CaptureError(f"{path}: no WARC record at offset {offset}")

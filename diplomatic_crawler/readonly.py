"""Opening an archive to read it, and why one cannot be opened: the standard library only, so the commands
that only read an archive (`changes`, `diff`, `history`, ...) start without loading sqlite-utils. `archive`
re-exports all of it (`ArchiveError` is the archive's one exception class)."""

from __future__ import annotations

import errno
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from .errors import DiplomaticCrawlerError

__all__ = ["NO_ARCHIVE_HINT", "SQLITE_HEADER", "ArchiveError", "connect_read_only", "open_problem", "placeholders"]


def placeholders(count: int) -> str:
    """`?, ?, ?` for `count` values: the one builder of `IN (...)` lists and `VALUES (...)` rows."""
    return ", ".join("?" * count)


class ArchiveError(DiplomaticCrawlerError, RuntimeError):
    """The archive cannot be opened, migrated or written."""


SQLITE_HEADER = b"SQLite format 3\x00"
NO_ARCHIVE_HINT = "give an archive's path with --db (`scrapy crawl news` makes output/archive.db)"
_NO_WRITE = (errno.EACCES, errno.EPERM, errno.EROFS)


def _not_writable(path: Path) -> str | None:
    """Why the archive at `path` cannot be written (its directory or one of its files), or None."""
    try:
        with tempfile.TemporaryFile(dir=path.parent):
            pass
    except OSError as exc:
        if exc.errno in _NO_WRITE:
            return f"its directory {path.parent} is not writable ({exc.strerror})"
        return None
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if file.exists():
                open(file, "r+b").close()
        except OSError as exc:
            if exc.errno in _NO_WRITE:
                return f"{file.name} is read-only ({exc.strerror})"
    return None


def _not_sqlite(path: Path) -> bool:
    """The file exists, is not empty and does not start with SQLite's header."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError:
        return False
    return bool(header) and header != SQLITE_HEADER


def open_problem(path: Path, exc: BaseException, *, writing: bool) -> str | None:
    """The real cause of an archive SQLite cannot open or read, with what to do: a file that is not a
    SQLite database, or (`writing`) a place that cannot be written. None for any other cause (a damaged
    file, a missing directory...), which the caller reports itself."""
    if _not_sqlite(path):
        advice = (
            "nothing was written to it. Give the path of an archive (ARCHIVE_DB), or a new file name to start one"
            if writing
            else "give the path of an archive"
        )
        return f"{path}: not a SQLite database ({exc}; the file does not start with the SQLite header); {advice}"
    if writing and (reason := _not_writable(path)):
        return (
            f"{path}: cannot open archive for writing: {reason}; nothing was written. Crawl into a writable"
            " place (-s ARCHIVE_DB=/writable/dir/archive.db) or change the permissions; stats, export,"
            " health and search read it where it is"
        )
    return None


def connect_read_only(path: str | Path, *, timeout: float = 30.0, **kwargs: Any) -> sqlite3.Connection:
    """A read-only connection to an archive, also where it cannot be written (a read-only directory, a
    read-only mount, another user's files). SQLite reads a WAL archive there only when its `-shm` file
    exists; otherwise, with no write-ahead log to read, the file is opened `immutable` (nothing can write
    it). Raise `ArchiveError` naming the real cause (no such file, not SQLite, a log it cannot read)."""
    path = Path(path)
    if not path.is_file():
        raise ArchiveError(f"{path}: no such archive", hint=NO_ARCHIVE_HINT)
    uri = path.resolve().as_uri()
    conn = None
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=timeout, **kwargs)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.Error as exc:
        if conn is not None:
            conn.close()
        failure = exc
    if (problem := open_problem(path, failure, writing=False)) is not None:
        raise ArchiveError(problem) from failure
    if _not_writable(path) is None:
        raise ArchiveError(f"{path}: cannot read archive: {failure}") from failure
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise ArchiveError(
            f"{path}: cannot read archive: its write-ahead log {wal.name} holds commits that SQLite reads only"
            f" with write access to {path.parent}; copy {path.name} and {wal.name} to a writable place"
        ) from failure
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=timeout, **kwargs)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        raise ArchiveError(f"{path}: cannot read archive: {exc}") from exc
    return conn

"""Revisions: the previous state of an article row is kept whenever its content changes.

Governments edit statements after publishing them. `Archive._write_article` calls `keep_previous` just
before it overwrites a row whose `content_hash` changed (or, for `reextract`, whose extracted fields
changed): the whole row as it was goes into `article_versions` (every column, as JSON in `row`, plus the
columns one queries by). Withdrawals and restorations are events (`article_events`, see `withdrawals`).
`article_history` and `format_history` give what `diplomatic-crawler history URL` prints.
"""

from __future__ import annotations

import difflib
import itertools
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite3

    import sqlite_utils

__all__ = ["Version", "article_history", "format_history", "keep_previous", "text_diff"]

_SKIP = frozenset({"rowid"})


def keep_previous(db: sqlite_utils.Database, key: str, superseded_at: str) -> int | None:
    """Copy the current row of `key` into `article_versions` (inside the caller's savepoint); return the
    version number it got (1 for the first state archived), or None when there is no row."""
    cursor = db.execute("SELECT * FROM articles WHERE canonical_url = ?", [key])
    names = [d[0] for d in cursor.description]
    row = cursor.fetchone()
    if row is None:
        return None
    data = {n: v for n, v in zip(names, row, strict=True) if n not in _SKIP and not isinstance(v, bytes)}
    (last,) = db.execute("SELECT max(version) FROM article_versions WHERE canonical_url = ?", [key]).fetchone()
    version = int(last or 0) + 1
    db.execute(
        "INSERT INTO article_versions (canonical_url, version, fetched_at, content_hash, title, text, published,"
        " extractor_version, crawl_id, superseded_at, row) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            key,
            version,
            data.get("fetched_at"),
            data.get("content_hash"),
            data.get("title"),
            data.get("text"),
            data.get("published"),
            data.get("extractor_version"),
            data.get("crawl_id"),
            superseded_at,
            json.dumps(data, ensure_ascii=False, sort_keys=True),
        ],
    )
    return version


@dataclass
class Version:
    number: int
    fetched_at: str | None
    content_hash: str | None
    title: str | None
    text: str
    current: bool = False
    row: dict[str, Any] = field(default_factory=dict)


def article_history(conn: sqlite3.Connection, url: str) -> tuple[str, list[Version], list[dict[str, Any]]] | None:
    """(canonical URL, versions oldest first with the current row last, events) for an archived article
    found by canonical URL, fetched URL or article id; None when the archive does not hold it."""
    cursor = conn.execute(
        "SELECT * FROM articles WHERE canonical_url = ? OR url = ? OR article_id = ? LIMIT 1", [url, url, url]
    )
    names = [d[0] for d in cursor.description]
    row = cursor.fetchone()
    if row is None:
        return None
    current = dict(zip(names, row, strict=True))
    key = current["canonical_url"]
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not {"article_versions", "article_events"} <= tables:  # an archive from before migration 20
        return key, [_current(current, 1)], []
    versions = [
        Version(n, fetched, digest, title, text or "", row=json.loads(stored))
        for n, fetched, digest, title, text, stored in conn.execute(
            "SELECT version, fetched_at, content_hash, title, text, row FROM article_versions"
            " WHERE canonical_url = ? ORDER BY version",
            [key],
        )
    ]
    versions.append(_current(current, len(versions) + 1))
    events = [
        dict(zip(("at", "event", "reason", "http_status", "url"), r, strict=True))
        for r in conn.execute(
            "SELECT at, event, reason, http_status, url FROM article_events WHERE canonical_url = ? ORDER BY at, id",
            [key],
        )
    ]
    return key, versions, events


def _current(row: dict[str, Any], number: int) -> Version:
    return Version(
        number, row.get("fetched_at"), row.get("content_hash"), row.get("title"), row.get("text") or "", True, row
    )


def text_diff(old: Version, new: Version, context: int = 2) -> list[str]:
    """A unified diff of title and text, line by line (paragraphs are lines), readable in a terminal."""
    before = [f"# {old.title or ''}", "", *old.text.splitlines()]
    after = [f"# {new.title or ''}", "", *new.text.splitlines()]
    return list(
        difflib.unified_diff(
            before,
            after,
            fromfile=f"version {old.number} ({old.fetched_at})",
            tofile=f"version {new.number} ({new.fetched_at})",
            n=context,
            lineterm="",
        )
    )


def format_history(key: str, versions: list[Version], events: list[dict[str, Any]]) -> str:
    """The versions (fetched_at, hash, title), the withdrawal events, then a diff between each pair."""
    lines = [key, ""]
    for v in versions:
        label = "current" if v.current else f"v{v.number}"
        lines.append(f"{label:>8}  {v.fetched_at or '-'}  {(v.content_hash or '-')[:12]}  {v.title or '(no title)'}")
    current = versions[-1].row
    if current.get("withdrawn_at"):
        lines += ["", f"WITHDRAWN since {current['withdrawn_at']} ({current.get('withdrawn_reason') or '?'})"]
    if events:
        lines += ["", "events:"]
        for e in events:
            status = f" HTTP {e['http_status']}" if e.get("http_status") else ""
            lines.append(f"  {e['at']}  {e['event']}{status}  {e.get('reason') or ''}".rstrip())
    for old, new in itertools.pairwise(versions):
        diff = text_diff(old, new)
        lines += ["", *(diff or [f"version {old.number} -> {new.number}: same title and text (other fields changed)"])]
    if len(versions) == 1:
        lines += ["", "one version only: the content has not changed since it was first archived"]
    return "\n".join(lines)

"""What the reading page of an article shows, read from the archive (the Datasette plugin renders it).

Plain `sqlite3` reads, no Datasette import: `reading_page(conn, article_id)` gathers an article (or one of its
earlier versions), its versions, captures, withdrawal events, language versions and near-duplicate neighbours
into one dict; `capture_text(conn, capture_id)` gives a raw capture back as text. The JSON columns (authors,
countries, alternates, tags) come back as lists.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .captures import read_body
from .readonly import placeholders
from .versions import article_history

__all__ = ["JSON_COLUMNS", "capture_text", "paragraphs", "reading_page"]

JSON_COLUMNS = ("authors", "tags", "countries", "alternates")
_NEIGHBOURS = 10  # near-duplicates listed on a reading page


def paragraphs(text: str | None) -> list[str]:
    """The article text as paragraphs: the archive separates them by a blank line; single line breaks inside
    a paragraph are kept as breaks by the template (`white-space: pre-line`)."""
    return [p.strip() for p in (text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]


def _json_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if not value:
        return []
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        return [value]
    return parsed if isinstance(parsed, list) else [parsed]


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _ids_of(conn: sqlite3.Connection, urls: list[str]) -> dict[str, str]:
    """Archived article ids of these URLs (canonical or fetched)."""
    if not urls:
        return {}
    marks = placeholders(len(urls))
    found: dict[str, str] = {}
    for canonical, url, aid in conn.execute(
        f"SELECT canonical_url, url, article_id FROM articles WHERE canonical_url IN ({marks}) OR url IN ({marks})",
        [*urls, *urls],
    ):
        found[canonical] = found.get(canonical, aid)
        found[url] = found.get(url, aid)
    return found


def reading_page(conn: sqlite3.Connection, article_id: str, version: int | None = None) -> dict[str, Any] | None:
    """Everything the reading page shows of the article `article_id`, as of `version` (1 = the first one
    archived; None = the current one); None when the archive holds no such article or version."""
    history = article_history(conn, article_id)
    if history is None:
        return None
    key, versions, events = history
    current = versions[-1]
    if current.row.get("article_id") != article_id:  # article_history also matches URLs
        return None
    shown = current if version is None else next((v for v in versions if v.number == version), None)
    if shown is None:
        return None
    article = {**shown.row, "title": shown.title, "text": shown.text}
    if not shown.current:  # an earlier state: its stored row, with the ids of the current one
        article.update(article_id=current.row["article_id"], canonical_url=key)
    for column in JSON_COLUMNS:
        article[column] = _json_list(article.get(column))
    tables = _tables(conn)
    superseded = {}
    if "article_versions" in tables:
        superseded = dict(
            conn.execute("SELECT version, superseded_at FROM article_versions WHERE canonical_url = ?", [key])
        )
    captures = []
    if "captures" in tables:
        captures = [
            dict(zip(("id", "url", "status", "fetched_at", "raw_size", "store"), row, strict=True))
            for row in conn.execute(
                "SELECT id, url, status, fetched_at, raw_size, store FROM captures WHERE canonical_url = ?"
                " ORDER BY fetched_at, id",
                [key],
            )
        ]
    alternates = [a for a in article["alternates"] if isinstance(a, dict) and a.get("url")]
    if "language_links" in tables:
        known = {a["url"] for a in alternates}
        for url, hreflang, source in conn.execute(
            "SELECT alternate_url, hreflang, source FROM language_links WHERE url = ? ORDER BY hreflang", [key]
        ):
            if url not in known:
                alternates.append({"url": url, "hreflang": hreflang, "source": source})
                known.add(url)
    archived = _ids_of(conn, [a["url"] for a in alternates])
    alternates = [{**a, "article_id": archived.get(a["url"])} for a in alternates]
    neighbours = []
    cluster = current.row.get("cluster_id")
    if cluster is not None:
        neighbours = [
            dict(zip(("article_id", "title", "site", "published", "language"), row, strict=True))
            for row in conn.execute(
                "SELECT article_id, title, site, published, language FROM articles"
                " WHERE cluster_id = ? AND canonical_url != ? ORDER BY published DESC LIMIT ?",
                [cluster, key, _NEIGHBOURS],
            )
        ]
    return {
        "article": article,
        "paragraphs": paragraphs(shown.text),
        "version": shown.number,
        "is_current": shown.current,
        "versions": [
            {
                "number": v.number,
                "fetched_at": v.fetched_at,
                "superseded_at": superseded.get(v.number),
                "title": v.title,
                "content_hash": v.content_hash,
                "words": len(v.text.split()),
                "current": v.current,
            }
            for v in versions
        ],
        "captures": captures,
        "events": events,
        "alternates": alternates,
        "neighbours": neighbours,
    }


def capture_text(conn: sqlite3.Connection, capture_id: int) -> tuple[dict[str, Any], str] | None:
    """A raw capture (its `captures` row, its body decoded as UTF-8 with replacement characters, since the
    page is shown as text, never rendered); None when there is no such capture. A body that cannot be read
    back raises `CaptureError`."""
    if "captures" not in _tables(conn):
        return None
    cursor = conn.execute("SELECT * FROM captures WHERE id = ?", [capture_id])
    row = cursor.fetchone()
    if row is None:
        return None
    capture = dict(zip([d[0] for d in cursor.description], row, strict=True))
    body = read_body(conn, capture)  # type: ignore[arg-type]  # only .execute is used
    return capture, body.decode("utf-8", errors="replace")

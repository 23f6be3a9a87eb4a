"""Full-text search of the archive (`diplomatic-crawler search`): the FTS5 index `articles_fts` on title and
text, newest first, with a snippet of the text around the match.

Read-only (`export.ArchiveReader`: one snapshot, works on an archive in a read-only location or being
crawled into). Filters are the export's (`ExportFilter`: site, since, language), checked the same way.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from .export.filters import ArchiveReader, ExportError, ExportFilter, parse_date_bound
from .export.schema import as_list, utc_instant
from .ids import article_id

__all__ = ["SearchHit", "SearchQueryError", "SearchResult", "parse_since", "quote_query", "search_archive"]

# Marks around each matched term in snippets and titles: control characters that never occur in archived
# text (extraction drops them), replaced by the caller's marks afterwards.
_OPEN, _CLOSE, _ELLIPSIS = "\x02", "\x03", "\x04"
SNIPPET_TOKENS = 24  # FTS5 snippet() length, in tokens (at most 64)
_RELATIVE = re.compile(r"(\d{1,5})\s*([dwmy])")


class SearchQueryError(ExportError):
    """The full-text query is not valid FTS5 syntax."""


@dataclass(frozen=True)
class SearchHit:
    article_id: str
    canonical_url: str
    site: str
    title: str | None
    published: str | None
    published_utc: str | None
    language: str | None
    authors: list[str]
    snippet: str
    rank: float  # bm25(): lower is a better match

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SearchResult:
    query: str
    total: int  # articles matching, of which `hits` are the newest `limit`
    hits: list[SearchHit] = field(default_factory=list)


def parse_since(value: str, *, today: date | None = None) -> str:
    """`--since WHEN`: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, or a span back from today: `7d`, `2w`, `6m` (30 days
    each), `1y` (365 days). Returns the first day, `YYYY-MM-DD`."""
    text = value.strip().lower()
    match = _RELATIVE.fullmatch(text)
    if match:
        days = int(match.group(1)) * {"d": 1, "w": 7, "m": 30, "y": 365}[match.group(2)]
        return ((today or datetime.now(UTC).date()) - timedelta(days=days)).isoformat()
    try:
        return parse_date_bound(text, end=False)
    except ExportError as exc:
        raise ExportError(
            f"invalid --since {value!r}: use YYYY, YYYY-MM, YYYY-MM-DD or a span such as 30d, 2w, 6m, 1y"
        ) from exc


_WORD = re.compile(r"\w+", re.UNICODE)


def quote_query(text: str) -> str:
    """Plain words as an FTS5 query: each word a quoted string (`non-proliferation` -> `"non" "proliferation"`:
    the phrase's words, each required), so no character is read as FTS5 syntax."""
    words = _WORD.findall(text)
    return " ".join(f'"{w}"' for w in words)


def _fts_message(query: str, exc: sqlite3.Error) -> str:
    reason = str(exc).removeprefix("fts5: ")
    return (
        f"invalid full-text query {query!r}: {reason}. Use FTS5 syntax (words, \"a phrase\", AND, OR, NOT, prefix*,"
        " title:word) or --quote to search the words as typed"
    )


def search_archive(
    db: str | Path,
    query: str,
    *,
    sites: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
    language: str | None = None,
    limit: int = 20,
    marks: tuple[str, str] = ("**", "**"),
    ellipsis: str = "…",
) -> SearchResult:
    """The `limit` newest articles matching the FTS5 `query` (title and text), with `total`, the number of
    matches; `since` as `parse_since`, `until` a last day (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, inclusive). Newest
    first by the publication instant in UTC (`published_utc`), a day-only date by its day, undated articles
    last. Raise `SearchQueryError` for a query FTS5 cannot read, `ExportError` for bad
    filters or an unreadable archive."""
    if not query or not query.strip():
        raise SearchQueryError("empty full-text query: give the words to search for")
    flt = ExportFilter(
        sites=tuple(sites), since=parse_since(since) if since else None, until=until, language=language, query=query
    )
    with ArchiveReader(db) as reader:
        where, params = reader.conditions(flt, "a")  # unknown site, missing index: one clear line
        where.insert(0, "articles_fts MATCH ?")
        params.insert(0, query)
        conditions = " AND ".join(where)
        source = f"FROM articles_fts JOIN articles AS a ON a.rowid = articles_fts.rowid WHERE {conditions}"
        have = set(reader.columns)

        def col(name: str) -> str:  # NULL for a column an archive of an older schema lacks
            return f"a.[{name}]" if name in have else "NULL"

        order = reader.newest_first("a")
        sql = (
            f"SELECT {col('article_id')}, a.canonical_url, a.site, highlight(articles_fts, 0, ?, ?), a.published,"
            f" {col('published_utc')}, {col('language')}, {col('authors')},"
            f" snippet(articles_fts, 1, ?, ?, ?, {SNIPPET_TOKENS}), bm25(articles_fts)"
            f" {source} ORDER BY {order}, bm25(articles_fts), a.canonical_url LIMIT ?"
        )
        try:  # FTS5 parses the query when it is run: whatever fails here is the query's fault
            reader.conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? LIMIT 1", [query]).fetchall()
        except sqlite3.OperationalError as exc:
            raise SearchQueryError(_fts_message(query, exc)) from exc
        try:
            (total,) = reader.conn.execute(f"SELECT count(*) {source}", params).fetchone()
            rows = reader.conn.execute(
                sql, [_OPEN, _CLOSE, _OPEN, _CLOSE, _ELLIPSIS, *params, max(0, int(limit))]
            ).fetchall()
        except sqlite3.Error as exc:
            raise ExportError(f"{reader.path}: {exc}") from exc

    def mark(text: str | None) -> str | None:
        if text is None:
            return None
        return text.replace(_OPEN, marks[0]).replace(_CLOSE, marks[1]).replace(_ELLIPSIS, ellipsis)

    hits = [
        SearchHit(
            article_id=row[0] or article_id(row[1]),
            canonical_url=row[1],
            site=row[2],
            title=mark(row[3]),
            published=row[4],
            published_utc=row[5] if row[5] is not None else utc_instant(row[4]),
            language=row[6],
            authors=as_list(row[7]),
            snippet=" ".join((mark(row[8]) or "").split()),
            rank=float(row[9]),
        )
        for row in rows
    ]
    return SearchResult(query=query, total=int(total), hits=hits)

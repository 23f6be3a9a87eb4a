"""Changes: what the archive saw change in articles it already held, newest first (issue 23).

A change is either

* a **revision**: one version of an article superseded by the next (`article_versions` row N and version
  N + 1, or the current row), with what changed among title, text, publication date and authors, a short
  word-level summary of the text change, both versions' fetch times, content hashes and captures; or
* a **withdrawal** or **restoration** (`article_events`).

New articles are not changes. A revision whose two versions come from the same raw capture (a
re-extraction of stored bytes, `reextract`) is not the publisher's edit and is left out unless asked for.

Plain `sqlite3` reads: `list_changes(conn, ...)` streams change records; `write_changes` writes them as
JSON Feed 1.1, JSON Lines or CSV. The word diff (`word_opcodes`) is shared with the diff pages (`diffpage`).
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO

from .ids import article_id as id_of_url

__all__ = [
    "CHANGE_FORMATS",
    "CSV_FIELDS",
    "FIELDS_COMPARED",
    "ChangesError",
    "capture_of",
    "list_changes",
    "parse_since",
    "version_pair",
    "word_opcodes",
    "word_summary",
    "write_changes",
]

CHANGE_FORMATS = ("jsonfeed", "jsonl", "csv")
FIELDS_COMPARED = ("title", "text", "published", "authors")
EVENTS = ("withdrawn", "restored")
_SITE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_DURATION = re.compile(r"^(\d{1,6})([hdw])$")
_SNIPPET = 60  # characters of each side of a hunk in the summary
_HUNKS = 2  # hunks quoted in the summary


class ChangesError(ValueError):
    """Bad filter or an archive that cannot be read for changes."""


# -- word diff ---------------------------------------------------------------------------------------------


def word_opcodes(a: Sequence[str], b: Sequence[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib opcodes of two word sequences. The common head and tail are matched first, so an edit in a
    long text costs a SequenceMatcher over the edited stretch only (edits are local; this keeps the export
    of 10,000 changes fast)."""
    head = 0
    limit = min(len(a), len(b))
    while head < limit and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < limit - head and a[len(a) - 1 - tail] == b[len(b) - 1 - tail]:
        tail += 1
    middle = difflib.SequenceMatcher(None, a[head : len(a) - tail], b[head : len(b) - tail], autojunk=False)
    ops: list[tuple[str, int, int, int, int]] = [("equal", 0, head, 0, head)] if head else []
    for tag, i1, i2, j1, j2 in middle.get_opcodes():
        ops.append((tag, i1 + head, i2 + head, j1 + head, j2 + head))
    if tail:
        ops.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))
    return _bridged([op for op in ops if op[1] != op[2] or op[3] != op[4]])


def _bridged(ops: list[tuple[str, int, int, int, int]]) -> list[tuple[str, int, int, int, int]]:
    """One edit where two are apart by a single unchanged word ("prepared a programme" → "signed a
    memorandum" is one replacement, not two around an "a"): how a reader sees a rewritten phrase."""
    out: list[tuple[str, int, int, int, int]] = []
    for n, op in enumerate(ops):
        if out and out[-1][0] != "equal" and (op[0] != "equal" or _lone_word(op, ops, n)):
            _tag, i1, _i2, j1, _j2 = out.pop()
            out.append(("replace", i1, op[2], j1, op[4]))
        else:
            out.append(op)
    return [("insert" if i1 == i2 else "delete" if j1 == j2 else tag, i1, i2, j1, j2) for tag, i1, i2, j1, j2 in out]


def _lone_word(op: tuple[str, int, int, int, int], ops: list[tuple[str, int, int, int, int]], n: int) -> bool:
    return op[2] - op[1] == 1 and n + 1 < len(ops) and ops[n + 1][0] != "equal"


def _clip(words: Sequence[str]) -> str:
    text = " ".join(words)
    return text if len(text) <= _SNIPPET else text[: _SNIPPET - 1].rstrip() + "…"


def word_summary(old: str, new: str) -> tuple[str, int, int]:
    """(summary, words added, words removed) of a text change: the counts and the first hunks quoted, as
    `−“at the border” +“in the capital”`."""
    a, b = old.split(), new.split()
    added = removed = 0
    hunks = []
    edits = [op for op in word_opcodes(a, b) if op[0] != "equal"]
    for _tag, i1, i2, j1, j2 in edits:
        removed += i2 - i1
        added += j2 - j1
        if len(hunks) < _HUNKS:
            parts = [f"−“{_clip(a[i1:i2])}”" if i2 > i1 else "", f"+“{_clip(b[j1:j2])}”" if j2 > j1 else ""]
            hunks.append(" ".join(p for p in parts if p))
    if not hunks:
        return "text unchanged", 0, 0
    more = " …" if len(edits) > _HUNKS else ""
    return f"{added} word(s) added, {removed} removed: " + "; ".join(hunks) + more, added, removed


# -- reading changes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _State:
    """One version of an article as a change shows it."""

    version: int
    current: bool
    row: dict[str, Any]

    def value(self, name: str) -> Any:
        value = self.row.get(name)
        if name == "authors":
            return _authors(value)
        return value if value not in ("",) else None


def _authors(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    if not value:
        return []
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        return [str(value)]
    return [str(v) for v in parsed] if isinstance(parsed, list) else [str(parsed)]


def parse_since(value: str | None, now: datetime | None = None) -> str | None:
    """`--since`: a date (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`), an ISO 8601 time (UTC without an offset) or a
    duration back from now (`36h`, `7d`, `2w`), as the UTC string the archive's event times compare with."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if match := _DURATION.match(text):
        amount, unit = int(match.group(1)), match.group(2)
        delta = {"h": timedelta(hours=amount), "d": timedelta(days=amount), "w": timedelta(weeks=amount)}[unit]
        moment = (now or datetime.now(UTC)) - delta
    elif re.fullmatch(r"\d{4}(-\d{2}){0,2}", text):
        from .export.filters import ExportError, parse_date_bound

        try:
            return parse_date_bound(text, end=False)
        except ExportError as exc:
            raise ChangesError(f"--since: {exc}") from exc
    else:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ChangesError(
                f"--since: {value!r} is no date (YYYY-MM-DD), time (ISO 8601) or duration (36h, 7d, 2w)"
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _check_sites(sites: Iterable[str]) -> list[str]:
    sites = list(sites)
    for site in sites:
        if not _SITE.match(site):
            raise ChangesError(f"--site: {site!r} is no site name (lower-case letters, digits, - and _)")
    return sites


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _row_of(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> dict[str, Any] | None:
    cursor = conn.execute(sql, params)
    row = cursor.fetchone()
    return None if row is None else dict(zip([d[0] for d in cursor.description], row, strict=True))


def version_pair(conn: sqlite3.Connection, key: str, old: int) -> tuple[_State, _State] | None:
    """Version `old` of an article and the one after it (the current row when `old` is the last kept)."""
    first = _stored(conn, key, old)
    if first is None:
        return None
    second = _stored(conn, key, old + 1)
    if second is None:
        current = _row_of(conn, "SELECT * FROM articles WHERE canonical_url = ?", [key])
        if current is None:
            return None
        second = _State(old + 1, True, current)
    return first, second


def _stored(conn: sqlite3.Connection, key: str, version: int) -> _State | None:
    found = conn.execute(
        "SELECT row FROM article_versions WHERE canonical_url = ? AND version = ?", [key, version]
    ).fetchone()
    return None if found is None else _State(version, False, json.loads(found[0]))


def capture_of(
    conn: sqlite3.Connection, key: str, fetched_at: str | None, has_captures: bool = True
) -> dict[str, Any] | None:
    """The raw capture (`id`, `sha256`) a version was extracted from: the one fetched when it was written."""
    if not has_captures or not fetched_at:
        return None
    found = conn.execute(
        "SELECT id, sha256 FROM captures WHERE canonical_url = ? AND fetched_at = ? ORDER BY id DESC LIMIT 1",
        [key, fetched_at],
    ).fetchone()
    return None if found is None else {"id": found[0], "sha256": found[1]}


def _side(state: _State, capture: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "version": state.version,
        "current": state.current,
        "fetched_at": state.row.get("fetched_at"),
        "content_hash": state.row.get("content_hash"),
        "title": state.value("title"),
        "published": state.value("published"),
        "authors": state.value("authors"),
        "capture_id": capture["id"] if capture else None,
    }


def _revision(
    conn: sqlite3.Connection, key: str, old: int, at: str, article: dict[str, Any], captures: bool, reextractions: bool
) -> dict[str, Any] | None:
    pair = version_pair(conn, key, old)
    if pair is None:
        return None
    before, after = pair
    cap_before = capture_of(conn, key, before.row.get("fetched_at"), captures)
    cap_after = capture_of(conn, key, after.row.get("fetched_at"), captures)
    same_capture = bool(cap_before and cap_after and cap_before["sha256"] == cap_after["sha256"])
    if same_capture and not reextractions:
        return None
    changed = [name for name in FIELDS_COMPARED if before.value(name) != after.value(name)]
    summary, added, removed = word_summary(before.value("text") or "", after.value("text") or "")
    if before.value("title") != after.value("title"):
        summary = f"title “{before.value('title') or ''}” → “{after.value('title') or ''}”; {summary}"
    return {
        **_head(
            f"revision:{article['article_id']}:v{old}", "reextraction" if same_capture else "revision", at, article
        ),
        "changed": changed,
        "summary": summary,
        "words_added": added,
        "words_removed": removed,
        "old": _side(before, cap_before),
        "new": _side(after, cap_after),
    }


def _head(change_id: str, kind: str, at: str, article: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": change_id,
        "kind": kind,
        "at": at,
        "article_id": article["article_id"],
        "canonical_url": article["canonical_url"],
        "url": article.get("url") or article["canonical_url"],
        "site": article.get("site"),
        "title": article.get("title"),
    }


def list_changes(
    conn: sqlite3.Connection,
    *,
    since: str | None = None,
    sites: Iterable[str] = (),
    limit: int | None = None,
    reextractions: bool = False,
) -> Iterator[dict[str, Any]]:
    """Change records, newest first (by when the archive saw them): revisions and withdrawal events of the
    articles of `sites` (all when empty) at or after `since` (see `parse_since`), at most `limit`. Bad
    filters raise `ChangesError` at once, before any record is read."""
    since = parse_since(since)
    sites = _check_sites(sites)
    tables = _tables(conn)
    if "articles" not in tables:
        raise ChangesError("not a diplomatic-crawler archive (no articles table)")
    if not {"article_versions", "article_events"} <= tables:
        return iter(())  # an archive from before migration 20 kept no versions
    return _changes(conn, since, sites, limit, reextractions, "captures" in tables)


def _changes(
    conn: sqlite3.Connection,
    since: str | None,
    sites: list[str],
    limit: int | None,
    reextractions: bool,
    captures: bool,
) -> Iterator[dict[str, Any]]:
    where, params = [], []
    if since:
        where.append("at >= ?")
        params.append(since)
    if sites:
        where.append(f"site IN ({', '.join('?' * len(sites))})")
        params += sites
    events = ", ".join(f"'{e}'" for e in EVENTS)
    sql = (
        "SELECT kind, canonical_url, version, at, reason, http_status FROM ("
        "SELECT 'revision' AS kind, v.canonical_url, v.version, v.superseded_at AS at, NULL AS reason,"
        " NULL AS http_status, a.site AS site FROM article_versions v"
        " JOIN articles a ON a.canonical_url = v.canonical_url"
        " UNION ALL SELECT e.event, e.canonical_url, e.id, e.at, e.reason, e.http_status, a.site FROM article_events e"
        f" JOIN articles a ON a.canonical_url = e.canonical_url WHERE e.event IN ({events}))"
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + " ORDER BY at DESC, canonical_url, version DESC"
    )
    articles: dict[str, dict[str, Any]] = {}
    count = 0
    for kind, key, number, at, reason, status in conn.execute(sql, params).fetchall():
        article = articles.get(key)
        if article is None:
            article = _row_of(
                conn, "SELECT canonical_url, url, site, title, article_id FROM articles WHERE canonical_url = ?", [key]
            ) or {"canonical_url": key}
            article["article_id"] = article.get("article_id") or id_of_url(key)
            articles[key] = article
        if kind == "revision":
            change = _revision(conn, key, number, at, article, captures, reextractions)
            if change is None:
                continue
        else:
            change = {
                **_head(f"{kind}:{article['article_id']}:{number}", kind, at, article),
                "reason": reason,
                "http_status": status,
            }
        yield change
        count += 1
        if limit is not None and count >= limit:
            return


# -- writing -----------------------------------------------------------------------------------------------

CSV_FIELDS = (
    "id",
    "kind",
    "at",
    "article_id",
    "canonical_url",
    "url",
    "site",
    "title",
    "changed",
    "summary",
    "words_added",
    "words_removed",
    "reason",
    "http_status",
    *(
        f"{side}_{name}"
        for side in ("old", "new")
        for name in ("version", "fetched_at", "content_hash", "title", "published", "authors", "capture_id")
    ),
)


def _flat(change: dict[str, Any]) -> dict[str, Any]:
    flat = {k: v for k, v in change.items() if k not in ("old", "new")}
    for side in ("old", "new"):
        for name, value in (change.get(side) or {}).items():
            flat[f"{side}_{name}"] = value
    return flat


def _csv_cell(value: Any) -> Any:
    from .export.csvfile import neutralise_cell

    if value is None:
        return ""
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralise_cell(value) if isinstance(value, str) else value


def _links(change: dict[str, Any], base_url: str | None) -> dict[str, str]:
    """Datasette pages of a change (`--base-url`: the database's URL in `diplomatic-crawler browse`)."""
    if not base_url:
        return {}
    base = base_url.rstrip("/")
    article = f"{base}/-/article/{change['article_id']}"
    links = {"article": article}
    if change["kind"] in ("revision", "reextraction"):
        links["diff"] = f"{article}/diff?from={change['old']['version']}&to={change['new']['version']}"
        for side in ("old", "new"):
            if change[side]["capture_id"] is not None:
                links[f"{side}_capture"] = f"{base}/-/capture/{change[side]['capture_id']}"
    return links


_KIND_WORDS = {"revision": "Edited", "reextraction": "Re-extracted", "withdrawn": "Withdrawn", "restored": "Restored"}


def feed_item(change: dict[str, Any], base_url: str | None = None) -> dict[str, Any]:
    """One JSON Feed item of a change: `id` stable per change, `url` its diff page (with a base URL),
    `external_url` the article's URL, the change record in `_diplomatic`."""
    from .export.schema import rfc3339

    links = _links(change, base_url)
    item: dict[str, Any] = {"id": change["id"]}
    if links:
        item["url"] = links.get("diff") or links["article"]
    item["external_url"] = change["url"]
    item["title"] = f"{_KIND_WORDS[change['kind']]}: {change.get('title') or change['canonical_url']}"
    if change["kind"] in EVENTS:
        status = f" (HTTP {change['http_status']})" if change.get("http_status") else ""
        text = f"{change['kind']} {change['at']}{status}: {change.get('reason') or ''}".rstrip(": ")
    else:
        old, new = change["old"], change["new"]
        lines = [change["summary"], f"changed: {', '.join(change['changed']) or 'other fields'}"]
        for name in ("published", "authors"):
            if name in change["changed"]:
                lines.append(f"{name}: {old[name] or '—'} → {new[name] or '—'}")
        lines.append(
            f"version {old['version']} ({old['fetched_at']}, {(old['content_hash'] or '')[:12]}) → "
            f"version {new['version']} ({new['fetched_at']}, {(new['content_hash'] or '')[:12]})"
        )
        text = "\n".join(lines)
    item["content_text"] = text
    item["summary"] = change.get("summary") or text
    item["date_published"] = rfc3339(change["at"])
    item["_diplomatic"] = {**change, "links": links} if links else change
    return item


def write_changes(
    changes: Iterable[dict[str, Any]],
    fmt: str,
    stream: BinaryIO,
    *,
    base_url: str | None = None,
    filters: dict[str, Any] | None = None,
    title: str | None = None,
) -> int:
    """Write change records as `jsonfeed`, `jsonl` or `csv`; return how many."""
    from .export.jsonl import dumps_bytes

    count = 0
    if fmt == "jsonl":
        for change in changes:
            links = _links(change, base_url)
            stream.write(dumps_bytes({**change, "links": links} if links else change) + b"\n")
            count += 1
    elif fmt == "csv":
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)
        writer = csv.writer(text)
        writer.writerow(CSV_FIELDS)
        for change in changes:
            flat = _flat(change)
            writer.writerow([_csv_cell(flat.get(name)) for name in CSV_FIELDS])
            count += 1
        text.flush()
        text.detach()
    elif fmt == "jsonfeed":
        from . import __version__
        from .export.jsonfeed import EXTENSION_ABOUT, JSONFEED_VERSION

        head = {
            "version": JSONFEED_VERSION,
            "title": title or "Changes in the diplomatic news archive",
            "_diplomatic": {
                "about": EXTENSION_ABOUT,
                "generator": f"diplomatic-crawler/{__version__}",
                "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
                "filters": filters or {},
            },
        }
        if base_url:
            head["home_page_url"] = f"{base_url.rstrip('/')}/-/changes"
        stream.write(dumps_bytes(head)[:-1] + b',"items":[')
        for change in changes:
            stream.write((b",\n" if count else b"\n") + dumps_bytes(feed_item(change, base_url)))
            count += 1
        stream.write(b"\n]}\n")
    else:
        raise ChangesError(f"unknown format {fmt!r} (expected one of {', '.join(CHANGE_FORMATS)})")
    stream.flush()
    return count

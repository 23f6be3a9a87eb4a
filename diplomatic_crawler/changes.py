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
The archive stores each revision's text summary when it writes the superseding version (`keep_summary`, table
`revision_summaries`); `list_changes` uses it while both versions' content hashes match, and diffs otherwise.
"""

from __future__ import annotations

import csv
import difflib
import functools
import heapq
import io
import itertools
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO

from .errors import DiplomaticCrawlerError
from .export.csvfile import FORMULA_PREFIXES, neutralise_cell
from .export.schema import rfc3339  # loaded with csvfile already: no import statement per feed item
from .ids import article_id as id_of_url
from .readonly import placeholders

__all__ = [
    "CHANGE_FORMATS",
    "CSV_FIELDS",
    "FIELDS_COMPARED",
    "ChangesError",
    "capture_of",
    "keep_missing_summaries",
    "keep_summary",
    "list_changes",
    "paragraph_opcodes",
    "parse_since",
    "text_change",
    "text_edits",
    "word_opcodes",
    "word_summary",
    "write_changes",
]

CHANGE_FORMATS = ("jsonfeed", "jsonl", "csv")
FIELDS_COMPARED = ("title", "text", "published", "authors")
EVENTS = ("withdrawn", "restored")
_FORMULA_START = frozenset((*FORMULA_PREFIXES, "'"))
_SITE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_DURATION = re.compile(r"^(\d{1,6})([hdw])$")
_SNIPPET = 60  # characters of each side of a hunk in the summary
_HUNKS = 2  # hunks quoted in the summary


class ChangesError(DiplomaticCrawlerError, ValueError):
    """Bad filter or an archive that cannot be read for changes."""


# -- word diff ---------------------------------------------------------------------------------------------


def word_opcodes(a: Sequence[str], b: Sequence[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib opcodes of two word (or paragraph) sequences. The common head and tail are matched first, so
    an edit in a long text costs a SequenceMatcher over the edited stretch only (edits are local; this keeps
    the export of 10,000 changes fast)."""
    if not a or not b:
        return [("insert", 0, 0, 0, len(b))] if b else [("delete", 0, len(a), 0, 0)] if a else []
    limit = min(len(a), len(b))
    head = next((n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), limit)
    rest = limit - head
    tail = next(
        (n for n, (x, y) in enumerate(zip(reversed(a), reversed(b), strict=False)) if n >= rest or x != y), rest
    )
    ops: list[tuple[str, int, int, int, int]] = [("equal", 0, head, 0, head)] if head else []
    a_end, b_end = len(a) - tail, len(b) - tail
    if head in (a_end, b_end) or (a_end - head == 1 and b_end - head == 1):
        ops.append(("replace", head, a_end, head, b_end))  # nothing to match inside: one edit (or none)
    else:
        middle = difflib.SequenceMatcher(None, a[head:a_end], b[head:b_end], autojunk=False)
        for tag, i1, i2, j1, j2 in middle.get_opcodes():
            ops.append((tag, i1 + head, i2 + head, j1 + head, j2 + head))
    if tail:
        ops.append(("equal", a_end, len(a), b_end, len(b)))
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


def paragraph_opcodes(a: Sequence[str], b: Sequence[str]) -> list[tuple[str, int, int, int, int]]:
    """Opcodes of two paragraph lists, anchored on the paragraphs found unchanged, in order (a paragraph is
    long and rarely repeated, so exact matches are the alignment; a repeated one falls back to difflib)."""
    where = {p: j for j, p in enumerate(b)}
    if len(where) < len(b) or len(set(a)) < len(a):
        return word_opcodes(a, b)
    ops: list[tuple[str, int, int, int, int]] = []
    i = j = 0
    for k, paragraph in enumerate(a):
        m = where.get(paragraph)
        if m is None or m < j:
            continue
        if (k, m) != (i, j):
            ops.append(("replace", i, k, j, m))
        if ops and ops[-1][0] == "equal" and ops[-1][2] == k:
            ops[-1] = ("equal", ops[-1][1], k + 1, ops[-1][3], m + 1)
        else:
            ops.append(("equal", k, k + 1, m, m + 1))
        i, j = k + 1, m + 1
    if (i, j) != (len(a), len(b)):
        ops.append(("replace", i, len(a), j, len(b)))
    return [("insert" if i1 == i2 else "delete" if j1 == j2 else t, i1, i2, j1, j2) for t, i1, i2, j1, j2 in ops]


def _paragraphs(text: str) -> list[str]:
    return [p for p in (p.strip() for p in text.replace("\r\n", "\n").split("\n\n")) if p]


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix of two strings, by bisection over slices (compared in C)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:  # a[:lo] is known equal: compare the new stretch only
            lo = mid
        else:
            hi = mid - 1
    return lo


def _trimmed(a: str, b: str, sep: str) -> tuple[str, str]:
    """The stretches of `a` and `b` between their common head and tail, both cut at a `sep` boundary (what
    lies outside is the same in both: whole words, or whole paragraphs)."""
    head = _common_prefix(a, b)
    if head < len(a) or head < len(b):  # back to just after the last separator inside the common head
        found = a.rfind(sep, 0, head)
        head = found + len(sep) if found != -1 else 0
    tail = _common_prefix(a[head:][::-1], b[head:][::-1])
    if tail < len(a) - head or tail < len(b) - head:  # on to the first separator inside the common tail
        found = a.find(sep, len(a) - tail)
        tail = len(a) - found if found != -1 else 0
    return a[head : len(a) - tail], b[head : len(b) - tail]


def text_edits(old: str, new: str) -> Iterator[tuple[list[str], list[str]]]:
    """The edits of a text change as (words removed, words added), in order: the common head and tail are set
    aside, paragraphs are matched (an edit touches few of them), then the words of each changed stretch."""
    if old == new:
        return
    old_middle, new_middle = _trimmed(old, new, "\n\n")
    a, b = _paragraphs(old_middle), _paragraphs(new_middle)
    for tag, i1, i2, j1, j2 in paragraph_opcodes(a, b):
        if tag == "equal":
            continue
        if i1 == i2 or j1 == j2:  # paragraphs added or removed: all their words
            yield " ".join(a[i1:i2]).split(), " ".join(b[j1:j2]).split()
            continue
        before, after = _trimmed(" ".join(a[i1:i2]), " ".join(b[j1:j2]), " ")
        before_words, after_words = before.split(), after.split()
        for op, k1, k2, m1, m2 in word_opcodes(before_words, after_words):
            if op != "equal":
                yield before_words[k1:k2], after_words[m1:m2]


def word_summary(old: str, new: str) -> tuple[str, int, int]:
    """(summary, words added, words removed) of a text change: the counts and the first hunks quoted, as
    `−“at the border” +“in the capital”`."""
    added = removed = 0
    hunks = []
    edits = 0
    for gone, came in text_edits(old, new):
        edits += 1
        removed += len(gone)
        added += len(came)
        if len(hunks) < _HUNKS:
            parts = [f"−“{_clip(gone)}”" if gone else "", f"+“{_clip(came)}”" if came else ""]
            hunks.append(" ".join(p for p in parts if p))
    if not hunks:
        return "text unchanged", 0, 0
    more = " …" if edits > _HUNKS else ""
    return f"{added} word(s) added, {removed} removed: " + "; ".join(hunks) + more, added, removed


def text_change(old: str | None, new: str | None) -> tuple[bool, str, int, int]:
    """(text changed, summary, words added, words removed) of one revision's text: what `changes` reports
    and `revision_summaries` stores (one function for both, so a stored summary is the one computed)."""
    before, after = old or "", new or ""
    return (before != after, *word_summary(before, after))


# -- reading changes ---------------------------------------------------------------------------------------


def _authors(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    if not value:
        return []
    return list(_decoded_authors(value))


@functools.lru_cache(maxsize=4096)
def _decoded_authors(value: Any) -> tuple[str, ...]:
    """The authors of a stored JSON array: decoded once per distinct value (a site's bylines repeat, and
    every revision has two sides to decode)."""
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        return (str(value),)
    return tuple(str(v) for v in parsed) if isinstance(parsed, list) else (str(parsed),)


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


# The two sides of a revision: version N (`v`) and the next one, kept (`n`) or the current row (`a`).
_SIDE_COLUMNS = ("fetched_at", "content_hash", "title", "published")
_NEXT = "CASE WHEN n.version IS NULL THEN a.{0} ELSE n.{0} END"
_CAPTURE = (
    "(SELECT c.id || ' ' || c.sha256 FROM captures c WHERE c.canonical_url = v.canonical_url AND c.fetched_at = {}"
    " ORDER BY c.id DESC LIMIT 1)"
)


# A summary stored when the next version was written (`keep_summary`), used only while both hashes match.
_SUMMARY_JOIN = (
    " LEFT JOIN revision_summaries s ON s.canonical_url = v.canonical_url AND s.version = v.version"
    " AND s.old_hash = v.content_hash AND s.new_hash = " + _NEXT.format("content_hash")
)
_STORED_COLUMNS = ("s.text_changed", "s.summary", "s.words_added", "s.words_removed")


_STORED = (
    "INSERT OR REPLACE INTO revision_summaries (canonical_url, version, old_hash, new_hash, text_changed, summary,"
    " words_added, words_removed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def keep_summary(db: Any, key: str, version: int) -> bool:
    """Store the summary of the text change from version `version` of `key` to the next one (version + 1, or
    the current row) with both content hashes, so `changes` need not diff the texts again; the archive calls
    it once the superseding version is written, in the same savepoint. Return whether one was stored (not
    when a side has no hash: nothing could tell a stale summary from a valid one). `db`: a sqlite3 or
    sqlite-utils connection."""
    found = db.execute(
        f"SELECT v.content_hash, v.text, {_NEXT.format('content_hash')}, {_NEXT.format('text')}"
        " FROM article_versions v JOIN articles a ON a.canonical_url = v.canonical_url"
        " LEFT JOIN article_versions n ON n.canonical_url = v.canonical_url AND n.version = v.version + 1"
        " WHERE v.canonical_url = ? AND v.version = ?",
        [key, version],
    ).fetchone()
    if found is None or not found[0] or not found[2]:
        return False
    old_hash, old_text, new_hash, new_text = found
    changed, summary, added, removed = text_change(old_text, new_text)
    db.execute(_STORED, [key, version, old_hash, new_hash, int(changed), summary, added, removed])
    return True


def keep_missing_summaries(db: Any, sites: Iterable[str] = ()) -> int:
    """Store the summary of every revision that has no valid one (an archive written before
    `revision_summaries`, a merge that renumbered versions, a stale row): what makes `changes` on an older
    archive as fast as on a new one. Commits every 200 revisions; returns how many were stored. `db`: a
    sqlite-utils Database open for writing (migrated)."""
    sites = list(sites)
    where = " AND a.site IN (" + placeholders(len(sites)) + ")" if sites else ""
    missing = db.execute(
        "SELECT v.canonical_url, v.version FROM article_versions v JOIN articles a ON a.canonical_url = v.canonical_url"
        " LEFT JOIN article_versions n ON n.canonical_url = v.canonical_url AND n.version = v.version + 1"
        + _SUMMARY_JOIN
        + " WHERE s.summary IS NULL"
        + where
        + " ORDER BY v.canonical_url, v.version",
        sites,
    ).fetchall()
    stored = 0
    for start in range(0, len(missing), 200):
        with db.atomic():
            stored += sum(keep_summary(db, key, version) for key, version in missing[start : start + 200])
    return stored


def _revisions_sql(where: str, captures: bool, summaries: bool) -> str:
    """Both sides of every revision; their texts only where no valid summary is stored (the texts are most
    of what the query reads and sorts)."""
    texts = ["v.text", _NEXT.format("text")]
    if summaries:
        texts = [f"CASE WHEN s.summary IS NULL THEN {t} END" for t in texts]
    old = [f"v.{c}" for c in _SIDE_COLUMNS] + ["json_extract(v.row, '$.authors')", texts[0]]
    new = [_NEXT.format(c) for c in _SIDE_COLUMNS]
    new += ["CASE WHEN n.version IS NULL THEN a.authors ELSE json_extract(n.row, '$.authors') END"]
    new += [texts[1]]
    caps = [_CAPTURE.format("v.fetched_at"), _CAPTURE.format(_NEXT.format("fetched_at"))] if captures else ["NULL"] * 2
    stored = list(_STORED_COLUMNS) if summaries else ["NULL"] * len(_STORED_COLUMNS)
    return (
        "SELECT v.superseded_at AS at, v.canonical_url, v.version, n.version IS NULL,"
        " a.url, a.site, a.title, a.article_id, "
        + ", ".join(old + new + caps + stored)
        + " FROM article_versions v JOIN articles a ON a.canonical_url = v.canonical_url"
        " LEFT JOIN article_versions n ON n.canonical_url = v.canonical_url AND n.version = v.version + 1"
        + (_SUMMARY_JOIN if summaries else "")
        + where.replace("at >=", "v.superseded_at >=").replace("site IN", "a.site IN")
        + " ORDER BY v.superseded_at DESC, v.canonical_url, v.version DESC"
    )


def _events_sql(where: str) -> str:
    events = ", ".join(f"'{e}'" for e in EVENTS)
    return (
        "SELECT e.at, e.canonical_url, e.id, e.event, a.url, a.site, a.title, a.article_id, e.reason, e.http_status"
        " FROM article_events e JOIN articles a ON a.canonical_url = e.canonical_url"
        f" WHERE e.event IN ({events})"
        + where.replace(" WHERE ", " AND ").replace("at >=", "e.at >=").replace("site IN", "a.site IN")
        + " ORDER BY e.at DESC, e.canonical_url, e.id DESC"
    )


def _side(version: int, current: bool, values: Sequence[Any], capture: str | None) -> dict[str, Any]:
    fetched_at, content_hash, title, published, authors = values[:5]
    return {
        "version": version,
        "current": current,
        "fetched_at": fetched_at,
        "content_hash": content_hash,
        "title": title or None,
        "published": published or None,
        "authors": _authors(authors),
        "capture_id": int(capture.split(" ", 1)[0]) if capture else None,
    }


def _revision(row: Sequence[Any], reextractions: bool) -> dict[str, Any] | None:
    version, next_is_current = row[2:4]
    old, new, (cap_old, cap_new) = row[8:14], row[14:20], row[20:22]
    same_capture = bool(cap_old and cap_new and cap_old.split(" ")[1] == cap_new.split(" ")[1])
    if same_capture and not reextractions:
        return None
    before, after = _side(version, False, old, cap_old), _side(version + 1, bool(next_is_current), new, cap_new)
    if row[23] is not None:  # stored when the archive wrote the next version, both hashes unchanged since
        text_changed, summary, added, removed = bool(row[22]), row[23], row[24], row[25]
    else:
        text_changed, summary, added, removed = text_change(old[5], new[5])
    differs = {name: before[name] != after[name] for name in ("title", "published", "authors")}
    differs["text"] = text_changed
    changed = [name for name in FIELDS_COMPARED if differs[name]]
    if before["title"] != after["title"]:
        summary = f"title “{before['title'] or ''}” → “{after['title'] or ''}”; {summary}"
    return {
        **_head("revision:{}:v{}", "reextraction" if same_capture else "revision", row, version),
        "changed": changed,
        "summary": summary,
        "words_added": added,
        "words_removed": removed,
        "old": before,
        "new": after,
    }


def _head(template: str, kind: str, row: Sequence[Any], number: int) -> dict[str, Any]:
    at, key, _n, _k, url, site, title, aid = row[:8]
    aid = aid or id_of_url(key)
    return {
        "id": template.format(aid, number),
        "kind": kind,
        "at": at,
        "article_id": aid,
        "canonical_url": key,
        "url": url or key,
        "site": site,
        "title": title,
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
    filters raise `ChangesError` at once, before any record is read; rows are streamed."""
    since = parse_since(since)
    sites = _check_sites(sites)
    tables = _tables(conn)
    if "articles" not in tables:
        raise ChangesError("not a diplomatic-crawler archive (no articles table)")
    if not {"article_versions", "article_events"} <= tables:
        return iter(())  # an archive from before migration 20 kept no versions
    where, params = [], []
    if since:
        where.append("at >= ?")
        params.append(since)
    if sites:
        where.append(f"site IN ({placeholders(len(sites))})")
        params += sites
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    # Sorting the revisions newest first carries their texts: in memory, with room (connection settings only).
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA cache_size = -65536")
    revisions = conn.execute(_revisions_sql(clause, "captures" in tables, "revision_summaries" in tables), params)
    events = conn.execute(_events_sql(clause), params)
    rows = heapq.merge(revisions, events, key=lambda r: r[0], reverse=True)
    found = (_change(row, reextractions) for row in rows)
    return itertools.islice((c for c in found if c is not None), limit)


def _change(row: Sequence[Any], reextractions: bool) -> dict[str, Any] | None:
    if len(row) == 10:  # an event
        return {**_head(f"{row[3]}:{{}}:{{}}", row[3], row, row[2]), "reason": row[8], "http_status": row[9]}
    return _revision(row, reextractions)


# -- writing -----------------------------------------------------------------------------------------------

# CSV: the record's fields, then those of each side of a revision as `old_*` / `new_*`.
_CSV_TOP = (
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
)
_CSV_SIDE = ("version", "fetched_at", "content_hash", "title", "published", "authors", "capture_id")
CSV_FIELDS = (*_CSV_TOP, *(f"{side}_{name}" for side in ("old", "new") for name in _CSV_SIDE))
_CSV_LISTS = [n for n, name in enumerate(CSV_FIELDS) if name in ("changed", "old_authors", "new_authors")]
_NO_SIDE: dict[str, Any] = {}


def _csv_row(change: dict[str, Any], lists: dict[tuple[str, ...], str]) -> list[Any]:
    """One CSV row: the record's fields, then each side's as `old_*` / `new_*`; lists as JSON (each distinct
    list of strings encoded once, kept in `lists`: fields changed and bylines repeat from row to row),
    formula-like text prefixed as `export` does (`neutralise_cell`), None empty."""
    old, new = change.get("old") or _NO_SIDE, change.get("new") or _NO_SIDE
    row = [change.get(n) for n in _CSV_TOP] + [old.get(n) for n in _CSV_SIDE] + [new.get(n) for n in _CSV_SIDE]
    for n in _CSV_LISTS:
        value = row[n]
        if value is None:
            continue
        key = tuple(value)
        if (text := lists.get(key)) is None:
            text = json.dumps(value, ensure_ascii=False)
            if all(v.__class__ is str for v in key) and len(lists) < 65536:
                lists[key] = text
        row[n] = text
    return [neutralise_cell(v) if v.__class__ is str and v[:1] in _FORMULA_START else v for v in row]


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
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(CSV_FIELDS)
        lists: dict[tuple[str, ...], str] = {}
        for change in changes:
            writer.writerow(_csv_row(change, lists))
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

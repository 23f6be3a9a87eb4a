"""The difference between two versions of an article: a unified text diff, and an HTML diff with the changed
words marked (`<ins>` / `<del>`), both versions side by side (stacked on a narrow screen).

Pure functions over `versions.Version` objects (`diplomatic-crawler diff` and the Datasette plugin's diff page
both call them). Every archived value is escaped (`html.escape`); the standalone page has its style inline
and loads nothing (no script, no font, no image), so it opens offline.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from .changes import capture_of, word_opcodes
from .errors import DiplomaticCrawlerError
from .ids import article_id
from .reading import paragraphs
from .versions import Version, article_history, text_diff

if TYPE_CHECKING:
    import sqlite3

__all__ = [
    "DIFF_CSS",
    "DiffError",
    "DiffLinks",
    "Versions",
    "compared_versions",
    "diff_fragment",
    "diff_page",
    "meta_changes",
    "unified_diff",
    "word_marks",
]

_PARA = "\x00¶"  # a paragraph break among the words of a block (never a word of the text)

DIFF_CSS = """
.dc-diff { max-width: 72rem; margin: 0 auto; line-height: 1.55; font-size: 1rem; }
.dc-diff h1 { font-size: 1.5rem; line-height: 1.25; overflow-wrap: anywhere; }
.dc-diff ins { background: #d4f7d4; color: #064b06; text-decoration: none; border-radius: 2px; }
.dc-diff del { background: #fbd3d3; color: #6b0707; text-decoration: line-through; border-radius: 2px; }
.dc-diff table { border-collapse: collapse; width: 100%; table-layout: fixed; }
.dc-diff th, .dc-diff td { vertical-align: top; text-align: left; padding: 0.35em 0.6em; overflow-wrap: anywhere; }
.dc-diff .dc-side td { width: 50%; border-top: 1px solid #e3e3e3; }
.dc-diff .dc-side tr.dc-same td { color: #555; }
.dc-diff .dc-side p { margin: 0 0 0.7em 0; }
.dc-diff .dc-meta td:first-child { font-weight: 600; width: 7rem; }
.dc-diff .dc-versions { color: #444; font-size: 0.95rem; }
.dc-diff code { font-size: 0.85rem; }
@media (max-width: 40rem) {
  .dc-diff .dc-side thead { display: none; }
  .dc-diff .dc-side tr, .dc-diff .dc-side td { display: block; width: auto; }
  .dc-diff .dc-side td.dc-old { border-top: 1px solid #ccc; background: #fff8f8; }
  .dc-diff .dc-side td.dc-new { background: #f7fff7; }
  .dc-diff .dc-side td.dc-old::before { content: "before: "; font-weight: 600; }
  .dc-diff .dc-side td.dc-new::before { content: "after: "; font-weight: 600; }
  .dc-diff .dc-side tr.dc-same td.dc-old, .dc-diff .dc-side td:empty { display: none; }
  .dc-diff .dc-side tr.dc-same td.dc-new { background: none; border-top: 1px solid #ccc; }
  .dc-diff .dc-side tr.dc-same td.dc-new::before { content: none; }
  .dc-diff .dc-versions tr { display: block; padding: 0.3em 0; border-top: 1px solid #e3e3e3; }
  .dc-diff .dc-versions td { display: inline; padding: 0 0.4em 0 0; }
}
"""


class DiffError(DiplomaticCrawlerError, LookupError):
    """No such article or version, or nothing to compare."""


@dataclass(frozen=True)
class Versions:
    """Two versions of one article to compare, with the ids of their raw captures."""

    key: str
    article_id: str
    old: Version
    new: Version
    old_capture: int | None
    new_capture: int | None
    count: int


def compared_versions(conn: sqlite3.Connection, ref: str, old: int | None = None, new: int | None = None) -> Versions:
    """Versions `old` and `new` (1 = the first archived) of the article `ref` (canonical URL, fetched URL
    or article id); by default the current one and the one before it (`new` alone: the one before `new`)."""
    found = article_history(conn, ref)
    if found is None:
        raise DiffError(f"{ref}: not in the archive")
    key, versions, _events = found
    numbers = [v.number for v in versions]
    if len(versions) < 2 and old is None:
        raise DiffError(f"{ref}: one version only, nothing to compare (the content has not changed)")
    new = numbers[-1] if new is None else new
    old = new - 1 if old is None else old
    for label, number in (("--from", old), ("--to", new)):
        if number not in numbers:
            raise DiffError(f"{label} {number}: {ref} has versions 1 to {numbers[-1]}")
    if old == new:
        raise DiffError(f"--from and --to are both version {old}: nothing to compare")
    first, second = versions[old - 1], versions[new - 1]
    captures = "captures" in {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    caps = [capture_of(conn, key, v.fetched_at, captures) for v in (first, second)]
    return Versions(
        key,
        versions[-1].row.get("article_id") or article_id(key),
        first,
        second,
        caps[0]["id"] if caps[0] else None,
        caps[1]["id"] if caps[1] else None,
        len(versions),
    )


@dataclass(frozen=True)
class DiffLinks:
    """Where the page links to: the article (its archived reading page or its address), each version's
    capture (None when there is no page for it)."""

    article: str | None = None
    old_capture: str | None = None
    new_capture: str | None = None


def _authors(version: Version) -> list[str]:
    value = version.row.get("authors")
    if isinstance(value, list):
        return value
    try:
        parsed = json.loads(value) if value else []
    except (TypeError, ValueError):
        return [str(value)]
    return parsed if isinstance(parsed, list) else [str(parsed)]


def meta_changes(old: Version, new: Version) -> list[tuple[str, str, str]]:
    """(field, before, after) for the title, publication date and authors that differ."""
    pairs = [
        ("title", old.title or "", new.title or ""),
        ("published", old.row.get("published") or "", new.row.get("published") or ""),
        ("authors", ", ".join(_authors(old)), ", ".join(_authors(new))),
    ]
    return [(name, a, b) for name, a, b in pairs if a != b]


def unified_diff(old: Version, new: Version, context: int = 2) -> str:
    """The terminal view: changed metadata, then a unified diff of title and text (paragraphs are lines)."""
    lines = [
        f"version {old.number} ({old.fetched_at}, {old.content_hash}) -> "
        f"version {new.number} ({new.fetched_at}, {new.content_hash})"
    ]
    lines += [f"{name}: {a or '-'} -> {b or '-'}" for name, a, b in meta_changes(old, new)]
    diff = text_diff(old, new, context)
    lines += ["", *(diff or ["same title and text (other fields changed)"])]
    return "\n".join(lines) + "\n"


def _marked(words: list[str], spans: list[tuple[int, int, bool]], tag: str) -> str:
    """Words as escaped HTML, the spans flagged True wrapped in `<tag>`, paragraph sentinels as breaks."""
    out: list[str] = []
    for start, end, changed in spans:
        chunks = " ".join(words[start:end]).split(_PARA)
        pieces = []
        for chunk in chunks:
            text = escape(chunk.strip())
            pieces.append(f"<{tag}>{text}</{tag}>" if changed and text else text)
        out.append("</p><p>".join(pieces))
    html = " ".join(p for p in out if p)
    html = html.replace(" </p><p> ", "</p><p>").replace("</p><p> ", "</p><p>").replace(" </p><p>", "</p><p>")
    return f"<p>{html}</p>".replace("<p></p>", "")


def word_marks(before: str, after: str) -> tuple[str, str]:
    """Both texts as HTML paragraphs with the removed words in `<del>` (before) and the added ones in `<ins>`
    (after); blank-line paragraph breaks are kept."""
    a = _words(before)
    b = _words(after)
    left: list[tuple[int, int, bool]] = []
    right: list[tuple[int, int, bool]] = []
    for tag, i1, i2, j1, j2 in word_opcodes(a, b):
        left.append((i1, i2, tag != "equal"))
        right.append((j1, j2, tag != "equal"))
    return _marked(a, left, "del"), _marked(b, right, "ins")


def _words(text: str) -> list[str]:
    words: list[str] = []
    for n, paragraph in enumerate(paragraphs(text)):
        if n:
            words.append(_PARA)
        words += paragraph.split()
    return words


def _rows(old: str, new: str) -> list[tuple[str, str, str]]:
    """(class, before HTML, after HTML) rows: equal paragraphs side by side, each changed block word-marked."""
    a, b = paragraphs(old), paragraphs(new)
    rows = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += [("dc-same", f"<p>{escape(p)}</p>", f"<p>{escape(p)}</p>") for p in a[i1:i2]]
        else:
            left, right = word_marks("\n\n".join(a[i1:i2]), "\n\n".join(b[j1:j2]))
            rows.append(("dc-changed", left, right))
    return rows


def _link(href: str | None, label: str) -> str:
    return f'<a href="{escape(href)}">{escape(label)}</a>' if href else escape(label)


def _capture_cell(capture_id: int | None, href: str | None) -> str:
    if capture_id is None:
        return "no capture kept"
    return _link(href, f"raw capture #{capture_id}")


def diff_fragment(pair: Versions, links: DiffLinks | None = None) -> str:
    """The diff as an HTML fragment (a `<div class="dc-diff">`): title, versions with their times, hashes
    and captures, changed metadata with word marks, then the text side by side."""
    links = links or DiffLinks()
    key, old, new = pair.key, pair.old, pair.new
    title = escape(new.title or old.title or "(untitled)")
    out = [
        f'<div class="dc-diff" id="dc-diff" data-from="{old.number}" data-to="{new.number}">',
        f'<h1 id="dc-diff-title">{title}</h1>',
        f'<p id="dc-diff-article">{_link(links.article or key, key)}</p>',
        '<table class="dc-versions" id="dc-diff-versions"><tbody>',
    ]
    sides = (("before", old, pair.old_capture, links.old_capture), ("after", new, pair.new_capture, links.new_capture))
    for label, version, capture_id, capture in sides:
        when = version.fetched_at or "time unknown"
        current = " (current)" if version.current else ""
        out.append(
            f'<tr data-version="{version.number}"><td>{label}</td><td>version {version.number}{current}</td>'
            f"<td>{escape(when)}</td><td><code>{escape((version.content_hash or '')[:16])}</code></td>"
            f"<td>{_capture_cell(capture_id, capture)}</td></tr>"
        )
    out.append("</tbody></table>")
    changes = meta_changes(old, new)
    if changes:
        out.append('<table class="dc-meta" id="dc-diff-meta"><tbody>')
        for name, a, b in changes:
            left, right = word_marks(a, b)
            out.append(
                f'<tr data-field="{name}"><td>{name}</td><td class="dc-old">{left}</td>'
                f'<td class="dc-new">{right}</td></tr>'
            )
        out.append("</tbody></table>")
    rows = _rows(old.text, new.text)
    out.append(
        '<table class="dc-side" id="dc-diff-text"><thead><tr>'
        f"<th>version {old.number}</th><th>version {new.number}</th></tr></thead><tbody>"
    )
    for css, left, right in rows:
        out.append(f'<tr class="{css}"><td class="dc-old">{left}</td><td class="dc-new">{right}</td></tr>')
    if not rows:
        out.append('<tr><td colspan="2">No text in either version.</td></tr>')
    out.append("</tbody></table></div>")
    return "\n".join(out)


def diff_page(pair: Versions, links: DiffLinks | None = None) -> str:
    """A standalone HTML page of the diff: inline style, mobile viewport, nothing loaded from anywhere."""
    key, old, new, language = pair.key, pair.old, pair.new, pair.new.row.get("language")
    title = escape(f"{new.title or old.title or key}: version {old.number} → {new.number}")
    lang = f' lang="{escape(language)}"' if language else ""
    return (
        f'<!DOCTYPE html>\n<html{lang}><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{title}</title>\n<style>body {{ font-family: system-ui, sans-serif; margin: 1rem; }}"
        f"{DIFF_CSS}</style>\n</head><body>\n{diff_fragment(pair, links)}\n</body></html>\n"
    )

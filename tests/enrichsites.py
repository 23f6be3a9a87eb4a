"""Fixtures for the enrichment tests: republished copies with edits, local test sites (a bilingual ministry
with hreflang and a PDF release, an embassy reposting its releases), a tiny PDF writer and pairwise
cluster scores."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Mapping
from itertools import combinations
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
RELEASES = FIXTURES / "enrich" / "releases.json"
PAGES = FIXTURES / "pages"
EMBASSY_REPOSTS = ("lv-consultations", "ganja-statement", "uz-call", "barda-statement")


def load_releases() -> list[dict]:
    return json.loads(RELEASES.read_text(encoding="utf-8"))


def fixture_page_texts() -> list[tuple[str, str, list[str]]]:
    """(id, title, paragraphs) of the real pages in tests/fixtures/pages, extracted by the project."""
    from diplomatic_crawler.extraction import extract_article

    out = []
    for case in sorted(PAGES.glob("*/*/")):
        meta = json.loads((case / "meta.json").read_text(encoding="utf-8"))
        article = extract_article((case / "input.html").read_bytes(), meta["url"], seed=meta.get("seed"))
        paragraphs = [p for p in article.text.split("\n\n") if p.strip()]
        if sum(len(p.split()) for p in paragraphs) >= 40:
            out.append((f"{case.parent.name}/{case.name}", article.title or "", paragraphs))
    return out


# -- edited copies, as embassies and agencies republish -------------------------------------------

_SUBSTITUTIONS = {" discussed ": " considered ", " sides ": " parties ", " Ministry ": " MFA ", " also ": " as well "}


def embassy_copy(title: str, paragraphs: list[str]) -> tuple[str, list[str]]:
    """An embassy repost: new title, an "Embassy informs" lead, words changed, last paragraph dropped, a
    footer added."""
    body = list(paragraphs[:-1]) if len(paragraphs) > 2 else list(paragraphs)
    first = body[0]
    body[0] = "The Embassy informs that " + first[0].lower() + first[1:]
    edited = []
    for paragraph in body:
        for old, new in _SUBSTITUTIONS.items():
            paragraph = paragraph.replace(old, new)
        edited.append(paragraph)
    edited.append("Follow the Embassy on social media for the latest news and consular announcements.")
    return f"MFA: {title}", edited


def agency_copy(title: str, paragraphs: list[str]) -> tuple[str, list[str]]:
    """A news agency repost: its own lead paragraph and source line around the full text."""
    lead = (
        "The foreign ministry published the following release on its website on Tuesday, the ministry's "
        "press service told our correspondent."
    )
    return title.upper()[:1] + title[1:], [lead, *paragraphs, "Source: press service of the ministry."]


def pairwise_scores(predicted: Mapping[str, str], truth: Mapping[str, str]) -> tuple[float, float]:
    """Pairwise precision and recall of a clustering (item -> cluster) against the truth (item -> group)."""
    items = sorted(truth)
    pred_pairs = {(a, b) for a, b in combinations(items, 2) if predicted[a] == predicted[b]}
    true_pairs = {(a, b) for a, b in combinations(items, 2) if truth[a] == truth[b]}
    shared = len(pred_pairs & true_pairs)
    precision = shared / len(pred_pairs) if pred_pairs else 1.0
    recall = shared / len(true_pairs) if true_pairs else 1.0
    return precision, recall


# -- a minimal PDF writer (Helvetica, WinAnsi), enough for text extraction tests ------------------


def make_pdf(
    lines: Iterable[str], *, title: str | None = None, created: str | None = None, per_page: int = 45
) -> bytes:
    """A valid PDF with the given text lines (wrapped pages of `per_page` lines)."""
    wrapped: list[str] = []
    for line in lines:
        wrapped.extend(textwrap.wrap(line, 90) or [""])
    pages = [wrapped[i : i + per_page] for i in range(0, max(1, len(wrapped)), per_page)] or [[]]
    objects: list[bytes] = []

    def esc(text: str) -> bytes:
        raw = text.encode("cp1252", "replace")
        return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")

    font_id = 3
    page_ids = []
    contents = []
    for page_lines in pages:
        stream = (
            b"BT /F1 11 Tf 14 TL 56 780 Td " + b" ".join(b"(" + esc(line) + b") Tj T*" for line in page_lines) + b" ET"
        )
        contents.append(stream)
    next_id = 4
    for _ in pages:
        page_ids.append(next_id)
        next_id += 2
    info_id = next_id
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{pid} 0 R" for pid in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for pid, stream in zip(page_ids, contents, strict=True):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Resources << /Font << /F1 {font_id} 0 R >> >>"
            f" /Contents {pid + 1} 0 R >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    info = b"<< /Producer (enrichsites)"
    if title:
        info += b" /Title (" + esc(title) + b")"
    if created:
        info += b" /CreationDate (" + created.encode() + b")"
    objects.append(info + b" >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {info_id} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


# -- the two test sites ------------------------------------------------------------------------------


def _page(title: str, paragraphs: list[str], *, lang: str, head: str = "", body_extra: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="og:type" content="article">{head}</head><body>'
        f"<nav><a href='/'>Home</a></nav><article><h1>{title}</h1>"
        f'<time datetime="2021-12-07T10:00:00+04:00">7 December 2021</time>{body}{body_extra}</article>'
        "<footer>© Ministry</footer></body></html>"
    )


def build_ministry(root: Path, releases: list[dict]) -> dict[str, str]:
    """A bilingual ministry site: /en/news/<id>.html (+ /ru/news/<id>.html with hreflang both ways for the
    releases that have a Russian version), a listing /en/, and /files/<id>.pdf linked from the first
    release. Returns {path: release id} of the expected articles."""
    expected: dict[str, str] = {}
    links = []
    for n, release in enumerate(releases):
        rid = release["id"]
        en, ru = f"/en/news/{rid}.html", f"/ru/news/{rid}.html"
        head = switcher = ""
        if release.get("title_ru"):
            head = f'<link rel="alternate" hreflang="en" href="{en}"><link rel="alternate" hreflang="ru" href="{ru}">'
            switcher = f'<ul class="lang-switcher"><li><a href="{en}">EN</a></li><li><a href="{ru}">RU</a></li></ul>'
            ru_html = _page(
                release["title_ru"], release["text_ru"].split("\n\n"), lang="ru", head=head, body_extra=switcher
            )
            (root / ru.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
            (root / ru.lstrip("/")).write_text(ru_html, encoding="utf-8")
            expected[ru] = rid
        extra = switcher
        if n == 0:
            extra += f'<p><a href="/files/{rid}.pdf">Download the release (PDF)</a></p>'
            pdf = make_pdf(
                ["Baku, 7 December 2021", release["title"], *release["paragraphs"]],
                title="Microsoft Word - release.docx",
                created="D:20211207093000+04'00'",
            )
            (root / "files").mkdir(parents=True, exist_ok=True)
            (root / "files" / f"{rid}.pdf").write_bytes(pdf)
            expected[f"/files/{rid}.pdf"] = rid
        (root / "en" / "news").mkdir(parents=True, exist_ok=True)
        (root / en.lstrip("/")).write_text(
            _page(release["title"], release["paragraphs"], lang="en", head=head, body_extra=extra), encoding="utf-8"
        )
        expected[en] = rid
        links.append(f'<li><a href="{en}">{release["title"]}</a></li>')
    listing = f"<html><head><title>News</title></head><body><h1>News</h1><ul>{''.join(links)}</ul></body></html>"
    (root / "en" / "index.html").write_text(listing, encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    return expected


def build_embassy(root: Path, releases: list[dict]) -> dict[str, str]:
    """An embassy site reposting some releases with edits (EMBASSY_REPOSTS)."""
    expected: dict[str, str] = {}
    links = []
    (root / "news").mkdir(parents=True, exist_ok=True)
    for release in releases:
        if release["id"] not in EMBASSY_REPOSTS:
            continue
        title, paragraphs = embassy_copy(release["title"], release["paragraphs"])
        path = f"/news/{release['id']}-embassy.html"
        (root / path.lstrip("/")).write_text(_page(title, paragraphs, lang="en"), encoding="utf-8")
        expected[path] = release["id"]
        links.append(f'<li><a href="{path}">{title}</a></li>')
    listing = f"<html><head><title>Embassy news</title></head><body><ul>{''.join(links)}</ul></body></html>"
    (root / "index.html").write_text(listing, encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    return expected

"""Issue 21 items 3 and 4: pages decode as browsers decode them (WHATWG Encoding) and structured data nested
without bound costs the page nothing. Page-level cases go through `extract_article`; the crawl cases run
`scrapy crawl news` against a local server, where the HTTP header's charset takes part in the decision."""

from __future__ import annotations

import codecs
import logging
import sqlite3
from pathlib import Path

import pytest
from faultserver import crawl_pages

from diplomatic_crawler.extraction import extract_article
from diplomatic_crawler.extraction.document import decode_html, parse_html
from diplomatic_crawler.extraction.metadata import parse_jsonld

URL = "http://mfa.test/news/statement.html"
TITLE = "Communiqué du Ministère des Affaires étrangères"
PARAGRAPH = (
    "Le ministre a reçu la délégation et les deux parties ont évoqué le commerce, l'énergie et la "
    "coopération culturelle, ainsi que le calendrier des visites à haut niveau prévues cette année."
)
MOJIBAKE = ("Ã", "Ð", "Ñ", "â€", "Ĺ")


def _html(head: str = "", paragraphs: str = f"<p>{PARAGRAPH}</p>" * 3) -> str:
    return (
        f"<!doctype html><html lang='fr'><head>{head}<title>{TITLE}</title>"
        "<meta property='og:type' content='article'></head>"
        f"<body><main><article><h1>{TITLE}</h1>{paragraphs}</article></main></body></html>"
    )


STRAY = b"\xe9 \x93\xff"  # a cp1252 e-acute and quote and a byte that is nothing in UTF-8
CLOSING = "Les deux ministres se retrouveront à Genève en juin pour la prochaine session du dialogue STRAY."
UTF8_WITH_BAD_BYTES = _html("<meta charset='utf-8'>").replace("</article>", f"<p>{CLOSING}</p></article>").encode()
UTF8_WITH_BAD_BYTES = UTF8_WITH_BAD_BYTES.replace(b"STRAY", STRAY)


@pytest.mark.parametrize(
    ("data", "content_type", "expected"),
    [
        # Declared UTF-8 (meta, or the header only) with a few bad bytes: UTF-8, U+FFFD for those bytes.
        (UTF8_WITH_BAD_BYTES, None, PARAGRAPH),
        (UTF8_WITH_BAD_BYTES.replace(b"<meta charset='utf-8'>", b""), "text/html; charset=UTF-8", PARAGRAPH),
        # A meta UTF-16 declaration on bytes without a BOM means UTF-8 (WHATWG prescan).
        (_html("<meta charset='utf-16'>").encode(), None, PARAGRAPH),
        (_html('<meta http-equiv="Content-Type" content="text/html; charset=UTF-16LE">').encode(), None, PARAGRAPH),
        (_html("<meta charset=utf-16be>").encode() + b"\xff", None, PARAGRAPH),
        # The BOM wins over the header and the meta declaration.
        (codecs.BOM_UTF8 + _html("<meta charset='windows-1251'>").encode(), "text/html; charset=koi8-r", PARAGRAPH),
        (
            codecs.BOM_UTF16_LE + _html("<meta charset='utf-8'>").encode("utf-16-le"),
            "text/html; charset=utf-8",
            PARAGRAPH,
        ),
        # The header comes before the page's own declaration.
        (_html("<meta charset='koi8-r'>").encode("cp1252"), "text/html; charset=windows-1252", PARAGRAPH),
        # Legacy declared, and really legacy (with bytes Python's cp1252 lacks: WHATWG decodes them anyway).
        (_html("<meta charset='iso-8859-1'>").encode("cp1252") + b"\x81", None, PARAGRAPH),
        # Valid UTF-8 under a legacy declaration is UTF-8 (no browser mojibake archived).
        (_html("<meta charset='iso-8859-1'>").encode(), None, PARAGRAPH),
        (_html().encode(), "text/html; charset=ISO-8859-1", PARAGRAPH),
        # Declared UTF-8 over legacy bytes that are nearly all invalid: the declaration is wrong, detection.
        (_html("<meta charset='utf-8'>").encode("cp1252"), "text/html; charset=utf-8", PARAGRAPH),
    ],
)
def test_pages_decode_as_browsers_do(data: bytes, content_type: str | None, expected: str) -> None:
    text = decode_html(data, content_type)
    assert expected in text and not any(m in text for m in MOJIBAKE)
    if content_type is None:  # the same through the extractor, which sees no header
        article = extract_article(data, URL)
        assert article.title == TITLE
        assert expected in article.text and not any(m in article.text for m in MOJIBAKE)


def test_bad_bytes_in_declared_utf8_become_replacement_characters() -> None:
    text = extract_article(UTF8_WITH_BAD_BYTES, URL).text
    assert CLOSING.replace("STRAY", "\ufffd \ufffd\ufffd") in text and text.count("\ufffd") == 3


def _nested(depth: int, kind: str) -> str:
    if kind == "object":
        return '{"a":' * depth + "1" + "}" * depth
    if kind == "array":
        return "[" * depth + '{"@type": "Thing"}' + "]" * depth
    if kind == "unclosed":
        return '{"@graph": [' + '{"a":' * depth
    return '{"@type": "NewsArticle", "description": "' + "[{" * depth + '"}'  # brackets inside a string


NEWS_ARTICLE = (
    '{"@type": "NewsArticle", "headline": "Joint statement", "datePublished": "2025-05-01T10:00:00+02:00",'
    ' "author": {"@type": "Person", "name": "Anne Martin"}}'
)


@pytest.mark.parametrize(
    ("block", "readable"),
    [
        (_nested(10_000, "object"), False),
        (_nested(10_000, "array"), False),
        (_nested(100_000, "unclosed"), False),
        (_nested(201, "array"), False),
        (_nested(199, "array"), True),
        (_nested(10_000, "string"), True),
    ],
)
def test_deep_jsonld_is_skipped_and_the_page_kept(block: str, readable: bool, caplog: pytest.LogCaptureFixture) -> None:
    """A JSON-LD block nested deeper than JSONLD_MAX_DEPTH is skipped before json.loads recurses into it;
    the page's other blocks and its text are read as usual; nothing is logged at INFO or above."""
    scripts = "".join(f"<script type='application/ld+json'>{b}</script>" for b in (block, NEWS_ARTICLE))
    with caplog.at_level(logging.INFO):
        article = extract_article(_html(f"<meta charset='utf-8'>{scripts}").encode(), URL)
    assert article.published and article.published.startswith("2025-05-01")
    assert article.authors == ["Anne Martin"]
    assert PARAGRAPH in article.text
    assert not caplog.records
    objects = parse_jsonld(parse_html(_html(f"<script type='application/ld+json'>{block}</script>"))[1])
    assert bool(objects) == readable


def test_crawl_decodes_with_the_header_and_survives_deep_jsonld(tmp_path: Path) -> None:
    """Through a real crawl: the header's charset reaches the extraction workers (it alone declares
    UTF-8 on one page, it declares a legacy charset over UTF-8 bytes on another), a page declared UTF-8
    with a few bad bytes (by the header or by its meta) stays UTF-8 with U+FFFD, a meta UTF-16 page is
    UTF-8, a page with 10,000 nested JSON-LD levels is archived, and the log has no error or traceback."""
    deep = f"<script type='application/ld+json'>{_nested(10_000, 'object')}</script>"
    pages = {
        "/news/header-utf8-bad-bytes.html": (
            UTF8_WITH_BAD_BYTES.replace(b"<meta charset='utf-8'>", b""),
            "text/html; charset=utf-8",
        ),
        "/news/meta-utf8-bad-bytes.html": (UTF8_WITH_BAD_BYTES, "text/html"),
        "/news/meta-utf16.html": (_html("<meta charset='utf-16'>").encode(), "text/html"),
        "/news/header-latin1-utf8-bytes.html": (_html().encode(), "text/html; charset=iso-8859-1"),
        "/news/deep-jsonld.html": (_html(f"<meta charset='utf-8'>{deep}").encode(), "text/html"),
    }
    result, db = crawl_pages(tmp_path, pages)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "ERROR" not in result.stderr, result.stderr[-3000:]
    with sqlite3.connect(db) as conn:
        for path in pages:
            rows = conn.execute("SELECT title, text FROM articles WHERE url LIKE ?", [f"%{path}"]).fetchall()
            assert rows, path
            title, text = rows[0]
            assert title == TITLE, path
            assert PARAGRAPH in text and not any(m in title + text for m in MOJIBAKE), path
            if "bad-bytes" in path:  # still UTF-8, the bad bytes replaced
                assert CLOSING.replace("STRAY", "\ufffd \ufffd\ufffd") in text, path

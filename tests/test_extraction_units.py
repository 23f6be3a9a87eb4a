"""Unit tables for the extraction building blocks: decoding, titles, authors, body trimming, records."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from diplomatic_crawler.extraction import Article, ExtractionError, extract_article
from diplomatic_crawler.extraction.authors import normalise_authors
from diplomatic_crawler.extraction.body import trim_edges
from diplomatic_crawler.extraction.document import decode_html, parse_html
from diplomatic_crawler.extraction.metadata import clean_url, read_meta
from diplomatic_crawler.extraction.title import choose_title

FETCHED = datetime(2021, 12, 8, 9, 0, tzinfo=UTC)
BODY = "".join(
    f"<p>Paragraph {i} of the statement on bilateral relations and regional security, with enough words "
    f"to look like a real paragraph of a ministry press release about consultations.</p>"
    for i in range(1, 6)
)


def page(head: str = "", body: str = BODY, lang: str = "en") -> str:
    return f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("<p>Привет</p>".encode("cp1251").join([b"<meta charset='windows-1251'>", b""]), "Привет"),
        (b"\xef\xbb\xbf<p>Bak\xc4\xb1</p>", "Bakı"),
        ("<p>Bakı xəbərləri</p>".encode(), "Bakı xəbərləri"),
        # Declared utf-8 but really cp1251: the declaration cannot decode it, detection takes over.
        (b"<meta charset='utf-8'><p>" + "Министерство иностранных дел".encode("cp1251") + b"</p>",
         "Министерство иностранных дел"),
        (b"<meta charset='iso-8859-1'><p>caf\xe9 \x93quoted\x94</p>", "café “quoted”"),
    ],
)
def test_decode_html_charsets(data: bytes, expected: str) -> None:
    assert expected in decode_html(data)


@pytest.mark.parametrize("data", [b"", "   ", "just some text without any markup at all"])
def test_not_html_raises(data: bytes | str) -> None:
    with pytest.raises(ExtractionError):
        parse_html(data)


def test_nul_bytes_and_xml_declaration_do_not_break_parsing() -> None:
    body = "<p>Before\x00 after the NUL byte, all kept.</p>" + BODY
    html = "<?xml version='1.0' encoding='utf-8'?>" + page(body=body)
    article = extract_article(html, "https://mfa.example/news/1", fetched_at=FETCHED)
    assert "\x00" not in article.text
    assert "Before after the NUL byte" in article.text
    assert "Paragraph 5" in article.text


@pytest.mark.parametrize("text", ["Plain ASCII text", "Un communiqué — publié", "Заявление МИД — 6 декабря"])
@pytest.mark.parametrize("bad", [*map(chr, [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]), "\ufffe", "\uffff"])
def test_every_control_character_is_dropped_before_parsing(text: str, bad: str) -> None:
    """The quick check that skips the control-character scan must never miss one, whatever the script."""
    html = f"<html><body><p>{text}{bad}{text}</p></body></html>"
    for data in (html, html.encode("utf-8")):
        decoded, tree = parse_html(data)
        assert bad not in decoded and decoded.count(text) == 2
        assert tree.findtext(".//p") == text + text


@pytest.mark.parametrize(
    "html",
    [
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "x/y">\n<html><body><p>Doctype first line</p></body></html>',
        "<!doctype html><html><head><title>T</title></head><body><p>One line, no newline</p></body></html>",
        "<html lang='en'/>\n<head><title>T</title></head><body><p>Self-closing html tag</p></body></html>",
        "<?xml version='1.0' encoding='utf-8'?><html><body><p>XML declaration</p></body></html>",
        "<html><body><p>Bare</p>",
        "<div><p>A fragment without html</p><p>Two blocks</p></div>",
    ],
)
def test_parse_html_matches_trafilaturas_loader(html: str) -> None:
    """`parse_html` skips trafilatura's second scan for invalid characters but keeps its repairs and checks:
    the same tree as `trafilatura.utils.load_html` for the inputs those repairs exist for."""
    import lxml.etree
    from trafilatura.utils import load_html

    decoded, tree = parse_html(html)
    expected = load_html(decoded)
    assert expected is not None and lxml.etree.tostring(tree) == lxml.etree.tostring(expected)


@pytest.mark.parametrize(
    ("head", "body_prefix", "expected"),
    [
        ("<title>Minister meets UN envoy | Diplomatic Courier</title><meta property='og:site_name' "
         "content='Diplomatic Courier'>", "<h1>Minister meets UN envoy</h1>", "Minister meets UN envoy"),
        ("<title>Minister meets UN envoy - Ministry of Foreign Affairs</title>"
         "<meta property='og:title' content='Minister meets UN envoy'>", "", "Minister meets UN envoy"),
        ("<title>Site</title><meta property='og:title' content='Talks in Geneva'>"
         "<script type='application/ld+json'>{\"@type\": \"NewsArticle\", \"headline\": \"Talks in Geneva\"}</script>",
         "<h1>Log In</h1><h1>Talks in Geneva</h1>", "Talks in Geneva"),
        ("<title>Talks, and more talks, in Geneva</title>", "<h1>Talks, and more talks, in Geneva</h1>",
         "Talks, and more talks, in Geneva"),
    ],
)
def test_title_vote_and_suffix(head: str, body_prefix: str, expected: str) -> None:
    tree = parse_html(page(head, body_prefix + BODY))[1]
    assert choose_title(tree, read_meta(tree, "https://diplomaticcourier.example/a/1")) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["By Jane Doe and John Smith, Staff Writers"], ["Jane Doe", "John Smith"]),
        (["Office of the Spokesperson"], ["Office of the Spokesperson"]),
        (["You, Xiaoying", "Lenharo, Mariana"], ["Xiaoying You", "Mariana Lenharo"]),
        (["jane.doe@mfa.example", "https://twitter.com/janedoe"], []),
        (["Von Anna Müller"], ["Anna Müller"]),
        (["Автор: Иван Петров"], ["Иван Петров"]),
        (["Jane Doe", "jane doe"], ["Jane Doe"]),
        (["Reuters (AFP)"], ["Reuters"]),
        (["7 December 2021"], []),
        (["admin"], []),
        (["Jane Doe", "Diplomatic Courier"], ["Jane Doe"]),
        (["From EDWARD QORRO in Arusha"], ["EDWARD QORRO"]),
    ],
)
def test_normalise_authors(raw: list[str], expected: list[str]) -> None:
    assert normalise_authors(raw, site_name="Diplomatic Courier") == expected


def test_trim_edges_removes_title_byline_and_author_box() -> None:
    paragraphs = [
        "Minister meets UN envoy", "By Jane Doe", "Baku, 7 December 2021: The minister met the envoy.",
        "They discussed the peace process.", "Jane Doe", "Jane writes about diplomacy.", "Follow us",
    ]
    kept = trim_edges(paragraphs, title="Minister meets UN envoy", authors=["Jane Doe"])
    assert kept == ["Baku, 7 December 2021: The minister met the envoy.", "They discussed the peace process."]


def test_clean_url_drops_tracking_and_fragment() -> None:
    url = clean_url("/news/1?utm_source=x&id=5&fbclid=abc#top", "https://mfa.example/en/")
    assert url == "https://mfa.example/news/1?id=5"


def test_record_fields_and_to_dict() -> None:
    head = (
        "<title>Talks in Geneva | MFA</title><link rel='canonical' href='/en/news/42?utm_medium=rss'>"
        "<meta property='og:site_name' content='MFA'><meta name='keywords' content='UN, Geneva, UN'>"
        "<meta property='article:published_time' content='2021-12-07T10:00:00+04:00'>"
        "<meta property='article:modified_time' content='2021-12-08T08:00:00+04:00'>"
    )
    article = extract_article(page(head, "<h1>Talks in Geneva</h1>" + BODY), "https://mfa.example/en/news/42",
                              fetched_at=FETCHED)
    assert isinstance(article, Article)
    assert article.canonical_url == "https://mfa.example/en/news/42"
    assert (article.published, article.published_source) == ("2021-12-07T10:00:00+04:00", "meta")
    assert article.modified == "2021-12-08T08:00:00+04:00"
    assert article.tags == ["UN", "Geneva"]
    assert article.language == "en"
    assert article.text.count("\n\n") == 4 and article.word_count > 50
    assert len(article.content_hash or "") == 64 and article.extractor_version.startswith("diplomatic-crawler/")
    record = article.to_dict()
    assert json.loads(json.dumps(record)) == record
    with pytest.raises(AttributeError):
        article.title = "changed"  # type: ignore[misc]


def test_content_hash_ignores_whitespace_only_changes() -> None:
    first = extract_article(page(body=BODY), "https://mfa.example/a")
    second = extract_article(page(body=BODY.replace("</p>", "</p>\n\n  ")), "https://mfa.example/a")
    assert first.content_hash == second.content_hash


def test_seed_selectors_override_generic_extraction() -> None:
    body = "<div class='lead'>Custom headline</div><div class='when'>06.12.2021</div>" + BODY
    seed = {"language": "en", "timezone": "Asia/Baku", "date_order": "DMY",
            "selectors": {"title": ".lead", "date": ".when"}}
    article = extract_article(page(body=body), "https://mfa.example/a", seed=seed, fetched_at=FETCHED)
    assert article.title == "Custom headline"
    assert article.published == "2021-12-06"


@pytest.mark.parametrize("precise", [True, False])
@pytest.mark.parametrize("fast", [True, False])
def test_trafilatura_options_are_those_bare_extraction_builds(
    monkeypatch: pytest.MonkeyPatch, precise: bool, fast: bool
) -> None:
    """The options built once per mode (plus the page's URL) equal, slot for slot, what
    `bare_extraction(url=..., include_comments=False, ...)` builds itself on every call."""
    import trafilatura
    import trafilatura.core

    from diplomatic_crawler.extraction.body import _options

    seen = []
    real = trafilatura.core.trafilatura_sequence

    def spy(tree, options, url=None):  # type: ignore[no-untyped-def]
        seen.append(options)
        return real(tree, options, url)

    monkeypatch.setattr(trafilatura.core, "trafilatura_sequence", spy)
    url = "https://mfa.example/news/2021/12/07/statement-\udcff"  # a lone surrogate: `source` replaces it
    html = page(body=BODY)
    trafilatura.bare_extraction(html, url=url, with_metadata=False, include_comments=False,
                                include_tables=True, favor_precision=precise, deduplicate=False, fast=fast)
    trafilatura.bare_extraction(html, options=_options(url, precise=precise, fast=fast))
    theirs, ours = seen
    slots = type(theirs).__slots__
    assert {name: getattr(ours, name) for name in slots} == {name: getattr(theirs, name) for name in slots}
    assert _options("https://a.example/x", precise=precise, fast=fast).url == "https://a.example/x"
    assert ours.url == url  # each call gets its own copy: the cached mode keeps no page's URL

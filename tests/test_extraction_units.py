"""Unit tables for the extraction building blocks: decoding, titles, authors, body trimming, records."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from diplomatic_crawler.extraction import Article, ExtractionError, extract_article
from diplomatic_crawler.extraction.authors import find_authors, normalise_authors
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


def jsonld(**fields: str) -> str:
    return f"<script type='application/ld+json'>{json.dumps({'@type': 'NewsArticle', **fields})}</script>"


@pytest.mark.parametrize(
    ("url", "head", "body_prefix", "expected"),
    [
        # Agreement: og:title, <h1> and <title> outvote a JSON-LD headline of their own...
        ("https://news.example/a/1", jsonld(headline="SEO line on the visit") + "<meta property='og:title' "
         "content='Minister visits Ghana'><title>Minister visits Ghana | News</title>",
         "<h1>Minister visits Ghana</h1>", "Minister visits Ghana"),
        # ...unless the JSON-LD headline was written beside an alternativeHeadline: an editor's choice.
        ("https://news.example/a/1", jsonld(headline="Talks resume in Geneva", alternativeHeadline="Talks resume")
         + "<meta property='og:title' content='Geneva talks'>", "<h1>Geneva talks</h1>", "Talks resume in Geneva"),
        # Site-name suffixes without og:site_name: the segment <title> has beyond the <h1>.
        ("https://portal.example/a/1", "<title>Minister receives envoy - Press Releases - Portal</title>",
         "<h1>Minister receives envoy</h1>", "Minister receives envoy"),
        ("https://pmo.example/a/1", "<title>PM meets the President | Prime Minister's Office</title>",
         "<h1>PM meets the President</h1>", "PM meets the President"),
        ("https://www.bmeia.gv.at/a/1", "<title>Außenminister in Prag – BMEIA, Außenministerium Österreich</title>",
         "<h1>Außenminister in Prag</h1>", "Außenminister in Prag"),
        # ...or, with <title> alone, the segment that is the organisation the host is named by its initials,
        # or the host's name after a dash written without spaces.
        ("https://pmo.gov.example/a/1", "<title>PM meets the President | Prime Minister's Office</title>", "",
         "PM meets the President"),
        ("https://mfa.gov.az/en/news/1", "<title>Minister meets envoy | Ministry of Foreign Affairs</title>", "",
         "Minister meets envoy"),
        ("https://xinhua.example/a/1", "<title>Minister meets the envoy-Xinhua</title>", "",
         "Minister meets the envoy"),
        ("https://xinhua.example/a/1", "<title>Talks on the Franco-German treaty</title>", "",
         "Talks on the Franco-German treaty"),
        ("https://mfa.gov.az/en/news/1", "<title>Minister meets envoy | Foreign Ministry Spokesperson</title>", "",
         "Minister meets envoy | Foreign Ministry Spokesperson"),
        # ...or the last segment two titles with different headlines share.
        ("https://mfa.example/a/1", "<meta property='og:title' content='Visit to Baku | Foreign Office'>"
         "<title>Minister visits Baku | Foreign Office</title>", "", "Visit to Baku"),
        # Separators without spaces or outside ASCII.
        ("https://mofa.example/a/1", "<title>장관, 유엔 사무총장 면담ㅣ외교부</title>",
         "<h1>장관, 유엔 사무총장 면담</h1>", "장관, 유엔 사무총장 면담"),
        ("https://jp.example/a/1", "<title>外相会談の結果｜外務省</title>", "<h1>外相会談の結果</h1>",
         "外相会談の結果"),
        ("https://cn.example/a/1", "<title>外长会见联合国秘书长！-外交网</title>",
         "<h1>外长会见联合国秘书长！</h1>", "外长会见联合国秘书长！"),
        # An <h1> that is the site's name (host, or the segment <title> loses as the site) is not a candidate.
        ("https://www.time4talks.com/2013/08/07/kinos/", "<title>Time 4 talks » Blog Archiv » Weitere Kinos</title>",
         "<h1>Time 4 talks</h1>", "Weitere Kinos"),
        ("https://dimido.example/2008/07/29/viral/", "<title>Was ist Virales Marketing? | DimidoBlog</title>",
         "<h1>DimidoBlog</h1>", "Was ist Virales Marketing?"),
        # A breadcrumb in <title>: the segment at the other end from the site name.
        ("https://www.mactech.example/forum/1", "<title>Kein App Store mehr | iPhone | Forum | MacTech</title>", "",
         "Kein App Store mehr"),
        # Menu labels in <h1> vote weakly; an <h1> that is one segment of <title> gains its vote.
        ("https://www.bundespraesident.de/reden/1", "<meta property='og:description' content='x'>"
         "<title>Der Bundespräsident / Reden / Rede beim Föderalismuskonvent</title>",
         "<h1>Navigation und Service</h1><h1>Rede beim Föderalismuskonvent</h1>", "Rede beim Föderalismuskonvent"),
        ("https://verband.example/presse/pressemitteilungen/meister.html", "<meta property='og:title' "
         "content='Pressemitteilungen'><title>Verband: Norddeutschland findet seine Meister</title>",
         "<h1>Norddeutschland findet seine Meister</h1>", "Norddeutschland findet seine Meister"),
        # Kickers: an <h1> that sets its kicker apart gives the headline; one with a colon keeps it.
        ("https://stiftung.example/a/1", "<meta property='og:title' content='Jubiläum: Die Stiftung wird 100 Jahre'>",
         "<h1><div class='topic-label'>Jubiläum</div> Die Stiftung wird 100 Jahre</h1>", "Die Stiftung wird 100 Jahre"),
        ("https://woche.example/a/1", "<meta property='og:title' content='Krach vor der Versammlung: Es knirscht'>",
         "<h1><span class='kicker'>Krach vor der Versammlung:</span><br><span>Es knirscht</span></h1>",
         "Krach vor der Versammlung: Es knirscht"),
        # The visible headline is the winner with a tail less (" Rezept") or a kicker more.
        ("https://rezepte.example/kuchen-1",
         "<meta property='og:title' content='Schneewittchen-Kuchen Rezept | LECKER'>"
         "<title>Schneewittchen-Kuchen Rezept | LECKER</title>", "<h1>Schneewittchen-Kuchen</h1>",
         "Schneewittchen-Kuchen"),
        # A headline cut short with an ellipsis votes for the whole one.
        ("https://post.example/a/1", jsonld(headline="Minister says the talks should resume before...")
         + "<meta property='og:title' content='Talks to resume'><meta name='twitter:title' content='Talks to resume'>",
         "<h1>Minister says the talks should resume before the summit</h1>",
         "Minister says the talks should resume before the summit"),
    ],
)
def test_title_mechanisms(url: str, head: str, body_prefix: str, expected: str) -> None:
    tree = parse_html(page(head, body_prefix + BODY))[1]
    assert choose_title(tree, read_meta(tree, url)) == expected


@pytest.mark.parametrize(
    ("url", "head", "body_prefix", "expected"),
    [
        # The editor's headline stands even where the <h1> says more; elsewhere the <h1> with a tail more wins.
        ("https://zeitung.example/a/1", jsonld(headline="Zinsentscheid: Klare Ansage", alternativeHeadline="Zins")
         + "<meta property='og:title' content='Zinsentscheid: Klare Ansage'>",
         "<h1>Zinsentscheid: Klare Ansage von Profis</h1>", "Zinsentscheid: Klare Ansage"),
        ("https://battery.example/a/1", "<meta property='og:title' content='Ultium Cells erhöht Kapazität'>"
         "<title>Ultium Cells erhöht Kapazität - Battery News</title>",
         "<h1>Ultium Cells erhöht Kapazität in Tennessee</h1>", "Ultium Cells erhöht Kapazität in Tennessee"),
        # The site's name as the initials of the host ("dzs-clan"); "Site - Section » Headline".
        ("https://dzs-clan.example/index.php?id=1",
         "<title>deutsche zocker schinken e.V. - Neuigkeiten » Die Events der letzten Zeit</title>", "",
         "Die Events der letzten Zeit"),
        # A short name in CJK script after a dash; "--" as a separator.
        ("https://cn.example/a/1", "<title>外长会见联合国秘书长！-新华网</title>", "", "外长会见联合国秘书长！"),
        ("https://wordsmith.example/words/maudlin.html", "<title>A.Word.A.Day --maudlin</title>", "", "maudlin"),
        # An <h1> that is the run of segments <title> loses as the site's name is the site's banner...
        ("https://rueda.wikidot.com/enchufla", "<title>Enchufla Figuren - Salsa-Figuren - Rueda in Berlin</title>",
         "<h1>Salsa-Figuren - Rueda in Berlin</h1>", "Enchufla Figuren"),
        # ...but a headline with a dash in it, that a breadcrumb would cut, is not.
        ("https://www.drk.de/a/1", "<meta property='og:site_name' content='DRK e.V.'>"
         "<meta property='og:title' content='Klimakonferenz in Glasgow - DRK: Mehr Menschen brauchen Hilfe'>"
         "<title>Deutsches Rotes Kreuz - Klimakonferenz in Glasgow - DRK: Mehr Menschen brauchen Hilfe</title>",
         "<h1>Klimakonferenz in Glasgow - DRK: Mehr Menschen brauchen Hilfe</h1>",
         "Klimakonferenz in Glasgow - DRK: Mehr Menschen brauchen Hilfe"),
    ],
)
def test_title_site_names_and_edges(url: str, head: str, body_prefix: str, expected: str) -> None:
    tree = parse_html(page(head, body_prefix + BODY))[1]
    assert choose_title(tree, read_meta(tree, url)) == expected


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


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Byline words in many languages go; particles of names stay.
        (["Par Camille Rousseau"], ["Camille Rousseau"]),
        (["Von Anna Müller"], ["Anna Müller"]),
        (["Por Ana García"], ["Ana García"]),
        (["Di Mario Rossi"], ["Mario Rossi"]),
        (["Door Jan de Vries"], ["Jan de Vries"]),
        (["Av Ola Nordmann"], ["Ola Nordmann"]),
        (["Autor: Jan Kowalski"], ["Jan Kowalski"]),
        (["Автор: Иван Петров"], ["Иван Петров"]),
        (["بقلم محمد علي"], ["محمد علي"]),
        (["Christoph von Ritter"], ["Christoph von Ritter"]),
        (["Eingestellt von Anna Weber"], ["Anna Weber"]),
        (["By"], []),
        # Role words around a name go ("기자" = reporter).
        (["홍길동 기자"], ["홍길동"]),
        (["Reporter Jane Doe"], ["Jane Doe"]),
        (["Grant Tinsley, PhD"], ["Grant Tinsley"]),
        # Desk and agency bylines are bylines; beside people they stay, a role after names does not.
        (["Redaktion"], ["Redaktion"]),
        (["BR24 Redaktion"], ["BR24 Redaktion"]),
        (["Redaktion hessenschau.de"], ["Redaktion hessenschau.de"]),
        (["SDA"], ["SDA"]),
        (["Deutsche Presse-Agentur"], ["Deutsche Presse-Agentur"]),
        (["Jean Dupont et AFP"], ["Jean Dupont", "AFP"]),
        (["Jane Doe", "Redaktion"], ["Jane Doe", "Redaktion"]),
        (["Jane Doe, Staff Writers"], ["Jane Doe"]),
        # A name ends where a date, a site's name after a dash or an "all articles" link begins.
        (["Redaktion 1. November 2023 10:29"], ["Redaktion"]),
        (["Isabella Di Biase am Samstag"], ["Isabella Di Biase"]),
        (["unocero - Alberto Ávila"], ["unocero", "Alberto Ávila"]),
        (["Johanna Kropfitsch Alle Artikel"], ["Johanna Kropfitsch"]),
        (["vom Support Team"], ["Support Team"]),
        # Never names: numeric ids, handles, photo credits, weekdays, months.
        (["105092"], []),
        (["@NatGeoUK"], []),
        (["Photo by Sam Lee on Unsplash"], []),
        (["Donnerstag"], []),
        (["January 5"], []),
        (["Photograph by Ed Marshall"], []),
    ],
)
def test_normalise_author_entries(raw: list[str], expected: list[str]) -> None:
    assert normalise_authors(raw) == expected


@pytest.mark.parametrize(
    ("url", "head", "body", "expected"),
    [
        # A visible byline with its byline word in a class of its own.
        ("https://news.example/a/1", "", "<p class='auteur'>Par <span class='vcard author'>Camille Rousseau</span></p>",
         ["Camille Rousseau"]),
        # "site, City, Country" in a meta author: the site, not the places.
        ("https://agency.example/a/1", "<meta property='og:site_name' content='Anadolu Agency'>"
         "<meta name='author' content='Anadolu Agency, Ankara, Türkiye'>", "", ["Anadolu Agency"]),
        # A numeric id in meta is no name; the visible byline is read instead.
        ("https://news.example/a/1", "<meta name='author' content='105092'>",
         "<div class='byline'>By Jane Doe</div>", ["Jane Doe"]),
        # An organisation byline of JSON-LD stands where no person is named.
        ("https://zeitung.example/a/1", "<script type='application/ld+json'>{\"@type\": \"NewsArticle\", "
         "\"author\": {\"@type\": \"Organization\", \"name\": \"Deutsche Presse-Agentur\"}}</script>", "",
         ["Deutsche Presse-Agentur"]),
        # Names in unclassed spans of custom elements, and in the article's own <footer>.
        ("https://news.example/a/1", "", "<news-byline><span>Jane Doe</span></news-byline>", ["Jane Doe"]),
        ("https://news.example/a/1", "", "<article><p>Text.</p><footer><span class='author'>Jane Doe</span>"
         "</footer></article><footer><span class='author'>Site Team</span></footer>", ["Jane Doe"]),
        # Names of reader comments are not the byline.
        ("https://news.example/a/1", "", "<div class='comments'><span class='comment-author'>Max Muster</span></div>",
         []),
        # A byline in running text: "Von … am …", a label element with the name after it.
        ("https://blog.example/a/1", "", "<p class='postmetadata'>Von R. R. am 7.8.2013</p>", ["R. R."]),
        ("https://news.example/a/1", "", "<ul><li><strong>Autorin/Autor</strong> Roman Goncharenko</li></ul>",
         ["Roman Goncharenko"]),
        # The initials of an organisation's name are the site's host: the organisation, not a person.
        ("https://www.dw.com/a/1", "<meta name='author' content='Deutsche Welle'>",
         "<p class='byline-text'>Autor: Kossivi Tiassou</p>", ["Kossivi Tiassou"]),
        # A bold or italic paragraph among the first of the body.
        ("https://news.example/a/1", "", "<div class='entry-content'><p>Lead one.</p><p>Lead two.</p>"
         "<p><strong>Mathatisi Sebusi/Mohalenyane Phakela</strong></p><p>Text.</p></div>",
         ["Mathatisi Sebusi", "Mohalenyane Phakela"]),
        # Yoast's "Written by" label.
        ("https://news.example/a/1", "<meta name='twitter:label1' content='Geschrieben von'>"
         "<meta name='twitter:data1' content='Redaktion'>", "", ["Redaktion"]),
    ],
)
def test_find_authors_sources(url: str, head: str, body: str, expected: list[str]) -> None:
    tree = parse_html(page(head, body + BODY))[1]
    assert find_authors(tree, read_meta(tree, url)) == expected


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


def test_seed_selectors_read_scrapy_pseudo_elements() -> None:
    """`::text` and `::attr(name)` mean what they mean in Scrapy's `response.css()` (issue 22, item 13)."""
    body = (
        "<div class='lead'>Custom headline <span>with a kicker</span></div>"
        "<span class='when' data-day='06.12.2021'>Monday</span>" + BODY
    )
    seed = {"language": "en", "timezone": "Asia/Baku", "date_order": "DMY",
            "selectors": {"title": ".lead::text", "date": "span.when::attr(data-day)"}}
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

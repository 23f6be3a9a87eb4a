"""Reliability cases 15, 19-23 and 25-30: bad and tricky content. Crawl-level cases run `scrapy crawl
news` against local servers (real host names through the stub resolver); page-level cases call the pure
`extract_article` / `DateReader` on inline pages, as the spider does."""

from __future__ import annotations

import codecs
import sqlite3
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest
from faultserver import Reply, crawl, crawl_pages, make_site, served, write_seed

from diplomatic_crawler.demo.sitegen import build_site
from diplomatic_crawler.extraction import extract_article
from diplomatic_crawler.extraction.dates import DateReader, absolute_parser
from diplomatic_crawler.extraction.hints import SiteHints

FETCHED = datetime(2025, 5, 14, 9, 30, tzinfo=UTC)
MOJIBAKE = ("Ð", "Ñ", "Ã", "â€", "\ufffd", "Р°")


def _rows(db: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def _page(title: str, body: str, head: str = "", lang: str = "en") -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head>{head}<title>{title}</title>'
        '<meta property="og:type" content="article"></head>'
        f"<body><main><article><h1>{title}</h1>{body}</article></main></body></html>"
    )


# -- case 15 and 21: one row per article, none for listings ------------------------------------------


def test_case15_variants_of_one_article_give_one_row_and_case21_no_listing_rows(tmp_path: Path) -> None:
    server, spec = make_site(tmp_path, "mfa", 3, per_page=50)
    port = server.port
    canonical_host = f"mfa.test:{port}"
    server.fixed_base = f"http://{canonical_host}"  # the site's own links and rel=canonical use one host
    target = spec.articles[0].slug
    body = (server.root / "news" / f"{target}.html").read_text().replace("{{BASE}}", server.fixed_base)
    amp = body.replace("<html", "<html amp", 1)
    server.route(f"/amp/{target}.html", lambda p, q: Reply(200, amp.encode()))
    variants = [
        f"http://{canonical_host}/news/{target}.html?utm_source=newsletter&utm_campaign=may",
        f"http://{canonical_host}/news/{target}.html;jsessionid=0A1B2C3D",
        f"http://{canonical_host}/news/{target}.html#comments",
        f"http://www.mfa.test:{port}/news/{target}.html",
        f"http://{canonical_host}/amp/{target}.html",
        f"http://{canonical_host}/news/{target}.html?fbclid=IwAR0abc",
    ]
    spec.extra_links = tuple(f'<li><a href="{v}">Variant</a></li>' for v in variants)
    build_site(server.root, spec)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", canonical_host)
    db = tmp_path / "a.db"
    with served(server):
        result = crawl(
            "-a", f"seeds={seeds}", ARCHIVE_DB=str(db), hosts={"mfa.test": "127.0.0.1", "www.mfa.test": "127.0.0.1"}
        )
    assert result.returncode == 0, result.stderr[-3000:]
    keys = sorted(k for (k,) in _rows(db, "SELECT canonical_url FROM articles"))
    assert keys == sorted(f"http://{canonical_host}/news/{a.slug}.html" for a in spec.articles)
    # case 21: the home page, listings, tag and author pages were fetched, none became a row
    fetched = {h.path.split("?")[0] for h in server.hits}
    assert {"/", "/news/"} <= fetched and any(p.startswith("/tag/") for p in fetched)
    assert not _rows(db, "SELECT url FROM articles WHERE url NOT LIKE '%/news/%.html'")
    kinds = dict(_rows(db, "SELECT url, kind FROM pages"))
    assert kinds.get(f"http://{canonical_host}/") in ("listing", "home", "other")


# -- case 19: charsets -----------------------------------------------------------------------------------

RU_TITLE = "Заявление Министерства иностранных дел"
RU_BODY = (
    "Министр иностранных дел провёл переговоры с делегацией соседней страны. Стороны обсудили "
    "вопросы торговли, энергетики и культурного сотрудничества, а также график визитов на высшем уровне."
)
AZ_TITLE = "Xarici İşlər Nazirliyinin bəyanatı"
AZ_BODY = (
    "Xarici işlər naziri qonşu ölkənin nümayəndə heyəti ilə danışıqlar aparıb. Tərəflər ticarət, "
    "enerji və mədəni əməkdaşlıq məsələlərini, həmçinin yüksək səviyyəli səfərlərin qrafikini müzakirə ediblər."
)


def _charset_pages() -> dict[str, tuple[bytes, str, str, str]]:
    """path -> (body bytes, Content-Type, expected title, expected text snippet)."""
    ru = _page(RU_TITLE, "".join(f"<p>{RU_BODY}</p>" for _ in range(3)), lang="ru")
    az = _page(AZ_TITLE, "".join(f"<p>{AZ_BODY}</p>" for _ in range(3)), lang="az")
    return {
        "/news/header-utf8-body-cp1251.html": (ru.encode("cp1251"), "text/html; charset=utf-8", RU_TITLE, RU_BODY[:40]),
        "/news/undeclared-cp1251.html": (ru.encode("cp1251"), "text/html", RU_TITLE, RU_BODY[:40]),
        "/news/undeclared-utf8-az.html": (az.encode("utf-8"), "text/html", AZ_TITLE, AZ_BODY[:40]),
        "/news/bom-vs-header.html": (
            codecs.BOM_UTF8 + az.encode("utf-8"),
            "text/html; charset=windows-1251",
            AZ_TITLE,
            AZ_BODY[:40],
        ),
        "/news/meta-koi8r.html": (
            ru.replace("<head>", '<head><meta charset="koi8-r">').encode("koi8-r"),
            "text/html",
            RU_TITLE,
            RU_BODY[:40],
        ),
    }


def test_case19_charsets_decode_without_mojibake(tmp_path: Path) -> None:
    """Header charset that contradicts the bytes, no declaration at all (Cyrillic, Azerbaijani), a BOM
    against the header: the documented rule (BOM, then a declaration that decodes the bytes, then
    detection) gives clean text and titles."""
    pages = _charset_pages()
    result, db = crawl_pages(tmp_path, {path: (body, ctype) for path, (body, ctype, _, _) in pages.items()})
    assert result.returncode == 0, result.stderr[-3000:]
    for path, (_, _, title, snippet) in pages.items():
        rows = _rows(db, "SELECT title, text FROM articles WHERE url LIKE ?", f"%{path}")
        assert rows, path
        got_title, text = rows[0]
        assert got_title == title, path
        assert snippet in text, path
        assert not any(m in got_title + text for m in MOJIBAKE), path


# -- case 20: NUL bytes and control characters ---------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        _page(
            "Statement with a NUL",
            "<p>Before the NUL byte the text starts.\x00 After the NUL byte the text "
            "continues with the second half of the statement.</p>",
        ).encode(),
        _page(
            "Statement with controls",
            "<p>Control\x01 characters\x08 are\x0b dropped. After them the text "
            "continues with the second half of the statement.</p>",
        ).encode(),
        '<?xml version="1.0" encoding="utf-8"?>\n'
        + _page(
            "Statement as XHTML",
            "<p>A unicode string with an XML declaration. After the NUL byte the text "
            "continues with the second half of the statement.</p>",
        ),
    ],
    ids=["nul-bytes", "c0-controls", "str-with-xml-declaration"],
)
def test_case20_nul_and_control_characters(html: bytes | str) -> None:
    article = extract_article(html, "https://mfa.test/news/1.html", seed={"language": "en"}, fetched_at=FETCHED)
    assert article.title and article.title.startswith("Statement")
    assert "continues with the second half of the statement" in article.text  # content after the NUL kept
    assert not any(c in article.text + article.title for c in "\x00\x01\x08\x0b")


# -- case 22 and 23: short press releases, boilerplate ---------------------------------------------------


def test_case22_one_sentence_press_release_is_kept_whole() -> None:
    sentence = "The Ministry of Foreign Affairs strongly condemns the attack on the embassy in Port Aster."
    html = _page(
        "Statement on the attack on the embassy",
        f"<p>{sentence}</p>",
        head='<meta property="article:published_time" content="2025-05-13T10:00:00+02:00">',
    )
    article = extract_article(html, "https://mfa.test/news/statement.html", seed={"language": "en"}, fetched_at=FETCHED)
    assert article.text == sentence
    assert article.word_count == 15
    assert article.published == "2025-05-13T10:00:00+02:00"


def test_case23_boilerplate_is_dropped_and_every_paragraph_kept() -> None:
    paragraphs = [
        "Foreign Minister Lena Okafor received the Ambassador of Mardovia on Tuesday to discuss trade.",
        "The sides agreed to convene the joint commission on economic cooperation before the end of June.",
        "They also discussed regional security and cooperation within international organisations.",
    ]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = (
        '<!doctype html><html lang="en"><head><title>Minister receives the Ambassador of Mardovia</title>'
        '<meta property="og:type" content="article"></head><body>'
        '<div id="cookie-banner" class="cookie-consent"><p>We use cookies to improve your experience. '
        "By continuing you accept our cookie policy.</p><button>Accept all cookies</button></div>"
        '<nav><a href="/">Home</a> <a href="/news/">News</a></nav>'
        f"<main><article><h1>Minister receives the Ambassador of Mardovia</h1>{body}"
        '<div class="share-bar"><a href="https://facebook.com/share">Share on Facebook</a> '
        '<a href="https://x.com/share">Share on X</a> <a href="mailto:?">Share by e-mail</a></div>'
        "</article>"
        '<aside class="related"><h2>Related news</h2><ul><li><a href="/news/a.html">Minister meets the '
        'Ostranian delegation on energy</a></li><li><a href="/news/b.html">Consultations with Teravia on '
        "culture</a></li></ul></aside></main>"
        "<footer><p>© 2025 Ministry of Foreign Affairs. All rights reserved.</p><p>Contact the press "
        "service</p></footer></body></html>"
    )
    article = extract_article(
        html, "https://mfa.test/news/ambassador.html", seed={"language": "en"}, fetched_at=FETCHED
    )
    for paragraph in paragraphs:
        assert paragraph in article.text
    for chrome in (
        "cookie",
        "Share on",
        "Related news",
        "Ostranian delegation",
        "All rights reserved",
        "Contact the press",
    ):
        assert chrome not in article.text, chrome


# -- cases 25-30: dates ------------------------------------------------------------------------------------


def _date(html_date: str, **hints: object) -> str | None:
    seed = {"language": "en", **hints}
    html = _page(
        "Talks on trade",
        f'<p class="date">{html_date}</p><p>The Foreign Minister held talks with the '
        "delegation of Mardovia on trade, customs procedures and the schedule of visits.</p>" * 1,
    )
    return extract_article(html, "https://mfa.test/news/talks.html", seed=seed, fetched_at=FETCHED).published


@pytest.mark.parametrize(
    ("raw", "hints", "expected"),
    [
        ("05.03.2025", {"date_order": "DMY", "timezone": "UTC"}, "2025-03-05"),  # case 25
        ("03.05.2025", {"date_order": "DMY", "timezone": "UTC"}, "2025-05-03"),
        ("05.03.2025", {"date_order": "MDY", "timezone": "UTC"}, "2025-05-03"),
        ("05.03.2025", {"timezone": "UTC"}, "2025-03-05"),  # dotted numeric dates are day-first by convention
        ("12 March 2025", {"timezone": "Asia/Baku"}, "2025-03-12"),  # case 28: a day stays a day
        ("March 2025", {"timezone": "Asia/Baku"}, None),  # month only: never today's or the 1st
        ("", {}, None),  # case 29
        ("not a date", {}, None),
        ("12 March 2099", {}, None),  # far future: rejected
    ],
)
def test_cases25_28_29_visible_dates(raw: str, hints: dict[str, object], expected: str | None) -> None:
    assert _date(raw, **hints) == expected


def test_case25_one_site_is_read_in_one_order() -> None:
    """Every page of a DMY site is read day-first, whatever the page language would suggest."""
    days = ["05.03.2025", "11.04.2025", "01.02.2025", "12.12.2024"]
    results = [_date(d, date_order="DMY", timezone="UTC") for d in days]
    assert results == ["2025-03-05", "2025-04-11", "2025-02-01", "2024-12-12"]


def test_case26_structured_iso_date_wins_over_site_order() -> None:
    html = _page(
        "Talks on trade",
        "<p>The Foreign Minister held talks with the delegation of Mardovia.</p>",
        head='<meta property="article:published_time" content="2026-05-08">',
    )
    article = extract_article(
        html,
        "https://mfa.test/news/t.html",
        seed={"language": "en", "date_order": "DMY"},
        fetched_at=datetime(2026, 5, 20, tzinfo=UTC),
    )
    assert article.published == "2026-05-08"  # never swapped to 2026-08-05


@pytest.mark.parametrize(
    ("raw", "language", "expected"),
    [
        ("2 hours ago", "en", "2025-05-14T11:30:00+04:00"),  # fetched 09:30 UTC = 13:30 in Baku, minus 2 h
        ("вчера", "ru", "2025-05-13"),
        ("Вчера, 18:05", "ru", "2025-05-13T18:05:00+04:00"),
        ("Today 11:30", "en", "2025-05-14T11:30:00+04:00"),
        ("Today 14:30", "en", None),  # later than the fetch: not a publication time
        ("Yesterday the minister said", "en", None),  # a day word inside a sentence is no date line
    ],
)
def test_case27_relative_dates_resolve_against_fetch_time(raw: str, language: str, expected: str | None) -> None:
    html = _page(
        "Talks on trade",
        f'<p class="date">{raw}</p><p>The Foreign Minister held talks with the '
        "delegation of Mardovia on trade, customs procedures and the schedule of visits.</p>",
        lang=language,
    )
    seed = {"language": language, "timezone": "Asia/Baku"}
    for _ in range(2):  # deterministic: the same answer for the same (frozen) fetch time
        assert (
            extract_article(html, "https://mfa.test/news/t.html", seed=seed, fetched_at=FETCHED).published == expected
        )
    if expected is not None:  # the same rule when the string is read on its own
        found = DateReader(SiteHints(language=language, timezone="Asia/Baku"), FETCHED).text(raw)
        assert found is not None and found.value == expected


def test_case28_naive_datetime_gets_the_seed_zone() -> None:
    html = _page(
        "Talks on trade",
        "<p>The Foreign Minister held talks with the delegation of Mardovia.</p>",
        head='<meta property="article:published_time" content="2025-03-12T10:15:00">',
    )
    article = extract_article(
        html, "https://mfa.test/news/t.html", seed={"language": "en", "timezone": "Asia/Baku"}, fetched_at=FETCHED
    )
    assert article.published == "2025-03-12T10:15:00+04:00"
    assert article.timezone_assumed is True


@pytest.mark.parametrize("raw", ["", "not a date", "x" * 10_000, "Lorem ipsum " * 900, "01.01.1970", "3000-01-01"])
def test_case29_garbage_and_implausible_dates(raw: str) -> None:
    reader = DateReader(SiteHints(language="en", timezone="UTC", date_order="DMY"), FETCHED)
    found = reader.find(raw)
    assert found is None or found.value[:4] not in ("1970", "3000")


def test_case30_many_dates_many_languages_reuse_parsers() -> None:
    samples = {
        "en": ("7 December 2021", "2021-12-07"),
        "fr": ("7 décembre 2021", "2021-12-07"),
        "ru": ("7 декабря 2021", "2021-12-07"),
        "es": ("7 de diciembre de 2021", "2021-12-07"),
        "de": ("7. Dezember 2021", "2021-12-07"),
        "tr": ("7 Aralık 2021", "2021-12-07"),
    }
    readers = {lang: DateReader(SiteHints(language=lang, timezone="UTC"), FETCHED) for lang in samples}
    absolute_parser.cache_clear()
    tracemalloc.start()
    try:
        peaks = []
        for round_ in range(5):
            for _ in range(1000 // len(samples) + 1):
                for lang, (raw, expected) in samples.items():
                    found = readers[lang].find(raw)
                    assert found is not None and found.value == expected, (lang, raw)
            peaks.append(tracemalloc.get_traced_memory()[0])
            if round_ == 0:
                tracemalloc.reset_peak()
    finally:
        tracemalloc.stop()
    assert absolute_parser.cache_info().currsize <= len(samples)  # one parser per configuration, reused
    assert peaks[-1] - peaks[0] < 2 * 1024 * 1024  # memory flat over 4,000 more parses

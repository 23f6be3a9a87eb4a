"""Publication dates weighed across a page's evidence: the publisher's zone, the URL's date, chrome,
datelines and closing lines. One table of page shapes through `extract_article`, plus the helpers."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from diplomatic_crawler.extraction import extract_article
from diplomatic_crawler.extraction.date_evidence import agree_with_url, host_zone, page_offset, url_month
from diplomatic_crawler.extraction.dates import DateReader, FoundDate, language_date_order
from diplomatic_crawler.extraction.hints import SiteHints
from diplomatic_crawler.extraction.page_dates import _reads_as_title

FETCHED = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
PROSE = "".join(
    f"<p>Paragraph {i} of the statement on bilateral relations and regional security, with enough words "
    f"to look like a real paragraph of a ministry press release about the consultations held.</p>"
    for i in range(1, 6)
)


def page(head: str = "", body: str = "", lang: str = "en") -> str:
    return (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'><title>Minister meets envoy</title>"
            f"{head}</head><body>{body}</body></html>")


def ld(**values: str) -> str:
    return f'<script type="application/ld+json">{json.dumps({"@type": "NewsArticle", **values})}</script>'


def article(inner: str, after: str = "") -> str:
    return f"<article><h1>Minister meets envoy</h1>{inner}{PROSE}</article>{after}"


COMMENTS = ('<section id="comments"><ol class="commentlist"><li class="comment"><div class="comment-meta">'
            '<a>29. März 2020 um 16:45 Uhr</a></div><p>Danke!</p></li></ol></section>')

# (id, url, html, expected published (value or its first 10 characters), expected source)
PAGES: list[tuple[str, str, str, str | None, str | None]] = [
    # --- the publisher's zone: the instant stays, the offset it is written with changes
    ("utc-instant-with-page-offset", "https://news.example.com/a",
     page(ld(datePublished="2021-11-04T23:00:00Z") + '<meta property="article:modified_time" '
          'content="2021-11-05T09:00:00+01:00">', article("")),
     "2021-11-05T00:00:00+01:00", "jsonld"),
    ("utc-instant-on-a-german-host", "https://www.ministerium.de/presse/a",
     page(ld(datePublished="2021-11-04T23:30:00Z"), article("")), "2021-11-05T00:30:00+01:00", "jsonld"),
    ("utc-instant-on-a-generic-host-stays-utc", "https://news.example.com/a",
     page(ld(datePublished="2021-11-04T23:30:00Z"), article("")), "2021-11-04T23:30:00+00:00", "jsonld"),
    ("multi-zone-country-stays-utc", "https://www.example.ca/a",
     page(ld(datePublished="2020-08-25T00:23:33Z"), article("")), "2020-08-25T00:23:33+00:00", "jsonld"),
    ("shown-day-outranks-the-zone", "https://www.talent.ch/?p=1",
     page(body=article('<time class="entry-date" datetime="2019-12-26T23:07:45+00:00">26/12/2019</time>')),
     "2019-12-26T23:07:45+00:00", "time"),
    ("naive-ld-time-takes-the-meta-offset", "https://news.example.com/a",
     page(ld(datePublished="2021-12-07T09:30:00") + '<meta property="article:published_time" '
          'content="2021-12-07T09:30:00-05:00">', article("")), "2021-12-07T09:30:00-05:00", "jsonld"),
    ("non-standard-meta-key", "https://news.example.com/a",
     page('<meta property="article:published:time" content="2021-12-07T10:00:00+01:00">', article("")),
     "2021-12-07T10:00:00+01:00", "meta"),
    # --- the date in the URL
    ("utc-evening-agrees-with-url-day", "https://nypost.example.com/2023/11/08/news/haley/",
     page(ld(datePublished="2023-11-09T03:28:35Z"), article("")), "2023-11-08", "url"),
    ("url-finds-the-matching-evidence", "https://paper.example.com/2023/11/08/mayor/",
     page(ld(datePublished="2023-11-09T05:30:59Z"),
          article('<time datetime="2023-11-08T22:00:00Z">Nov 8</time>')),
     "2023-11-08T22:00:00+00:00", "time"),
    ("page-offset-of-the-same-instant", "https://paper.example.com/2023/11/08/mayor/",
     page(ld(datePublished="2023-11-09T05:30:59Z"),
          article('<time datetime="2023-11-08T23:30:59-06:00">Nov 8</time>')),
     "2023-11-08T23:30:59-06:00", "jsonld"),
    ("url-outranks-a-date-years-away", "https://www.befifty.example/home/2017/7/12/unter-uns",
     page(ld(datePublished="2019-06-17T18:28:00+02:00"), article("")), "2017-07-12", "url"),
    ("a-day-apart-in-own-zone-keeps-the-markup", "https://elpais.example.com/elpais/2020/02/18/ciencia/1.html",
     page(ld(datePublished="2020-02-19T18:37:32+01:00"), article("")), "2020-02-19T18:37:32+01:00", "jsonld"),
    ("one-digit-slug-is-no-url-date", "https://blog.example.org/2023/10/3-fragen-an-tina/",
     page(ld(datePublished="2023-10-31T08:47:16+01:00"), article("")), "2023-10-31T08:47:16+01:00", "jsonld"),
    # --- chrome: comments, widgets, the site's header
    ("comment-dates-are-not-the-article's", "https://blog.example.org/wireshark/",
     page(body=article("") + COMMENTS, lang="de"), None, None),
    ("recent-posts-widget", "https://ngo.example.org/guinee/",
     page(body=article("") + '<div id="footer"><ul class="sidebar_widget"><li class="widget widget_recent_entries">'
          '<ul><li><a>Other</a><span class="post-date">09/09/2019</span></li></ul></li></ul></div>', lang="fr"),
     None, None),
    ("site-header-date-of-the-day", "https://blogs.example.fr/elba/",
     page(body='<header class="header"><a class="logo"><span class="date-edition">lun. 5 août 2019</span></a>'
          '</header>' + article('<div class="author"><time>27 juin 2019</time></div>'), lang="fr"),
     "2019-06-27", "time"),
    ("teaser-card-date-is-another-article's", "https://www.dw.example/de/gegenoffensive/a-65464327",
     page(body=article('<ul class="smallList"><li><strong>Datum</strong> 28.04.2023</li></ul>',
                       after='<div class="relatedContent"><div class="news"><a href="/de/geheimdienst/av-65422743">'
                             '<h2>Militärgeheimdienst zuversichtlich <span class="date">24.04.2023</span></h2>'
                             '</a></div></div>'), lang="de"), "2023-04-28", "text"),
    ("permalink-date-is-the-article's", "https://www.talent.example/?p=5031",
     page(body=article('<a href="https://www.talent.example/?p=5031" rel="bookmark"><span class="date">'
                       '26/12/2019</span></a>'), lang="de"), "2019-12-26", "text"),
    ("day-archive-link-is-the-article's", "https://blog.example.org/2019/12/26/post/",
     page(body=article('<a href="/2019/12/26/"><span class="date">26 December 2019</span></a>')),
     "2019-12-26", "text"),
    ("wayback-toolbar-capture-date", "https://web.archive.org/web/20131110121040/http://www.peptalks.example/",
     page(body='<div id="wm-ipp-base"><div id="wm-ipp"><span class="date">10 Nov 2013</span></div></div>'
          + article(""), lang="de"), None, None),
    # --- the body's own date lines
    ("prose-date-is-not-a-dateline", "https://blog.example.org/journey/",
     page(body="<article><h1>Minister meets envoy</h1><p>Mercurial 5.2 was released on November 5, 2019. It is "
          "the first release that supports Python 3, after a long journey of porting work.</p>" + PROSE
          + "</article>"), None, None),
    ("dateline-opens-the-body", "https://mfa.example.az/en/news/1",
     page(body=article("<p>Baku, 7 December 2021 (TDI): The Minister received the Ambassador of Japan to "
                       "discuss the agenda of bilateral cooperation.</p>")), "2021-12-07", "text"),
    ("date-line-above-the-first-paragraph", "https://www.mfa.example.ee/en/news/1",
     page(body=article("<p>07.12.2021</p>")), "2021-12-07", "text"),
    ("closing-city-date-line", "https://www.auswaertiges-amt.example/de/newsroom/1",
     page(body=f"<article><h1>Minister meets envoy</h1>{PROSE}<p>Berlin, 7. Dezember 2021</p></article>",
          lang="de"), "2021-12-07", "text"),
    ("standalone-date-in-the-article", "https://club.example.at/news/119843/Come-Together",
     page(body='<div class="post"><h1>Minister meets envoy</h1><div class="abstract"><p>06.05.2018</p></div>'
          f'<div class="body">{PROSE}</div></div>', lang="de"), "2018-05-06", "text"),
    ("standalone-date-after-a-label", "https://www.autohaus.example/nachrichten/skoda",
     page(body='<div class="subsection"><h1>Minister meets envoy</h1><div class="row"><h5 class="title-inline">'
          'Datum</h5>\n                                03.11.2021\n                            </div>'
          f'<div class="text">{PROSE}</div></div>', lang="de"), "2021-11-03", "text"),
    # --- layout wrappers named for the sidebar beside them are not chrome
    ("wrapper-named-sidebar-holds-the-article", "https://blog.example.de/fall-in-love/",
     page(body='<header class="entry"><h1>Minister meets envoy</h1></header><div class="mainwrap single-default '
          f'sidebar"><div class="post"><time datetime="2017-08-08">8 August</time>{PROSE}</div></div>'
          '<div class="widget recent">'
          '<div class="widget-date">14/06/2019</div></div>', lang="de"), "2017-08-08", "time"),
    ("sidebar-box-with-a-styled-headline", "https://www.wine.example.de/nd/burgenland/",
     page(body='<div class="row"><div class="sidebar js-copypaste"><p class="h1">Minister meets envoy</p>'
          '<p class="time"><time datetime="2022-01-28">28. Januar 2022</time></p></div>'
          f'<div class="content">{PROSE}</div></div>', lang="de"), "2022-01-28", "time"),
    ("time-text-outranks-a-datetime-days-away", "https://luttes.example.info/quand-on-comprend-12355",
     page(body=article('<time datetime="2019-07-03T10:18:46Z">Publié le 29 juin 2019</time>'), lang="fr"),
     "2019-06-29", "time"),
    ("time-text-within-a-day-keeps-the-datetime", "https://www.example.org/a",
     page(body=article('<time datetime="2019-06-29T23:30:00Z">30 juin 2019</time>'), lang="fr"),
     "2019-06-29T23:30:00+00:00", "time"),
    ("jsonld-with-a-closing-brace-too-many", "https://avaz.example.ba/kantoni/604722/direktor",
     page(head='<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": '
          '"2020-10-26T18:10:00+01:00"}\n}\n</script>', body='<div class="content"><h1>Minister meets envoy</h1>'
          f'{PROSE}</div><div class="teaser"><a href="/x"><h3>Other</h3></a><div class="article-date-time">'
          '<span>09.08.2020 u 10:52</span></div></div>'), "2020-10-26T18:10:00+01:00", "jsonld"),
    ("a-real-sidebar-stays-chrome", "https://www.example.org/a",
     page(body=f'<article><h1>Minister meets envoy</h1>{PROSE}</article><div class="sidebar"><h3>Recent</h3>'
          '<p class="date">14/06/2019</p><p>Another statement</p></div>'), None, None),
    ("labelled-dateline-in-the-lead-box", "https://www.ministerium.example.de/de/aktuelles/meldung",
     page(body='<div class="detail"><h1 class="title"><span class="roofline">Ernährung</span> Minister meets envoy'
          '</h1><div class="l-detail-page__teaser-text"><p>Pressemitteilung vom 25. Januar 2022 |\xa0\xa0Berlin – '
          f'Die Ministerin empfing den Botschafter.</p></div><div class="rte">{PROSE}</div></div>', lang="de"),
     "2022-01-25", "text"),
    ("updated-lead-is-not-the-date", "https://www.ministerium.example.de/de/aktuelles/meldung",
     page(body='<div class="detail"><h1>Minister meets envoy</h1><div class="lead"><p>Aktualisiert am 25. Januar '
          f'2022 – Die Ministerin empfing den Botschafter.</p></div>{PROSE}</div>', lang="de"), None, None),
    # --- microformats and a URL that names the month only
    ("hatom-abbr-published", "https://blog.example.com/2017/09/review.html",
     page(body='<div class="post"><h3>Minister meets envoy</h3><span class="post-timestamp"><a href="#">'
          '<abbr class="published" title="2017-09-09T10:52:00+02:00">10:52</abbr></a></span>'
          f'<div class="post-body">{PROSE}</div></div>', lang="de"), "2017-09-09T10:52:00+02:00", "microdata"),
    ("mf2-dt-published", "https://indie.example.net/notes/1",
     page(body=article('<time class="dt-published" datetime="2021-05-04T08:00:00+02:00">May</time>')),
     "2021-05-04T08:00:00+02:00", "time"),
    ("url-month-outranks-a-date-line-outside-it", "https://blog.example.com/2017/09/review.html",
     page(body=article('<p class="book">Erschienen: <time datetime="2017-08-14">14.08.2017</time></p>'
                       '<p class="date">09.09.2017</p>'), lang="de"), "2017-09-09", "text"),
    ("url-month-alone-changes-nothing", "https://blog.example.com/2017/09/review.html",
     page(body=article('<p class="date">14.08.2017</p>'), lang="de"), "2017-08-14", "text"),
    # --- numeric orders from the page's language
    ("german-two-digit-year-with-weekday", "https://www.example.de/a",
     page(body=article('<div class="meta">Do 25.04.24 | 14:07 Uhr</div>'), lang="de"), "2024-04-25T14:07", "text"),
    ("french-slash-is-day-first", "https://www.example.fr/a",
     page(body=article('<span class="date">11/03/2021</span>'), lang="fr"), "2021-03-11", "text"),
    ("us-english-slash-is-month-first", "https://www.example.org/a",
     page(body=article('<span class="date">11/03/2021</span>'), lang="en-US"), "2021-11-03", "text"),
]


@pytest.mark.parametrize(("url", "html", "expected", "source"), [p[1:] for p in PAGES], ids=[p[0] for p in PAGES])
def test_published_date_of_page_shapes(url: str, html: str, expected: str | None, source: str | None) -> None:
    found = extract_article(html, url, fetched_at=FETCHED)
    if expected is None:
        assert found.published is None, (found.published, found.published_source, found.published_raw)
        return
    assert found.published is not None and found.published.startswith(expected), found.published
    assert found.published_source == source
    assert found.published_raw  # the evidence is always recorded


def test_modified_never_becomes_published_through_the_url_check() -> None:
    html = page(ld(datePublished="2019-06-17T18:28:00+02:00", dateModified="2017-07-12T09:00:00+02:00"),
                article(""))
    found = extract_article(html, "https://www.example.com/2017/07/12/slug", fetched_at=FETCHED)
    assert (found.published, found.published_source) == ("2017-07-12", "url")
    assert found.modified == "2017-07-12T09:00:00+02:00"


def stamp(value: str, assumed: bool = False, precision: str = "second") -> FoundDate:
    return FoundDate(value, value, "meta", precision, assumed)


@pytest.mark.parametrize(
    ("stamps", "expected"),
    [
        ([stamp("2021-11-05T09:00:00+01:00"), stamp("2021-11-04T23:00:00+00:00")], timedelta(hours=1)),
        ([stamp("2021-11-05T09:00:00+01:00"), stamp("2021-07-05T09:00:00+02:00")], None),  # no one offset
        ([stamp("2021-11-05T09:00:00+01:00", assumed=True)], None),  # an assumed zone is no evidence
        ([stamp("2021-11-05", precision="day")], None),
        ([], None),
    ],
)
def test_page_offset(stamps: list[FoundDate], expected: timedelta | None) -> None:
    offset = page_offset(stamps)
    assert (offset.utcoffset(None) if offset else None) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.bmeia.gv.at/a", timedelta(hours=1)),
        ("https://www.gov.uk/a", timedelta(0)),
        ("https://www.mid.ru/a", None),  # eleven zones
        ("https://www.state.gov/a", None),
        ("https://example.com/a", None),
        ("https://europa.eu/a", None),
        ("not a url", None),
    ],
)
def test_host_zone_only_where_the_country_has_one_offset(url: str, expected: timedelta | None) -> None:
    zone = host_zone(url, datetime(2021, 12, 7, 12, 0, tzinfo=UTC))
    assert (zone.utcoffset(datetime(2021, 12, 7, 12, 0)) if zone else None) == expected


def test_agree_with_url_keeps_a_chosen_date_on_the_url_day() -> None:
    url = FoundDate("2021-12-07", "2021/12/07", "url", "day", False)
    chosen = FoundDate("2021-12-07T23:00:00+00:00", "x", "jsonld", "second", False)
    assert agree_with_url(chosen, url, lambda: iter(())) is chosen
    assert agree_with_url(chosen, None, lambda: iter(())) is chosen


@pytest.mark.parametrize(
    ("language", "order"),
    [("de", "DMY"), ("fr", "DMY"), ("ru", "DMY"), ("en-GB", "DMY"), ("en_US", "MDY"), ("en", None),
     ("ja", "YMD"), ("ko", "YMD"), ("zz", None)],
)
def test_language_date_order_from_cldr(language: str, order: str | None) -> None:
    assert language_date_order(language) == order


@pytest.mark.parametrize(("language", "expected"), [("fr", "2021-03-11"), ("en-US", "2021-11-03"), ("en", None),
                                                    (None, None)])
def test_slash_dates_follow_the_page_language(language: str | None, expected: str | None) -> None:
    found = DateReader(SiteHints(), FETCHED, page_language=language).find("11/03/2021")
    assert (found.value if found else None) == expected


def test_fixed_offsets_from_the_page_keep_the_instant() -> None:
    found = extract_article(page(ld(datePublished="2021-11-04T23:00:00Z") + '<meta name="date" '
                                 'content="2021-11-05T09:00:00+01:00">', article("")),
                            "https://news.example.com/a", fetched_at=FETCHED)
    moment = datetime.fromisoformat(found.published)
    assert moment == datetime(2021, 11, 4, 23, 0, tzinfo=UTC)
    assert moment.utcoffset() == timezone(timedelta(hours=1)).utcoffset(None)


@pytest.mark.parametrize(("heading", "title", "expected"), [
    ("Minister meets envoy", "Minister meets envoy", True),
    ("Fall in love with black", "Fall in love with black – LDT – Blog", True),  # the title keeps the site
    ("Guinée : un braconnier interpellé", "Guinée : un braconnier interpellé ‹ Wara Conservation Project", True),
    ("Recent posts", "Recent posts about the minister's visit to the region", False),  # under half the title
    ("Minister meets", "Minister meets envoy", False),  # two words
    ("Envoy meets minister", "Minister meets envoy", False),
])
def test_a_heading_reads_as_the_title_or_its_start(heading: str, title: str, expected: bool) -> None:
    words = re.compile(r"\w+")
    assert _reads_as_title(words.findall(heading.casefold()), words.findall(title.casefold())) is expected


@pytest.mark.parametrize(("url", "expected"), [
    ("https://x.blogspot.com/2017/09/review.html", (2017, 9)),
    ("https://example.org/2021/12/slug/", (2021, 12)),
    ("https://example.org/2021/12/07/slug/", None),  # a full date: from_url's
    ("https://example.org/2021/13/slug", None),
    ("https://example.org/news/2021/", None),
])
def test_url_month(url: str, expected: tuple[int, int] | None) -> None:
    assert url_month(url) == expected

"""What the probe deduces from the pages it fetched, all pure and testable on stored pages: the country
and name of a host, the shapes of article URLs (`article_pattern`), a listing's pagination
(`follow_pattern`), the order of visible dates, the language, the time zones of a country, the site's
name, its feeds and language versions."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit
from zoneinfo import ZoneInfo

import lxml.etree
import lxml.html
import pytz

from ...discovery import Link, is_pagination
from ...extraction.dates import _MONTH_RE
from .report import Sample

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")
# Link texts and path words of news / press sections, in the languages of the curated seeds.
NEWS_WORDS = re.compile(
    r"(?<![^\W\d_])(news|press|media|statements?|releases?|briefings?|speeches|announcements?|comunicados?|"
    r"prensa|noticias|actualit[ée]s?|communiqu[ée]s?|presse|aktuelles|nachrichten|pressemitteilungen|"
    r"новости|пресс|заявления|новини|haberler|basın|xəbərlər|notícias|imprensa|notizie|comunicati|"
    r"أخبار|الأخبار|بيانات|新闻|報道|보도자료)(?![^\W\d_])",
    re.IGNORECASE,
)
_EXT_RE = re.compile(r"^(?P<stem>.+?)(?P<ext>(?:\.[A-Za-z]{2,5}){1,2})$")
_YEAR_SEG = re.compile(r"^(?:19|20)\d{2}$")

_CC_TLD_EXCEPTIONS = {"uk": "GB", "eu": "EU", "gov": "US", "mil": "US", "edu": "US"}


def guess_country(host: str) -> str | None:
    """ISO 3166 alpha-2 code from a host's country-code TLD (`mfa.gov.az` -> AZ, `www.gov.uk` -> GB,
    `www.state.gov` -> US); None for generic TLDs (.com, .org, .int, ...)."""
    host = host.split(":", 1)[0].lower().rstrip(".")
    tld = host.rsplit(".", 1)[-1]
    if tld in _CC_TLD_EXCEPTIONS:
        return _CC_TLD_EXCEPTIONS[tld]
    if len(tld) == 2 and tld.isalpha():
        return tld.upper()
    return None


def guess_name(host: str) -> str:
    """A seed name from a host: `www.mfa.gov.az` -> `mfa-gov-az`, `127.0.0.1:8080` -> `127-0-0-1-8080`."""
    host = host.lower()
    host = host.removeprefix("www.")
    name = re.sub(r"[^a-z0-9]+", "-", host).strip("-")
    return name or "site"


def host_regex(host: str) -> str:
    bare = host.lower().removeprefix("www.")
    return r"^https?://(?:www\.)?" + re.escape(bare)


def _split_url(url: str) -> tuple[list[str], bool, str, str]:
    """Path segments (last one without its extension), trailing slash, extension, query."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    trailing = parts.path.endswith("/") and bool(segments)
    ext = ""
    if segments and not trailing and (m := _EXT_RE.match(segments[-1])) and not m.group("stem").isdigit():
        segments[-1], ext = m.group("stem"), m.group("ext")
    return segments, trailing, ext, parts.query


def _kind(segment: str) -> str:
    if _YEAR_SEG.match(segment):
        return "Y"
    if segment.isdigit():
        return "N"
    return "T"


def _query_shape(query: str) -> tuple[str, ...]:
    if not query:
        return ()
    pairs = parse_qsl(query, keep_blank_values=True)
    if pairs and all(v for _, v in pairs):
        return tuple(sorted(k for k, _ in pairs))
    return ("<raw>",)


def _position_regex(values: Sequence[str], size: int) -> str:
    distinct = set(values)
    if all(v.isdigit() for v in values):
        # Numbers vary with time even when the samples agree: years, months and days are never literal
        # (all samples from March 2024 must not give a pattern that stops matching in April).
        lengths = {len(v) for v in values}
        if lengths == {4} and all(_YEAR_SEG.match(v) for v in values):
            return r"\d{4}"
        if max(lengths) <= 2:
            return r"\d{1,2}"
        if len(distinct) == 1 and len(values) >= 3:
            return re.escape(values[0])  # a constant section number such as /56/
        return r"\d+"
    if len(distinct) == 1:
        return re.escape(values[0])
    wordy = all(re.fullmatch(r"[a-z][a-z_-]{1,24}", v) and v.count("-") <= 1 for v in values)
    if wordy and len(distinct) <= 3 and size >= 4 and len(distinct) * 2 <= size:
        return "(?:" + "|".join(re.escape(v) for v in sorted(distinct)) + ")"
    return r"[^/?#]+"


@dataclass(frozen=True)
class PatternGuess:
    regex: str
    shape: str  # human-readable: /en/news/<number>/<text>
    urls: tuple[str, ...]
    support: float
    share: float  # of the weighted candidate URLs


def infer_url_pattern(
    weighted_urls: Iterable[tuple[str, float]], host: str, *, min_urls: int = 3
) -> list[PatternGuess]:
    """Group candidate article URLs by shape (segment kinds, trailing slash, extension, query keys) and
    turn each group into an anchored regex: constant segments stay literal, varying ones become `\\d{4}`,
    `\\d+`, a short alternation or `[^/?#]+`. Best supported first; groups under `min_urls` dropped."""
    groups: dict[tuple[Any, ...], list[tuple[str, float]]] = {}
    weights: dict[str, float] = {}
    for url, weight in weighted_urls:
        weights[url] = max(weights.get(url, 0.0), weight)
    total = sum(weights.values()) or 1.0
    for url, weight in weights.items():
        segments, trailing, ext, query = _split_url(url)
        if not segments:
            continue
        key = (tuple(_kind(s) for s in segments), trailing, ext, _query_shape(query))
        groups.setdefault(key, []).append((url, weight))
    guesses = []
    for (kinds, trailing, ext, qshape), members in groups.items():
        if len(members) < min_urls:
            continue
        split = [_split_url(u) for u, _ in members]
        size = len(members)
        parts = []
        shape = []
        for i in range(len(kinds)):
            values = [s[0][i] for s in split]
            rx = _position_regex(values, size)
            parts.append(rx)
            if rx == re.escape(values[0]) and len(set(values)) == 1:
                shape.append(values[0])
            else:
                shape.append({"Y": "<year>", "N": "<number>"}.get(kinds[i], "<text>"))
        regex = host_regex(host) + "/" + "/".join(parts)
        if trailing:
            regex += "/"
        if ext:
            exts = {s[2] for s in split}
            regex += re.escape(ext) if len(exts) == 1 else "(?:" + "|".join(re.escape(e) for e in sorted(exts)) + ")"
        if qshape == ("<raw>",):
            regex += r"\?.+"
        elif qshape:
            query_rx = []
            for k in qshape:
                vals = [dict(parse_qsl(s[3])).get(k, "") for s in split]
                query_rx.append(re.escape(k) + "=" + (r"\d+" if all(v.isdigit() for v in vals) else "[^&#]+"))
            regex += r"\?" + "&".join(query_rx) + "(?:&.*)?"
        regex += "$"
        support = sum(w for _, w in members)
        guesses.append(
            PatternGuess(
                regex=regex,
                shape="/"
                + "/".join(shape)
                + ("/" if trailing else "")
                + ext
                + ("?" + "&".join(qshape) if qshape else ""),
                urls=tuple(u for u, _ in sorted(members, key=lambda m: -m[1])),
                support=support,
                share=support / total,
            )
        )
    guesses.sort(key=lambda g: (-g.support, -len(g.urls)))
    return guesses


# Dates: which order do the sample pages write them in?
_TEXT_DMY = re.compile(
    r"(?<!\w)([0-3]?\d)(?:st|nd|rd|th|er|\.)?\s*(?:de\s+)?(" + _MONTH_RE + r")\s*(?:de\s+)?,?\s*((?:19|20)\d{2})(?!\d)",
    re.I,
)
_TEXT_MDY = re.compile(r"(" + _MONTH_RE + r")\s*([0-3]?\d)(?:st|nd|rd|th)?(?!\d)\s*,?\s*((?:19|20)\d{2})(?!\d)", re.I)
_NUM_YMD = re.compile(r"(?<![\d./-])((?:19|20)\d{2})([-/.])([01]?\d)\2([0-3]?\d)(?![\d])")
_NUM_AMBIG = re.compile(r"(?<![\d./-])([0-3]?\d)([./-])([0-3]?\d)\2((?:19|20)\d{2})(?![\d])")
_CJK_YMD = re.compile(r"((?:19|20)\d{2})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]")


@dataclass
class DateOrderGuess:
    order: str | None
    evidence: str  # human-readable summary for the seed comment
    examples: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def infer_date_order(texts: Iterable[str]) -> DateOrderGuess:
    """Read the visible dates of a few pages and decide the day/month order.

    A numeric date with a first number above 12 proves DMY, a second number above 12 proves MDY; a month
    name before the day means MDY and after it DMY; a four-digit year first means YMD. Numeric dates
    with both numbers at most 12 prove nothing and are only counted."""
    counts: Counter[str] = Counter()
    examples: dict[str, str] = {}

    def seen(kind: str, text: str) -> None:
        counts[kind] += 1
        examples.setdefault(kind, text.strip())

    for text in texts:
        text = text[:20000]
        for m in _CJK_YMD.finditer(text):
            seen("YMD", m.group(0))
        for m in _NUM_YMD.finditer(text):
            if 1 <= int(m.group(3)) <= 12 and 1 <= int(m.group(4)) <= 31:
                seen("YMD", m.group(0))
        for m in _NUM_AMBIG.finditer(text):
            a, b = int(m.group(1)), int(m.group(3))
            if not (1 <= a <= 31 and 1 <= b <= 31):
                continue
            if a > 12 and b <= 12:
                seen("DMY-numeric", m.group(0))
            elif b > 12 and a <= 12:
                seen("MDY-numeric", m.group(0))
            elif a <= 12 and b <= 12:
                seen("ambiguous", m.group(0))
        for m in _TEXT_DMY.finditer(text):
            seen("DMY-text", m.group(0))
        for m in _TEXT_MDY.finditer(text):
            seen("MDY-text", m.group(0))
    dmy = counts["DMY-numeric"] + counts["DMY-text"]
    mdy = counts["MDY-numeric"] + counts["MDY-text"]
    ymd = counts["YMD"]
    parts = [f"{k} x{v}" for k, v in sorted(counts.items())]
    summary = ", ".join(parts) if parts else "no visible dates found"
    example_list = [f"{k}: {v!r}" for k, v in sorted(examples.items())]
    numeric_proof = counts["DMY-numeric"] + counts["MDY-numeric"]
    if numeric_proof:
        order = "DMY" if counts["DMY-numeric"] >= counts["MDY-numeric"] else "MDY"
    elif dmy or mdy:
        order = "DMY" if dmy >= mdy else "MDY"
    elif ymd:
        order = "YMD"
    else:
        order = None
    return DateOrderGuess(order, summary, example_list, dict(counts))


# Language: the page's own declaration first; a small stop-word vote when it is missing or doubtful.
_STOPWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "the and of to in is that for on with was as by at from are this has have be it its which were",
        "fr": "le la les des et du un une est pour dans que qui sur au aux par avec ont été ses cette",
        "es": "el la los las de y que en un una por con para del se es al su sus ha fue como",
        "de": "der die das und ist nicht mit den dem von zu des auf für sich ein eine im wurde auch",
        "it": "il di che la per un una del della con sono non gli le è dei alla ha nel delle",
        "pt": "o a os as de que e do da em um uma para com não por dos das no na foi",
        "tr": "ve bir bu ile için da de olarak olan gibi daha çok ama sonra kadar en ise",
        "az": "və bir bu ilə üçün da də olan kimi daha çox sonra qədər isə edib edir olunub",
        "ru": "и в не на что с по к как из за от для это был его о также при",
        "uk": "і в не на що з по до як із за від для це був його та також при",
        "ar": "في من على إلى أن عن مع هذا التي الذي كما قد بين وزير",
    }.items()
}
_SCRIPTS = (
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("hy", re.compile(r"[\u0531-\u058f]")),
    ("ka", re.compile(r"[\u10a0-\u10ff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
)


def detect_language(text: str) -> str | None:
    """A rough ISO 639-1 guess from text: writing system first (ja, ko, zh, hy, ka, el, he, th), then the
    share of common function words for en, fr, es, de, it, pt, tr, az, ru, uk, ar. None when unsure."""
    text = text[:20000]
    letters = sum(ch.isalpha() for ch in text) or 1
    for lang, rx in _SCRIPTS:
        if len(rx.findall(text)) / letters > 0.2:
            return lang
    words = re.findall(r"[^\W\d_]+", text.lower())
    if len(words) < 20:
        return None
    scores = {lang: sum(w in stop for w in words) / len(words) for lang, stop in _STOPWORDS.items()}
    best = max(scores, key=lambda k: scores[k])
    if scores[best] < 0.05:
        return None
    if best in ("ru", "uk"):
        return "uk" if re.search(r"[іїєґ]", text.lower()) else "ru"
    return best


def base_language(code: str | None) -> str | None:
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    return base if re.fullmatch(r"[a-z]{2}", base) else None


def _zone_offsets(name: str, year: int) -> frozenset[str]:
    """The UTC offsets (`+04:00`) a zone uses in winter and summer of `year`."""
    found = set()
    for month in (1, 7):
        try:
            raw = datetime(year, month, 15, 12, tzinfo=UTC).astimezone(ZoneInfo(name)).strftime("%z")
        except (KeyError, ValueError, OSError):  # an odd zone name is simply skipped
            continue
        found.add(f"{raw[:3]}:{raw[3:]}")
    return frozenset(found)


def zone_candidates(country: str | None, offsets: Iterable[str], year: int | None = None) -> list[str]:
    """IANA zones of `country` (the tz database's zone.tab, via pytz: the standard library has no table
    of countries), most populous first, keeping those whose winter or summer UTC offset is one of
    `offsets` (`+04:00`); all of them when no offset was seen."""
    zones = list(pytz.country_timezones.get(country.upper(), [])) if country else []
    wanted = {o for o in offsets if o}
    if not wanted:
        return zones
    year = year or datetime.now(UTC).year
    return [name for name in zones if _zone_offsets(name, year) & wanted]


def one_offset(zones: Sequence[str], year: int | None = None) -> bool:
    """True when all `zones` keep the same offsets all year (Germany's two zones, not the USA's)."""
    year = year or datetime.now(UTC).year
    return len({_zone_offsets(z, year) for z in zones}) == 1


def parse_html(body: bytes) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.fromstring(body)
    except (lxml.etree.ParserError, ValueError):
        return None


def visible_text(tree: lxml.html.HtmlElement | None) -> str:
    if tree is None:
        return ""
    tree = lxml.html.fromstring(lxml.html.tostring(tree))
    for bad in tree.xpath("//script | //style | //noscript"):
        bad.drop_tree()
    return " ".join(tree.text_content().split())


def feed_links(tree: lxml.html.HtmlElement, base: str) -> list[str]:
    found = []
    for el in tree.xpath("//link[@href]"):
        rel = (el.get("rel") or "").lower().split()
        kind = (el.get("type") or "").lower()
        if "alternate" in rel and kind in FEED_TYPES:
            href = urljoin(base, el.get("href").strip())
            if "comment" not in href.lower() and href not in found:
                found.append(href)
    for el in tree.xpath("//a[@href]"):
        href = el.get("href", "").strip()
        text = " ".join(el.text_content().split()).lower()
        low = href.lower()
        if (
            text in ("rss", "rss feed", "atom") or low.endswith((".rss", "/rss", "rss.xml", "/feed/", "atom.xml"))
        ) and ("comment" not in low):
            url = urljoin(base, href)
            if url.startswith(("http://", "https://")) and url not in found:
                found.append(url)
    return found


def site_name(tree: lxml.html.HtmlElement | None) -> tuple[str | None, str]:
    if tree is None:
        return None, ""
    og = tree.xpath("string(//meta[@property='og:site_name']/@content)").strip()
    if og:
        return og, "og:site_name of the start page"
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text_content() or "null")
        except ValueError:
            continue
        for node in (
            data if isinstance(data, list) else [data, *(data.get("@graph", []) if isinstance(data, dict) else [])]
        ):
            if isinstance(node, dict):
                types = node.get("@type")
                types = types if isinstance(types, list) else [types]
                if any(
                    t in ("Organization", "GovernmentOrganization", "WebSite", "NewsMediaOrganization") for t in types
                ):
                    name = node.get("name")
                    if isinstance(name, str) and name.strip():
                        return name.strip(), f"JSON-LD {types[0]} name of the start page"
    title = tree.xpath("string(//title)").strip()
    if title:
        parts = [p.strip() for p in re.split(r"\s+[|–—-]\s+|\s*\|\s*", title) if p.strip()]
        generic = re.compile(r"^(home|homepage|main|accueil|inicio|startseite|главная|ana sayfa|news)$", re.I)
        parts = [p for p in parts if not generic.match(p)] or parts
        if parts:
            return max(parts, key=len), "the start page's <title> (no og:site_name or JSON-LD name)"
    return None, ""


def hreflangs(tree: lxml.html.HtmlElement | None) -> list[str]:
    if tree is None:
        return []
    langs = []
    for value in tree.xpath("//link[@rel='alternate'][@hreflang]/@hreflang"):
        base = base_language(value)
        if base and base not in langs:
            langs.append(base)
    return langs


def same_site(url: str, host: str) -> bool:
    try:
        netloc = urlsplit(url).netloc.lower()
    except ValueError:
        return False
    bare = host.lower().removeprefix("www.")
    netloc = netloc.removeprefix("www.")
    return netloc == bare or netloc.endswith("." + bare)


_NEXT_TEXT = re.compile(r"next|older|more|nächste|weiter|suivant|siguiente|следующ|sonraki|›|»|→|>", re.I)


def next_page(pages: Sequence[Link], current: str) -> Link:
    """The link to the second page of a listing: rel=next, a 'Next' link, else the first other page."""
    others = [p for p in pages if p.url.rstrip("/") != current.rstrip("/")] or list(pages)
    for test in (lambda p: "next" in p.rel.split(), lambda p: bool(_NEXT_TEXT.search(p.text))):
        for page in others:
            if test(page):
                return page
    return others[1] if len(others) > 1 and others[0].text.strip() in ("0", "1") else others[0]


def page_links_matching(links: Iterable[Link], rx: re.Pattern[str]) -> list[str]:
    """The URLs of `links` that `rx` matches, in page order."""
    return [lk.url for lk in links if rx.search(lk.url)]


def is_headline(link: Link) -> bool:
    return len(link.text.split()) >= 4 or len(link.text) >= 30


def section_candidates(
    links: Iterable[Link], guess: PatternGuess | None, article: re.Pattern[str], start: str
) -> list[str]:
    """Up to three sections of the start page that may be the article listing: links to the article URLs'
    parent path first, then links named like a news / press section (text or last path segment)."""
    prefix = guess.shape.split("<", 1)[0].rstrip("/") if guess else ""
    sections = []
    for lk in links:
        path = urlsplit(lk.url).path.rstrip("/")
        named = bool(NEWS_WORDS.search(lk.text)) or bool(NEWS_WORDS.search(path.rsplit("/", 1)[-1]))
        parent = bool(prefix) and path == prefix
        if (named or parent) and not article.search(lk.url) and lk.url.rstrip("/") != start.rstrip("/"):
            sections.append((0 if parent else 1, lk.url))
    chosen: list[str] = []
    for _, section in sorted(sections):
        if section not in chosen and len(chosen) < 3:
            chosen.append(section)
    return chosen


def pagination_links(listing_url: str, links: Iterable[Link]) -> list[Link]:
    """The links of a listing to its other pages: the same path with another query, or `/page/N`."""
    listing_parts = urlsplit(listing_url)
    pages = []
    for lk in links:
        if not is_pagination(lk):
            continue
        parts = urlsplit(lk.url)
        base_path = listing_parts.path.rstrip("/")
        same_path = parts.path.rstrip("/") == base_path and parts.query and parts.query != listing_parts.query
        if same_path or re.fullmatch(re.escape(base_path) + r"/(?:page|p)/\d+/?", parts.path):
            pages.append(lk)
    return pages


def infer_follow_pattern(listing_url: str, pages: Sequence[Link], host: str) -> tuple[str, str]:
    """The regex of a listing and its pages (`pages` not empty), and the paging style (`?page=N`,
    `/page/N/`) for the seed comment."""
    listing_parts = urlsplit(listing_url)
    base_rx = host_regex(host) + re.escape(listing_parts.path.rstrip("/"))
    queries = [dict(parse_qsl(urlsplit(p.url).query)) for p in pages if urlsplit(p.url).query]
    keys = Counter(k for q in queries for k, v in q.items() if v.isdigit())
    if keys:
        key = keys.most_common(1)[0][0]
        strict = all(list(q) == [key] for q in queries)
        tail = rf"(?:\?{re.escape(key)}=\d+)?" if strict else r"(?:\?.*)?"
        slash = "/?" if listing_parts.path.endswith("/") or not listing_parts.path.strip("/") else ""
        return base_rx + slash + tail + "$", f"?{key}=N"
    seg = re.search(r"/(page|p)/\d+/?$", urlsplit(pages[0].url).path)
    word = seg.group(1) if seg else "page"
    if listing_parts.path.endswith("/"):
        return base_rx + rf"/(?:{word}/\d+/)?$", f"/{word}/N/"
    return base_rx + rf"(?:/{word}/\d+)?/?$", f"/{word}/N/"


def sample_offsets(samples: Iterable[Sample]) -> list[str]:
    """The UTC offsets (`+04:00`) the dated samples state themselves (not assumed from a seed hint)."""
    return sorted(
        {
            s.published[-6:]
            for s in samples
            if s.published and not s.timezone_assumed and re.search(r"[+-]\d{2}:\d{2}$", s.published)
        }
    )

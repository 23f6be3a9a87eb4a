"""`probe`: look at a site the way a person onboarding it would, and write a draft seed file.

From a home or press page it finds robots.txt sitemaps, feeds (`<link rel=alternate>`, common feed
paths), listing pages and their pagination, proposes `article_pattern` / `follow_pattern` from the URLs
it sees, fetches a few sample articles to check the guess and to read their language, date format and
time zone, and renders a seed TOML with a comment under every guess saying what it rests on.

Fetching is deliberately small and polite: a synchronous urllib client with the project's User-Agent,
robots.txt obeyed (protego, as Scrapy does), a delay between requests, a request budget and a size cap.
Everything after the fetch is pure and testable on stored pages.
"""

from __future__ import annotations

import contextlib
import json
import re
import textwrap
import time
import tomllib
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit
from zoneinfo import ZoneInfo

import lxml.etree
import lxml.html
from protego import Protego

from .discovery import Link, classify_page, is_pagination, looks_like_listing_url, page_links, parse_feed, parse_sitemap
from .extraction import ExtractionError, extract_article
from .extraction.dates import _MONTH_RE
from .seeds import SeedError, parse_seed
from .settings import USER_AGENT

__all__ = [
    "Fetched",
    "Fetcher",
    "ProbeError",
    "ProbeOptions",
    "ProbeReport",
    "Sample",
    "detect_language",
    "guess_country",
    "guess_name",
    "infer_date_order",
    "infer_url_pattern",
    "probe_site",
    "render_toml",
]

COMMON_SITEMAPS = ("/sitemap.xml", "/sitemap_index.xml", "/wp-sitemap.xml", "/sitemap.xml.gz")
COMMON_FEEDS = ("/feed/", "/rss.xml", "/feed", "/rss", "/atom.xml", "/index.xml")
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


class ProbeError(RuntimeError):
    """The site cannot be probed (unreachable, not HTML, disallowed by robots.txt, ...)."""


@dataclass(frozen=True)
class ProbeOptions:
    samples: int = 4  # sample articles fetched to check the pattern and read language / dates
    max_requests: int = 40  # hard cap on HTTP requests, robots.txt included
    delay: float = 1.0  # seconds between two requests
    timeout: float = 15.0
    max_bytes: int = 8 * 1024 * 1024
    user_agent: str = USER_AGENT
    name: str | None = None
    country: str | None = None  # ISO 3166 alpha-2 hint when the domain does not tell


# --- fetching ----------------------------------------------------------------------------------------


@dataclass
class Fetched:
    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status == 200 and bool(self.body)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def is_html(self) -> bool:
        head = self.body[:1024].lstrip().lower()
        return "html" in self.content_type or head.startswith((b"<!doctype html", b"<html"))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Let 3xx answers through: the Fetcher follows them itself, robots.txt and budget checked per hop."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


MAX_REDIRECTS = 5


class Fetcher:
    """A polite synchronous HTTP client: robots.txt per host, a delay, a request budget, a size cap."""

    def __init__(self, options: ProbeOptions):
        self.options = options
        self.log: list[tuple[str, int | str]] = []  # (url, status or error) of every request sent
        self.refused: list[str] = []  # URLs not fetched: robots.txt or budget
        self.robots: dict[str, Protego | None] = {}
        self.robots_notes: dict[str, str] = {}
        self._last = 0.0
        self._opener = urllib.request.build_opener(_NoRedirect)

    @property
    def requests(self) -> int:
        return len(self.log)

    def _raw(self, url: str) -> Fetched:
        wait = self.options.delay - (time.monotonic() - self._last)
        if self._last and wait > 0:
            time.sleep(wait)
        request = urllib.request.Request(
            url,
            headers={
                "User-Agent": self.options.user_agent,
                "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            },
        )
        try:
            with self._opener.open(request, timeout=self.options.timeout) as response:
                body = response.read(self.options.max_bytes + 1)[: self.options.max_bytes]
                headers = {k.lower(): v for k, v in response.headers.items()}
                result = Fetched(url, response.geturl(), response.status, headers, body)
        except urllib.error.HTTPError as exc:
            body = b""
            with contextlib.suppress(OSError, ValueError):
                body = exc.read(self.options.max_bytes)
            headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
            result = Fetched(url, exc.geturl() or url, exc.code, headers, body, f"HTTP {exc.code}")
        except (urllib.error.URLError, TimeoutError, ConnectionError, ValueError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            result = Fetched(url, url, 0, {}, b"", str(reason) or type(exc).__name__)
        finally:
            self._last = time.monotonic()
        self.log.append((url, result.status or (result.error or "error")))
        return result

    def _robots_for(self, url: str) -> Protego | None:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self.robots:
            if self.requests >= self.options.max_requests:
                return None
            got = self._follow(f"{key}/robots.txt", obey_robots=False)
            if got is not None and got.ok:
                text = got.body.decode("utf-8", "replace")
                self.robots[key] = Protego.parse(text)
                self.robots_notes[key] = "robots.txt read and obeyed"
            else:
                # Like Scrapy's RobotsTxtMiddleware: no usable robots.txt means no restriction.
                self.robots[key] = None
                why = "over budget" if got is None else (got.error or got.status)
                self.robots_notes[key] = f"no robots.txt ({why}), so nothing disallowed"
        return self.robots[key]

    def allowed(self, url: str) -> bool:
        robots = self._robots_for(url)
        return robots is None or robots.can_fetch(url, self.options.user_agent)

    def sitemaps_of(self, url: str) -> list[str]:
        robots = self._robots_for(url)
        return list(robots.sitemaps) if robots is not None else []

    def get(self, url: str) -> Fetched | None:
        """Fetch `url` unless robots.txt disallows it or the budget is spent (then None). Redirects are
        followed one hop at a time, each hop checked against robots.txt and counted in the budget."""
        return self._follow(url, obey_robots=True)

    def _follow(self, url: str, *, obey_robots: bool) -> Fetched | None:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            if self.requests >= self.options.max_requests or (obey_robots and not self.allowed(current)):
                self.refused.append(current)
                return None
            if self.requests >= self.options.max_requests:  # robots.txt used the last request
                self.refused.append(current)
                return None
            got = self._raw(current)
            location = got.headers.get("location")
            if got.status not in (301, 302, 303, 307, 308) or not location:
                got.url = url
                return got
            current = urljoin(current, location.strip())
            if urlsplit(current).scheme not in ("http", "https"):
                break
        return Fetched(url, current, 0, {}, b"", "too many redirects")


# --- pure helpers ------------------------------------------------------------------------------------

_CC_TLD_EXCEPTIONS = {"uk": "GB", "eu": "EU", "gov": "US", "mil": "US", "edu": "US"}
_GENERIC_SLDS = {"gov", "gob", "go", "gouv", "gv", "govt", "mfa", "mil", "org", "com", "co", "ac", "net", "int"}


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


def _host_regex(host: str) -> str:
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
        regex = _host_regex(host) + "/" + "/".join(parts)
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


def _base_language(code: str | None) -> str | None:
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
    """IANA zones of `country` (the tz database's zone1970.tab, via pytz), most populous first, keeping
    those whose winter or summer UTC offset is one of `offsets` (`+04:00`); all of them when no offset
    was seen."""
    try:
        import pytz
    except ImportError:  # pragma: no cover - dateparser depends on pytz
        return []
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


# --- the probe ---------------------------------------------------------------------------------------


@dataclass
class Sample:
    url: str
    status: int | str
    kind: str = "?"  # article / listing / error
    title: str | None = None
    words: int = 0
    language: str | None = None
    detected_language: str | None = None
    published: str | None = None
    published_raw: str | None = None
    published_source: str | None = None
    timezone_assumed: bool = False


@dataclass
class ProbeReport:
    """What the probe found: the draft seed's values, and for each value the comment lines explaining it."""

    url: str
    name: str
    fields: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    header: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    requests: list[tuple[str, int | str]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    suggestions: dict[str, str] = field(default_factory=dict)  # commented-out lines for unsure fields

    def note(self, key: str, line: str) -> None:
        self.notes.setdefault(key, []).append(line)

    def seed_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.fields.items() if v not in (None, [], "")}

    def test_crawl_command(self, seed_path: str) -> str:
        """The suggested first crawl of the draft, with a page cap, and with the `ALLOW_PRIVATE_NETWORKS`
        value its host needs when the site is a private or loopback one (the crawl refuses it otherwise)."""
        from .security import NetworkPolicy, suggested_allow_value

        command = f"scrapy crawl news -a seeds={seed_path} -s SITE_MAX_PAGES=50 -s ARCHIVE_DB=/tmp/{self.name}.db"
        host = urlsplit(self.url).hostname or ""
        if host and NetworkPolicy().url_reason(self.url) is not None:
            command += f" -s ALLOW_PRIVATE_NETWORKS={suggested_allow_value(host)}"
        return command

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "name": self.name,
            "seed": self.seed_dict(),
            "notes": self.notes,
            "samples": [s.__dict__ for s in self.samples],
            "requests": [{"url": u, "status": s} for u, s in self.requests],
            "refused": self.refused,
        }


def _parse_html(body: bytes) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.fromstring(body)
    except (lxml.etree.ParserError, ValueError):
        return None


def _visible_text(tree: lxml.html.HtmlElement | None) -> str:
    if tree is None:
        return ""
    tree = lxml.html.fromstring(lxml.html.tostring(tree))
    for bad in tree.xpath("//script | //style | //noscript"):
        bad.drop_tree()
    return " ".join(tree.text_content().split())


def _feed_links(tree: lxml.html.HtmlElement, base: str) -> list[str]:
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


def _site_name(tree: lxml.html.HtmlElement | None) -> tuple[str | None, str]:
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


def _hreflangs(tree: lxml.html.HtmlElement | None) -> list[str]:
    if tree is None:
        return []
    langs = []
    for value in tree.xpath("//link[@rel='alternate'][@hreflang]/@hreflang"):
        base = _base_language(value)
        if base and base not in langs:
            langs.append(base)
    return langs


def _toml_str(value: str) -> str:
    if "'" not in value and "\n" not in value and all(ord(c) >= 32 for c in value):
        return "'" + value + "'"
    return json.dumps(value, ensure_ascii=False)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} to TOML")


FIELD_ORDER = (
    "name",
    "allowed_domains",
    "aliases",
    "start_urls",
    "sitemaps",
    "feeds",
    "article_pattern",
    "follow_pattern",
    "language",
    "languages",
    "timezone",
    "date_order",
    "country",
    "issuer",
    "max_pages",
)


def _wrap(line: str, width: int = 100) -> list[str]:
    indent = " " * (len(line) - len(line.lstrip(" ")))
    return textwrap.wrap(line, width, subsequent_indent=indent + "  ", break_long_words=False) or [""]


def render_toml(report: ProbeReport) -> str:
    """The draft seed: a header, then each field with its comment lines above it; fields the probe could
    not decide are written commented out with what was seen."""
    out = [f"# {line}".rstrip() for line in report.header for line in _wrap(line)]
    for key in FIELD_ORDER:
        notes = report.notes.get(key, [])
        value = report.fields.get(key)
        present = value not in (None, [], "")
        if not present and not notes and key not in report.suggestions:
            continue
        out.append("")
        out.extend(f"# {part}".rstrip() for line in notes for part in _wrap(line))
        if present:
            rendered = _toml_str(value) if key in ("article_pattern", "follow_pattern") else _toml_value(value)
            out.append(f"{key} = {rendered}")
        elif key in report.suggestions:
            out.append(f"# {key} = {report.suggestions[key]}")
        elif key in ("start_urls", "sitemaps", "feeds"):
            out.append(f"{key} = []")
    return "\n".join(out).lstrip("\n") + "\n"


def _normalise_start(url: str) -> str:
    url = url.strip()
    if not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.I):
        url = "https://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProbeError(f"{url}: expected an http(s) URL of the site's home or press page")
    return url


def _same_site(url: str, host: str) -> bool:
    try:
        netloc = urlsplit(url).netloc.lower()
    except ValueError:
        return False
    bare = host.lower().removeprefix("www.")
    netloc = netloc.removeprefix("www.")
    return netloc == bare or netloc.endswith("." + bare)


_NEXT_TEXT = re.compile(r"next|older|more|nächste|weiter|suivant|siguiente|следующ|sonraki|›|»|→|>", re.I)


def _next_page(pages: Sequence[Link], current: str) -> Link:
    """The link to the second page of a listing: rel=next, a 'Next' link, else the first other page."""
    others = [p for p in pages if p.url.rstrip("/") != current.rstrip("/")] or list(pages)
    for test in (lambda p: "next" in p.rel.split(), lambda p: bool(_NEXT_TEXT.search(p.text))):
        for page in others:
            if test(page):
                return page
    return others[1] if len(others) > 1 and others[0].text.strip() in ("0", "1") else others[0]


def _headline(link: Link) -> bool:
    return len(link.text.split()) >= 4 or len(link.text) >= 30


def probe_site(url: str, options: ProbeOptions | None = None, fetcher: Fetcher | None = None) -> ProbeReport:
    """Probe the site of `url` (its home or press page) and return the draft seed with its reasons."""
    options = options or ProbeOptions()
    fetcher = fetcher or Fetcher(options)
    url = _normalise_start(url)
    now = datetime.now(UTC)

    if not fetcher.allowed(url):
        raise ProbeError(
            f"{url}: robots.txt disallows this page for {options.user_agent}; the crawler would not fetch it"
        )
    start = fetcher.get(url)
    if start is None:
        raise ProbeError(f"{url}: request budget exhausted before the start page")
    if start.error or start.status != 200:
        hint = ""
        if start.status in (401, 403, 429):
            hint = " (the site refuses this client: a firewall or bot protection; a crawl would be refused too)"
        raise ProbeError(f"{url}: cannot fetch the start page: {start.error or start.status}{hint}")
    if not start.is_html:
        raise ProbeError(f"{url}: the start page is not HTML ({start.content_type or 'no content type'})")
    final = start.final_url
    host = urlsplit(final).netloc.lower()
    given_host = urlsplit(url).netloc.lower()
    name = options.name or guess_name(host)
    report = ProbeReport(url=url, name=name)
    tree = _parse_html(start.body)
    if tree is None:
        raise ProbeError(f"{url}: the start page cannot be parsed as HTML")

    report.fields["name"] = name
    report.note("name", "Site id; must equal this file's name (without .toml).")
    report.fields["allowed_domains"] = [host]
    note = f"The host of {final}" + (f" (redirected from {url})" if final != url else "") + "; subdomains included."
    report.note("allowed_domains", note)
    if given_host != host and not given_host.endswith("." + host) and not host.endswith("." + given_host):
        report.fields["aliases"] = [given_host]
        report.note("aliases", f"{given_host} redirected to {host}: its URLs are stored under {host}.")
    robots_note = fetcher.robots_notes.get(f"{urlsplit(final).scheme}://{host}", "")

    # -- sitemaps ---------------------------------------------------------------------------------
    sitemap_urls: list[str] = []
    sitemap_article_urls: list[str] = []
    robots_maps = [u for u in fetcher.sitemaps_of(final) if _same_site(u, host)]
    candidates_maps = robots_maps or [urljoin(final, p) for p in COMMON_SITEMAPS]
    for map_url in candidates_maps[:4]:
        got = fetcher.get(map_url)
        if got is None or not got.ok:
            continue
        entries = parse_sitemap(got.body, got.final_url, options.max_bytes)
        if not entries:
            continue
        children = [e.loc for e in entries if e.is_sitemap]
        urls = [e.loc for e in entries if not e.is_sitemap]
        source = "robots.txt Sitemap: line" if robots_maps else "a common sitemap path"
        if children:
            preferred = sorted(
                children,
                key=lambda c: (not re.search(r"post|news|article|press|story|release", c, re.I), children.index(c)),
            )
            child_notes = []
            for child in preferred[:2]:
                sub = fetcher.get(child)
                if sub is None or not sub.ok:
                    continue
                child_entries = [
                    e.loc for e in parse_sitemap(sub.body, sub.final_url, options.max_bytes) if not e.is_sitemap
                ]
                urls.extend(child_entries)
                child_notes.append(f"{child.rsplit('/', 1)[-1]} ({len(child_entries)} URLs)")
            report.note(
                "sitemaps",
                f"Sitemap index from {source}: {len(children)} child sitemap(s); read "
                + (", ".join(child_notes) or "none of them")
                + ". Children that hold no articles (pages, tags, users) are fetched once and their pages"
                " remembered as non-articles; list only the article children here if they are large.",
            )
        else:
            report.note("sitemaps", f"Sitemap from {source}: {len(urls)} URLs.")
        sitemap_urls.append(map_url)
        sitemap_article_urls.extend(u for u in urls if _same_site(u, host))
        break
    if not sitemap_urls:
        tried = ", ".join(urlsplit(u).path for u in candidates_maps[:4])
        report.note("sitemaps", f"No sitemap found (tried {tried}).")
    report.fields["sitemaps"] = sitemap_urls

    # -- feeds ------------------------------------------------------------------------------------
    feed_urls: list[str] = []
    feed_entries: list[str] = []
    declared = [u for u in _feed_links(tree, final) if _same_site(u, host)]
    tried_feeds = declared[:3] or [urljoin(final, p) for p in COMMON_FEEDS[:4]]
    for feed_url in tried_feeds:
        got = fetcher.get(feed_url)
        if got is None or not got.ok:
            continue
        entries = parse_feed(got.body, got.final_url)
        if not entries:
            continue
        origin = "<link rel=alternate> / feed link on the start page" if declared else "a common feed path"
        report.note("feeds", f"{feed_url}: from {origin}; {len(entries)} entries read.")
        feed_urls.append(feed_url)
        feed_entries.extend(e.link for e in entries if _same_site(e.link, host))
        if len(feed_urls) >= 2:
            break
    if not feed_urls:
        tried = ", ".join(urlsplit(u).path for u in tried_feeds)
        report.note("feeds", f"No working feed found (tried {tried or 'nothing'}).")
    report.fields["feeds"] = feed_urls

    # -- article URL shape ------------------------------------------------------------------------
    start_links = [lk for lk in page_links(tree, final) if _same_site(lk.url, host)]
    weighted: list[tuple[str, float]] = [(u, 3.0) for u in feed_entries]
    weighted += [(u, 0.5) for u in sitemap_article_urls[:2000] if not looks_like_listing_url(u)]
    for lk in start_links:
        if looks_like_listing_url(lk.url) or is_pagination(lk):
            continue
        weighted.append((lk.url, 1.0 if _headline(lk) else 0.2))
    guesses = infer_url_pattern(weighted, host)

    # -- listing pages and pagination -------------------------------------------------------------
    listing_url, listing_links, listing_tree = final, start_links, tree

    def matches(links: Iterable[Link], rx: re.Pattern[str]) -> list[str]:
        return [lk.url for lk in links if rx.search(lk.url)]

    chosen: PatternGuess | None = guesses[0] if guesses else None
    pattern_rx = re.compile(chosen.regex) if chosen else None
    home = (
        urlsplit(final).path.strip("/") in ("", "index.html", "index.php") or len(urlsplit(final).path.strip("/")) <= 2
    )
    if pattern_rx is not None:
        best_count = len(matches(start_links, pattern_rx))
        if home or best_count < 3:
            # Candidate sections: links named like a news / press section, or the article URLs' parent path.
            prefix = chosen.shape.split("<", 1)[0].rstrip("/") if chosen else ""
            sections = []
            for lk in start_links:
                path = urlsplit(lk.url).path.rstrip("/")
                named = bool(NEWS_WORDS.search(lk.text)) or bool(NEWS_WORDS.search(path.rsplit("/", 1)[-1]))
                parent = bool(prefix) and path == prefix
                if (named or parent) and not pattern_rx.search(lk.url) and lk.url.rstrip("/") != final.rstrip("/"):
                    sections.append((0 if parent else 1, lk.url))
            seen_sections: list[str] = []
            for _, section in sorted(sections):
                if section in seen_sections or len(seen_sections) >= 3:
                    continue
                seen_sections.append(section)
                got = fetcher.get(section)
                if got is None or not got.ok or not got.is_html:
                    continue
                sec_tree = _parse_html(got.body)
                if sec_tree is None:
                    continue
                sec_links = [lk for lk in page_links(sec_tree, got.final_url) if _same_site(lk.url, host)]
                count = len(matches(sec_links, pattern_rx))
                if count > best_count or (home and count >= 3 and count >= best_count):
                    listing_url, listing_links, listing_tree, best_count = got.final_url, sec_links, sec_tree, count

    # Pagination of the chosen listing.
    listing_parts = urlsplit(listing_url)
    pages = []
    for lk in listing_links:
        if not is_pagination(lk):
            continue
        parts = urlsplit(lk.url)
        base_path = listing_parts.path.rstrip("/")
        same_path = parts.path.rstrip("/") == base_path and parts.query and parts.query != listing_parts.query
        if same_path or re.fullmatch(re.escape(base_path) + r"/(?:page|p)/\d+/?", parts.path):
            pages.append(lk)
    follow_rx = None
    base_rx = _host_regex(host) + re.escape(listing_parts.path.rstrip("/"))
    if pages:
        queries = [dict(parse_qsl(urlsplit(p.url).query)) for p in pages if urlsplit(p.url).query]
        keys = Counter(k for q in queries for k, v in q.items() if v.isdigit())
        if keys:
            key = keys.most_common(1)[0][0]
            strict = all(list(q) == [key] for q in queries)
            tail = rf"(?:\?{re.escape(key)}=\d+)?" if strict else r"(?:\?.*)?"
            slash = "/?" if listing_parts.path.endswith("/") or not listing_parts.path.strip("/") else ""
            follow_rx = base_rx + slash + tail + "$"
            style = f"?{key}=N"
        else:
            seg = re.search(r"/(page|p)/\d+/?$", urlsplit(pages[0].url).path)
            word = seg.group(1) if seg else "page"
            follow_rx = (
                base_rx + rf"/(?:{word}/\d+/)?$"
                if listing_parts.path.endswith("/")
                else base_rx + rf"(?:/{word}/\d+)?/?$"
            )
            style = f"/{word}/N/"
        report.note(
            "follow_pattern",
            f"The listing {listing_url} and its pagination ({style}, seen: "
            + ", ".join(p.url.replace(f"{listing_parts.scheme}://{listing_parts.netloc}", "") for p in pages[:3])
            + ").",
        )
        if pattern_rx is not None and listing_tree is not None:
            nxt = fetcher.get(_next_page(pages, listing_url).url)
            if nxt is not None and nxt.ok and (nt := _parse_html(nxt.body)) is not None:
                first_page = set(matches(listing_links, pattern_rx))
                more = set(matches(page_links(nt, nxt.final_url), pattern_rx)) - first_page
                report.note(
                    "follow_pattern", f"Page {nxt.url} checked: {len(more)} article links not on the first page."
                )
    elif listing_url != final or not home:
        follow_rx = base_rx + "/?$"
        report.note(
            "follow_pattern", f"The listing {listing_url}; no pagination links found on it (JavaScript paging?)."
        )
    if follow_rx and not re.search(follow_rx, listing_url):
        follow_rx = None  # never propose a pattern that does not even match its own listing
    report.fields["follow_pattern"] = follow_rx
    if not follow_rx:
        report.note(
            "follow_pattern", "Not set: no listing with pagination recognised; links are classified page by page."
        )

    report.fields["start_urls"] = [listing_url]
    start_note = "The page you gave" if listing_url == final else f"A section linked from {final}"
    if pattern_rx is not None:
        start_note += f"; {len(matches(listing_links, pattern_rx))} of its links match article_pattern."
    else:
        start_note += "."
    report.note("start_urls", start_note)

    # -- sample articles --------------------------------------------------------------------------
    def pick_samples(guess: PatternGuess | None) -> list[str]:
        if guess is None:
            pool = feed_entries + [
                lk.url for lk in listing_links if _headline(lk) and not looks_like_listing_url(lk.url)
            ]
        else:
            rx = re.compile(guess.regex)
            pool = [u for u in feed_entries if rx.search(u)] + matches(listing_links, rx) + list(guess.urls)
        out: list[str] = []
        for u in pool:
            if u not in out:
                out.append(u)
        return out[: options.samples]

    def fetch_samples(urls: Sequence[str]) -> list[tuple[Sample, lxml.html.HtmlElement | None]]:
        got_samples = []
        for sample_url in urls:
            got = fetcher.get(sample_url)
            if got is None:
                continue
            sample = Sample(sample_url, got.status or (got.error or "error"))
            sample_tree = None
            if got.ok and got.is_html:
                sample_tree = _parse_html(got.body)
                sample.kind = classify_page(got.body, got.final_url)
                try:
                    article = extract_article(got.body, got.final_url, fetched_at=now)
                except ExtractionError:
                    article = None
                if article is not None:
                    sample.title = article.title
                    sample.words = article.word_count or 0
                    sample.language = _base_language(article.language)
                    sample.detected_language = detect_language(article.text or "")
                    sample.published = article.published
                    sample.published_raw = article.published_raw
                    sample.published_source = article.published_source
                    sample.timezone_assumed = bool(article.timezone_assumed)
                    if sample.words < 30:
                        sample.kind = "listing" if sample.kind != "article" else "article"
            else:
                sample.kind = "error"
            got_samples.append((sample, sample_tree))
        return got_samples

    def good(samples: Sequence[tuple[Sample, Any]]) -> int:
        return sum(1 for s, _ in samples if s.kind == "article" and s.words >= 30)

    sampled = fetch_samples(pick_samples(chosen))
    if chosen is not None and good(sampled) * 2 <= len(sampled) and len(guesses) > 1:
        alternative = guesses[1]
        retry = fetch_samples(pick_samples(alternative))
        if good(retry) > good(sampled):
            report.note(
                "article_pattern",
                f"The best supported shape {chosen.shape} gave no articles on its samples; using the next one.",
            )
            chosen, sampled = alternative, retry
            pattern_rx = re.compile(chosen.regex)
    report.samples = [s for s, _ in sampled]
    articles_ok = good(sampled)

    if chosen is not None and sampled and articles_ok * 2 > len(sampled):
        report.fields["article_pattern"] = chosen.regex
        sources = Counter()
        rx = re.compile(chosen.regex)
        sources["feed"] = sum(1 for u in feed_entries if rx.search(u))
        sources["listing"] = len(matches(listing_links, rx))
        sources["sitemap"] = sum(1 for u in sitemap_article_urls if rx.search(u))
        names = {"feed": "feed entries", "listing": "links of the listing", "sitemap": "sitemap URLs"}
        seen_from = ", ".join(f"{v} {names[k]}" for k, v in sources.items() if v)
        report.note(
            "article_pattern",
            f"Shape {chosen.shape}: the most common shape of candidate article URLs ({chosen.share:.0%} of"
            " them, weighted: feed entries count most, headline links next, sitemap URLs least). It matches "
            f"{seen_from or 'no link of the chosen listing'}.",
        )
        report.note("article_pattern", f"{articles_ok} of {len(sampled)} samples fetched read as articles.")
        others = [g.shape for g in guesses[1:4] if g is not chosen]
        if others:
            report.note("article_pattern", "Other URL shapes seen (not articles, or fewer): " + "; ".join(others) + ".")
    else:
        report.fields["article_pattern"] = None
        why = (
            "no URL shape seen often enough"
            if chosen is None
            else f"samples of {chosen.shape} did not read as articles"
        )
        report.note("article_pattern", f"Not set ({why}): page evidence (og:type, JSON-LD, text) decides per page.")
        if chosen is not None:
            report.suggestions["article_pattern"] = _toml_str(chosen.regex)

    # -- language, dates, time zone, country, issuer ----------------------------------------------
    articles = [(s, t) for s, t in sampled if s.kind == "article"] or sampled
    declared_langs = Counter(s.language for s, _ in articles if s.language)
    detected = Counter(s.detected_language for s, _ in articles if s.detected_language)
    html_lang = _base_language(tree.get("lang") or tree.get("xml:lang"))
    language = declared_langs.most_common(1)[0][0] if declared_langs else html_lang
    if language:
        source = (
            f"declared by {declared_langs[language]} of {len(articles)} samples"
            if declared_langs
            else "<html lang> of the start page"
        )
        report.note("language", f"{source} (html lang / og:locale / JSON-LD inLanguage).")
    elif detected:
        language = detected.most_common(1)[0][0]
        report.note(
            "language", f"Not declared by the pages; guessed from common words of {detected[language]} samples."
        )
    report.fields["language"] = language
    languages = [language] if language else []
    for lang, count in detected.most_common():
        if lang and lang not in languages and count * 2 >= len(articles):
            languages.append(lang)
            report.note(
                "languages", f"The text of {count} samples reads as {lang!r} although the pages declare {language!r}."
            )
    if len(languages) > 1:
        report.fields["languages"] = languages
    alternates = [lang for lang in _hreflangs(tree) if lang != language]
    if alternates:
        report.note(
            "language",
            "Other language versions (hreflang): " + ", ".join(alternates) + "; probe them for separate seeds.",
        )

    texts = [_visible_text(t) for _, t in articles if t is not None] + [_visible_text(listing_tree)]
    order = infer_date_order(texts)
    dated = [s for s, _ in articles if s.published]
    report.note(
        "date_order",
        f"{len(dated)} of {len(articles)} samples dated without a seed hint; sources: "
        + (", ".join(f"{k} x{v}" for k, v in Counter(s.published_source for s in dated).items()) or "none")
        + ".",
    )
    report.note("date_order", f"Visible dates: {order.evidence}.")
    for example in order.examples[:3]:
        report.note("date_order", f"  e.g. {example}")
    if order.order and (order.counts.get("DMY-numeric") or order.counts.get("MDY-numeric")):
        report.note("date_order", f"{order.order}: proved by a numeric date with a day above 12.")
    elif order.order:
        report.note("date_order", f"{order.order}: from how month names or years are placed.")
    if order.order is None and order.counts.get("ambiguous"):
        report.note("date_order", "Numeric dates seen, but every day was 12 or less: order not proved; set it by hand.")
    report.fields["date_order"] = order.order
    if order.order is None:
        report.suggestions["date_order"] = '"DMY"  # or "MDY" / "YMD": check a page dated after the 12th'

    country = (options.country or guess_country(host) or "").upper() or None
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        country = None
    report.fields["country"] = country
    if options.country:
        report.note("country", "Given on the command line.")
    elif country:
        report.note("country", f"From the domain {host} (country-code TLD); check it is the issuer's country.")
    else:
        report.note("country", f"Not guessed: {host} has no country-code TLD (pass --country).")
        report.suggestions["country"] = '"XX"'

    offsets = sorted(
        {
            s.published[-6:]
            for s in dated
            if s.published and not s.timezone_assumed and re.search(r"[+-]\d{2}:\d{2}$", s.published)
        }
    )
    zones = zone_candidates(country, offsets)
    if zones and (offsets or one_offset(zones)):
        report.fields["timezone"] = zones[0]
        if offsets:
            basis = f"offset {', '.join(offsets)} on the samples"
        else:
            basis = (
                "no offset on the samples; the only zone" if len(zones) == 1 else "all zones share one offset; first"
            )
        report.note("timezone", f"{zones[0]}: {basis} of {country} in the tz database.")
        if len(zones) > 1:
            report.note("timezone", "Other zones of the country with that offset: " + ", ".join(zones[1:5]) + ".")
    else:
        seen = f"offsets seen: {', '.join(offsets)}" if offsets else "no offset on the samples"
        if country and zones:
            report.note("timezone", f"Not decided ({seen}); zones of {country}: {', '.join(zones[:6])}.")
            report.suggestions["timezone"] = _toml_value(zones[0])
        else:
            report.note("timezone", f"Not decided ({seen}; no country to narrow it down).")
            report.suggestions["timezone"] = '"Area/City"'

    issuer, issuer_source = _site_name(tree)
    report.fields["issuer"] = issuer
    if issuer:
        report.note("issuer", f"From {issuer_source}; write the official name of the publisher.")

    report.fields["max_pages"] = 500
    report.note("max_pages", "A low cap for the first test crawl; raise it (or remove it) once the results look right.")

    # -- header -----------------------------------------------------------------------------------
    ok_samples = ", ".join(f"{s.words} words" for s, _ in sampled if s.kind == "article") or "none"
    report.header = [
        f"DRAFT seed written by `diplomatic-crawler probe {url}` on {now.date().isoformat()}.",
        "Every value below is a guess from what the probe saw; the comment above each says what it rests on.",
        "Review it, then: diplomatic-crawler seeds validate <this file>, and a test crawl with a page cap:",
        f"  {report.test_crawl_command('<this file>')}",
        f"Requests sent: {fetcher.requests} ({robots_note or 'robots.txt obeyed'}"
        + (f"; {len(fetcher.refused)} URL(s) not fetched: disallowed or over budget" if fetcher.refused else "")
        + f"). Sample articles: {ok_samples}.",
    ]
    report.requests = list(fetcher.log)
    report.refused = list(fetcher.refused)
    return report


def draft_seed(report: ProbeReport) -> str:
    """Render the draft and check it the way `seeds validate` will; a draft that would not load is a bug
    of the probe, reported as ProbeError rather than written."""
    text = render_toml(report)
    try:
        parse_seed(tomllib.loads(text), source=f"{report.name}.toml", expected_name=report.name)
    except (SeedError, tomllib.TOMLDecodeError) as exc:
        raise ProbeError(f"the draft seed does not validate (please report this): {exc}\n{text}") from exc
    return text

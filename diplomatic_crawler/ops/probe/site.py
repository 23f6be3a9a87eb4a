"""`probe_site`: the probe's steps in order, each fetching what it needs (`fetch`), deducing (`infer`) and
writing the value and its reasons into the report that `render` turns into the draft seed."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html

from ...discovery import (
    Link,
    classify_page,
    is_pagination,
    looks_like_listing_url,
    page_links,
    parse_feed,
    parse_sitemap,
)
from ...extraction import ExtractionError, extract_article
from .fetch import Fetched, Fetcher
from .infer import (
    PatternGuess,
    base_language,
    detect_language,
    feed_links,
    guess_country,
    guess_name,
    host_regex,
    hreflangs,
    infer_date_order,
    infer_follow_pattern,
    infer_url_pattern,
    is_headline,
    next_page,
    one_offset,
    page_links_matching,
    pagination_links,
    parse_html,
    same_site,
    sample_offsets,
    section_candidates,
    site_name,
    visible_text,
    zone_candidates,
)
from .render import suggested_test_crawl, toml_str, toml_value
from .report import ProbeError, ProbeOptions, ProbeReport, Sample

COMMON_SITEMAPS = ("/sitemap.xml", "/sitemap_index.xml", "/wp-sitemap.xml", "/sitemap.xml.gz")
COMMON_FEEDS = ("/feed/", "/rss.xml", "/feed", "/rss", "/atom.xml", "/index.xml")

Tree = lxml.html.HtmlElement
SampleRead = tuple[Sample, Tree | None]


@dataclass
class _Probe:
    """One probe's state, passed from step to step."""

    options: ProbeOptions
    fetcher: Fetcher
    report: ProbeReport
    url: str  # as given, normalised
    final: str  # the start page after redirects
    host: str
    tree: Tree
    now: datetime
    robots_note: str = ""
    sitemap_article_urls: list[str] = field(default_factory=list)
    feed_entries: list[str] = field(default_factory=list)
    start_links: list[Link] = field(default_factory=list)
    guesses: list[PatternGuess] = field(default_factory=list)
    chosen: PatternGuess | None = None
    pattern_rx: re.Pattern[str] | None = None
    listing_url: str = ""
    listing_links: list[Link] = field(default_factory=list)
    listing_tree: Tree | None = None
    sampled: list[SampleRead] = field(default_factory=list)
    articles: list[SampleRead] = field(default_factory=list)
    dated: list[Sample] = field(default_factory=list)
    country: str | None = None


def probe_site(url: str, options: ProbeOptions | None = None, fetcher: Fetcher | None = None) -> ProbeReport:
    """Probe the site of `url` (its home or press page) and return the draft seed with its reasons."""
    options = options or ProbeOptions()
    fetcher = fetcher or Fetcher(options)
    url = _normalise_start(url)
    now = datetime.now(UTC)
    start = _start_page(url, options, fetcher)
    final = start.final_url
    host = urlsplit(final).netloc.lower()
    report = ProbeReport(url=url, name=options.name or guess_name(host))
    tree = parse_html(start.body)
    if tree is None:
        raise ProbeError(f"{url}: the start page cannot be parsed as HTML")
    probe = _Probe(options, fetcher, report, url, final, host, tree, now)
    for step in (
        _identity,
        _sitemaps,
        _feeds,
        _url_shapes,
        _listing,
        _pagination,
        _start_urls,
        _samples,
        _article_pattern,
        _language,
        _date_order,
        _country,
        _timezone,
        _issuer_and_cap,
        _header,
    ):
        step(probe)
    return report


def _normalise_start(url: str) -> str:
    url = url.strip()
    if not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.I):
        url = "https://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProbeError(f"{url}: expected an http(s) URL of the site's home or press page")
    return url


def _start_page(url: str, options: ProbeOptions, fetcher: Fetcher) -> Fetched:
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
    return start


def _identity(probe: _Probe) -> None:
    report, url, final, host = probe.report, probe.url, probe.final, probe.host
    given_host = urlsplit(url).netloc.lower()
    report.fields["name"] = report.name
    report.note("name", "Site id; must equal this file's name (without .toml).")
    report.fields["allowed_domains"] = [host]
    note = f"The host of {final}" + (f" (redirected from {url})" if final != url else "") + "; subdomains included."
    report.note("allowed_domains", note)
    if given_host != host and not given_host.endswith("." + host) and not host.endswith("." + given_host):
        report.fields["aliases"] = [given_host]
        report.note("aliases", f"{given_host} redirected to {host}: its URLs are stored under {host}.")
    probe.robots_note = probe.fetcher.robots_notes.get(f"{urlsplit(final).scheme}://{host}", "")


def _sitemaps(probe: _Probe) -> None:
    report, fetcher, host = probe.report, probe.fetcher, probe.host
    sitemap_urls: list[str] = []
    robots_maps = [u for u in fetcher.sitemaps_of(probe.final) if same_site(u, host)]
    candidates_maps = robots_maps or [urljoin(probe.final, p) for p in COMMON_SITEMAPS]
    for map_url in candidates_maps[:4]:
        got = fetcher.get(map_url)
        if got is None or not got.ok:
            continue
        entries = parse_sitemap(got.body, got.final_url, probe.options.max_bytes)
        if not entries:
            continue
        children = [e.loc for e in entries if e.is_sitemap]
        urls = [e.loc for e in entries if not e.is_sitemap]
        source = "robots.txt Sitemap: line" if robots_maps else "a common sitemap path"
        if children:
            urls.extend(_sitemap_children(probe, children, source))
        else:
            report.note("sitemaps", f"Sitemap from {source}: {len(urls)} URLs.")
        sitemap_urls.append(map_url)
        probe.sitemap_article_urls.extend(u for u in urls if same_site(u, host))
        break
    if not sitemap_urls:
        tried = ", ".join(urlsplit(u).path for u in candidates_maps[:4])
        report.note("sitemaps", f"No sitemap found (tried {tried}).")
    report.fields["sitemaps"] = sitemap_urls


def _sitemap_children(probe: _Probe, children: list[str], source: str) -> list[str]:
    """The URLs of the (at most two) child sitemaps of an index most likely to list articles."""
    preferred = sorted(
        children,
        key=lambda c: (not re.search(r"post|news|article|press|story|release", c, re.I), children.index(c)),
    )
    urls: list[str] = []
    child_notes = []
    for child in preferred[:2]:
        sub = probe.fetcher.get(child)
        if sub is None or not sub.ok:
            continue
        child_entries = [
            e.loc for e in parse_sitemap(sub.body, sub.final_url, probe.options.max_bytes) if not e.is_sitemap
        ]
        urls.extend(child_entries)
        child_notes.append(f"{child.rsplit('/', 1)[-1]} ({len(child_entries)} URLs)")
    probe.report.note(
        "sitemaps",
        f"Sitemap index from {source}: {len(children)} child sitemap(s); read "
        + (", ".join(child_notes) or "none of them")
        + ". Children that hold no articles (pages, tags, users) are fetched once and their pages"
        " remembered as non-articles; list only the article children here if they are large.",
    )
    return urls


def _feeds(probe: _Probe) -> None:
    report, host = probe.report, probe.host
    feed_urls: list[str] = []
    declared = [u for u in feed_links(probe.tree, probe.final) if same_site(u, host)]
    tried_feeds = declared[:3] or [urljoin(probe.final, p) for p in COMMON_FEEDS[:4]]
    for feed_url in tried_feeds:
        got = probe.fetcher.get(feed_url)
        if got is None or not got.ok:
            continue
        entries = parse_feed(got.body, got.final_url)
        if not entries:
            continue
        origin = "<link rel=alternate> / feed link on the start page" if declared else "a common feed path"
        report.note("feeds", f"{feed_url}: from {origin}; {len(entries)} entries read.")
        feed_urls.append(feed_url)
        probe.feed_entries.extend(e.link for e in entries if same_site(e.link, host))
        if len(feed_urls) >= 2:
            break
    if not feed_urls:
        tried = ", ".join(urlsplit(u).path for u in tried_feeds)
        report.note("feeds", f"No working feed found (tried {tried or 'nothing'}).")
    report.fields["feeds"] = feed_urls


def _url_shapes(probe: _Probe) -> None:
    """Candidate article URLs weighted by where they were seen: feed entries most, headline links next,
    sitemap URLs least; grouped by shape."""
    probe.start_links = [lk for lk in page_links(probe.tree, probe.final) if same_site(lk.url, probe.host)]
    weighted: list[tuple[str, float]] = [(u, 3.0) for u in probe.feed_entries]
    weighted += [(u, 0.5) for u in probe.sitemap_article_urls[:2000] if not looks_like_listing_url(u)]
    for lk in probe.start_links:
        if looks_like_listing_url(lk.url) or is_pagination(lk):
            continue
        weighted.append((lk.url, 1.0 if is_headline(lk) else 0.2))
    probe.guesses = infer_url_pattern(weighted, probe.host)
    probe.chosen = probe.guesses[0] if probe.guesses else None
    probe.pattern_rx = re.compile(probe.chosen.regex) if probe.chosen else None


def _is_home(url: str) -> bool:
    path = urlsplit(url).path.strip("/")
    return path in ("", "index.html", "index.php") or len(path) <= 2


def _listing(probe: _Probe) -> None:
    """The listing to start from: the start page, or the section of it that links most article URLs."""
    final, pattern_rx = probe.final, probe.pattern_rx
    probe.listing_url, probe.listing_links, probe.listing_tree = final, probe.start_links, probe.tree
    if pattern_rx is None:
        return
    home = _is_home(final)
    best_count = len(page_links_matching(probe.start_links, pattern_rx))
    if not (home or best_count < 3):
        return
    for section in section_candidates(probe.start_links, probe.chosen, pattern_rx, final):
        got = probe.fetcher.get(section)
        if got is None or not got.ok or not got.is_html:
            continue
        sec_tree = parse_html(got.body)
        if sec_tree is None:
            continue
        sec_links = [lk for lk in page_links(sec_tree, got.final_url) if same_site(lk.url, probe.host)]
        count = len(page_links_matching(sec_links, pattern_rx))
        if count > best_count or (home and count >= 3 and count >= best_count):
            probe.listing_url, probe.listing_links, probe.listing_tree = got.final_url, sec_links, sec_tree
            best_count = count


def _pagination(probe: _Probe) -> None:
    report, listing_url = probe.report, probe.listing_url
    listing_parts = urlsplit(listing_url)
    pages = pagination_links(listing_url, probe.listing_links)
    follow_rx = None
    if pages:
        follow_rx, style = infer_follow_pattern(listing_url, pages, probe.host)
        report.note(
            "follow_pattern",
            f"The listing {listing_url} and its pagination ({style}, seen: "
            + ", ".join(p.url.replace(f"{listing_parts.scheme}://{listing_parts.netloc}", "") for p in pages[:3])
            + ").",
        )
        if probe.pattern_rx is not None and probe.listing_tree is not None:
            _check_next_page(probe, pages, probe.pattern_rx)
    elif listing_url != probe.final or not _is_home(probe.final):
        follow_rx = host_regex(probe.host) + re.escape(listing_parts.path.rstrip("/")) + "/?$"
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


def _check_next_page(probe: _Probe, pages: Sequence[Link], article: re.Pattern[str]) -> None:
    """Fetch the listing's next page and count the article links it adds (a note only)."""
    nxt = probe.fetcher.get(next_page(pages, probe.listing_url).url)
    if nxt is not None and nxt.ok and (nt := parse_html(nxt.body)) is not None:
        first_page = set(page_links_matching(probe.listing_links, article))
        more = set(page_links_matching(page_links(nt, nxt.final_url), article)) - first_page
        probe.report.note("follow_pattern", f"Page {nxt.url} checked: {len(more)} article links not on the first page.")


def _start_urls(probe: _Probe) -> None:
    probe.report.fields["start_urls"] = [probe.listing_url]
    start_note = "The page you gave" if probe.listing_url == probe.final else f"A section linked from {probe.final}"
    if probe.pattern_rx is not None:
        count = len(page_links_matching(probe.listing_links, probe.pattern_rx))
        start_note += f"; {count} of its links match article_pattern."
    else:
        start_note += "."
    probe.report.note("start_urls", start_note)


def _pick_samples(probe: _Probe, guess: PatternGuess | None) -> list[str]:
    if guess is None:
        pool = probe.feed_entries + [
            lk.url for lk in probe.listing_links if is_headline(lk) and not looks_like_listing_url(lk.url)
        ]
    else:
        rx = re.compile(guess.regex)
        pool = (
            [u for u in probe.feed_entries if rx.search(u)]
            + page_links_matching(probe.listing_links, rx)
            + list(guess.urls)
        )
    out: list[str] = []
    for u in pool:
        if u not in out:
            out.append(u)
    return out[: probe.options.samples]


def _fetch_samples(probe: _Probe, urls: Sequence[str]) -> list[SampleRead]:
    got_samples = []
    for sample_url in urls:
        got = probe.fetcher.get(sample_url)
        if got is None:
            continue
        got_samples.append(_read_sample(sample_url, got, probe.now))
    return got_samples


def _read_sample(sample_url: str, got: Fetched, now: datetime) -> SampleRead:
    sample = Sample(sample_url, got.status or (got.error or "error"))
    if not (got.ok and got.is_html):
        sample.kind = "error"
        return sample, None
    sample_tree = parse_html(got.body)
    sample.kind = classify_page(got.body, got.final_url)
    try:
        article = extract_article(got.body, got.final_url, fetched_at=now)
    except ExtractionError:
        article = None
    if article is not None:
        sample.title = article.title
        sample.words = article.word_count or 0
        sample.language = base_language(article.language)
        sample.detected_language = detect_language(article.text or "")
        sample.published = article.published
        sample.published_raw = article.published_raw
        sample.published_source = article.published_source
        sample.timezone_assumed = bool(article.timezone_assumed)
        if sample.words < 30:
            sample.kind = "listing" if sample.kind != "article" else "article"
    return sample, sample_tree


def _good(samples: Sequence[tuple[Sample, Any]]) -> int:
    return sum(1 for s, _ in samples if s.kind == "article" and s.words >= 30)


def _samples(probe: _Probe) -> None:
    """Fetch a few articles of the best URL shape; when most are not articles, try the next shape."""
    chosen = probe.chosen
    sampled = _fetch_samples(probe, _pick_samples(probe, chosen))
    if chosen is not None and _good(sampled) * 2 <= len(sampled) and len(probe.guesses) > 1:
        alternative = probe.guesses[1]
        retry = _fetch_samples(probe, _pick_samples(probe, alternative))
        if _good(retry) > _good(sampled):
            probe.report.note(
                "article_pattern",
                f"The best supported shape {chosen.shape} gave no articles on its samples; using the next one.",
            )
            probe.chosen, sampled = alternative, retry
            probe.pattern_rx = re.compile(alternative.regex)
    probe.sampled = sampled
    probe.report.samples = [s for s, _ in sampled]
    probe.articles = [(s, t) for s, t in sampled if s.kind == "article"] or sampled


def _article_pattern(probe: _Probe) -> None:
    report, chosen, sampled = probe.report, probe.chosen, probe.sampled
    articles_ok = _good(sampled)
    if not (chosen is not None and sampled and articles_ok * 2 > len(sampled)):
        report.fields["article_pattern"] = None
        why = (
            "no URL shape seen often enough"
            if chosen is None
            else f"samples of {chosen.shape} did not read as articles"
        )
        report.note("article_pattern", f"Not set ({why}): page evidence (og:type, JSON-LD, text) decides per page.")
        if chosen is not None:
            report.suggestions["article_pattern"] = toml_str(chosen.regex)
        return
    report.fields["article_pattern"] = chosen.regex
    sources: Counter[str] = Counter()
    rx = re.compile(chosen.regex)
    sources["feed"] = sum(1 for u in probe.feed_entries if rx.search(u))
    sources["listing"] = len(page_links_matching(probe.listing_links, rx))
    sources["sitemap"] = sum(1 for u in probe.sitemap_article_urls if rx.search(u))
    names = {"feed": "feed entries", "listing": "links of the listing", "sitemap": "sitemap URLs"}
    seen_from = ", ".join(f"{v} {names[k]}" for k, v in sources.items() if v)
    report.note(
        "article_pattern",
        f"Shape {chosen.shape}: the most common shape of candidate article URLs ({chosen.share:.0%} of"
        " them, weighted: feed entries count most, headline links next, sitemap URLs least). It matches "
        f"{seen_from or 'no link of the chosen listing'}.",
    )
    report.note("article_pattern", f"{articles_ok} of {len(sampled)} samples fetched read as articles.")
    others = [g.shape for g in probe.guesses[1:4] if g is not chosen]
    if others:
        report.note("article_pattern", "Other URL shapes seen (not articles, or fewer): " + "; ".join(others) + ".")


def _language(probe: _Probe) -> None:
    report, articles = probe.report, probe.articles
    declared_langs = Counter(s.language for s, _ in articles if s.language)
    detected = Counter(s.detected_language for s, _ in articles if s.detected_language)
    html_lang = base_language(probe.tree.get("lang") or probe.tree.get("xml:lang"))
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
    alternates = [lang for lang in hreflangs(probe.tree) if lang != language]
    if alternates:
        report.note(
            "language",
            "Other language versions (hreflang): " + ", ".join(alternates) + "; probe them for separate seeds.",
        )


def _date_order(probe: _Probe) -> None:
    report, articles = probe.report, probe.articles
    texts = [visible_text(t) for _, t in articles if t is not None] + [visible_text(probe.listing_tree)]
    order = infer_date_order(texts)
    probe.dated = dated = [s for s, _ in articles if s.published]
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


def _country(probe: _Probe) -> None:
    report, options, host = probe.report, probe.options, probe.host
    country = (options.country or guess_country(host) or "").upper() or None
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        country = None
    probe.country = report.fields["country"] = country
    if options.country:
        report.note("country", "Given on the command line.")
    elif country:
        report.note("country", f"From the domain {host} (country-code TLD); check it is the issuer's country.")
    else:
        report.note("country", f"Not guessed: {host} has no country-code TLD (pass --country).")
        report.suggestions["country"] = '"XX"'


def _timezone(probe: _Probe) -> None:
    report, country = probe.report, probe.country
    offsets = sample_offsets(probe.dated)
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
        return
    seen = f"offsets seen: {', '.join(offsets)}" if offsets else "no offset on the samples"
    if country and zones:
        report.note("timezone", f"Not decided ({seen}); zones of {country}: {', '.join(zones[:6])}.")
        report.suggestions["timezone"] = toml_value(zones[0])
    else:
        report.note("timezone", f"Not decided ({seen}; no country to narrow it down).")
        report.suggestions["timezone"] = '"Area/City"'


def _issuer_and_cap(probe: _Probe) -> None:
    report = probe.report
    issuer, issuer_source = site_name(probe.tree)
    report.fields["issuer"] = issuer
    if issuer:
        report.note("issuer", f"From {issuer_source}; write the official name of the publisher.")
    report.fields["max_pages"] = 500
    report.note("max_pages", "A low cap for the first test crawl; raise it (or remove it) once the results look right.")


def _header(probe: _Probe) -> None:
    report, fetcher = probe.report, probe.fetcher
    ok_samples = ", ".join(f"{s.words} words" for s, _ in probe.sampled if s.kind == "article") or "none"
    report.header = [
        f"DRAFT seed written by `diplomatic-crawler probe {probe.url}` on {probe.now.date().isoformat()}.",
        "Every value below is a guess from what the probe saw; the comment above each says what it rests on.",
        "Review it, then: diplomatic-crawler seeds validate <this file>, and a test crawl with a page cap:",
        f"  {suggested_test_crawl(report, '<this file>')}",
        f"Requests sent: {fetcher.requests} ({probe.robots_note or 'robots.txt obeyed'}"
        + (f"; {len(fetcher.refused)} URL(s) not fetched: disallowed or over budget" if fetcher.refused else "")
        + f"). Sample articles: {ok_samples}.",
    ]
    report.requests = list(fetcher.log)
    report.refused = list(fetcher.refused)

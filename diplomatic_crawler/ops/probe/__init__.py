"""`probe`: look at a site the way a person onboarding it would, and write a draft seed file.

From a home or press page it finds robots.txt sitemaps, feeds (`<link rel=alternate>`, common feed
paths), listing pages and their pagination, proposes `article_pattern` / `follow_pattern` from the URLs
it sees, fetches a few sample articles to check the guess and to read their language, date format and
time zone, and renders a seed TOML with a comment under every guess saying what it rests on.

Fetching is deliberately small and polite: a synchronous urllib client with the project's User-Agent,
robots.txt obeyed (protego, as Scrapy does), a delay between requests, a request budget and a size cap.
Everything after the fetch is pure and testable on stored pages.

* `fetch`: that HTTP and robots.txt client;
* `infer`: what the probe deduces (URL shapes, pagination, date order, language, zones, site name);
* `render`: the draft seed TOML and the suggested test crawl;
* `report`: the options, the report and its samples; `site`: `probe_site`, the steps in order.
"""

from .fetch import Fetched, Fetcher
from .infer import (
    DateOrderGuess,
    PatternGuess,
    detect_language,
    guess_country,
    guess_name,
    infer_date_order,
    infer_follow_pattern,
    infer_url_pattern,
    one_offset,
    zone_candidates,
)
from .render import draft_seed, render_toml, suggested_test_crawl
from .report import ProbeError, ProbeOptions, ProbeReport, Sample
from .site import probe_site

__all__ = [
    "DateOrderGuess",
    "Fetched",
    "Fetcher",
    "PatternGuess",
    "ProbeError",
    "ProbeOptions",
    "ProbeReport",
    "Sample",
    "detect_language",
    "draft_seed",
    "guess_country",
    "guess_name",
    "infer_date_order",
    "infer_follow_pattern",
    "infer_url_pattern",
    "one_offset",
    "probe_site",
    "render_toml",
    "suggested_test_crawl",
    "zone_candidates",
]

"""Timestamps a site writes on every page: the site's, not a publication date.

Some CMSs put one time on every page they serve: the build or cache time in `article:published_time`, the
date of a migration that imported the whole archive, a template's default. Read page by page, it looks like
every article's publication date. The crawl sees what one page cannot: the same timestamp, written the same
way, on several different articles of a site. Such a stamp is learnt (`SiteStamps.saw`), and from then on
the extraction passes over it (`extraction.core.extract_parsed(site_stamps=...)`) to the page's next
evidence, or gives no date; the articles archived with it earlier in the run are read again.

Only timestamps with a time count: many statements rightly share a day. A stamp to the second on
`SECOND_PAGES` articles, or to the minute on `MINUTE_PAGES` (several releases at 09:00 is a ministry's
routine, not a stamp), is the site's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SECOND_PAGES = 3
MINUTE_PAGES = 5


@dataclass
class SiteStamps:
    second_pages: int = SECOND_PAGES
    minute_pages: int = MINUTE_PAGES
    seen: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)  # (site, raw) -> key -> url
    untrusted: dict[str, frozenset[str]] = field(default_factory=dict)  # site -> raw stamps

    def of(self, site: str) -> frozenset[str]:
        """The stamps of `site` learnt so far (passed to the extraction)."""
        return self.untrusted.get(site, frozenset())

    def saw(self, site: str, key: str, url: str, raw: str | None, precision: str | None) -> dict[str, str]:
        """An article of `site` was archived with this publication date. Returns the articles (key -> URL)
        archived with it, this one included, when this article makes it the site's stamp (to be read
        again); else nothing."""
        limit = {"second": self.second_pages, "minute": self.minute_pages}.get(precision or "")
        if not raw or not limit or raw in self.of(site):
            return {}
        pages = self.seen.setdefault((site, raw), {})
        pages[key] = url
        if len(pages) < limit:
            return {}
        self.untrusted[site] = self.of(site) | {raw}
        return self.seen.pop((site, raw))

"""URL-pattern traps: a pattern of links that yields no new article is followed a few pages, then dropped.

Calendars and agendas (`?day=N`, `?jour=N`, `/agenda/2021-12-07`) generate pages without end, each one
linking to the next, none of them holding an article. A URL list cannot catch them (every site spells
them differently), so the crawl learns them:

* A link's *pattern* is its host, its path with every run of digits written `#` (so dates and ids
  collapse: `/agenda/2021-12-07` -> `/agenda/#-#-#`) and its sorted query keys without values
  (`/events?day=7&lang=fr` -> `/events?day&lang`), see `url_pattern`.
* Pages of a pattern are *credited* when one of them is a new article, or leads (through a link first
  met on it) to a new article. A credited pattern is followed without limit.
* An uncredited pattern may have at most `TRAP_PATTERN_PAGES` (5) requests made for a site; further
  links of it wait ("parked") until the pattern is credited, which releases them. When the crawl has
  nothing else to do (`spider_idle`), a pattern with parked links whose pages were fetched, `limit` of
  them or more, without any new article is a trap: its parked links are dropped and it is not followed
  again, in this run or the next (kept in the archive's `url_patterns` table). A pattern with fewer
  pages answered (their requests were dropped by a filter) gets its parked links released instead.

Growing URLs (`/g/kx/`, `/g/kx/qz/`, `/g/kx/qz/mv/`, ... or `?x=a`, `?x=ab`, `?x=abc`, ...) make a new URL,
and with words as segments a new pattern, at every hop: each would get its own budget and the chain the
site's whole request cap. So a followed link's pattern also says how it grew from the page it was found
on (`link_pattern`):

* a query value that extends the page's own value of that key (not a number: `?page=1` -> `?page=12` is
  pagination) is written `key=…`: `/q?x=abc` found on `/q?x=ab` is `host/q?x=…`;
* a path that extends the page's path by one or more segments is one *hop*; from the second hop in a row on,
  the pattern is the first hop's path followed by `/…`: everything a chain of growing paths reaches below
  `/g/kx/` is `host/g/kx/…`, one pattern with one budget, learnt as a trap like any other. (A site's own
  hierarchy grows too, `/` -> `/news/` -> `/news/2021/` -> `/news/2021/a.html`: its articles credit the
  pattern, which is then followed freely.)

Links from sitemaps and feeds, the seed's entry URLs and PDF links are never held back: the site itself
says they are content.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = ["Growth", "PatternState", "TrapGuard", "link_pattern", "url_pattern"]

_DIGITS_RE = re.compile(r"\d+")


def url_pattern(url: str) -> str:
    """Host, path with digit runs as `#`, sorted query keys without values: one key for all the pages of
    one calendar, agenda or numbered listing."""
    parts = urlsplit(url)
    keys = sorted({k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    path = _DIGITS_RE.sub("#", parts.path or "/")
    host = (parts.hostname or "").lower()
    return f"{host}{path}?{'&'.join(keys)}" if keys else f"{host}{path}"


@dataclass(frozen=True)
class Growth:
    """How a followed link grew from the page it was found on: `hops` growing paths in a row, the first
    hop's path pattern as `root` (kept in the request's meta as `growth` and `growth_root`)."""

    hops: int = 0
    root: str | None = None


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def link_pattern(url: str, page_url: str | None = None, page: Growth = Growth()) -> tuple[str, Growth]:
    """The pattern of a link found on `page_url` (itself reached with `page` growth), and the link's own
    growth: `url_pattern`, with grown query values written `key=…` and the paths of a growing chain from
    its second hop on collapsed to `<first hop>/…` (see the module docstring)."""
    if not page_url:
        return url_pattern(url), Growth()
    parts, base = urlsplit(url), urlsplit(page_url)
    host = (parts.hostname or "").lower()
    if host != (base.hostname or "").lower():
        return url_pattern(url), Growth()
    segments, base_segments = _segments(parts.path), _segments(base.path)
    growth = Growth()
    if len(segments) > len(base_segments) and segments[: len(base_segments)] == base_segments:
        root = page.root or host + _DIGITS_RE.sub("#", "/" + "/".join(segments))
        growth = Growth(page.hops + 1, root)
    grown = growth.hops >= 2 and growth.root
    pattern = f"{growth.root}/…" if grown else url_pattern(url).partition("?")[0]
    values = {k.lower(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
    if not values:
        return pattern, growth
    before = {k.lower(): v for k, v in parse_qsl(base.query, keep_blank_values=True)}
    keys = [
        f"{k}=…" if len(v) > len(before.get(k, v)) and v.startswith(before[k]) and not v.isdigit() else k
        for k, v in sorted(values.items())
    ]
    return f"{pattern}?{'&'.join(keys)}", growth


@dataclass
class PatternState:
    """What the crawl knows of one pattern of one site. `pages` and `articles` add up over runs."""

    pages: int = 0  # responses (or failures) of pages of the pattern
    articles: int = 0  # new articles it yielded (the page itself, or a page it linked to)
    trapped: bool = False
    issued: int = 0  # requests made in this run while the pattern had no credit
    parked: list[Any] = field(default_factory=list)  # requests waiting for credit (this run)
    dirty: bool = False


class TrapGuard:
    """The per-site pattern budget of one crawl (see the module docstring)."""

    def __init__(self, limit: int = 5, stored: Mapping[tuple[str, str], Mapping[str, Any]] | None = None):
        self.limit = limit
        self.states: dict[tuple[str, str], PatternState] = {}
        for key, row in (stored or {}).items():
            self.states[key] = PatternState(
                pages=int(row.get("pages") or 0),
                articles=int(row.get("articles") or 0),
                trapped=bool(row.get("trapped")),
            )

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def _state(self, site: str, pattern: str) -> PatternState:
        return self.states.setdefault((site, pattern), PatternState())

    def admit(self, site: str, pattern: str, request: Any) -> str:
        """ "go" (send it now), "parked" (held until the pattern is credited) or "trap" (dropped)."""
        if not self.enabled:
            return "go"
        state = self._state(site, pattern)
        if state.trapped:
            return "trap"
        if state.articles:
            return "go"
        if state.issued < self.limit:
            state.issued += 1
            return "go"
        state.parked.append(request)
        return "parked"

    def answered(self, site: str, pattern: str | None) -> None:
        """A page of `pattern` was fetched (or failed)."""
        if pattern and self.enabled:
            state = self._state(site, pattern)
            state.pages += 1
            state.dirty = True

    def credit(self, site: str, patterns: Iterable[str | None]) -> list[Any]:
        """A new article came from pages of these patterns: they are followed freely from now on. Returns
        the requests they had parked, to send."""
        released: list[Any] = []
        if not self.enabled:
            return released
        for pattern in dict.fromkeys(p for p in patterns if p):
            state = self._state(site, pattern)
            state.articles += 1
            state.trapped = False
            state.dirty = True
            released.extend(state.parked)
            state.parked = []
        return released

    def on_idle(self, dropped: list[Any] | None = None) -> tuple[list[Any], list[tuple[str, str, int]]]:
        """Nothing else to crawl: judge the patterns with parked links. Returns the requests to send (a
        pattern whose pages did not all come back yet gets another `limit` of them) and the new traps as
        (site, pattern, links dropped); the dropped requests themselves are added to `dropped`."""
        released: list[Any] = []
        trapped: list[tuple[str, str, int]] = []
        for (site, pattern), state in self.states.items():
            if not state.parked:
                continue
            if state.pages >= self.limit and not state.articles:
                trapped.append((site, pattern, len(state.parked)))
                if dropped is not None:
                    dropped.extend(state.parked)
                state.trapped, state.parked, state.dirty = True, [], True
                continue
            batch, state.parked = state.parked[: self.limit], state.parked[self.limit :]
            state.issued += len(batch)
            released.extend(batch)
        return released, trapped

    def dirty_rows(self) -> Iterator[dict[str, Any]]:
        """Changed patterns, as rows of the archive's `url_patterns` table; marks them clean."""
        for (site, pattern), state in self.states.items():
            if state.dirty:
                state.dirty = False
                yield {
                    "site": site,
                    "pattern": pattern,
                    "pages": state.pages,
                    "articles": state.articles,
                    "trapped": int(state.trapped),
                }

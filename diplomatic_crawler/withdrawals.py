"""Withdrawals: an archived article whose page is gone is marked `withdrawn_at`, never deleted.

`scrapy crawl news -a recheck=DAYS` re-requests every archived article first seen or published within the
last DAYS days (bypassing the "already archived" skip). An archived article is withdrawn when its URL

* answers 404 or 410 (`WithdrawalMiddleware`, which sees the final answer after retries and redirects), or
* redirects to a generic page: the site's home page or one of its entry pages, a page known not to be an
  article, or a page that classifies as a listing (`generic_redirect`, called by the spider).

The row keeps its text, dates and hash; `withdrawn_at` / `withdrawn_reason` are set and an event is logged
in `article_events`. When the article answers again with its content, the write path clears the flag
(`article_events.clear_withdrawn`) and logs a `restored` event. A redirect to another article is a move,
not a withdrawal. During a crawl the withdrawal (`article_events.Withdrawal`) is handed to the archive
pipeline's writer, which commits it with the articles and logs and counts it once it is committed.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .archive import Archive, utcnow
from .article_events import WITHDRAWN, Withdrawal
from .crawl_state import crawl_id_of
from .pipelines import ARTICLE_EVENT
from .readonly import placeholders
from .status_tracking import ArchivedPageMiddleware
from .urls import canonical_url, resolve_canonical

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from scrapy.http import Request, Response

    from .seeds import Seed
    from .workers import PageAnalysis

__all__ = [
    "GONE_STATUSES",
    "WithdrawalMiddleware",
    "check_redirect",
    "generic_redirect",
    "mark_withdrawn",
    "parse_recheck",
    "recheck_candidates",
    "recheck_requests",
]

logger = logging.getLogger(__name__)

GONE_STATUSES = frozenset({404, 410})
MAX_RECHECK_DAYS = 36_500


def parse_recheck(value: str | int | None) -> int | None:
    """`-a recheck=DAYS`: a whole number of days (1 or more); None when not given. Anything else is logged
    and raises ValueError, before any request."""
    if value is None or value == "":
        return None
    try:
        days = int(str(value).strip())
    except ValueError:
        message = f"recheck: {value!r} is not a whole number of days"
    else:
        if 1 <= days <= MAX_RECHECK_DAYS:
            return days
        message = f"recheck: {days} days is out of range (1 to {MAX_RECHECK_DAYS})"
    logger.error("Invalid spider argument, nothing crawled: %s", message)
    raise ValueError(message)


def recheck_requests(spider: Any) -> Iterator[Request]:
    """`recheck=DAYS`: the spider's recent archived articles, requested again although they are known
    (`dont_filter`; their keys count as seen, so discovery does not request them a second time)."""
    if not spider.recheck_days:
        return
    rows = recheck_candidates(spider.archive, spider.seeds, spider.recheck_days)
    logger.info("Rechecking %d archived article(s) of the last %d day(s)", len(rows), spider.recheck_days)
    for key, url, site in rows:
        spider.seen_keys.add(key)
        if req := spider._request(key or url, spider.seeds[site], kind="page", key=key, dont_filter=True):
            req.meta["recheck"] = True
            spider.inc(site, "recheck")
            yield req


def check_redirect(spider: Any, response: Response, seed: Seed, page: PageAnalysis, page_kind: str) -> None:
    """Called by the spider for every analysed page: an archived article that now redirects to a generic
    page is marked withdrawn; a redirect to another article is a move, left to the alias handling."""
    key = response.meta.get("key")
    if not response.meta.get("redirect_urls") or key not in spider.known:
        return
    target = canonical_url(response.url, seed)
    article_key = resolve_canonical(response.url, page.article.canonical_url, seed) if page.article else None
    if key in (target, article_key):
        return
    reason = generic_redirect(seed, target, page_kind, article_key, spider.known_pages)
    if reason:
        event = Withdrawal(key, reason, utcnow(), seed.name, url=response.url, crawl_id=crawl_id_of(spider.crawler))
        spider.crawler.signals.send_catch_log(ARTICLE_EVENT, event=event)


def recheck_candidates(archive: Archive, sites: Iterable[str], days: int, now: datetime | None = None) -> list[tuple]:
    """(canonical_url, url, site) of archived articles of `sites` first seen or published within `days`."""
    sites = list(sites)
    since = ((now or datetime.now(UTC)) - timedelta(days=days)).replace(microsecond=0)
    day = since.date().isoformat()
    sql = (
        f"SELECT canonical_url, url, site FROM articles WHERE site IN ({placeholders(len(sites))}) AND"
        " (first_seen >= ? OR substr(published, 1, 10) >= ?) ORDER BY coalesce(published, first_seen) DESC"
    )
    return list(archive.db.execute(sql, [*sites, since.isoformat(), day]))


def mark_withdrawn(
    archive: Archive, key: str, reason: str, *, status: int | None = None, url: str | None = None, crawl_id: Any = None
) -> bool:
    """Set `withdrawn_at` on an archived article (text and dates untouched) and log the event, in a
    transaction of its own (outside a crawl); False when it is not archived or already withdrawn."""
    event = Withdrawal(key, reason, utcnow(), status=status, url=url, crawl_id=crawl_id)
    return archive.write_batch([event], crawl_id) == [WITHDRAWN]


def generic_redirect(
    seed: Seed, target_key: str, page_kind: str, article_key: str | None, known_pages: set[str]
) -> str | None:
    """Why a redirect from an archived article to `target_key` means it was withdrawn, or None (a move to
    another article, or the same article under another address)."""
    path = urlsplit(target_key).path
    entries = {canonical_url(u, seed) for u in seed.start_urls}
    if path in ("", "/") or target_key in entries:
        return f"redirects to the site's home or entry page {target_key}"
    if target_key in known_pages:
        return f"redirects to a page known not to be an article {target_key}"
    if page_kind != "article" or article_key is None:
        return f"redirects to a page that is not an article ({page_kind}) {target_key}"
    return None


class WithdrawalMiddleware(ArchivedPageMiddleware):
    """Downloader middleware: an archived article answering 404 or 410 is marked withdrawn."""

    def process_response(self, request: Request, response: Response) -> Response:
        key = self.archived_key(request)
        if key is None or response.status not in GONE_STATUSES:
            return response
        status = response.status
        site = request.meta.get("site", "?")
        crawl_id = crawl_id_of(self.crawler)
        self.record(Withdrawal(key, f"HTTP {status}", utcnow(), site, status, response.url, crawl_id))
        return response

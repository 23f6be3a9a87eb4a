"""What an archived article's URL answers now, recorded as metadata only.

A press release that was archived and later answers 404 or 410 (withdrawn, moved, site relaunched) or
500 is exactly the kind of change an archive exists for: the stored copy must stay as it was. This
downloader middleware sees the final answer (after retries and redirects) of every re-fetched article
and records only `articles.http_status` and `articles.http_status_at` (migration 30); the text, title,
dates and hash are never touched by an error answer. A later 200 sets the status back to 200. The record
(`article_events.StatusAnswer`) is handed to the archive pipeline, whose writer commits it with the
articles: nothing here waits for the archive.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .archive import utcnow
from .article_events import StatusAnswer
from .pipelines import ARTICLE_EVENT

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

    from .article_events import ArticleEvent

__all__ = ["ArchivedPageMiddleware", "ArchivedStatusMiddleware"]

logger = logging.getLogger(__name__)


class ArchivedPageMiddleware:
    """Base of the downloader middlewares that watch what archived articles answer when fetched again."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def archived_key(self, request: Request) -> str | None:
        """The archive key of an article page this crawl knows as archived, else None."""
        key = request.meta.get("key")
        known = getattr(self.crawler.spider, "known", None)
        if not key or request.meta.get("kind") != "page" or not known or key not in known:
            return None
        return key

    def record(self, event: ArticleEvent) -> None:
        """Hand an event to the archive pipeline's writer (`ARTICLE_EVENT`): it is committed in order with
        the articles, on the thread that owns the write connection."""
        self.crawler.signals.send_catch_log(ARTICLE_EVENT, event=event)


class ArchivedStatusMiddleware(ArchivedPageMiddleware):
    def process_response(self, request: Request, response: Response) -> Response:
        if (key := self.archived_key(request)) is None:
            return response
        status = response.status
        if status >= 400:
            site = request.meta.get("site", "?")
            logger.warning("%s: archived article now answers HTTP %d, stored copy kept: %s", site, status, request.url)
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value(f"diplomatic/{site}/archived_http_{status}")
        self.record(StatusAnswer(key, status, utcnow()))
        return response

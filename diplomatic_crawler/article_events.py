"""Article events: what a crawl learns of an archived article besides its content, and the SQL that records it.

* `StatusAnswer`: the final answer (after retries and redirects) of an archived article fetched again,
  kept in `articles.http_status` / `http_status_at` (migration 30); text, dates and hash are never touched.
* `Withdrawal`: an archived article whose page is gone gets `withdrawn_at` / `withdrawn_reason` and a
  `withdrawn` row in `article_events`; `clear_withdrawn` undoes it (a `restored` event) when the article
  answers with its content again.

The downloader middlewares and the spider create these records on the reactor thread and hand them to the
archive pipeline (signal `pipelines.ARTICLE_EVENT`); the pipeline's writer applies them with
`Archive.write_batch`, in order with the articles and inside the same transaction, on the thread that owns
the write connection. Nothing here opens a transaction: every function runs inside the caller's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["WITHDRAWN", "ArticleEvent", "StatusAnswer", "Withdrawal", "clear_withdrawn"]

logger = logging.getLogger(__name__)

WITHDRAWN = "withdrawn"  # the outcome of a `Withdrawal` that marked its article (not already withdrawn)


@dataclass(frozen=True)
class StatusAnswer:
    """An archived article's URL answered `status` at `at` (ISO UTC)."""

    key: str
    status: int
    at: str

    def apply(self, db: sqlite_utils.Database) -> str | None:
        db.execute(
            "UPDATE articles SET http_status = ?, http_status_at = ? WHERE canonical_url = ?",
            [self.status, self.at, self.key],
        )
        return None


@dataclass(frozen=True)
class Withdrawal:
    """An archived article found gone at `at` (`reason`: "HTTP 404", "redirects to the site's home ...")."""

    key: str
    reason: str
    at: str
    site: str = "?"
    status: int | None = None
    url: str | None = None
    crawl_id: int | None = None

    def apply(self, db: sqlite_utils.Database) -> str | None:
        """Mark the article withdrawn and log the event: `WITHDRAWN`, or None when it is not archived or
        already withdrawn."""
        changed = db.execute(
            "UPDATE articles SET withdrawn_at = ?, withdrawn_reason = ?"
            " WHERE canonical_url = ? AND withdrawn_at IS NULL",
            [self.at, self.reason, self.key],
        ).rowcount
        if not changed:
            return None
        _event(db, self.key, self.at, "withdrawn", self.reason, self.status, self.url, self.crawl_id)
        return WITHDRAWN


ArticleEvent = StatusAnswer | Withdrawal


def clear_withdrawn(db: sqlite_utils.Database, key: str, at: str, url: str | None, crawl_id: int | None) -> bool:
    """The article answered with its content again: clear the flag and log `restored`."""
    changed = db.execute(
        "UPDATE articles SET withdrawn_at = NULL, withdrawn_reason = NULL"
        " WHERE canonical_url = ? AND withdrawn_at IS NOT NULL",
        [key],
    ).rowcount
    if changed:
        _event(db, key, at, "restored", "answered with the article again", 200, url, crawl_id)
        logger.info("Previously withdrawn article is back: %s", key)
    return bool(changed)


def _event(
    db: sqlite_utils.Database,
    key: str,
    at: str,
    event: str,
    reason: str,
    status: int | None,
    url: str | None,
    crawl_id: int | None,
) -> None:
    db.execute(
        "INSERT INTO article_events (canonical_url, at, event, reason, http_status, url, crawl_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [key, at, event, reason, status, url, crawl_id],
    )

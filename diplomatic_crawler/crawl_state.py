"""What a running crawl keeps on its crawler for its components: the id of its `crawls` row.

The archive pipeline sets it when the crawl of the seeds begins (`Archive.start_crawl`); the spider's
helpers, the middlewares and the extensions read it. Its own module, below the archive and the pipeline,
so that any of them can import it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["crawl_id_of", "set_crawl_id"]

_CRAWL_ID = "_diplomatic_crawl_id"


def crawl_id_of(crawler: Any) -> int | None:
    """The id of the crawl's `crawls` row, or None before it is written (or without an archive)."""
    return getattr(crawler, _CRAWL_ID, None)


def set_crawl_id(crawler: Any, crawl_id: int) -> None:
    setattr(crawler, _CRAWL_ID, crawl_id)

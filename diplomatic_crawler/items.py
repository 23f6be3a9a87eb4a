"""Items: one `ArchivedArticle` per article page, handed from the spider to the archive pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .captures import Capture
from .extraction import Article


@dataclass
class ArchivedArticle:
    """An extracted article plus what the crawl knows about it (site, country, issuer, fetch time).

    `key` is the canonical URL: the archive's primary key.
    """

    key: str
    site: str
    article: Article
    fetched_at: str
    country: str | None = None
    issuer: str | None = None
    # Enrichment fields the spider knows beside the extraction record (diplomatic_crawler.enrich):
    # content_type ("html"/"pdf"), linked_from (a PDF's referring page), alternates (declared translations).
    extra: dict[str, Any] = field(default_factory=dict)
    # Provenance and the raw response (diplomatic_crawler.captures): the seed file's SHA-256, and the
    # capture the archive stores beside the row (under `_capture`, which is never an article column).
    seed_hash: str | None = None
    capture: Capture | None = None

    def to_record(self) -> dict[str, Any]:
        """The archive row: every `Article` field, with `canonical_url` set to our canonical key."""
        record = self.article.to_dict()
        record.update(
            canonical_url=self.key,
            site=self.site,
            country=self.country,
            issuer=self.issuer,
            fetched_at=self.fetched_at,
        )
        record.update(self.extra)
        if self.seed_hash:
            record["seed_hash"] = self.seed_hash
        if self.capture is not None:
            record["_capture"] = self.capture
        return record

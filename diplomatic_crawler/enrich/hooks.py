"""Where the enrichments plug into the crawl and the archive.

* `page_enrichment(tree, url, article)` — in the extraction worker, on the tree it already parsed: the
  page's declared translations and its PDF links, and for an article `article_enrichment`: doc_type,
  countries and the MinHash signature (so the crawl process never loads the gazetteer or datasketch).
* `extract_pdf_enriched(body, url, seed)` — in the extraction worker: `pdf.extract_pdf` plus
  `article_enrichment`.
* `item_extra(enrichment, seed)` — in the spider: the fields an `ArchivedArticle` carries beside the
  extraction record (`alternates` with canonical URLs, `content_type`).
* `enrich_record(record)` — in `Archive.write_articles`, before the row is written: `doc_type`,
  `doc_type_reason`, `countries`, `content_type` when the record does not carry them yet.
* `ArchiveEnricher` — in `Archive.write_articles`, after the row is written, in the same savepoint:
  the near-duplicate `cluster_id` and the `statement_group`, kept in the archive's own index tables.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .countries import countries_mentioned
from .doctype import classify_doc_type

if TYPE_CHECKING:
    from datetime import datetime

    from ..extraction import Article

__all__ = [
    "ENRICHMENT_ERROR",
    "ENRICH_COLUMNS",
    "ArchiveEnricher",
    "enrich_record",
    "extract_pdf_enriched",
    "item_extra",
    "page_enrichment",
    "tree_enrichment",
]

logger = logging.getLogger(__name__)

# Set on a record (and on the fields of `article_enrichment`) when its enrichment failed: "Type: message".
# Never archived (a leading "_"); the crawl counts it (`diplomatic/enrichment/failed`).
ENRICHMENT_ERROR = "_enrichment_error"

# Article columns added by the enrichments (migration 10), in export order.
ENRICH_COLUMNS: dict[str, type] = {
    "content_type": str,  # "html" or "pdf"
    "linked_from": str,  # for a PDF: canonical URL of the page that linked it
    "doc_type": str,
    "doc_type_reason": str,
    "countries": str,  # JSON array of ISO 3166-1 alpha-2 codes, in order of first mention
    "alternates": str,  # JSON array of {url, hreflang, source}: the translations the page declares
    "statement_group": str,
    "cluster_id": str,
}


def page_enrichment(tree: Any, url: str, article: Any = None) -> dict[str, Any]:
    """In the extraction worker: translations, PDF links and (for an `Article`) the record enrichments
    (`article_enrichment`); never raises."""
    result = tree_enrichment(tree, url, translations=bool(article))
    if article:
        result.update(article_enrichment(article))
    return result


def tree_enrichment(tree: Any, url: str, *, translations: bool) -> dict[str, Any]:
    """What `page_enrichment` reads from the parsed page: PDF links and, with `translations`, the declared
    translations. Read before the extractor prunes the tree; never raises."""
    from .language_versions import find_alternates
    from .pdf import pdf_links

    result: dict[str, Any] = {}
    if tree is None:
        return result
    try:
        if translations:
            result["alternates"] = [a.to_dict() for a in find_alternates(tree, url)]
        result["pdf_links"] = pdf_links(tree, url)
    except Exception as exc:  # an enrichment must never cost the page
        logger.debug("%s: page enrichment failed: %s", url, exc)
    return result


def article_enrichment(article: Any) -> dict[str, Any]:
    """doc_type, doc_type_reason, countries and the MinHash signature (`_minhash`) of an `Article`, computed
    where the article was extracted (a worker process), so the archive writer has only index work left."""
    from .clusters import pack_signature, signature

    record = {
        "title": article.title,
        "url": article.url,
        "section": article.section,
        "text": article.text,
        "language": article.language,
    }
    enrich_record(record)
    fields = {k: record[k] for k in ("doc_type", "doc_type_reason", "countries", ENRICHMENT_ERROR) if k in record}
    try:
        fields["_minhash"] = pack_signature(signature(article.text))
    except Exception as exc:
        logger.debug("%s: no signature: %s", article.url, exc)
    return fields


def extract_pdf_enriched(
    body: bytes, url: str, seed: object | None = None, *, fetched_at: datetime | None = None
) -> tuple[Article, dict[str, Any]]:
    """`pdf.extract_pdf` plus the record enrichments (doc_type, countries, signature), for a worker process
    (`pdf` loaded there only: pypdf and lxml stay out of the archive writer)."""
    from .pdf import extract_pdf

    article = extract_pdf(body, url, seed, fetched_at=fetched_at)
    return article, article_enrichment(article)


def item_extra(enrichment: Mapping[str, Any] | None, seed: Any) -> dict[str, Any]:
    """Fields for `ArchivedArticle.extra`: translations keyed like archive rows (the site's canonical
    URLs, so `statement_group` links the rows themselves)."""
    from ..urls import canonical_url

    enrichment = enrichment or {}
    alternates = []
    for alt in enrichment.get("alternates") or []:
        target = alt["url"]
        if seed is not None and seed.owns(target):
            target = canonical_url(target, seed)
        alternates.append({**alt, "url": target})
    extra = {k: v for k, v in enrichment.items() if k in ("doc_type", "doc_type_reason", "countries", "_minhash")}
    return {"content_type": "html", **extra, "alternates": alternates}


def enrich_record(record: dict[str, Any]) -> dict[str, Any]:
    """Add doc_type, doc_type_reason, countries and content_type to an archive record (in place; also
    returned). Values already present are kept, so a caller may precompute them. A failure never costs the
    article: it is logged at DEBUG and left in `record[ENRICHMENT_ERROR]` for the caller to count and
    report once (a broken installation fails on every page alike)."""
    try:
        if not record.get("doc_type"):
            found = classify_doc_type(
                record.get("title"),
                record.get("url"),
                record.get("section"),
                record.get("text"),
                record.get("language"),
            )
            record["doc_type"], record["doc_type_reason"] = found.label, found.reason
        if record.get("countries") is None:
            record["countries"] = countries_mentioned(record.get("title"), record.get("text"), record.get("language"))
        record.setdefault("content_type", "html")
    except Exception as exc:  # never lose an article to an enrichment bug
        record[ENRICHMENT_ERROR] = f"{type(exc).__name__}: {exc}"
        logger.debug("%s: enrichment failed: %s", record.get("canonical_url") or record.get("url"), exc)
    return record


class ArchiveEnricher:
    """After-write step of one archive connection: clusters and statement groups."""

    def __init__(self, db: Any):
        from .clusters import ClusterIndex
        from .language_versions import StatementGroups

        self.clusters = ClusterIndex(db)
        self.groups = StatementGroups(db)

    def after_write(self, record: Mapping[str, Any], outcome: str) -> None:
        if outcome == "unchanged":
            return
        key = record.get("canonical_url") or record.get("url")
        if not key:
            return
        from .clusters import unpack_signature

        self.clusters.add(key, record.get("text"), unpack_signature(record.get("_minhash", False)))
        self.groups.assign(key, record.get("alternates"))

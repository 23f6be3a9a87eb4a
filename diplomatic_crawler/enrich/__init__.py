"""Research enrichments of archived articles: pure functions plus the archive-side indexes.

* `classify_doc_type(...)` — press release, statement, readout, ... with the evidence (`doctype`).
* `countries_mentioned(...)` — ISO 3166 alpha-2 codes of the countries a text names (`countries`).
* `find_alternates(...)` — hreflang / language-switcher translations of a page (`language_versions`).
* `ClusterIndex` — incremental MinHash/LSH near-duplicate clusters stored in the archive (`clusters`).
* `extract_pdf(...)` — a PDF statement as an `Article` (`pdf`).

The pure functions take plain values (no Scrapy, no database) so the spider, a worker process, the CLI and
the benchmarks call the same code.
"""

from __future__ import annotations

from .countries import countries_mentioned
from .doctype import DOC_TYPES, DocType, classify_doc_type
from .language_versions import Alternate, find_alternates

__all__ = [
    "DOC_TYPES",
    "Alternate",
    "DocType",
    "classify_doc_type",
    "countries_mentioned",
    "find_alternates",
]

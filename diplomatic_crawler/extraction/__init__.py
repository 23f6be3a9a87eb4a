"""Pure article extraction: `extract_article(html, url, seed=..., fetched_at=...) -> Article`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .article import Article
from .errors import ExtractionError
from .hints import SiteHints

if TYPE_CHECKING:
    from .core import EXTRACTOR_VERSION, extract_article

__all__ = ["EXTRACTOR_VERSION", "Article", "ExtractionError", "SiteHints", "extract_article"]


def warm_up() -> None:
    """Load what the first page would otherwise pay for: the extractor and the language model (py3langid
    unpacks it in ~0.4 s of CPU). Extraction workers call it before their first page, so that one page's
    time limit never includes it."""
    from . import core  # noqa: F401
    from .language_id import identify

    identify("warm-up text for the language identifier, long enough to be classified")


def __getattr__(name: str) -> Any:
    """The extractor itself (trafilatura, htmldate, dateparser: some 30 MB) loads on first use, so a
    process that only carries `Article` records (the crawl process, whose workers extract) never loads it."""
    if name in ("EXTRACTOR_VERSION", "extract_article"):
        from . import core

        return getattr(core, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

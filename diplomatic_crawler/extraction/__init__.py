"""Pure article extraction: `extract_article(html, url, seed=..., fetched_at=...) -> Article`."""

from .article import Article
from .core import EXTRACTOR_VERSION, ExtractionError, extract_article
from .hints import SiteHints

__all__ = ["EXTRACTOR_VERSION", "Article", "ExtractionError", "SiteHints", "extract_article"]

"""Exceptions of the extraction package."""

from ..errors import DiplomaticCrawlerError


class ExtractionError(DiplomaticCrawlerError, ValueError):
    """The input cannot be read as an HTML page (empty, binary, not markup)."""

"""Exceptions of the extraction package."""


class ExtractionError(ValueError):
    """The input cannot be read as an HTML page (empty, binary, not markup)."""

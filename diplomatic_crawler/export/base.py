"""The writer interface shared by every format: `start()`, `write(record)` for each record, `finish()`."""

from __future__ import annotations

from typing import Any, BinaryIO

from .schema import ExportSchema

__all__ = ["Writer"]


class Writer:
    """Streams export records to a binary file object; never holds more than one batch in memory."""

    #: file name extension (without the dot) and media type of the format
    extension = ""
    media_type = "application/octet-stream"

    def __init__(self, stream: BinaryIO, schema: ExportSchema, **options: Any):
        self.stream = stream
        self.schema = schema
        self.options = options
        self.count = 0

    def start(self) -> None:
        """Write whatever precedes the first record."""

    def write(self, record: dict[str, Any]) -> None:
        raise NotImplementedError

    def finish(self) -> int:
        """Write whatever follows the last record, flush, and return the number of records written."""
        self.stream.flush()
        return self.count

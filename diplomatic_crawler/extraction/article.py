"""The extraction record: one frozen `Article` per page."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Article:
    url: str
    canonical_url: str | None = None
    site_name: str | None = None
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    published_raw: str | None = None
    published_source: str | None = None
    published_precision: str | None = None
    timezone_assumed: bool | None = None
    modified: str | None = None
    modified_raw: str | None = None
    modified_source: str | None = None
    modified_precision: str | None = None
    language: str | None = None
    description: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    image: str | None = None
    dateline: str | None = None
    text: str = ""
    word_count: int = 0
    content_hash: str | None = None
    extractor_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

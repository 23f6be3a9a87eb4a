"""The extraction record: one frozen `Article` per page."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

_TOKEN = re.compile(r"\w+")
PROSE_TOKEN_MAX = 100  # characters: a longer run of word characters is no word ("aaaa…", a base64 blob)
PROSE_ENOUGH = 500  # characters of words: prose, whatever else the text holds


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
    published_calendar: str | None = None  # "gregorian", or the calendar the page wrote the date in
    timezone_assumed: bool | None = None
    modified: str | None = None
    modified_raw: str | None = None
    modified_source: str | None = None
    modified_precision: str | None = None
    language: str | None = None
    language_source: str | None = None  # jsonld, html, og, meta, seed or detected (from the text)
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

    def has_prose(self) -> bool:
        """Whether the body reads as text: at least two different words (runs of word characters of up to
        PROSE_TOKEN_MAX characters; CJK and Thai sentences are runs between punctuation and spaces), which
        make up at least half of the text's word characters, or PROSE_ENOUGH characters of them. A 7 MB
        one-word page, "a a a a …" or a body that is one blob is not an article, whatever its URL says."""
        chars = blobs = 0
        distinct: set[str] = set()
        for match in _TOKEN.finditer(self.text or ""):
            size = match.end() - match.start()
            if size > PROSE_TOKEN_MAX:
                blobs += size
                continue
            chars += size
            if len(distinct) < 2:
                distinct.add(match.group().casefold())
            elif chars >= PROSE_ENOUGH:
                return True
        return len(distinct) >= 2 and chars >= blobs

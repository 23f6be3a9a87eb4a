"""Per-site hints that steer extraction (languages, time zone, date order, selectors).

Extraction accepts a seed from `diplomatic_crawler.seeds`, a plain mapping (handy in tests and the CLI),
or nothing; everything is normalised into one frozen `SiteHints` so the extraction code never has to
care where the hints came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DATE_ORDERS = ("DMY", "MDY", "YMD")


@dataclass(frozen=True)
class SiteHints:
    name: str | None = None
    language: str | None = None
    languages: tuple[str, ...] = ()
    timezone: str | None = None
    date_order: str | None = None
    issuer: str | None = None
    selectors: Mapping[str, str] = field(default_factory=dict)

    @property
    def date_languages(self) -> tuple[str, ...]:
        """Languages to try when reading human-written dates: explicit list, else the site language."""
        if self.languages:
            return self.languages
        return (self.language,) if self.language else ()

    @classmethod
    def from_seed(cls, seed: Any) -> SiteHints:
        if seed is None:
            return cls()
        if isinstance(seed, SiteHints):
            return seed

        def get(key: str) -> Any:
            if isinstance(seed, Mapping):
                return seed.get(key)
            return getattr(seed, key, None)

        languages = get("languages") or ()
        if isinstance(languages, str):
            languages = (languages,)
        order = get("date_order")
        return cls(
            name=get("name"),
            language=get("language"),
            languages=tuple(languages),
            timezone=get("timezone"),
            date_order=order.upper() if isinstance(order, str) else None,
            issuer=get("issuer"),
            selectors=dict(get("selectors") or {}),
        )

"""What the probe is asked (`ProbeOptions`), what it found (`ProbeReport`, `Sample`) and how it fails."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...errors import DiplomaticCrawlerError
from ...settings import USER_AGENT


class ProbeError(DiplomaticCrawlerError, RuntimeError):
    """The site cannot be probed (unreachable, not HTML, disallowed by robots.txt, ...)."""


@dataclass(frozen=True)
class ProbeOptions:
    samples: int = 4  # sample articles fetched to check the pattern and read language / dates
    max_requests: int = 40  # hard cap on HTTP requests, robots.txt included
    delay: float = 1.0  # seconds between two requests
    timeout: float = 15.0
    max_bytes: int = 8 * 1024 * 1024
    user_agent: str = USER_AGENT
    name: str | None = None
    country: str | None = None  # ISO 3166 alpha-2 hint when the domain does not tell


@dataclass
class Sample:
    url: str
    status: int | str
    kind: str = "?"  # article / listing / error
    title: str | None = None
    words: int = 0
    language: str | None = None
    detected_language: str | None = None
    published: str | None = None
    published_raw: str | None = None
    published_source: str | None = None
    timezone_assumed: bool = False


@dataclass
class ProbeReport:
    """What the probe found: the draft seed's values, and for each value the comment lines explaining it."""

    url: str
    name: str
    fields: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    header: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    requests: list[tuple[str, int | str]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    suggestions: dict[str, str] = field(default_factory=dict)  # commented-out lines for unsure fields

    def note(self, key: str, line: str) -> None:
        self.notes.setdefault(key, []).append(line)

    def seed_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.fields.items() if v not in (None, [], "")}

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "name": self.name,
            "seed": self.seed_dict(),
            "notes": self.notes,
            "samples": [s.__dict__ for s in self.samples],
            "requests": [{"url": u, "status": s} for u, s in self.requests],
            "refused": self.refused,
        }

"""One progress line for the long commands (`export`, `dataset`, `reextract`, `merge`): done of total, the
rate and the time left, rewritten in place on standard error at most once a second.

Only on a terminal: when standard error is a file, a pipe or cron's mail, nothing is written, so logs and
scripts see exactly what they saw before. The line is erased when the command ends, before its summary.
`DIPLOMATIC_PROGRESS_INTERVAL` (seconds, default 1) sets how often the line is redrawn.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO, TypeVar

__all__ = ["Progress", "format_duration"]

INTERVAL_ENV = "DIPLOMATIC_PROGRESS_INTERVAL"
DEFAULT_INTERVAL = 1.0
ERASE = "\r\x1b[K"  # back to the line's start, clear to its end

T = TypeVar("T")


def format_duration(seconds: float) -> str:
    """`0:07`, `12:30`, `2:05:00`: what a person reads at a glance."""
    whole = max(0, math.ceil(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _interval() -> float:
    try:
        return max(0.0, float(os.environ.get(INTERVAL_ENV, DEFAULT_INTERVAL)))
    except ValueError:
        return DEFAULT_INTERVAL


class Progress:
    """`label: done/total unit (pct) · rate/s · ETA m:ss` on `stream` while it is a terminal.

    Use as a context manager (the line is erased on the way out, errors included); call `start(total)` once
    the total is known, then `advance()` per item, or wrap an iterable with `iterate()`. Library functions
    take an optional Progress and work unchanged without one."""

    def __init__(
        self,
        label: str,
        unit: str = "articles",
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self._is_terminal(self.stream) if enabled is None else enabled
        self.interval = _interval() if interval is None else interval
        self.clock = clock
        self.total: int | None = None
        self.done = 0
        self.started = self.last = clock()
        self.shown = False

    @staticmethod
    def _is_terminal(stream: TextIO) -> bool:
        try:
            return stream.isatty()
        except (AttributeError, ValueError):  # a closed or file-like stream without a descriptor
            return False

    def start(self, total: int | None) -> None:
        """The number of items to come (None: unknown, no percentage or ETA); the clock starts now."""
        self.total = total
        self.done = 0
        self.started = self.last = self.clock()

    def advance(self, count: int = 1) -> None:
        self.done += count
        if not self.enabled:
            return
        now = self.clock()
        if now - self.last >= self.interval:
            self.last = now
            self.stream.write(ERASE + self.line(now))
            self.stream.flush()
            self.shown = True

    def iterate(self, items: Iterable[T]) -> Iterator[T]:
        for item in items:
            yield item
            self.advance()

    def line(self, now: float | None = None) -> str:
        elapsed = max((self.clock() if now is None else now) - self.started, 1e-9)
        rate = self.done / elapsed
        parts = [f"{self.label}: {self.done:,}"]
        if self.total:
            parts[0] += f"/{self.total:,} {self.unit} ({100 * self.done / self.total:.0f}%)"
        else:
            parts[0] += f" {self.unit}"
        parts.append(f"{rate:,.0f}/s" if rate >= 10 else f"{rate:.1f}/s")
        if self.total and rate > 0:
            parts.append(f"ETA {format_duration(max(self.total - self.done, 0) / rate)}")
        return " · ".join(parts)

    def close(self) -> None:
        if self.shown:
            self.stream.write(ERASE)
            self.stream.flush()
            self.shown = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

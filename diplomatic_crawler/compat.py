"""The libraries whose internals this project uses, the releases it was tested with, and the one place
where its speed-ups of them are installed.

A speed-up that reaches into another library (trafilatura's pruning expressions, see `extraction/prune.py`)
registers itself here when its module is imported, and `install_speedups()` installs it, on a worker's
first extraction, only when the installed release is in the tested range; outside it, one log line says so
and the library's own code runs: the same text, slower, and never a broken crawl. pyproject.toml declares
the same ranges (tests/test_compat.py holds the two together), so pip does not pick an untested release by
itself.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version

__all__ = ["TESTED", "install_speedups", "register", "tested", "within"]

logger = logging.getLogger(__name__)

# distribution -> (lowest tested release, first release not tested), and what of it is used.
TESTED: dict[str, tuple[str, str]] = {
    "trafilatura": ("2.3", "2.4"),  # xpaths (prune.py), utils (document.py), settings.CUT_EMPTY_ELEMS (body.py)
    "dateparser": ("1.2", "1.6"),  # timezone_parser, languages.loader, data.languages_info (dates, date_languages)
    "scrapy": ("2.19", "2.20"),  # Downloader.active and slots (queues.py), engine.close_spider_async
    "scrapy-redis": ("0.9", "0.10"),  # Scheduler and RFPDupeFilter subclassed (scheduler.py)
}

_NUMBERS = re.compile(r"\d+")
_installed: bool | None = None  # once a process: whether the speed-ups are in place
_speedups: dict[str, tuple[str, Callable[[], object]]] = {}


def _key(release: str) -> tuple[int, ...]:
    """"2.3.1" -> (2, 3, 1); a pre-release suffix ("2.4.0rc1") counts as its numbers."""
    return tuple(int(n) for n in _NUMBERS.findall(release.split("+")[0])[:3])


def within(release: str, low: str, high: str) -> bool:
    key = _key(release)
    return _key(low) <= key < _key(high)


def tested(distribution: str) -> bool:
    """Whether the installed release of `distribution` is in its tested range (False when not installed)."""
    release = _release(distribution)
    return release is not None and within(release, *TESTED[distribution])


def register(name: str, distribution: str, install: Callable[[], object]) -> None:
    """Offer a speed-up of `distribution` (its module calls this when imported; nothing is patched then)."""
    _speedups[name] = (distribution, install)


def install_speedups() -> bool:
    """Install the registered speed-ups once per process, each only on a tested release of its library; True
    when all of them are in place."""
    global _installed
    if _installed is not None:
        return _installed
    _installed = True
    for name, (distribution, install) in _speedups.items():
        if not tested(distribution):
            low, high = TESTED[distribution]
            release = _release(distribution) or "(not installed)"
            logger.warning("%s %s is outside the tested releases (>=%s,<%s): its own code runs instead of the "
                           "project's %s (same results, slower)", distribution, release, low, high, name)
            _installed = False
            continue
        install()
    return _installed


def _release(distribution: str) -> str | None:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return None

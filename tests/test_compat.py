"""Speed-ups of other libraries run only on their tested releases; pyproject declares the same ranges."""

from __future__ import annotations

import logging
import re
import tomllib
from pathlib import Path

import pytest

from diplomatic_crawler import compat
from diplomatic_crawler.extraction import extract_article, prune

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("release", "low", "high", "inside"), [
    ("2.3.1", "2.3", "2.4", True),
    ("2.3", "2.3", "2.4", True),
    ("2.4.0", "2.3", "2.4", False),
    ("2.4.0rc1", "2.3", "2.4", False),
    ("2.2.9", "2.3", "2.4", False),
    ("2.19.0", "2.19", "2.20", True),
    ("2.20.1", "2.19", "2.20", False),
    ("0.9.1", "0.9", "0.10", True),
    ("0.10.0", "0.9", "0.10", False),
])
def test_tested_ranges(release: str, low: str, high: str, inside: bool) -> None:
    assert compat.within(release, low, high) is inside


def _requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = list(project["dependencies"]) + [s for group in project["optional-dependencies"].values() for s in group]
    found = {}
    for spec in specs:
        name = re.match(r"[A-Za-z0-9_.-]+", spec).group(0).lower()
        found.setdefault(name, re.sub(r"^[A-Za-z0-9_.-]+(\[[^\]]*\])?", "", spec).replace(" ", ""))
    return found


@pytest.mark.parametrize("distribution", sorted(compat.TESTED))
def test_pyproject_declares_the_tested_range(distribution: str) -> None:
    low, high = compat.TESTED[distribution]
    assert _requirements()[distribution] == f">={low},<{high}"


def test_the_installed_releases_are_tested_ones() -> None:
    assert all(compat.tested(name) for name in ("trafilatura", "dateparser", "scrapy"))


PAGE = ("<html><head><title>Talks</title></head><body><article><h1>Talks</h1>"
        + "<div class='comments'><p>A reader's comment on the talks between the two ministers.</p></div>"
        + "".join(f"<p>Paragraph {i}: the ministers discussed the border commission, trade and the return of "
                  f"displaced people, and agreed to meet again.</p>" for i in range(6))
        + "</article></body></html>")


def test_an_untested_trafilatura_runs_its_own_pruning(monkeypatch: pytest.MonkeyPatch,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    """Outside the tested range: one warning, trafilatura's own expressions, the same text."""
    compat.install_speedups()
    fast = extract_article(PAGE, "https://mfa.example/talks").text
    prune.uninstall()
    monkeypatch.setattr(compat, "_installed", None)
    monkeypatch.setattr(compat, "tested", lambda name: name != "trafilatura")
    try:
        with caplog.at_level(logging.WARNING, logger="diplomatic_crawler.compat"):
            assert compat.install_speedups() is False
            assert compat.install_speedups() is False  # once a process: no second line
            slow = extract_article(PAGE, "https://mfa.example/talks").text
        assert prune.installed() == []
        assert [r.getMessage() for r in caplog.records if "outside the tested releases" in r.getMessage()] \
            and len(caplog.records) == 1
        assert slow == fast and "comment" not in slow
    finally:
        prune.install()
    assert len(prune.installed()) == len(prune.EQUIVALENTS)

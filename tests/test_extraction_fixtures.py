"""Stored-page tests for `extract_article`: one case per `tests/fixtures/pages/<site>/<case>/`.

Each case holds the page as fetched (`input.html`), how it was fetched (`meta.json`: url, fetched_at, seed,
description, optional as_bytes/encoding) and what must come out (`expected.json`). Expected files pin exact
fields plus `text_contains` / `text_not_contains` snippets rather than whole texts, so they survive
extractor upgrades while still catching boilerplate leaking into the body or body paragraphs going missing.

`test_fixture_is_well_formed` checks the fixtures themselves (no extractor needed), so a typo in an expected
file fails loudly instead of silently testing nothing.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

PAGES_DIR = Path(__file__).parent / "fixtures" / "pages"
MIN_CASES = 14

CASE_DIRS = sorted(path.parent for path in PAGES_DIR.glob("*/*/input.html"))

# Keys of expected.json that are not Article fields.
SNIPPET_KEYS = ("text_contains", "text_not_contains")
# Article fields an expected.json may pin (a subset of the dataclass, kept here so the fixture check does not
# need the extraction package to import).
CHECKABLE_FIELDS = {
    "url",
    "canonical_url",
    "site_name",
    "title",
    "authors",
    "published",
    "published_raw",
    "published_source",
    "published_precision",
    "published_calendar",
    "timezone_assumed",
    "modified",
    "modified_raw",
    "modified_source",
    "modified_precision",
    "language",
    "language_source",
    "description",
    "section",
    "tags",
    "image",
    "dateline",
}
REQUIRED_EXPECTED = {"title", "authors", "published", "language", "text_contains", "text_not_contains"}
REQUIRED_META = {"url", "fetched_at", "seed", "description"}
PRECISIONS = {"day", "minute", "second"}


def _case_id(case_dir: Path) -> str:
    return f"{case_dir.parent.name}/{case_dir.name}"


CASES = [pytest.param(case_dir, id=_case_id(case_dir)) for case_dir in CASE_DIRS]


def _load_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _load_case(case_dir: Path) -> tuple[str | bytes, dict[str, Any], dict[str, Any]]:
    meta = _load_json(case_dir / "meta.json")
    expected = _load_json(case_dir / "expected.json")
    raw = (case_dir / "input.html").read_bytes()
    page: str | bytes = raw if meta.get("as_bytes") else raw.decode("utf-8")
    return page, meta, expected


def _squash(text: str) -> str:
    """Collapse whitespace runs so snippets do not depend on how paragraphs are wrapped."""
    return " ".join(text.split())


def _excerpt(text: str, limit: int = 600) -> str:
    return text if len(text) <= limit else text[:limit] + f"... [{len(text)} chars]"


def test_fixture_cases_found() -> None:
    assert len(CASE_DIRS) >= MIN_CASES, f"found {len(CASE_DIRS)} fixture cases under {PAGES_DIR}"


@pytest.mark.parametrize("case_dir", CASES)
def test_fixture_is_well_formed(case_dir: Path) -> None:
    meta = _load_json(case_dir / "meta.json")
    expected = _load_json(case_dir / "expected.json")

    missing = REQUIRED_META - meta.keys()
    assert not missing, f"meta.json lacks {sorted(missing)}"
    assert datetime.fromisoformat(meta["fetched_at"]).tzinfo is not None, "fetched_at must carry an offset"
    assert meta["seed"] is None or isinstance(meta["seed"], dict)

    missing = REQUIRED_EXPECTED - expected.keys()
    assert not missing, f"expected.json lacks {sorted(missing)}"
    unknown = expected.keys() - CHECKABLE_FIELDS - set(SNIPPET_KEYS)
    assert not unknown, f"expected.json has keys that are not Article fields: {sorted(unknown)}"
    assert isinstance(expected["authors"], list)

    for key in ("published", "modified"):
        value = expected.get(key)
        if value is None:
            continue
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            date.fromisoformat(value)
            assert expected.get(f"{key}_precision", "day") == "day", f"{key} is a bare day: precision 'day'"
        else:
            parsed = datetime.fromisoformat(value)
            assert parsed.tzinfo is not None, f"{key} {value!r} must carry an offset"
            assert expected.get(f"{key}_precision", "minute") in PRECISIONS - {"day"}
    if expected.get("published") is None:
        assert "published_precision" not in expected or expected["published_precision"] is None

    # Every snippet must occur in the page itself: a snippet that is nowhere in the input tests nothing.
    raw = (case_dir / "input.html").read_bytes()
    source = raw.decode(meta.get("encoding", "utf-8"))
    page_text = _squash(lxml_html.fromstring(source).text_content())
    for key in SNIPPET_KEYS:
        assert expected[key], f"{key} is empty"
        for snippet in expected[key]:
            assert snippet == _squash(snippet), f"{key} snippet has odd whitespace: {snippet!r}"
            assert snippet in page_text, f"{key} snippet not found in input.html: {snippet!r}"
    overlap = set(expected["text_contains"]) & set(expected["text_not_contains"])
    assert not overlap, f"snippets both required and forbidden: {sorted(overlap)}"


@pytest.mark.parametrize("case_dir", CASES)
def test_extract_article_matches_expected(case_dir: Path) -> None:
    # Imported here so that a missing extractor fails every case (an error, never a skip) while the
    # fixture checks above still run and collection still works.
    from diplomatic_crawler.extraction import extract_article

    page, meta, expected = _load_case(case_dir)
    fetched_at = datetime.fromisoformat(meta["fetched_at"])

    article = extract_article(page, meta["url"], seed=meta.get("seed"), fetched_at=fetched_at)

    problems = []
    for key, want in expected.items():
        if key in SNIPPET_KEYS:
            continue
        got = getattr(article, key)
        if got != want:
            problems.append(f"{key}: got {got!r}, expected {want!r}")

    text = _squash(article.text)
    for snippet in expected["text_contains"]:
        if snippet not in text:
            problems.append(f"text lacks body snippet {snippet!r}")
    for snippet in expected["text_not_contains"]:
        if snippet in text:
            problems.append(f"text contains forbidden snippet {snippet!r}")

    assert not problems, (
        f"{_case_id(case_dir)} ({meta['description'][:120]}...):\n  "
        + "\n  ".join(problems)
        + f"\n--- article.text ---\n{_excerpt(article.text)}"
    )

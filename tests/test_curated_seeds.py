"""The curated seeds in seeds/: valid, documented, self-consistent, and what `scrapy crawl news` loads by
default. Validated only: nothing here touches the network."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from scrapy.http import Request
from scrapy.utils.test import get_crawler

from diplomatic_crawler import settings as project_settings
from diplomatic_crawler.cli import main
from diplomatic_crawler.seeds import Seed, load_seeds
from diplomatic_crawler.spiders.news import NewsSpider

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_ROOT / "seeds"
SEEDS = load_seeds(SEEDS_DIR)
INTERNATIONAL = {"un-press", "un-news", "nato", "au-int"}  # no country: international organisations


def _text(seed: Seed) -> str:
    return Path(seed.path or "").read_text(encoding="utf-8")


def _examples(seed: Seed) -> list[str]:
    return re.findall(r"^# example: (\S+)$", _text(seed), re.M)


def test_curated_seeds_validate_with_the_cli() -> None:
    result = CliRunner().invoke(main, ["seeds", "validate", str(SEEDS_DIR)])
    assert result.exit_code == 0, result.output
    assert f"{len(SEEDS)} seed(s) OK" in result.output


def test_at_least_twenty_sources_across_regions_and_languages() -> None:
    assert len(SEEDS) >= 20
    languages = {s.language for s in SEEDS}
    assert {"en", "fr", "es", "de", "ru", "zh", "ar", "pt", "tr", "uk", "it"} <= languages
    countries = {s.country for s in SEEDS if s.country}
    regions = {
        "europe": {"FR", "ES", "DE", "GB", "IT", "UA", "RU", "TR", "EU"},
        "asia": {"CN", "JP", "KR", "IN", "PK", "AZ", "AM", "AE"},
        "americas": {"US", "CA", "MX", "BR", "AR"},
        "oceania": {"AU"},
    }
    assert all(countries & members for members in regions.values())
    assert {"un-press", "un-news", "eeas", "state-gov", "thediplomaticinsight"} <= {s.name for s in SEEDS}


@pytest.mark.parametrize("seed", SEEDS, ids=[s.name for s in SEEDS])
def test_each_seed_is_complete_and_honest(seed: Seed) -> None:
    assert seed.issuer and seed.language and seed.timezone and seed.date_order
    assert seed.max_pages and seed.max_pages <= 5000  # a polite cap for the first backfill
    assert seed.country or seed.name in INTERNATIONAL
    text = _text(seed)
    assert "NOTHING in this file was fetched" in text  # says what was not verified ...
    assert re.search(r"^# (Believed|Inferred):", text, re.M)  # ... and what the values rest on
    if seed.name in INTERNATIONAL:
        assert "No `country`" in text
    for url in seed.entry_urls:
        assert url.startswith("https://"), url


@pytest.mark.parametrize("seed", SEEDS, ids=[s.name for s in SEEDS])
def test_patterns_agree_with_their_own_urls(seed: Seed) -> None:
    """Entry pages are never taken for articles; follow_pattern matches a start page; every example
    article URL matches article_pattern and is not taken for a listing."""
    if seed.article_pattern is not None:
        examples = _examples(seed)
        assert examples, "a seed with an article_pattern shows the URL shape it was written for"
        for url in examples:
            assert seed.article_pattern.search(url), url
            assert seed.owns(url), url
            if seed.follow_pattern is not None:
                assert not seed.follow_pattern.search(url), url
        for url in seed.entry_urls:
            assert not seed.article_pattern.search(url), url
    if seed.follow_pattern is not None:
        assert any(seed.follow_pattern.search(u) for u in seed.start_urls), seed.follow_pattern.pattern


def test_default_crawl_uses_the_curated_seeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`scrapy crawl news` without -a seeds= reads seeds/ (SEEDS_PATH): the spider is configured and its
    first requests built, but nothing is downloaded."""
    monkeypatch.chdir(PROJECT_ROOT)
    settings = {k: getattr(project_settings, k) for k in dir(project_settings) if k.isupper() and k != "ARCHIVE_DB"}
    settings["ARCHIVE_DB"] = str(tmp_path / "archive.db")
    crawler = get_crawler(NewsSpider, settings)
    spider = NewsSpider.from_crawler(crawler)
    assert project_settings.SEEDS_PATH == "seeds"
    assert sorted(spider.seeds) == sorted(s.name for s in SEEDS)

    async def first_requests() -> list[Request]:
        return [r async for r in spider.start()]

    requests = asyncio.run(first_requests())
    assert {r.meta["site"] for r in requests} == {s.name for s in SEEDS}
    assert len(requests) == sum(len(s.entry_urls) for s in SEEDS)
    crawler._diplomatic_archive.close()

"""The crawl's Scrapy-level tuning: the stats collector without Scrapy's per-access shim, and DEBUG
messages dropped at the logger when no handler wants them."""

from __future__ import annotations

import logging

import pytest
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from diplomatic_crawler import settings as project_settings
from diplomatic_crawler.commands.crawl import filter_below_handlers
from diplomatic_crawler.spiders.news import NewsSpider
from diplomatic_crawler.statscollectors import CrawlStats


def test_crawl_stats_is_the_configured_collector_and_counts_like_scrapys() -> None:
    assert project_settings.STATS_CLASS == "diplomatic_crawler.statscollectors.CrawlStats"
    crawler = get_crawler(NewsSpider, {"STATS_CLASS": project_settings.STATS_CLASS})
    stats = crawler.stats
    assert isinstance(stats, CrawlStats) and isinstance(stats, MemoryStatsCollector)
    stats.inc_value("a")
    stats.inc_value("a", 2)
    stats.inc_value("b", start=10)
    stats.max_value("m", 3)
    stats.max_value("m", 1)
    stats.min_value("n", 3)
    stats.min_value("n", 1)
    stats.set_value("s", "x")
    assert stats.get_stats() == {"a": 3, "b": 11, "m": 3, "n": 1, "s": "x"}
    assert stats.get_value("missing", 7) == 7


def test_crawl_stats_methods_are_not_rewrapped_on_access() -> None:
    """Scrapy's collector returns a freshly cached wrapper through `__getattribute__`; ours the plain
    bound method, and reading `_stats` inside a method raises no AttributeError first."""
    crawler = get_crawler(NewsSpider, {"STATS_CLASS": project_settings.STATS_CLASS})
    stats = crawler.stats
    assert type(stats).__getattribute__ is object.__getattribute__
    assert stats.inc_value.__func__ is MemoryStatsCollector.inc_value
    assert not hasattr(stats, "_cached_inc_value")


class _Counting(logging.Handler):
    def __init__(self, level: int):
        super().__init__(level)
        self.seen: list[int] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record.levelno)

    def filter(self, record: logging.LogRecord) -> bool:  # every record that reaches the handler
        self.seen.append(-record.levelno)
        return super().filter(record)


@pytest.fixture
def root() -> logging.Logger:
    """A stand-in for the root logger, outside logging's registry (pytest attaches its capture handlers
    to registered loggers)."""
    return logging.Logger("root-stand-in")


def test_root_level_follows_the_lowest_handler(root: logging.Logger) -> None:
    handler = _Counting(logging.INFO)
    root.addHandler(handler)
    filter_below_handlers(root)
    assert root.level == logging.INFO
    root.debug("dropped before a record is made")
    root.info("kept")
    assert handler.seen == [-logging.INFO, logging.INFO]


def test_root_level_untouched_when_a_handler_wants_everything(root: logging.Logger) -> None:
    root.addHandler(_Counting(logging.INFO))
    root.addHandler(_Counting(logging.NOTSET))  # e.g. pytest's caplog, or a user's own handler
    filter_below_handlers(root)
    assert root.level == logging.NOTSET


def test_root_level_untouched_when_already_set(root: logging.Logger) -> None:
    root.setLevel(logging.WARNING)
    root.addHandler(_Counting(logging.INFO))
    filter_below_handlers(root)
    assert root.level == logging.WARNING


def test_debug_handler_keeps_debug(root: logging.Logger) -> None:
    handler = _Counting(logging.DEBUG)
    root.addHandler(handler)
    filter_below_handlers(root)
    root.debug("kept")
    assert handler.seen == [-logging.DEBUG, logging.DEBUG]

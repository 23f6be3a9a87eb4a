"""`scrapy crawl` with an exit status cron can act on.

Scrapy's own command exits 1 only when the spider could not start. This one also reports what the
`CrawlReport` extension decided: 2 when a site failed entirely, 3 when the archive could not be written,
1 when the crawl was interrupted (see `diplomatic_crawler.extensions`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from twisted.internet.defer import Deferred

from ..export.feeds import FeedError, check_feeds
from ..extensions import EXIT_CODE_STAT
from ..useragent import ContactError, check_contact


class Command(ScrapyCrawlCommand):
    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--distributed",
            action="store_true",
            help="distributed mode on a shared Redis frontier (REDIS_URL, default redis://127.0.0.1:6379/0)",
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if opts.distributed:
            self.settings.set("DISTRIBUTED", True, priority="cmdline")
        try:  # feeds the archive exporters would write wrong, or a contact unfit for the User-Agent, are
            check_feeds(self.settings)  # refused before the crawl, in one line
            check_contact(self.settings.get("USER_AGENT_CONTACT"))
        except (FeedError, ContactError) as exc:
            raise UsageError(str(exc), print_help=False) from exc

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) < 1:
            raise UsageError
        if len(args) > 1:
            raise UsageError("running 'scrapy crawl' with more than one spider is not supported")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        started = self.crawler_process.crawl(crawler, **opts.spargs)
        failed_to_start: list[BaseException] = []
        # The spider has already logged why it could not start (invalid seeds, unusable archive);
        # retrieving the exception here keeps asyncio/Twisted from printing it again as a traceback.
        if isinstance(started, asyncio.Future):
            started.add_done_callback(
                lambda task: failed_to_start.append(task.exception()) if task.exception() else None
            )
        elif isinstance(started, Deferred):
            started.addErrback(lambda failure: failed_to_start.append(failure.value))
        filter_below_handlers(logging.getLogger())
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed or failed_to_start:
            self.exitcode = 1
            return
        code = crawler.stats.get_value(EXIT_CODE_STAT) if crawler.stats else None
        if code:
            self.exitcode = int(code)


def filter_below_handlers(root: logging.Logger) -> None:
    """Give the root logger the lowest level of its handlers.

    Scrapy leaves the root logger at NOTSET and filters in its handler (LOG_LEVEL), so each DEBUG
    message of a crawl at INFO ("Crawled (200) ...", "Scraped from ...", a few a page) still becomes a
    LogRecord that every handler then drops. With the level on the logger, `logger.debug` returns at
    its first, cached level test. `-s LOG_LEVEL=DEBUG` lowers the handler and so the logger.
    """
    levels = [handler.level for handler in root.handlers]
    if root.level == logging.NOTSET and levels and min(levels) > logging.NOTSET:
        root.setLevel(min(levels))

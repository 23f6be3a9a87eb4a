"""Scrapy settings for diplomatic_crawler: polite defaults a site owner would accept.

Override any of them per run with `scrapy crawl news -s NAME=VALUE`.
"""

from diplomatic_crawler import __version__

BOT_NAME = "diplomatic_crawler"

SPIDER_MODULES = ["diplomatic_crawler.spiders"]
NEWSPIDER_MODULE = "diplomatic_crawler.spiders"
# Our `crawl` command sets a non-zero exit status when a site failed entirely or the archive broke.
COMMANDS_MODULE = "diplomatic_crawler.commands"

ADDONS = {}

# Identify ourselves, with a page explaining who we are and how to opt out.
PROJECT_URL = "https://github.com/diplomatic-crawler/diplomatic-crawler"
USER_AGENT = f"diplomatic-crawler/{__version__} (+{PROJECT_URL})"

# Politeness.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
RETRY_TIMES = 2
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no control port listening on the crawl host
# robots.txt per RFC 9309 (5xx/429/network error = disallow for this run) and Crawl-delay, capped.
ROBOTSTXT_CRAWL_DELAY_MAX = 60.0
# Retry-After on 429/503 pauses the whole host (capped); a 429 without it pauses RETRY_AFTER_DEFAULT s.
RETRY_AFTER_MAX = 120.0
RETRY_AFTER_DEFAULT = 5.0

# Security: never connect to private, loopback, link-local or metadata addresses (SSRF, DNS rebinding).
# True allows all (tests, the offline demo); a list such as "10.20.0.0/16,127.0.0.1" allows just those.
ALLOW_PRIVATE_NETWORKS = False
TWISTED_DNS_RESOLVER = "diplomatic_crawler.security.GuardedResolver"
# Only http(s) is ever fetched: no file:, data:, ftp: or s3: handlers (a hostile feed cannot read files).
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en;q=0.8, *;q=0.5",
}

# Crawl-trap guards (see also discovery.trap_reason / calendar_key).
URLLENGTH_LIMIT = 1024
DEPTH_LIMIT = 20
DEPTH_PRIORITY = 0
# Queued requests as compact pickled records (a crawl discovers a whole site long before it has fetched it;
# live Request objects made the crawl grow with the site): see diplomatic_crawler/queues.py.
SCHEDULER_MEMORY_QUEUE = "diplomatic_crawler.queues.CompactLifoMemoryQueue"
REDIRECT_MAX_TIMES = 5

# Archive and run behaviour.
ARCHIVE_DB = "output/archive.db"
ARCHIVE_BATCH_SIZE = 25
ARCHIVE_WRITER_THREAD = True  # archive batches are committed by a background thread, off the reactor

# Extraction runs in worker processes, off the reactor thread, within a per-page budget (see workers.py).
EXTRACTION_WORKERS = None  # None: one per CPU core; 0: in-process (debugging; no time budget)
EXTRACTION_TIMEOUT = 30.0  # seconds per page; the worker is killed and replaced, the page counted as failed
EXTRACTION_MAX_BYTES = 8 * 1024 * 1024  # larger pages are not extracted (counted as extraction_failed)
EXTRACTION_MAX_MEMORY = 2048  # MiB of address space per worker (0: no limit)
EXTRACTION_MAX_TASKS_PER_WORKER = 2000  # a worker is replaced after this many pages, so memory stays flat
# A callback yields an item and a few requests, and the archive pipeline hands items to its writer thread
# without waiting: parallel slots per response only cost asyncio tasks on the reactor thread (Scrapy's
# default of 100 are 100 tasks a page; 16 against 1 cost ~9% more reactor CPU in bench/crawl_throughput.py).
CONCURRENT_ITEMS = 1
CAPTURES_STORE = "db"  # raw article responses: "db" (zstd in the archive), "warc" (output/warc/*.warc.gz), "off"
CAPTURES_WARC_DIR = None  # WARC directory (default: warc/ beside the archive)
ARCHIVE_CHECK_ON_OPEN = True  # PRAGMA quick_check before crawling: a damaged archive is never written to
SEEDS_PATH = "seeds"
SITE_MAX_PAGES = 5000  # per-site request cap when a seed sets no max_pages
CALENDAR_PAGES_LIMIT = 24  # pages per calendar-like listing (date query / /YYYY/MM/ paths)
STOP_PAGINATION_ON_KNOWN = True  # stop following 'next page' once a listing page holds only known links
REFETCH_NON_ARTICLES = False  # re-fetch pages known not to be articles (listings are always re-fetched)
FOLLOW_PDF_LINKS = True  # fetch PDF links on the site's domains and archive their text (content_type "pdf")
PDF_MAX_SIZE = 20 * 1024 * 1024  # bytes; larger PDFs are not downloaded
SHORT_TEXT_WORDS = 50  # articles with fewer words count as `short_text` (see `diplomatic-crawler health`)
PROGRESS_INTERVAL = 30.0  # seconds between per-site progress lines; 0 disables them
LOGSTATS_INTERVAL = 0  # our progress lines replace Scrapy's "Crawled N pages" lines
STATS_CLASS = "diplomatic_crawler.statscollectors.CrawlStats"  # Scrapy's, without a per-call deprecation shim
LOG_LEVEL = "INFO"

# Distributed mode: several workers share a Redis frontier (scrapy-redis); each writes its own shard.
# `-s REDIS_URL=redis://host:6379/0` (or `-s DISTRIBUTED=True` for redis://127.0.0.1:6379/0) switches it on.
DISTRIBUTED = False
DISTRIBUTED_NAME = "archive"  # one frontier per merged archive: Redis keys diplomatic:<name>:*
WORKER_NAME = None  # None: <hostname>-<pid>; the shard is SHARDS_DIR/<WORKER_NAME>.db unless ARCHIVE_DB is set
SHARDS_DIR = "output/shards"
DISTRIBUTED_KNOWN_DB = "output/archive.db"  # the merged archive, if present: its articles count as archived
DISTRIBUTED_HEARTBEAT = 30.0  # seconds without a heartbeat before a worker's requests go back to the queue
DISTRIBUTED_POLL_INTERVAL = 1.0  # seconds between checks of an idle worker for new requests

SPIDER_MIDDLEWARES = {
    "diplomatic_crawler.middlewares.SeedMiddleware": 550,
}
DOWNLOADER_MIDDLEWARES = {
    "diplomatic_crawler.security.PrivateNetworkMiddleware": 25,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "diplomatic_crawler.robots.RobotsPolicyMiddleware": 100,
    "diplomatic_crawler.retry_after.RetryAfterMiddleware": 560,
    "diplomatic_crawler.status_tracking.ArchivedStatusMiddleware": 540,
    "diplomatic_crawler.withdrawals.WithdrawalMiddleware": 545,
    "diplomatic_crawler.middlewares.KnownRedirectMiddleware": 590,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "diplomatic_crawler.middlewares.QuickMetaRefreshMiddleware": 580,  # Scrapy's own place for it
}
ITEM_PIPELINES = {
    "diplomatic_crawler.pipelines.ArchivePipeline": 300,
}
EXTENSIONS = {
    "diplomatic_crawler.extensions.CrawlReport": 500,
}

FEED_EXPORT_ENCODING = "utf-8"
# `scrapy crawl news -O new.jsonl` / `-O feed.json:jsonfeed`: the articles this run added or changed, in the
# schema of `diplomatic-crawler export` (see diplomatic_crawler/export/feeds.py).
FEED_EXPORTERS = {
    "jsonfeed": "diplomatic_crawler.export.feeds.JsonFeedExporter",
    "jsonl": "diplomatic_crawler.export.feeds.JsonLinesFeedExporter",
    "jsonlines": "diplomatic_crawler.export.feeds.JsonLinesFeedExporter",
    "json": "diplomatic_crawler.export.feeds.JsonArrayFeedExporter",
    "csv": "diplomatic_crawler.export.feeds.CsvFeedExporter",
    "parquet": "diplomatic_crawler.export.feeds.ParquetFeedExporter",
}

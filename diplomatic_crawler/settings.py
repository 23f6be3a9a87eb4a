"""Scrapy settings for diplomatic_crawler: polite defaults a site owner would accept.

Override any of them per run with `scrapy crawl news -s NAME=VALUE`.
"""

from diplomatic_crawler.useragent import DEFAULT_USER_AGENT, PROJECT_URL  # noqa: F401

BOT_NAME = "diplomatic_crawler"

SPIDER_MODULES = ["diplomatic_crawler.spiders"]
NEWSPIDER_MODULE = "diplomatic_crawler.spiders"
# Our `crawl` command sets a non-zero exit status when a site failed entirely or the archive broke.
COMMANDS_MODULE = "diplomatic_crawler.commands"

ADDONS = {
    "diplomatic_crawler.useragent.UserAgentContact": 0,  # USER_AGENT_CONTACT into the User-Agent
    "diplomatic_crawler.extensions.ProgressLogStats": 0,  # Scrapy's LogStats line every PROGRESS_INTERVAL
}

# Identify ourselves, with a page explaining who we are and how to opt out, and the operator's contact.
# FILL IN USER_AGENT_CONTACT: an e-mail address or URL where site owners reach whoever runs this crawl
# (e.g. "crawler@your-institution.org"). Until it is set, each crawl starts with a warning.
USER_AGENT_CONTACT = ""
USER_AGENT = DEFAULT_USER_AGENT  # + "; contact: <USER_AGENT_CONTACT>" (see useragent.py)

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
# Scrapy starts no new request while the responses being parsed hold more than this (default 5 MB): one
# large sitemap, parsed in a worker for seconds, stopped every download meanwhile. Room for two of the
# largest responses.
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 2 * DOWNLOAD_MAXSIZE
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
RETRY_TIMES = 2
# A request that fails after its retries is reported once, with its cause, by the spider's errback (or the
# robots.txt middleware): Scrapy's own "Gave up retrying" line at ERROR would say it a second time.
RETRY_GIVE_UP_LOG_LEVEL = "DEBUG"
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no control port listening on the crawl host
# robots.txt per RFC 9309 (5xx/429/network error = disallow for this run) and Crawl-delay, capped.
ROBOTSTXT_CRAWL_DELAY_MAX = 60.0
ROBOTSTXT_MAX_SIZE = 500 * 1024  # bytes of a robots.txt that are parsed (RFC 9309 2.5; Google reads 500 KiB)
# Retry-After on 429/503 pauses the whole host (capped); a 429 without it pauses RETRY_AFTER_DEFAULT s.
RETRY_AFTER_MAX = 120.0
RETRY_AFTER_DEFAULT = 5.0
RETRY_AFTER_HOST_BUDGET = 600.0  # seconds of pauses one host may impose on a run; then its requests fail

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
# A host paused by Retry-After or a long Crawl-delay keeps no more than its concurrency in the downloader,
# so the other hosts go on meanwhile (see SlotFairPriorityQueue).
SCHEDULER_PRIORITY_QUEUE = "diplomatic_crawler.queues.SlotFairPriorityQueue"
REDIRECT_MAX_TIMES = 5

# Archive and run behaviour.
ARCHIVE_DB = "output/archive.db"
ARCHIVE_BATCH_SIZE = 25
ARCHIVE_COMMIT_INTERVAL = 2.0  # seconds an article may wait for its batch to fill (0: only by count)
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
# Followed links of one URL pattern (digits as #, query keys without values) that yield no new article are
# held at this many requests a site, then dropped as a trap and remembered (url_patterns; see traps.py). 0: off
TRAP_PATTERN_PAGES = 5
STOP_PAGINATION_ON_KNOWN = True  # stop following 'next page' once a listing page holds only known links
# A site without sitemaps and feeds: its newest N archived articles are asked again (conditionally) each run,
# so that edits are found; sites with them are refetched when a lastmod / feed date changes. 0: off
RECHECK_NEWEST_ARTICLES = 10
REFETCH_NON_ARTICLES = False  # re-fetch pages known not to be articles (listings are always re-fetched)
FOLLOW_PDF_LINKS = True  # fetch PDF links on the site's domains and archive their text (content_type "pdf")
PDF_MAX_SIZE = 20 * 1024 * 1024  # bytes; larger PDFs are not downloaded
SHORT_TEXT_WORDS = 50  # articles with fewer words count as `short_text` (see `diplomatic-crawler health`)
# seconds between progress lines: Scrapy's LogStats (pages/min, items/min) and one a site; 0 disables them
PROGRESS_INTERVAL = 30.0
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
    # Every redirect hop checked where it is made (private addresses, the seed's hosts): see middlewares.py.
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "diplomatic_crawler.middlewares.GuardedRedirectMiddleware": 600,
}
ITEM_PIPELINES = {
    "diplomatic_crawler.pipelines.ArchivePipeline": 300,
}
EXTENSIONS = {
    "diplomatic_crawler.extensions.CrawlReport": 500,
    "diplomatic_crawler.shutdown.DropPendingOnClose": 100,  # an early close drops what waits in the downloader
}

# `scrapy check news`: the article callback's contracts, on the bundled offline demo site unless
# CONTRACTS_BASE_URL names another copy of it (see diplomatic_crawler/contracts.py, commands/check.py).
SPIDER_CONTRACTS = {
    "diplomatic_crawler.contracts.UrlPathContract": 1,
    "diplomatic_crawler.contracts.ArticleFieldsContract": 20,
}
CONTRACTS_BASE_URL = None

FEED_EXPORT_ENCODING = "utf-8"
# `scrapy crawl news -O new.jsonl` / `-O feed.json:jsonfeed`: the articles this run added or changed, in the
# schema of `diplomatic-crawler export` (see diplomatic_crawler/export/feeds.py).
FEED_EXPORTERS = {
    "jsonfeed": "diplomatic_crawler.export.feeds.JsonFeedExporter",
    "atom": "diplomatic_crawler.export.feeds.AtomFeedExporter",
    "jsonl": "diplomatic_crawler.export.feeds.JsonLinesFeedExporter",
    "jsonlines": "diplomatic_crawler.export.feeds.JsonLinesFeedExporter",
    "jl": "diplomatic_crawler.export.feeds.JsonLinesFeedExporter",
    "json": "diplomatic_crawler.export.feeds.JsonArrayFeedExporter",
    "csv": "diplomatic_crawler.export.feeds.CsvFeedExporter",
    "parquet": "diplomatic_crawler.export.feeds.ParquetFeedExporter",
    # Scrapy's own formats, written by Scrapy's exporters from the same records
    "xml": "diplomatic_crawler.export.feeds.XmlFeedExporter",
    "pickle": "diplomatic_crawler.export.feeds.PickleFeedExporter",
    "marshal": "diplomatic_crawler.export.feeds.MarshalFeedExporter",
}

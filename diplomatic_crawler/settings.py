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
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en;q=0.8, *;q=0.5",
}

# Crawl-trap guards (see also discovery.trap_reason / calendar_key).
URLLENGTH_LIMIT = 1024
DEPTH_LIMIT = 20
DEPTH_PRIORITY = 0
REDIRECT_MAX_TIMES = 5

# Archive and run behaviour.
ARCHIVE_DB = "output/archive.db"
ARCHIVE_BATCH_SIZE = 25
SEEDS_PATH = "seeds"
SITE_MAX_PAGES = 5000  # per-site request cap when a seed sets no max_pages
CALENDAR_PAGES_LIMIT = 24  # pages per calendar-like listing (date query / /YYYY/MM/ paths)
STOP_PAGINATION_ON_KNOWN = True  # stop following 'next page' once a listing page holds only known links
REFETCH_NON_ARTICLES = False  # re-fetch pages known not to be articles (listings are always re-fetched)
PROGRESS_INTERVAL = 30.0  # seconds between per-site progress lines; 0 disables them
LOGSTATS_INTERVAL = 0  # our progress lines replace Scrapy's "Crawled N pages" lines
LOG_LEVEL = "INFO"

SPIDER_MIDDLEWARES = {
    "diplomatic_crawler.middlewares.SeedMiddleware": 550,
}
DOWNLOADER_MIDDLEWARES = {
    "diplomatic_crawler.middlewares.KnownRedirectMiddleware": 590,
}
ITEM_PIPELINES = {
    "diplomatic_crawler.pipelines.ArchivePipeline": 300,
}
EXTENSIONS = {
    "diplomatic_crawler.extensions.CrawlReport": 500,
}

FEED_EXPORT_ENCODING = "utf-8"

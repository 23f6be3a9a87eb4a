"""diplomatic-crawler: crawl and archive diplomatic news into a clean, dated SQLite archive."""

__version__ = "0.1.0"

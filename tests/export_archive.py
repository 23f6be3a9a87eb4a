"""A small archive of tricky articles for the export tests (a real SQLite file written by `Archive`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from diplomatic_crawler.archive import Archive

TRICKY: list[dict[str, Any]] = [
    {
        "canonical_url": "https://mfa.example/en/news/formula",
        "site": "mfa-az",
        "country": "AZ",
        "issuer": "Ministry of Foreign Affairs of Azerbaijan",
        "title": "=cmd|' /C calc'!A0",
        "authors": [],
        "published": "2025-03-12",
        "published_precision": "day",
        "published_source": "text",
        "language": "en",
        "text": '<script>alert("x")</script>\n\nLine with "quotes", commas, and a\r\nCRLF break.',
        "tags": ['=HYPERLINK("http://evil")', "trade"],
    },
    {
        "canonical_url": "https://mfa.example/ar/news/rtl",
        "url": "https://mfa.example/ar/news/rtl?utm_source=x",
        "site": "mfa-az",
        "country": "AZ",
        "title": "بيان صحفي حول المفاوضات \u200f(RTL)",
        "authors": ["أحمد علي", "Jane O'Neil"],
        "published": "2025-03-12T14:30:00+04:00",
        "published_precision": "minute",
        "published_source": "jsonld",
        "timezone_assumed": True,
        "modified": "2025-03-13T08:00:00-05:00",
        "modified_precision": "minute",
        "language": "ar",
        "text": "نص عربي مع عبرית ومحارف\u2028خاصة 🇦🇿 e\u0301",
        "countries": ["AZ", "AM"],
        "alternates": [
            {"url": "https://mfa.example/en/news/rtl", "hreflang": "en", "source": "hreflang"},
            {"url": "https://mfa.example/fr/news/rtl", "hreflang": "fr", "source": "switcher"},
        ],
    },
    {
        "canonical_url": "https://embassy.example/news/at-sign",
        "site": "embassy-news",
        "country": "FR",
        "title": "@SUM(1+1) statement",
        "authors": ["Marie Dupont"],
        "published": "2024-12-31T23:59:59+00:00",
        "published_precision": "second",
        "published_source": "meta",
        "language": "fr",
        "description": "+33 résumé - avec tiret",
        "text": "-1 start with minus\n\nSecond paragraph.",
        "word_count": 6,
    },
    {
        "canonical_url": "https://embassy.example/news/undated",
        "site": "embassy-news",
        "title": "'=already quoted",
        "language": "fr",
        "text": "",
    },
]


def build_archive(path: Path, rows: list[dict[str, Any]] | None = None, crawls: int = 2) -> Path:
    """Write TRICKY (rows 0-2 in crawl 1, the rest in the last crawl) and record the crawls."""
    rows = rows if rows is not None else TRICKY
    with Archive(path) as archive:
        ids = [archive.start_crawl({"seeds": "seeds/"}, ["mfa-az", "embassy-news"]) for _ in range(crawls)]
        split = min(3, len(rows))
        for crawl_id, batch in ((ids[0], rows[:split]), (ids[-1], rows[split:])):
            records = []
            for row in batch:
                record = {
                    "url": row["canonical_url"],
                    "extractor_version": "diplomatic-crawler/0.1.0 trafilatura/2.3.1",
                }
                record.update(row)
                records.append(record)
            if records:
                archive.write_articles(records, crawl_id)
        for crawl_id in ids:
            archive.finish_crawl(
                crawl_id, "finished", {"mfa-az": {"new": 2, "failed": 1}, "embassy-news": {"new": 1, "failed": 0}}
            )
    return path

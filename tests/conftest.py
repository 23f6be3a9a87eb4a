"""Shared fixtures: local HTTP test sites on 127.0.0.1 and a helper that runs `scrapy crawl news`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from diplomatic_crawler.demo.server import Reply, SiteServer
from diplomatic_crawler.demo.sitegen import SiteSpec, build_site, sample_articles

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WEBROOT = Path(__file__).resolve().parent / "fixtures" / "webroot"

# Fast but otherwise real settings for end-to-end crawls.
FAST_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "RETRY_TIMES": "0",
    "DOWNLOAD_TIMEOUT": "10",
    "PROGRESS_INTERVAL": "0",
    "CALENDAR_PAGES_LIMIT": "5",
    "LOG_LEVEL": "INFO",
    "ALLOW_PRIVATE_NETWORKS": "True",  # the test sites are served on 127.0.0.1
    "USER_AGENT_CONTACT": "tests@diplomatic-crawler.invalid",  # filled in, as operators are told to
}


def run_crawl(
    *args: str, cwd: Path = PROJECT_ROOT, env: dict[str, str] | None = None, **settings: str
) -> subprocess.CompletedProcess[str]:
    """Run `scrapy crawl news ARGS` as a subprocess (the real command line) with fast settings; `env` adds to
    the environment."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", *args]
    for key, value in {**FAST_SETTINGS, **settings}.items():
        cmd += ["-s", f"{key}={value}"]
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="diplomatic_crawler.settings", **(env or {}))
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


def crawl_site(site: SiteUnderTest, tmp_path: Path, *args: str, **settings: str) -> Path:
    """Write the site's seed under `tmp_path/seeds` and crawl it into `tmp_path/archive.db` (returned)."""
    seeds = tmp_path / "seeds"
    site.write_seed(seeds)
    db = tmp_path / "archive.db"
    result = run_crawl("-a", f"seeds={seeds}", *args, ARCHIVE_DB=str(db), **settings)
    assert result.returncode == 0, result.stderr[-3000:]
    return db


@dataclass
class SiteUnderTest:
    """A generated news site served on 127.0.0.1, with helpers to grow it between runs."""

    name: str
    root: Path
    server: SiteServer
    spec: SiteSpec

    @property
    def base(self) -> str:
        return self.server.base_url

    def article_paths(self) -> list[str]:
        return [f"/news/{a.slug}.html" for a in self.spec.articles]

    def add_articles(self, count: int) -> list[str]:
        """Publish `count` newer articles (regenerating listings, feed and sitemaps)."""
        start = max(a.published for a in self.spec.articles)
        new = sample_articles(99, count, start.replace(hour=0, minute=0) + timedelta(days=1), prefix="new-")
        self.spec.articles.extend(new)
        self.build()
        return [f"/news/{a.slug}.html" for a in new]

    def build(self) -> None:
        build_site(self.root, self.spec)
        extras = WEBROOT / "testsite"
        for file in extras.rglob("*.html"):
            target = self.root / file.relative_to(extras)
            target.parent.mkdir(parents=True, exist_ok=True)
            slug = self.spec.articles[1].slug
            target.write_text(file.read_text().replace("CANONICAL_SLUG", slug))

    def write_seed(self, directory: Path, **overrides: object) -> Path:
        fields: dict[str, object] = {
            "name": self.name,
            "allowed_domains": [self.server.netloc],
            "start_urls": [f"{self.base}/"],
            "sitemaps": [f"{self.base}/sitemap.xml"],
            "feeds": [f"{self.base}/feed.xml"],
            "timezone": "Europe/Berlin",
            "country": "VL",
            "issuer": "Ministry of Foreign Affairs of Veloria",
        }
        fields.update(overrides)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{self.name}.toml"
        path.write_text("".join(f"{k} = {_toml(v)}\n" for k, v in fields.items()), encoding="utf-8")
        return path


def _toml(value: object) -> str:
    if isinstance(value, str):
        return "'" + value + "'"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def _calendar(server: SiteServer):
    def route(path: str, query: dict[str, list[str]]) -> Reply:
        month = query.get("month", ["2024-01"])[0]
        year, mon = (int(x) for x in month.split("-"))
        nxt = f"{year + (mon == 12)}-{mon % 12 + 1:02d}"
        prev = f"{year - (mon == 1)}-{(mon - 2) % 12 + 1:02d}"
        body = (
            f"<html><head><title>Events {month}</title></head><body><h1>Events in {month}</h1>"
            f'<a href="/calendar?month={prev}">Previous month</a> <a href="/calendar?month={nxt}">Next month</a>'
            "</body></html>"
        )
        return Reply(200, body.encode(), {"Content-Type": "text/html; charset=utf-8"})

    return route


def _redirect(location: str, status: int):
    return lambda path, query: Reply(status, b"", {"Location": location})


@pytest.fixture(scope="session", autouse=True)
def _cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The tests (and the crawls they start) keep the gazetteer cache in a temporary directory, not in the
    user's ~/.cache."""
    previous = os.environ.get("DIPLOMATIC_CRAWLER_CACHE")
    os.environ["DIPLOMATIC_CRAWLER_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if previous is None:
        os.environ.pop("DIPLOMATIC_CRAWLER_CACHE", None)
    else:
        os.environ["DIPLOMATIC_CRAWLER_CACHE"] = previous


@pytest.fixture
def test_site(tmp_path: Path) -> Iterator[SiteUnderTest]:
    """A 12-article site with a sitemap index (plain + .gz), a feed, a paginated listing, tag and author
    pages, robots.txt disallowing /private/, duplicate links (utm, fragment), a print copy with
    rel=canonical, a 404, a 500, a redirect chain and an endless calendar."""
    root = tmp_path / "site"
    server = SiteServer(root)
    spec = SiteSpec(
        name="testsite",
        title="Ministry of Foreign Affairs of Veloria",
        issuer="Ministry of Foreign Affairs of Veloria",
        articles=sample_articles(3, 12, datetime(2024, 3, 1)),
        per_page=4,
    )
    a0, a2 = spec.articles[0].slug, spec.articles[2].slug
    spec.extra_links = (
        f'<li><a href="{{{{BASE}}}}/news/{a0}.html?utm_source=newsletter&amp;utm_medium=email#comments">Dup</a></li>',
        f'<li><a href="{{{{BASE}}}}/news/{a0}.html?fbclid=abc123">Dup 2</a></li>',
        '<li><a href="{{BASE}}/print/article.html">Print version</a></li>',
        '<li><a href="{{BASE}}/go/old">Old link (redirects)</a></li>',
        '<li><a href="{{BASE}}/news/missing-page.html">Missing</a></li>',
        '<li><a href="{{BASE}}/broken">Broken</a></li>',
        '<li><a href="{{BASE}}/calendar?month=2024-01">Events calendar</a></li>',
        '<li><a href="{{BASE}}/private/secret.html">Secret</a></li>',
    )
    site = SiteUnderTest("testsite", root, server, spec)
    site.build()
    server.route("/go/old", _redirect(f"{server.base_url}/go/older", 301))
    server.route("/go/older", _redirect(f"{server.base_url}/news/{a2}.html", 302))
    server.route("/broken", lambda path, query: Reply(500, b"<html><body>Internal error</body></html>"))
    server.route("/calendar", _calendar(server))
    server.start()
    try:
        yield site
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)

"""Scrapy's own commands work in the project as in any Scrapy project: `scrapy fetch URL`, `scrapy parse URL`
(no `--spider`, `--meta` or `-c` needed) and `scrapy shell URL -c CODE` fetch the page, parse it with the news
spider's article callback (with the seed that owns the URL, or as a site of its own) and follow nothing;
`scrapy check news` runs the spider's contracts on the offline demo site. The real commands, as subprocesses,
against sites served on 127.0.0.1."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FAST_SETTINGS, PROJECT_ROOT, SiteUnderTest
from test_crawl_rows import crawl_rows, scrapy_command

from diplomatic_crawler.demo.runner import demo_specs
from diplomatic_crawler.demo.server import SiteServer
from diplomatic_crawler.demo.sitegen import build_site

CONTRACT_PAGE = "news/2024-05-01-veloria-ostrana-energy.html"  # the path in NewsSpider.parse's @url_path

# (command, what its output shows); {url} is an article of the test site, {title} its title.
COMMANDS = [
    pytest.param(["fetch", "--nolog", "{url}"], ["<title>{title}"], id="fetch"),
    pytest.param(["fetch", "--nolog", "--spider", "news", "{url}"], ["<title>{title}"], id="fetch-spider"),
    pytest.param(["parse", "--nolog", "{url}"], ["'title': '{title}'", "'site': '{site}'"], id="parse"),
    pytest.param(
        ["parse", "--nolog", "--spider", "news", "{url}"], ["'title': '{title}'", "'site': '{site}'"], id="parse-spider"
    ),
    pytest.param(
        ["shell", "--nolog", "{url}", "-c", "(spider.name, response.status, response.url)"],
        ["('news', 200, '{url}')"],
        id="shell",
    ),
]


@pytest.mark.parametrize("seeded", [True, False], ids=["url-of-a-seed", "url-outside-the-seeds"])
@pytest.mark.parametrize(("args", "shows"), COMMANDS)
def test_scrapy_commands_fetch_and_parse_one_page(
    test_site: SiteUnderTest, tmp_path: Path, args: list[str], shows: list[str], seeded: bool
) -> None:
    seeds = tmp_path / "seeds"
    if seeded:
        test_site.write_seed(seeds)
    else:
        seeds = PROJECT_ROOT / "seeds"  # the curated seeds: none owns 127.0.0.1
    db = tmp_path / "archive.db"
    path = test_site.article_paths()[0]
    url = test_site.base + path
    fields = {"url": url, "title": test_site.spec.articles[0].title, "site": "testsite"}
    if not seeded:
        fields["site"] = test_site.server.netloc
    test_site.server.clear_log()
    started = time.monotonic()
    result = scrapy_command([a.format(**fields) for a in args], seeds, db)
    assert result.returncode == 0, result.stderr[-3000:]
    assert time.monotonic() - started < 60  # the shell ends by itself
    output = re.sub(r"'\n\s*'", "", result.stdout)  # pprint's long strings, joined again
    for text in shows:
        assert text.format(**fields) in output, output[-3000:]
    if args[0] == "parse":
        assert "# Requests" in result.stdout and result.stdout.rstrip().endswith("[]")  # nothing to follow
    assert set(test_site.server.paths()) <= {path, "/robots.txt"}  # this page, nothing else
    assert crawl_rows(db) == []


def test_scrapy_parse_of_a_listing_yields_nothing(test_site: SiteUnderTest, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    test_site.write_seed(seeds)
    test_site.server.clear_log()
    result = scrapy_command(["parse", "--nolog", f"{test_site.base}/news/"], seeds, tmp_path / "archive.db")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "# Scraped Items" in result.stdout and "'title'" not in result.stdout
    assert set(test_site.server.paths()) <= {"/news/", "/robots.txt"}


def scrapy_check(cwd: Path, *settings: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "scrapy", "check", "news"]
    for setting in settings:
        cmd += ["-s", setting]
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="diplomatic_crawler.settings")
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_scrapy_check_runs_the_contracts_on_the_offline_demo(tmp_path: Path) -> None:
    result = scrapy_check(PROJECT_ROOT, f"ARCHIVE_DB={tmp_path / 'archive.db'}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Ran 4 contracts" in result.stderr and "OK" in result.stderr
    assert crawl_rows(tmp_path / "archive.db") == []


@pytest.mark.parametrize(
    ("page", "returncode", "says"),
    [
        pytest.param(None, 0, "OK", id="the-demo-article"),
        pytest.param("news/index.html", 1, "FAILED", id="a-listing-instead"),  # no item: @returns fails
        pytest.param("missing", 1, "FAILED", id="no-page"),  # a 404
    ],
)
def test_scrapy_check_against_a_served_copy(tmp_path: Path, page: str | None, returncode: int, says: str) -> None:
    """The contracts test the callback: the demo's article passes; a listing in its place, or no page, fails."""
    spec, _ = demo_specs()[0]
    root = build_site(tmp_path / "site", spec)
    target = root / CONTRACT_PAGE
    if page == "missing":
        target.unlink()
    elif page is not None:
        shutil.copyfile(root / page, target)
    with SiteServer(root) as server:
        settings = {**FAST_SETTINGS, "CONTRACTS_BASE_URL": server.base_url, "ARCHIVE_DB": str(tmp_path / "a.db")}
        result = scrapy_check(PROJECT_ROOT, *(f"{k}={v}" for k, v in settings.items()))
        assert CONTRACT_PAGE in "".join(server.paths())
    assert result.returncode == returncode, result.stderr[-3000:]
    assert says in result.stderr.splitlines()[-1]

"""Only a crawl of the seeds writes a `crawls` row: Scrapy's own `shell`, `fetch` and `parse` in the project
leave none. `export --new` is the latest successful crawl's work (with what failed runs before it
wrote), whatever failed, interrupted or empty runs came after it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FAST_SETTINGS, PROJECT_ROOT, SiteUnderTest, run_crawl

from diplomatic_crawler.archive import Archive
from diplomatic_crawler.cli import main


def scrapy_command(args: list[str], seeds: Path, db: Path) -> subprocess.CompletedProcess[str]:
    """Run `scrapy ARGS` in the project (the real command line), with the archive and seeds of the test, to
    its end: `shell -c` ends by itself like `fetch` and `parse` (its request is no longer lost in the queue)."""
    cmd = [sys.executable, "-m", "scrapy", *args, "-s", f"SEEDS_PATH={seeds}", "-s", f"ARCHIVE_DB={db}"]
    for key, value in FAST_SETTINGS.items():
        cmd += ["-s", f"{key}={value}"]
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="diplomatic_crawler.settings")
    return subprocess.run(
        cmd, cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=90
    )


def crawl_rows(db: Path) -> list[tuple]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT id, status FROM crawls ORDER BY id").fetchall()


COMMANDS = [
    pytest.param(["fetch", "{url}"], id="fetch"),
    pytest.param(["fetch", "--spider", "news", "{url}"], id="fetch-spider"),
    pytest.param(["parse", "--spider", "news", "{url}"], id="parse-spider"),
    pytest.param(["shell", "{url}", "-c", "response.status"], id="shell"),
    pytest.param(["shell", "--spider", "news", "{url}", "-c", "response.status"], id="shell-spider"),
]


@pytest.mark.parametrize("args", COMMANDS)
def test_scrapy_commands_write_no_crawl_row(test_site: SiteUnderTest, tmp_path: Path, args: list[str]) -> None:
    seeds = tmp_path / "seeds"
    test_site.write_seed(seeds)
    db = tmp_path / "archive.db"
    path = test_site.article_paths()[0]
    result = scrapy_command([a.format(url=test_site.base + path) for a in args], seeds, db)
    assert result.returncode == 0, result.stderr[-3000:]
    assert path in test_site.server.paths()
    assert crawl_rows(db) == []


def _new(db: Path) -> set[str]:
    result = CliRunner().invoke(main, ["export", "--db", str(db), "--format", "jsonl", "--new", "-o", "-"])
    assert result.exit_code == 0, result.output
    return {json.loads(line)["canonical_url"].rsplit("/", 1)[1] for line in result.stdout.splitlines()}


def test_export_new_is_not_fooled_by_failed_or_empty_runs(test_site: SiteUnderTest, tmp_path: Path) -> None:
    seeds, broken_seeds = tmp_path / "seeds", tmp_path / "broken-seeds"
    test_site.write_seed(seeds)
    test_site.write_seed(broken_seeds, start_urls=[f"{test_site.base}/broken"], sitemaps=[], feeds=[])
    db = tmp_path / "archive.db"

    result = CliRunner().invoke(main, ["export", "--db", str(db), "--format", "jsonl", "--new", "-o", "-"])
    assert result.exit_code == 1 and "no such archive" in result.output

    assert run_crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db)).returncode == 0
    first = _new(db)
    assert len(first) == 12

    # Scrapy's own commands in the project, a run in which the site failed entirely, and the rows that
    # earlier versions left for `scrapy shell` (running) and `scrapy fetch` (finished, empty).
    path = test_site.article_paths()[0]
    assert scrapy_command(["fetch", "--spider", "news", test_site.base + path], seeds, db).returncode == 0
    assert run_crawl("-a", f"seeds={broken_seeds}", ARCHIVE_DB=str(db)).returncode == 2
    # An interrupted run that archived one article before it stopped.
    stray = {"canonical_url": f"{test_site.base}/news/stray.html", "url": f"{test_site.base}/news/stray.html"}
    with Archive(db) as archive:
        archive.start_crawl({}, ["testsite"])
        archive.finish_crawl(archive.start_crawl({}, []), "finished", {})
        interrupted = archive.start_crawl({}, ["testsite"])
        archive.write_articles([{**stray, "site": "testsite", "title": "Stray", "text": "Stray text."}], interrupted)
        archive.finish_crawl(interrupted, "shutdown", {"testsite": {"fetched": 1, "new": 1}})
    assert [s for _, s in crawl_rows(db)] == ["finished", "failed", "running", "finished", "shutdown"]
    assert _new(db) == first  # still the latest successful crawl's articles, not 0

    # The next successful crawl: what it added, with what the interrupted run archived before it.
    added = {p.rsplit("/", 1)[1] for p in test_site.add_articles(3)}
    assert run_crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db)).returncode == 0
    assert _new(db) == added | {"stray.html"}
    assert _new(db) == added | {"stray.html"}  # the same until the next successful crawl


def test_export_new_without_a_successful_crawl(test_site: SiteUnderTest, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    test_site.write_seed(seeds, start_urls=[f"{test_site.base}/broken"], sitemaps=[], feeds=[])
    db = tmp_path / "archive.db"
    assert run_crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db)).returncode == 2
    result = CliRunner().invoke(main, ["export", "--db", str(db), "--format", "jsonl", "--new", "-o", "-"])
    assert result.exit_code == 1 and "--new: no successful crawl recorded yet" in result.output

"""Scrapy side: `scrapy crawl news -O new.jsonl` / `-O feed.json:jsonfeed` export exactly what the run added or
changed, in the schema of `diplomatic-crawler export`."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner
from conftest import SiteUnderTest, run_crawl
from test_export_formats import check_json_feed_11

from diplomatic_crawler.cli import main


def _export(db: Path, *args: str) -> bytes:
    result = CliRunner().invoke(main, ["export", "--db", str(db), *args, "-o", "-"])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def test_feeds_of_a_run_hold_its_new_and_updated_articles(test_site: SiteUnderTest, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    test_site.write_seed(seeds, start_urls=[], feeds=[])  # sitemap only: lastmod decides what is refetched
    db = tmp_path / "archive.db"
    first = tmp_path / "new.jsonl"

    result = run_crawl("-a", f"seeds={seeds}", "-O", str(first), ARCHIVE_DB=str(db))
    assert result.returncode == 0, result.stderr[-3000:]
    lines = first.read_bytes().splitlines()
    assert len(lines) == 12
    # byte-identical to the archive export of that run
    assert first.read_bytes() == _export(db, "--format", "jsonl", "--crawl", "1")

    # second run: three new articles and one edited article; the rest unchanged
    target = test_site.spec.articles[-1]  # the newest old article: listed in the plain child sitemap
    new_paths = test_site.add_articles(3)
    page = test_site.root / "news" / f"{target.slug}.html"
    page.write_text(page.read_text().replace("The parties also", "Correction: the parties also"))
    for sitemap in test_site.root.glob("sitemap-*.xml"):
        text = sitemap.read_text()
        if f"{target.slug}.html</loc>" in text:
            sitemap.write_text(
                re.sub(
                    rf"({re.escape(target.slug)}\.html</loc><lastmod>)[^<]+", r"\g<1>2999-01-01T00:00:00+00:00", text
                )
            )
    feed_path = tmp_path / "feed.json"
    csv_path = tmp_path / "new.csv"
    result = run_crawl("-a", f"seeds={seeds}", "-O", f"{feed_path}:jsonfeed", "-O", str(csv_path), ARCHIVE_DB=str(db))
    assert result.returncode == 0, result.stderr[-3000:]
    feed = json.loads(feed_path.read_text(encoding="utf-8"))
    check_json_feed_11(feed)
    urls = {item["url"] for item in feed["items"]}
    expected = {f"{test_site.base}{p}" for p in new_paths} | {f"{test_site.base}/news/{target.slug}.html"}
    assert urls == expected
    assert all(item["_diplomatic"]["crawl_id"] == 2 for item in feed["items"])
    edited = next(i for i in feed["items"] if target.slug in i["url"])
    assert "Correction" in edited["content_text"]
    # the same as the CLI's --new and --crawl 2 exports (bar the generation time)
    cli_feed = json.loads(_export(db, "--format", "jsonfeed", "--new"))
    assert [i["id"] for i in cli_feed["items"]] == [i["id"] for i in feed["items"]]
    assert cli_feed["items"] == feed["items"]
    assert csv_path.read_bytes() == _export(db, "--format", "csv", "--crawl", "2")
    assert "new or updated article(s) of crawl 2" in result.stderr

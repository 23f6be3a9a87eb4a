"""`diplomatic-crawler stats`: per-site figures as a table and as JSON."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from export_archive import TRICKY, build_archive

from diplomatic_crawler.cli import main


def test_stats_json_per_site(tmp_path: Path) -> None:
    db = build_archive(tmp_path / "archive.db", TRICKY)
    result = CliRunner().invoke(main, ["stats", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    sites = {s["site"]: s for s in data["sites"]}
    assert list(sites) == ["embassy-news", "mfa-az"]
    expected = {
        "mfa-az": {
            "articles": 2,
            "first_published": "2025-03-12",
            "last_published": "2025-03-12",
            "without_date": 0.0,
            "empty_text": 0.0,
            "last_crawl": 2,
            "last_crawl_status": "finished",
            "last_crawl_new": 2,
            "last_crawl_failed": 1,
        },
        "embassy-news": {
            "articles": 2,
            "first_published": "2024-12-31",
            "last_published": "2024-12-31",
            "without_date": 0.5,
            "empty_text": 0.5,
            "last_crawl": 2,
            "last_crawl_failed": 0,
        },
    }
    for site, values in expected.items():
        for key, value in values.items():
            assert sites[site][key] == value, (site, key)
    assert sites["mfa-az"]["last_crawl_finished"]
    assert data["total"] == {
        "sites": 2,
        "articles": 4,
        "first_published": "2024-12-31",
        "last_published": "2025-03-12",
        "without_date": 0.25,
        "empty_text": 0.25,
    }
    assert data["crawls"] == 2 and data["last_crawl"]["id"] == 2


def test_stats_table_for_humans(tmp_path: Path) -> None:
    db = build_archive(tmp_path / "archive.db", TRICKY)
    result = CliRunner().invoke(main, ["stats", "--db", str(db)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:6] == ["site", "articles", "first", "last", "no", "date"]
    row = next(line for line in lines if line.startswith("embassy-news"))
    assert row.split()[1:6] == ["2", "2024-12-31", "2024-12-31", "50.0%", "50.0%"]
    assert any(line.startswith("TOTAL") and " 4 " in line for line in lines)
    assert "2 crawl run(s); last: #2 finished" in result.output


def test_stats_on_missing_archive(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["stats", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1 and "no such archive" in result.output

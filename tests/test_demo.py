"""`diplomatic-crawler demo`: the README's first command works offline."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from diplomatic_crawler.cli import main


def test_demo_crawls_bundled_sites_into_archive(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    result = CliRunner().invoke(main, ["demo", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "veloria-mfa" in result.output and "diplomatic-courier" in result.output
    assert "Next steps" in result.output and "diplomatic-crawler browse" in result.output and "export" in result.output
    with sqlite3.connect(db) as conn:
        total, sites, dated = conn.execute(
            "SELECT count(*), count(DISTINCT site), count(published) FROM articles"
        ).fetchone()
        assert total >= 30 and sites == 2 and dated == total
        assert conn.execute("SELECT count(*) FROM articles WHERE url NOT LIKE '%/news/%.html'").fetchone() == (0,)
        boiler = conn.execute(
            "SELECT count(*) FROM articles WHERE text LIKE '%Follow us%' OR text LIKE '%Most Popular%'"
        ).fetchone()
        assert boiler == (0,)
        assert conn.execute("SELECT status FROM crawls").fetchall() == [("finished",)]

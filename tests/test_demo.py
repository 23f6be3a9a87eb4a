"""`diplomatic-crawler demo`: the README's first command works offline."""

from __future__ import annotations

import json
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
    # the suggested search works on the demo archive
    assert "search trade --db" in result.output
    found = CliRunner().invoke(main, ["search", "trade", "--db", str(db), "--json"])
    assert found.exit_code == 0, found.output
    hits = json.loads(found.stdout)
    assert hits and all("**trade**" in f"{h['title']} {h['snippet']}".lower() for h in hits)
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


def _articles(db: Path) -> tuple[int, int, set[str]]:
    with sqlite3.connect(db) as conn:
        total, urls = conn.execute("SELECT count(*), count(DISTINCT url) FROM articles").fetchone()
        hosts = {row[0].split("/")[2] for row in conn.execute("SELECT url FROM articles")}
    return total, urls, hosts


def test_demo_urls_are_stable_so_an_interrupted_demo_resumes_and_a_rerun_updates(tmp_path: Path) -> None:
    """Issue 22, item 9: the sites' host names are fixed (served through the demo's proxy on 127.0.0.1),
    so run after run the archive keeps one row per article."""
    from diplomatic_crawler.demo.runner import failure_message, run_demo

    db = tmp_path / "archive.db"
    lines: list[str] = []
    code = run_demo(db, echo=lines.append, extra_settings={"CLOSESPIDER_ITEMCOUNT": "8"})
    assert code == 1, "\n".join(lines)  # a CLOSESPIDER_* limit is an interrupted run
    assert failure_message(code, lines).startswith("the demo crawl was interrupted before it finished")
    assert "run the same command again" in failure_message(code, lines)
    first, _, hosts = _articles(db)
    assert 8 <= first < 34
    assert hosts <= {"veloria-mfa.example", "diplomatic-courier.example"}
    for _ in range(2):
        result = CliRunner().invoke(main, ["demo", "--db", str(db)])
        assert result.exit_code == 0, result.output
        total, urls, hosts = _articles(db)
        assert (total, urls) == (34, 34)  # completed, then updated: never doubled
        assert hosts == {"veloria-mfa.example", "diplomatic-courier.example"}
    with sqlite3.connect(db) as conn:
        new = [row[0] for row in conn.execute("SELECT sum(new) FROM crawl_sites GROUP BY crawl_id ORDER BY crawl_id")]
    assert new[0] == first and new[1] == 34 - first and new[2] == 0


def test_demo_next_steps_run_as_printed_without_an_activated_environment(tmp_path: Path) -> None:
    """Issue 22, item 13: `.venv/bin/diplomatic-crawler demo` run from a shell whose PATH has no virtual
    environment prints next steps that work there: each is run as printed (but `browse`, a server, and the
    crawl of the real sites, whose commands are only checked to exist)."""
    import os
    import shlex
    import shutil
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["PATH"] = "/usr/bin:/bin"
    assert shutil.which("diplomatic-crawler", path=env["PATH"]) is None
    demo = subprocess.run(
        [sys.executable, "-m", "diplomatic_crawler.cli", "demo", "--db", "archive.db"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr[-3000:]
    steps = demo.stdout.split("Next steps:\n", 1)[1].splitlines()
    assert len(steps) >= 7 and all(line.startswith("  ") for line in steps)
    ran = 0
    for line in steps:
        command = line.split("   # ", 1)[0].strip()
        program = shlex.split(command)[0]
        assert shutil.which(program, path=env["PATH"]) or os.access(program, os.X_OK), line
        if " browse " in command or " crawl news" in command:
            continue
        result = subprocess.run(
            ["/bin/sh", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert result.returncode == 0, f"{command}\n{result.stdout}{result.stderr[-2000:]}"
        ran += 1
    assert ran >= 6
    assert (tmp_path / "feed.json").is_file() and (tmp_path / "dataset").is_dir()


def test_a_demo_into_a_file_that_is_no_archive_says_why_in_few_lines(tmp_path: Path) -> None:
    """The crawl's refusal is shown without Scrapy's start-up banner, versions and settings around it."""
    notes = tmp_path / "notes.db"
    notes.write_text("These are my research notes, not a database.\n" * 100)
    result = CliRunner().invoke(main, ["demo", "--db", str(notes)])
    assert result.exit_code == 1
    assert "not a SQLite database" in result.output
    assert (
        "Versions:" not in result.output
        and "'lxml'" not in result.output
        and "Overridden settings" not in result.output
    )
    assert result.output.rstrip().endswith("Error: the demo crawl failed (exit status 1)")
    assert len(result.output.splitlines()) <= 6, result.output

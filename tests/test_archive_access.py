"""Issue 22, item 11: the read-only commands (`stats`, `export`, `health`, `history`, `search`) read an
archive in a place they cannot write, and call a file that is not SQLite what it is (the crawl's side, in
tests/test_reliability_archive.py case 35: not writable, not SQLite, neither "damaged"). The commands run as
subprocesses without root's right to ignore file modes (`faultserver.as_plain_user`); real SQLite files.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from faultserver import as_plain_user, lock_dir, run_cli

from diplomatic_crawler.archive import Archive

NOTES = "These are my research notes, not a database.\n" * 100


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, preexec_fn=as_plain_user, timeout=120)


def _archive(path: Path, count: int = 5) -> Path:
    """A WAL-mode archive, closed (no -wal or -shm file left beside it)."""
    with Archive(path) as archive:
        crawl_id = archive.start_crawl({"seeds": "seeds"}, ["mfa"])
        archive.write_articles(
            [
                {
                    "canonical_url": f"https://mfa.test/news/{i}.html",
                    "url": f"https://mfa.test/news/{i}.html",
                    "site": "mfa",
                    "title": f"Talks on trade number {i}",
                    "published": f"2024-05-0{i + 1}",
                    "text": f"The ministers discussed trade and sanctions, statement {i}. " * 40,
                }
                for i in range(count)
            ],
            crawl_id,
        )
        archive.finish_crawl(crawl_id, "finished", {"mfa": {"discovered": count, "fetched": count, "new": count}})
    assert not [p for p in path.parent.iterdir() if p.name.endswith(("-wal", "-shm"))]
    return path


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "ro"
    folder.mkdir()
    yield folder
    folder.chmod(0o755)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("stats",), "2024-05-01  2024-05-05"),
        (("stats", "--json"), '"articles": 5,'),
        (("export", "--format", "jsonl", "-o", "{out}/articles.jsonl"), "5 article(s) written"),
        (("export", "--format", "csv", "-o", "{out}/articles.csv"), "5 article(s) written"),
        (("health",), "No site flagged"),
        (("history", "https://mfa.test/news/1.html"), "Talks on trade number 1"),
        (("search", "sanctions", "--limit", "2"), "5 article(s) match"),
    ],
)
def test_read_only_commands_read_an_archive_in_a_read_only_directory(
    read_only_dir: Path, tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    db = _archive(tmp_path / "made" / "archive.db")
    shutil.copy(db, read_only_dir / "archive.db")
    lock_dir(read_only_dir)
    out = tmp_path / "out"
    out.mkdir()
    command = [a.format(out=out) for a in args]
    result = _cli(*command[:1], "--db", str(read_only_dir / "archive.db"), *command[1:])
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout + result.stderr
    assert sorted(p.name for p in read_only_dir.iterdir()) == ["archive.db"]  # no -wal / -shm left behind


def test_an_uncheckpointed_log_in_a_read_only_directory_says_what_to_do(read_only_dir: Path, tmp_path: Path) -> None:
    """A WAL file with commits and no -shm cannot be read without writing: the message says so (no stale
    snapshot read past the log)."""
    db = tmp_path / "made" / "archive.db"
    _archive(db, 2)
    writer = sqlite3.connect(db)
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("UPDATE articles SET title = 'changed'")
    writer.commit()
    shutil.copy(db, read_only_dir / "archive.db")
    shutil.copy(db.with_name("archive.db-wal"), read_only_dir / "archive.db-wal")
    writer.close()
    lock_dir(read_only_dir)
    result = _cli("stats", "--db", str(read_only_dir / "archive.db"))
    assert result.returncode == 1
    assert "write-ahead log archive.db-wal" in result.stderr and "copy archive.db and archive.db-wal" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [("stats",), ("export", "--format", "jsonl", "-o", "-"), ("health",)])
def test_readers_call_a_non_sqlite_file_what_it_is(tmp_path: Path, command: tuple[str, ...]) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text(NOTES)
    result = _cli(*command[:1], "--db", str(notes), *command[1:])
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert "not a SQLite database" in line and "damaged" not in line and "backup" not in line
    assert notes.read_text() == NOTES

"""Progress of the long commands (issue 22, item 15): `export`, `dataset`, `reextract` and `merge` show one
line (done/total, rate, ETA) on a terminal, erased before their summary, and nothing at all when standard
error is not a terminal (cron, pipes, log files). The commands run as subprocesses in a real pseudo-terminal
on an archive written by a real crawl of a site on 127.0.0.1."""

from __future__ import annotations

import io
import os
import pty
import re
import select
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT, SiteUnderTest, crawl_site
from faultserver import run_cli

from diplomatic_crawler.progress import ERASE, Progress, format_duration

# (command, the progress line's label and unit, what the command prints when done); {db} and {tmp} filled in
COMMANDS = [
    (("export", "--db", "{db}", "--format", "jsonl", "-o", "{tmp}/out.jsonl"), "export", "articles", "written to"),
    (("export", "--db", "{db}", "--format", "parquet", "-o", "{tmp}/out.parquet"), "export", "articles", "written to"),
    (("dataset", "--db", "{db}", "{tmp}/dataset"), "dataset", "articles", "Parquet shard(s)"),
    (("reextract", "--db", "{db}", "--workers", "1"), "reextract", "captures", "TOTAL"),
    (("merge", "{db}", "-o", "{tmp}/merged.db"), "merge", "articles", "1 shard(s)"),
]
ENV = dict(os.environ, DIPLOMATIC_PROGRESS_INTERVAL="0")  # redraw on every item: the test archive is small


def _in_terminal(args: list[str], timeout: float = 180) -> tuple[int, str]:
    """Run `diplomatic-crawler ARGS` with standard output and error on a pseudo-terminal; (status, output)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "diplomatic_crawler.cli", *args],
        cwd=PROJECT_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        env=ENV,
    )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1.0)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        status = proc.wait(timeout=max(deadline - time.monotonic(), 1))
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return status, b"".join(chunks).decode("utf-8", "replace")


def _fill(args: tuple[str, ...], db: Path, tmp: Path) -> list[str]:
    return [a.format(db=db, tmp=tmp) for a in args]


@pytest.fixture
def archive(test_site: SiteUnderTest, tmp_path: Path) -> tuple[Path, int, int]:
    """(archive of a real crawl, its articles, its captures)."""
    db = crawl_site(test_site, tmp_path)
    with sqlite3.connect(db) as conn:
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        captures = conn.execute("SELECT count(DISTINCT canonical_url) FROM captures").fetchone()[0]
    assert articles >= 10 and captures == articles
    return db, articles, captures


def test_long_commands_show_progress_on_a_terminal(archive: tuple[Path, int, int], tmp_path: Path) -> None:
    db, articles, captures = archive
    for index, (args, label, unit, summary) in enumerate(COMMANDS):
        tmp = tmp_path / f"run{index}"
        tmp.mkdir()
        status, output = _in_terminal(_fill(args, db, tmp))
        assert status == 0, output[-3000:]
        total = captures if unit == "captures" else articles
        lines = re.findall(rf"{label}: (\d+)/(\d+) {unit} \((\d+)%\) · [\d,.]+/s · ETA (\d+:\d\d)", output)
        assert lines, (label, output[-3000:])
        assert [int(done) for done, _, _, _ in lines] == list(range(1, total + 1)), (label, lines)
        assert {int(of) for _, of, _, _ in lines} == {total}
        assert lines[-1][2:] == ("100", "0:00")
        # the line is erased before the summary, which starts a clean line
        last = output.rindex("ETA ")
        assert ERASE in output[last:] and output.index(summary, last) > output.index(ERASE, last), output[last:]


def test_no_progress_without_a_terminal(archive: tuple[Path, int, int], tmp_path: Path) -> None:
    db, _, _ = archive
    for index, (args, label, _, summary) in enumerate(COMMANDS):
        tmp = tmp_path / f"run{index}"
        tmp.mkdir()
        result = run_cli(*_fill(args, db, tmp), env=ENV)
        assert result.returncode == 0, result.stderr[-3000:]
        both = result.stdout + result.stderr
        assert summary in both
        assert "ETA" not in both and "\x1b" not in both and "\r" not in both, (label, both[-2000:])


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("total", "done", "elapsed", "line"),
    [
        (1000, 250, 5.0, "export: 250/1,000 articles (25%) · 50/s · ETA 0:15"),
        (120_000, 30_000, 60.0, "export: 30,000/120,000 articles (25%) · 500/s · ETA 3:00"),
        (10_000, 1, 4.0, "export: 1/10,000 articles (0%) · 0.2/s · ETA 11:06:36"),
        (None, 42, 2.0, "export: 42 articles · 21/s"),
        (0, 0, 1.0, "export: 0 articles · 0.0/s"),
        (5, 5, 0.5, "export: 5/5 articles (100%) · 10/s · ETA 0:00"),
    ],
    ids=["quarter", "thousands", "slow-start", "no-total", "empty", "done"],
)
def test_progress_line(total: int | None, done: int, elapsed: float, line: str) -> None:
    clock = Clock()
    progress = Progress("export", stream=io.StringIO(), enabled=True, interval=0, clock=clock)
    progress.start(total)
    clock.now += elapsed
    progress.advance(done)
    assert progress.line() == line


def test_redrawn_at_most_once_an_interval_and_erased_at_the_end() -> None:
    clock = Clock()
    stream = io.StringIO()
    with Progress("merge", stream=stream, enabled=True, interval=1.0, clock=clock) as progress:
        progress.start(100)
        for _ in range(100):
            clock.now += 1 / 16  # 16 items a second (exact in binary): one line a second
            progress.advance()
    drawn = stream.getvalue().split(ERASE)
    assert [d.split(" ")[1] for d in drawn if d] == ["16/100", "32/100", "48/100", "64/100", "80/100", "96/100"]
    assert stream.getvalue().endswith(ERASE)


def test_silent_when_the_stream_is_not_a_terminal() -> None:
    stream = io.StringIO()  # isatty() is False, as for a file, a pipe or cron's mail
    with Progress("export", stream=stream, interval=0) as progress:
        progress.start(3)
        list(progress.iterate(range(3)))
    assert progress.done == 3 and stream.getvalue() == ""


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0:00"), (0.2, "0:01"), (59, "0:59"), (61, "1:01"), (3600, "1:00:00"), (-3, "0:00")]
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text

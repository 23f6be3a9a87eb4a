"""Reliability cases 37 and 38 (export side): unsafe paths and arguments are refused, exports are safe
to open and round-trip the archived text exactly. Runs the real `diplomatic-crawler export` command
on a real archive."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from diplomatic_crawler.archive import Archive

TRICKY = [
    ('=HYPERLINK("http://evil.test","click")', "Body one with a formula-like title."),
    ("@SUM(A1:A9)", "Body two."),
    ("+cmd|' /C calc'!A0", "Body three."),
    ("-2+3", "Body four."),
    (
        "Normal title",
        "Text with <script>alert('x')</script> and <b>markup</b> kept as text.\n\nSecond paragraph, "
        "quotes \" and ' and a tab\tand unicode: Баку, بيان, 東京.",
    ),
]


def _export(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "diplomatic_crawler.cli", "export", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    db = tmp_path / "archive.db"
    with Archive(db) as a:
        a.write_articles(
            [
                {
                    "canonical_url": f"https://mfa.test/news/{i}.html",
                    "url": f"https://mfa.test/news/{i}.html",
                    "site": "mfa",
                    "title": title,
                    "text": text,
                    "published": f"2025-03-0{i + 1}",
                    "language": "en",
                    "authors": ["Press Service"],
                    "fetched_at": "2025-03-10T00:00:00+00:00",
                }
                for i, (title, text) in enumerate(TRICKY)
            ],
            None,
        )
    return db


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "garbage"], "garbage"),
        (["--until", "2025-13-45"], "2025-13-45"),
    ],
)
def test_case37_bad_export_arguments_are_rejected(archive: Path, tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "out.jsonl"
    result = _export("--db", str(archive), "--format", "jsonl", *args, "-o", str(out))
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_case37_export_into_missing_directory(archive: Path, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "dir" / "out.csv"
    result = _export("--db", str(archive), "--format", "csv", "-o", str(target))
    assert "Traceback" not in result.stderr
    if result.returncode != 0:  # refused with a clear message ...
        assert "missing" in result.stderr and not target.exists()
    else:  # ... or created exactly where asked, nothing else
        assert target.is_file()
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert all(p.startswith(("archive.db", "missing/dir/out.csv")) for p in written), written


def test_case38_csv_is_neutralised_and_round_trips(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = _export("--db", str(archive), "--format", "csv", "-o", str(out))
    assert result.returncode == 0, result.stderr
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_url = {r["url"]: r for r in rows}
    for i, (title, text) in enumerate(TRICKY):
        row = by_url[f"https://mfa.test/news/{i}.html"]
        if title[0] in "=@+-":
            assert row["title"] == "'" + title  # a spreadsheet shows it as text, never runs it
        else:
            assert row["title"] == title
        assert row["text"].lstrip("'") == text  # newlines, quotes, tabs and unicode round-trip


def test_case38_json_feed_jsonl_and_parquet(archive: Path, tmp_path: Path) -> None:
    feed_path, jsonl_path = tmp_path / "feed.json", tmp_path / "out.jsonl"
    assert _export("--db", str(archive), "--format", "jsonfeed", "-o", str(feed_path)).returncode == 0
    assert _export("--db", str(archive), "--format", "jsonl", "-o", str(jsonl_path)).returncode == 0
    feed = json.loads(feed_path.read_text(encoding="utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1" and feed["title"] and len(feed["items"]) == 5
    for item in feed["items"]:
        assert item["id"] and ("content_text" in item or "content_html" in item)
        assert "content_html" not in item  # archived text is never offered as HTML to render
    texts = {i["url"]: i["content_text"] for i in feed["items"]}
    assert texts["https://mfa.test/news/4.html"] == TRICKY[4][1]  # <script> stays literal text
    lines = [json.loads(line) for line in jsonl_path.read_text(encoding="utf-8").splitlines()]
    assert {r["url"]: r["text"] for r in lines} == {
        f"https://mfa.test/news/{i}.html": t for i, (_, t) in enumerate(TRICKY)
    }
    pq = pytest.importorskip("pyarrow.parquet")
    parquet_path = tmp_path / "out.parquet"
    result = _export("--db", str(archive), "--format", "parquet", "-o", str(parquet_path))
    assert result.returncode == 0, result.stderr
    table = pq.read_table(parquet_path).to_pylist()
    assert {r["url"]: r["text"] for r in table} == {r["url"]: r["text"] for r in lines}  # identical text

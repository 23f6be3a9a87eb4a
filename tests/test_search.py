"""`diplomatic-crawler search`: FTS5 over titles and texts of a real archive (written by the archive API),
newest first by the UTC instant, snippets with the match marked, filters, and the exit statuses: 0 for
matches, 1 for none (one line on stderr), 2 for a bad query or bad input (one line, no traceback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SiteUnderTest, crawl_site

from diplomatic_crawler.archive import Archive
from diplomatic_crawler.cli import main
from diplomatic_crawler.search import SearchQueryError, parse_since, quote_query, search_archive

FILLER = " ".join(f"word{i}" for i in range(60))
ARTICLES = [
    # key, site, language, published, title, text
    ("baku-sanctions", "mfa-az", "en", "2025-03-12T00:30:00+04:00", "Statement on sanctions",
     f"{FILLER} The ministry condemned the new sanctions against the region. {FILLER}"),
    ("dc-sanctions", "state-gov", "en", "2025-03-11T20:00:00-05:00", "Readout of a call",
     "The Secretary discussed sanctions relief and non-proliferation with his counterpart."),
    ("tokyo-trade", "mofa-jp", "en", "2025-03-12T01:15:00+09:00", "Trade talks",
     "Ministers agreed on trade and investment; sanctions were not discussed."),
    ("paris-sanctions", "diplomatie-fr", "fr", "2024-11-02", "Déclaration sur les sanctions",
     "La France salue l'adoption de nouvelles sanctions européennes."),
    ("old-undated", "mfa-az", "en", None, "Archive note on sanctions policy", "An undated page about policy."),
    ("visit", "mfa-az", "en", "2025-01-20T10:00:00+04:00", "Official visit",
     "The minister received the ambassador of Georgia for a joint statement."),
]


def _url(key: str) -> str:
    return f"https://news.example/{key}"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("search") / "archive.db"
    with Archive(path) as db:
        crawl = db.start_crawl({}, sorted({a[1] for a in ARTICLES}))
        db.write_articles(
            [
                {"canonical_url": _url(key), "url": _url(key), "site": site, "language": language,
                 "published": published, "title": title, "text": text, "authors": ["A. Writer"],
                 "fetched_at": "2025-03-13T00:00:00+00:00"}
                for key, site, language, published, title, text in ARTICLES
            ],
            crawl,
        )
        db.finish_crawl(crawl, "finished", {})
    return path


def _keys(result) -> list[str]:
    return [hit.canonical_url.rsplit("/", 1)[1] for hit in result.hits]


# Newest first by the UTC instant: dc (01:00Z on the 12th) before baku (20:30Z on the 11th) although its
# local date reads earlier; the day-only paris after them; the undated last.
CASES = [
    ("sanctions", {}, ["dc-sanctions", "baku-sanctions", "tokyo-trade", "paris-sanctions", "old-undated"]),
    ("sanctions", {"sites": ["mfa-az"]}, ["baku-sanctions", "old-undated"]),
    ("sanctions", {"sites": ["mfa-az", "diplomatie-fr"]}, ["baku-sanctions", "paris-sanctions", "old-undated"]),
    ("sanctions", {"language": "fr"}, ["paris-sanctions"]),
    ("sanctions", {"since": "2025"}, ["dc-sanctions", "baku-sanctions", "tokyo-trade"]),
    ("sanctions", {"since": "2025-03-12"}, ["baku-sanctions", "tokyo-trade"]),  # the publisher's local day
    ("sanctions", {"until": "2025-03-11"}, ["dc-sanctions", "paris-sanctions"]),  # local day 11th, 01:00Z 12th
    ("sanctions", {"since": "2024-11", "until": "2024"}, ["paris-sanctions"]),
    ("sanctions", {"limit": 2}, ["dc-sanctions", "baku-sanctions"]),
    ('"sanctions relief"', {}, ["dc-sanctions"]),
    ("sanction*", {"language": "en"}, ["dc-sanctions", "baku-sanctions", "tokyo-trade", "old-undated"]),
    ("title:sanctions", {}, ["baku-sanctions", "paris-sanctions", "old-undated"]),
    ("sanctions NOT discussed", {"since": "2025"}, ["baku-sanctions"]),
    ("joint OR investment", {}, ["tokyo-trade", "visit"]),
    ("SANCTIONS", {"sites": ["state-gov"]}, ["dc-sanctions"]),
    ("européennes", {}, ["paris-sanctions"]),
    ("blockade", {}, []),
    ("sanctions", {"language": "de"}, []),
]


@pytest.mark.parametrize(("query", "options", "expected"), CASES)
def test_search_table(archive: Path, query: str, options: dict, expected: list[str]) -> None:
    result = search_archive(archive, query, **options)
    assert _keys(result) == expected
    if "limit" not in options:
        assert result.total == len(expected)


def test_total_counts_beyond_the_limit(archive: Path) -> None:
    result = search_archive(archive, "sanctions", limit=1)
    assert (result.total, len(result.hits)) == (5, 1)


def test_snippet_marks_the_match_in_the_text(archive: Path) -> None:
    hit = search_archive(archive, "sanctions", sites=["mfa-az"]).hits[0]
    assert "**sanctions**" in hit.snippet and "condemned" in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")  # an excerpt of a long text, not all of it
    assert len(hit.snippet.split()) < 40
    assert hit.title == "Statement on **sanctions**"
    assert hit.published_utc == "2025-03-11T20:30:00Z" and hit.authors == ["A. Writer"]
    custom = search_archive(archive, "relief", marks=("<mark>", "</mark>")).hits[0]
    assert "<mark>relief</mark>" in custom.snippet and custom.title == "Readout of a call"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2025", "2025-01-01"), ("2025-03", "2025-03-01"), ("2025-03-12", "2025-03-12"), ("7d", "2025-03-06"),
     ("2w", "2025-02-27"), ("1m", "2025-02-11"), ("1y", "2024-03-13"), (" 30D ", "2025-02-11")],
)
def test_since(value: str, expected: str) -> None:
    from datetime import date

    assert parse_since(value, today=date(2025, 3, 13)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("non-proliferation", '"non" "proliferation"'), ('say "hi" AND', '"say" "hi" "AND"'),
     ("title:x*", '"title" "x"'), ("européennes", '"européennes"')],
)
def test_quote_query(text: str, expected: str) -> None:
    assert quote_query(text) == expected


def _run(*args: str):
    return CliRunner().invoke(main, ["search", *args])


def test_cli_lists_hits_newest_first_with_snippets(archive: Path) -> None:
    result = _run("sanctions", "--db", str(archive), "--since", "2025")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "1. Readout of a call"
    assert lines[1] == "   2025-03-11T20:00:00-05:00 · state-gov · en · https://news.example/dc-sanctions"
    assert "**sanctions** relief" in lines[2]
    assert lines[4] == "2. Statement on **sanctions**"
    assert "3 article(s) match." in result.stderr


def test_cli_json(archive: Path) -> None:
    result = _run("sanctions", "--db", str(archive), "--json", "--limit", "2", "--site", "mfa-az")
    assert result.exit_code == 0
    hits = json.loads(result.stdout)
    assert [h["canonical_url"] for h in hits] == [_url("baku-sanctions"), _url("old-undated")]
    assert set(hits[0]) == {"article_id", "canonical_url", "site", "title", "published", "published_utc",
                            "language", "authors", "snippet", "rank"}
    assert hits[1]["published"] is None and "**sanctions**" in hits[1]["title"]


def test_cli_quote_searches_words_as_typed(archive: Path) -> None:
    assert _run("non-proliferation", "--db", str(archive)).exit_code == 2  # FTS5 reads '-' as syntax
    result = _run("non-proliferation", "--db", str(archive), "--quote", "--json")
    assert result.exit_code == 0 and [h["site"] for h in json.loads(result.stdout)] == ["state-gov"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["blockade"], 1, "No article matches 'blockade'."),
        (["sanctions", "--language", "de"], 1, "No article matches 'sanctions' (language de)."),
        (["blockade", "--json"], 1, "No article matches 'blockade'."),
        (['"unclosed'], 2, "invalid full-text query '\"unclosed': unterminated string"),
        (["sanctions AND"], 2, "invalid full-text query 'sanctions AND': syntax error"),
        (["nosuchcolumn:word"], 2, "invalid full-text query 'nosuchcolumn:word': no such column: nosuchcolumn"),
        (["(sanctions"], 2, "invalid full-text query '(sanctions': syntax error"),
        (["  "], 2, "empty full-text query"),
        (["sanctions", "--site", "nowhere"], 2, "unknown site 'nowhere'"),
        (["sanctions", "--site", "Bad Site"], 2, "invalid site name 'Bad Site'"),
        (["sanctions", "--since", "last tuesday"], 2, "invalid --since 'last tuesday'"),
        (["sanctions", "--since", "2025-13"], 2, "invalid --since '2025-13'"),
        (["sanctions", "--language", "english"], 2, "invalid language 'english'"),
        (["sanctions", "--until", "soon"], 2, "invalid date 'soon'"),
        (["sanctions", "--since", "2025", "--until", "2024"], 2, "--since 2025-01-01 is after --until 2024-12-31"),
        (["blockade", "--since", "2025", "--until", "2025-06"], 1,
         "No article matches 'blockade' (since 2025; until 2025-06)."),
        (["sanctions", "--limit", "0"], 2, "0 is not in the range x>=1"),
    ],
)
def test_cli_exit_statuses(archive: Path, args: list[str], code: int, message: str) -> None:
    result = _run(*args, "--db", str(archive))
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    if code == 2 and "range" not in message:
        assert len(result.stderr.strip().splitlines()) == 1
    if "--json" in args:
        assert json.loads(result.stdout) == []


def test_cli_missing_archive_and_not_an_archive(tmp_path: Path) -> None:
    result = _run("sanctions", "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 2 and "no such archive" in result.stderr
    other = tmp_path / "other.db"
    import sqlite3

    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    result = _run("sanctions", "--db", str(other))
    assert result.exit_code == 2 and "not a diplomatic-crawler archive" in result.stderr


def test_search_reads_an_archive_in_a_read_only_place(archive: Path, tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "ro"
    folder.mkdir()
    shutil.copy(archive, folder / "archive.db")
    folder.chmod(0o555)
    try:
        result = _run("sanctions", "--db", str(folder / "archive.db"), "--json")
    finally:
        folder.chmod(0o755)
    assert result.exit_code == 0 and len(json.loads(result.stdout)) == 5


def _process(*args: str) -> subprocess.CompletedProcess[str]:
    """`diplomatic-crawler search ARGS` in a process of its own, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "diplomatic_crawler.cli", "search", *args],
        capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def test_bad_query_in_a_real_process_is_one_line(archive: Path) -> None:
    """The installed entry point, as a user runs it: one line on stderr, exit 2, no traceback."""
    proc = _process("sanctions OR", "--db", str(archive))
    assert proc.returncode == 2
    assert proc.stderr.startswith("Error: invalid full-text query 'sanctions OR'")
    assert len(proc.stderr.strip().splitlines()) == 1 and proc.stdout == ""


def test_search_query_error_is_an_export_error() -> None:
    from diplomatic_crawler.export import ExportError

    assert issubclass(SearchQueryError, ExportError)


def test_search_follows_edits_of_an_article(tmp_path: Path) -> None:
    """The index follows title and text (migration 70's trigger): an edited article is found by its new
    words only, once."""
    db = tmp_path / "a.db"
    url = _url("edited")
    row = {"canonical_url": url, "url": url, "site": "mfa-az", "published": "2025-03-01", "title": "Note"}
    with Archive(db) as archive:
        assert archive.write_articles([{**row, "text": "An embargo was announced."}], None) == ["new"]
        assert archive.write_articles([{**row, "text": "A ceasefire was announced."}], None) == ["updated"]
    assert search_archive(db, "embargo").total == 0
    found = search_archive(db, "ceasefire")
    assert (found.total, found.hits[0].snippet) == (1, "A **ceasefire** was announced.")


def test_search_an_archive_written_by_a_real_crawl(test_site: SiteUnderTest, tmp_path: Path) -> None:
    """`scrapy crawl news` into a real archive, then `diplomatic-crawler search` as a user runs it: every
    article holding the word is found, newest first by its UTC instant, the word marked in each snippet."""
    import sqlite3

    db = crawl_site(test_site, tmp_path)
    with sqlite3.connect(db) as conn:
        expected = [url for (url,) in conn.execute(
            "SELECT canonical_url FROM articles WHERE lower(text) LIKE '% parties %'"
            " ORDER BY coalesce(published_utc, published) DESC, canonical_url")]
    assert len(expected) >= 10
    proc = _process("parties", "--db", str(db), "--json", "--limit", "100", "--site", "testsite")
    assert proc.returncode == 0, proc.stderr
    hits = json.loads(proc.stdout)
    assert [h["canonical_url"] for h in hits] == expected
    assert all("**parties**" in h["snippet"].lower() and h["published_utc"] for h in hits)
    assert [h["published_utc"] for h in hits] == sorted((h["published_utc"] for h in hits), reverse=True)
    none = _process("zzzunknownword", "--db", str(db))
    assert (none.returncode, none.stdout, none.stderr) == (1, "", "No article matches 'zzzunknownword'.\n")

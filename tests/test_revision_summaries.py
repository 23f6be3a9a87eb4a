"""Issue 23, the changes export at speed: the word summary of each revision is stored when the archive writes
the superseding version (`revision_summaries`, migration 99) with both sides' content hashes; `changes`
reads it while both hashes match and computes it otherwise, so its output is the same byte for byte. Real
archives written through `Archive.write_articles`, real SQLite files."""

from __future__ import annotations

import io
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from diplomatic_crawler.archive import Archive
from diplomatic_crawler.captures import Capture
from diplomatic_crawler.changes import keep_summary, list_changes, text_change, write_changes
from diplomatic_crawler.readonly import connect_read_only
from diplomatic_crawler.withdrawals import mark_withdrawn

SENTENCE = "The sides reviewed the state of bilateral relations and prepared a programme of student exchanges."
EDITED = SENTENCE.replace("prepared a programme of", "signed a memorandum on")
OTHER = "The ministers also discussed the energy corridor and the work of the border commission."
CLOSING = "They agreed to meet again in the autumn, in the capital."

# (title, text, authors) of each article at each fetch: every kind of edit the summary has to describe.
STATES: dict[str, list[tuple[str, str, list[str]]]] = {
    "sentence": [
        ("Talks", f"{SENTENCE}\n\n{OTHER}", ["Press office"]),
        ("Talks", f"{EDITED}\n\n{OTHER}", ["Press office"]),
        ("Talks", f"{SENTENCE}\n\n{OTHER}\n\nCorrection: the talks took place in the capital.", ["Press office"]),
    ],
    "paragraphs": [
        ("Visit", f"{SENTENCE}\n\n{OTHER}\n\n{CLOSING}", []),
        ("Visit", f"{SENTENCE}\n\n{CLOSING}", []),  # one paragraph dropped
        ("Visit", f"{CLOSING}\n\n{OTHER}\n\n{SENTENCE}", []),  # reordered
    ],
    "title-and-authors": [
        ("Consultations", OTHER, ["Press office"]),
        ("Consultations postponed", OTHER, ["Tomas Varga", "Press office"]),  # same text
    ],
    "spacing": [
        ("Statement", f"{SENTENCE}\n\n{OTHER}", []),
        ("Statement", f"{SENTENCE}\n\n\n{OTHER}  ", []),  # only white space differs
        ("Statement", "", []),  # the text gone
        ("Statement", f"=SUM(1+1) {CLOSING}", []),  # back, starting like a spreadsheet formula
    ],
}


def _record(name: str, title: str, text: str, authors: list[str], fetched: str, capture: bool = True) -> dict:
    url = f"https://mfa.example/en/news/{name}"
    record = {
        "url": url,
        "canonical_url": url,
        "site": "mfa",
        "title": title,
        "authors": authors,
        "published": "2025-11-01",
        "language": "en",
        "text": text,
        "fetched_at": fetched,
    }
    if capture:
        body = f"<html><body><h1>{title}</h1><p>{text}</p></body></html>".encode()
        record["_capture"] = Capture(url, 200, [("Content-Type", "text/html")], body, fetched)
    return record


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every article of STATES fetched once per state; one re-extraction of a stored capture; one withdrawal."""
    db = tmp_path_factory.mktemp("summaries") / "archive.db"
    with Archive(db) as archive:
        for fetch in range(max(len(states) for states in STATES.values())):
            crawl = archive.start_crawl({"seeds": "test"}, ["mfa"])
            fetched = f"2026-0{fetch + 1}-01T09:00:00+00:00"
            batch = [_record(name, *states[fetch], fetched) for name, states in STATES.items() if fetch < len(states)]
            assert "new" in archive.write_articles(batch, crawl) or fetch
            archive.finish_crawl(crawl, "finished", {})
        # `reextract`: the last capture read again (same bytes, no new fetch), a different extraction.
        title, text, authors = STATES["sentence"][-1]
        fetched = f"2026-0{len(STATES['sentence'])}-01T09:00:00+00:00"  # when that capture was fetched
        record = _record("sentence", title, text.replace("capital.", "capital city."), authors, fetched, False)
        assert archive.write_articles([record], None, revise=True) == ["updated"]
        assert mark_withdrawn(archive, record["url"], "HTTP 404", status=404, url=record["url"])
    return db


def _exports(db: Path) -> dict[str, bytes]:
    """Every format, with and without re-extractions and Datasette links; the feed's generation time blanked."""
    out = {}
    conn = connect_read_only(db)
    try:
        for fmt in ("jsonfeed", "jsonl", "csv"):
            for reextractions in (False, True):
                stream = io.BytesIO()
                found = list_changes(conn, reextractions=reextractions)
                write_changes(found, fmt, stream, base_url="http://127.0.0.1:8001/archive")
                data = stream.getvalue()
                out[f"{fmt} {reextractions}"] = re.sub(rb'"generated_at":"[^"]*"', b'"generated_at":""', data)
    finally:
        conn.close()
    return out


def _copy(db: Path, tmp_path: Path, *sql: str) -> Path:
    copy = tmp_path / "copy.db"
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    shutil.copy(db, copy)
    conn = sqlite3.connect(copy)
    try:
        for statement in sql:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()
    return copy


def _summaries(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT s.canonical_url, s.version, s.old_hash = v.content_hash, s.text_changed, s.summary"
            " FROM revision_summaries s JOIN article_versions v USING (canonical_url, version) ORDER BY 1, 2"
        ).fetchall()
    finally:
        conn.close()


def test_every_revision_written_gets_its_summary(archive_db: Path) -> None:
    stored = _summaries(archive_db)
    revisions = sum(len(states) - 1 for states in STATES.values()) + 1  # + the re-extraction
    assert len(stored) == revisions
    assert all(same_hash for _url, _v, same_hash, _changed, _summary in stored)
    by_key = {(url.rsplit("/", 1)[1], v): (changed, summary) for url, v, _same, changed, summary in stored}
    assert by_key[("title-and-authors", 1)] == (0, "text unchanged")
    assert by_key[("spacing", 1)][0] == 1  # white space is a text change (the content hash differs too)
    quoted = "−“prepared a programme of” +“signed a memorandum on”"
    assert by_key[("sentence", 1)] == (1, f"4 word(s) added, 4 removed: {quoted}")


def test_export_is_the_same_with_stored_and_computed_summaries(archive_db: Path, tmp_path: Path) -> None:
    stored = _exports(archive_db)
    computed = _exports(_copy(archive_db, tmp_path, "DELETE FROM revision_summaries"))
    assert set(stored) == set(computed)
    for name, data in stored.items():
        assert data == computed[name], name
    assert b"revision:" in stored["jsonl False"] and b"reextraction" in stored["jsonl True"]
    assert b"reextraction" not in stored["jsonl False"]


def test_archive_without_the_table_exports_the_same(archive_db: Path, tmp_path: Path) -> None:
    """An archive from before migration 99 read as it is (`changes` opens archives read-only, unmigrated)."""
    older = _copy(archive_db, tmp_path, "DROP TABLE revision_summaries", "DELETE FROM migrations WHERE version = 99")
    assert _exports(older) == _exports(archive_db)
    with Archive(older) as archive:  # opened for writing: the migration adds the table, empty
        assert archive.db.execute("SELECT count(*) FROM revision_summaries").fetchone() == (0,)
        assert archive.db.execute("SELECT 1 FROM migrations WHERE version = 99").fetchone() == (1,)
    assert _exports(older) == _exports(archive_db)


@pytest.mark.parametrize("side", ["old_hash", "new_hash"])
def test_a_summary_whose_hashes_no_longer_match_is_not_used(archive_db: Path, tmp_path: Path, side: str) -> None:
    marker = "STORED SUMMARY"
    tampered = f"UPDATE revision_summaries SET summary = '{marker}', words_added = 999, text_changed = 0"
    valid = _exports(_copy(archive_db, tmp_path, tampered))
    edits = sum(len(states) - 1 for states in STATES.values())
    assert valid["jsonl False"].count(marker.encode()) == edits  # read while both hashes match
    stale = _exports(_copy(archive_db, tmp_path, tampered, f"UPDATE revision_summaries SET {side} = 'e3b0c442'"))
    assert stale == _exports(archive_db)
    assert marker.encode() not in stale["jsonl True"]


def test_keep_summary_needs_both_hashes(archive_db: Path, tmp_path: Path) -> None:
    copy = _copy(archive_db, tmp_path, "DELETE FROM revision_summaries")
    conn = sqlite3.connect(copy)
    try:
        key = "https://mfa.example/en/news/sentence"
        assert keep_summary(conn, key, 1) is True
        assert keep_summary(conn, key, 99) is False  # no such version
        conn.execute("UPDATE article_versions SET content_hash = NULL WHERE canonical_url = ? AND version = 2", [key])
        assert keep_summary(conn, key, 2) is False
        (summary,) = conn.execute("SELECT summary FROM revision_summaries WHERE version = 1").fetchone()
        (old, new) = conn.execute(
            "SELECT (SELECT text FROM article_versions WHERE canonical_url = ?1 AND version = 1),"
            " (SELECT text FROM article_versions WHERE canonical_url = ?1 AND version = 2)",
            [key],
        ).fetchone()
    finally:
        conn.close()
    assert summary == text_change(old, new)[1]


def test_enrich_stores_the_summaries_an_older_archive_lacks(archive_db: Path, tmp_path: Path) -> None:
    """An archive written before the table (or whose summaries went stale) gets them from `enrich`; the
    export reads them and stays the same byte for byte; a second run stores nothing."""
    from click.testing import CliRunner

    from diplomatic_crawler.cli import main

    expected = _summaries(archive_db)
    older = _copy(archive_db, tmp_path, "DELETE FROM revision_summaries")
    assert _summaries(older) == []
    result = CliRunner().invoke(main, ["enrich", "--db", str(older)])
    assert result.exit_code == 0, result.output
    assert f"; {len(expected)} revision summary(ies) stored" in result.output
    assert _summaries(older) == expected
    assert _exports(older) == _exports(archive_db)
    again = CliRunner().invoke(main, ["enrich", "--db", str(older)])
    assert again.exit_code == 0 and "revision summary" not in again.output

"""Issue 7, the archive as a record: raw captures (db and WARC, byte-exact), revisions with `history`,
withdrawals found by `-a recheck=DAYS`, `reextract` without network, provenance on every row. Real
`scrapy crawl news` subprocesses against local servers, real SQLite files."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import socket
import sqlite3
import time
import urllib.request
from pathlib import Path

import pytest
from enrichsites import make_pdf
from faultserver import Reply, crawl, make_site, run_cli, served, write_seed
from faultserver import archive_rows as _rows

from diplomatic_crawler.captures import read_body
from diplomatic_crawler.extraction import EXTRACTOR_VERSION
from diplomatic_crawler.ops.reextract import reextract

ARTICLE_PATTERN = r"/news/[^/]+\.html$"
# A page in windows-1251 (declared in the header and in a meta tag): its bytes are not valid UTF-8.
CP1251_TEXT = "Министерство иностранных дел сообщает о переговорах. " * 12
CP1251_PAGE = (
    '<!doctype html><html lang="ru"><head><meta charset="windows-1251"><title>Переговоры в столице</title>'
    '<meta property="og:type" content="article"><meta property="article:published_time" content="2024-03-20T10:00:00Z">'
    f"</head><body><article><h1>Переговоры в столице</h1><p>{CP1251_TEXT}</p><p>{CP1251_TEXT}</p>"
    '<p><a href="/files/statement.pdf">Заявление (PDF)</a></p></article></body></html>'
).encode("cp1251")
# A PDF statement linked from that page: captured and re-extracted through the PDF path.
PDF = make_pdf(
    [
        "Paris, 7 March 2024",
        "Joint statement on maritime cooperation",
        "The ministers agreed to expand cooperation on port security and to meet again in the autumn. " * 4,
    ],
    title="Microsoft Word - statement.docx",
)


def _dicts(db: Path, sql: str, *params: object) -> list[dict]:
    conn = sqlite3.connect(db, timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


_cli = run_cli


def _site(tmp_path: Path, count: int = 4, **seed: object):
    server, spec = make_site(tmp_path, "mfa", count, per_page=50)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", server.netloc, article_pattern=ARTICLE_PATTERN, feeds=[], start_urls=[], **seed)
    return server, spec, seeds


def _add_special_pages(server) -> dict[str, bytes]:
    """A windows-1251 article and a gzip-encoded one, linked from the sitemap; returns path -> exact body."""
    original = sorted((server.root / "news").glob("*.html"))[0]
    html = original.read_text(encoding="utf-8").replace("{{BASE}}", server.base_url)
    utf8 = html.replace(f"/news/{original.name}", "/news/gzipped.html").encode("utf-8")  # its own canonical URL
    server.route(
        "/news/cp1251.html", lambda p, q: Reply(200, CP1251_PAGE, {"Content-Type": "text/html; charset=windows-1251"})
    )
    server.route(
        "/news/gzipped.html",
        lambda p, q: Reply(
            200, gzip.compress(utf8), {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}
        ),
    )
    sitemap = next(p for p in server.root.glob("sitemap-*.xml") if "<urlset" in p.read_text())
    extra = "".join(f"<url><loc>{{{{BASE}}}}{p}</loc></url>" for p in ("/news/cp1251.html", "/news/gzipped.html"))
    sitemap.write_text(sitemap.read_text().replace("</urlset>", extra + "</urlset>"))
    server.route("/files/statement.pdf", lambda p, q: Reply(200, PDF, {"Content-Type": "application/pdf"}))
    return {"/news/cp1251.html": CP1251_PAGE, "/news/gzipped.html": utf8, "/files/statement.pdf": PDF}


def _served_bytes(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:  # the local test server (no Accept-Encoding)
        return response.read()


# -- raw captures ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("store", ["db", "warc"])
def test_captures_round_trip_byte_exact(tmp_path: Path, store: str) -> None:
    server, spec, seeds = _site(tmp_path, 3)
    db = tmp_path / "out" / "archive.db"
    with served(server):
        special = _add_special_pages(server)
        result = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db), CAPTURES_STORE=store)
        assert result.returncode == 0, result.stderr[-3000:]
        expected = {
            f"{server.base_url}/news/{a.slug}.html": _served_bytes(f"{server.base_url}/news/{a.slug}.html")
            for a in spec.articles
        }
    expected.update({server.base_url + path: body for path, body in special.items()})
    captures = _dicts(db, "SELECT * FROM captures")
    assert (
        {c["canonical_url"] for c in captures}
        == set(expected)
        == {k for (k,) in _rows(db, "SELECT canonical_url FROM articles")}
    )
    conn = sqlite3.connect(db)
    try:
        import sqlite_utils

        sdb = sqlite_utils.Database(conn)
        for capture in captures:
            body = read_body(sdb, capture)
            assert body == expected[capture["canonical_url"]], capture["url"]
            assert capture["sha256"] == hashlib.sha256(body).hexdigest()
            assert capture["raw_size"] == len(body) and capture["status"] == 200 and capture["store"] == store
            headers = dict(json.loads(capture["headers"]))
            assert headers["Content-Type"].startswith(("text/html", "application/pdf"))
            assert capture["crawl_id"] == 1 and capture["fetched_at"]
    finally:
        conn.close()
    cp1251 = next(c for c in captures if c["url"].endswith("/cp1251.html"))
    with pytest.raises(UnicodeDecodeError):
        CP1251_PAGE.decode("utf-8")
    assert _rows(db, "SELECT title FROM articles WHERE canonical_url = ?", cp1251["canonical_url"]) == [
        ("Переговоры в столице",)
    ]
    gz = next(c for c in captures if c["url"].endswith("/gzipped.html"))
    assert gz["raw_size"] == len(special["/news/gzipped.html"])  # kept after transfer decoding, not gzip bytes
    if store == "warc":
        warc = tmp_path / "out" / "warc" / f"{db.stem}-crawl-1.warc.gz"
        assert warc.exists() and all(c["warc_file"] == str(warc.resolve()) for c in captures)
        assert _rows(db, "SELECT count(*) FROM capture_bodies") == [(0,)]
        from warcio.archiveiterator import ArchiveIterator

        with warc.open("rb") as fh:
            records = [
                (r.rec_headers.get_header("WARC-Target-URI"), r.http_headers.get_statuscode())
                for r in ArchiveIterator(fh)
                if r.rec_type == "response"
            ]
        assert sorted(records) == sorted((c["url"], "200") for c in captures)
    else:
        assert _rows(db, "SELECT count(*) FROM capture_bodies") == [(len(expected),)]
        stored, raw = _rows(db, "SELECT sum(stored_size), sum(raw_size) FROM capture_bodies")[0]
        assert stored < raw / 2  # zstd on HTML
    stats = _cli("stats", "--db", str(db), "--json")
    assert stats.returncode == 0, stats.stderr
    caps = json.loads(stats.stdout)["captures"]
    assert caps["captures"] == len(expected) and caps["raw_bytes"] == sum(len(b) for b in expected.values())
    assert 0 < caps["stored_bytes_per_capture"] < caps["raw_bytes_per_capture"]
    assert "raw capture(s):" in _cli("stats", "--db", str(db)).stdout


def test_captures_off_and_unchanged_refetch_shares_the_body(tmp_path: Path) -> None:
    server, _spec, seeds = _site(tmp_path, 2)
    db = tmp_path / "archive.db"
    off = tmp_path / "off.db"
    with served(server):
        assert crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(off), CAPTURES_STORE="off").returncode == 0
        assert crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db)).returncode == 0
        assert crawl("-a", f"seeds={seeds}", "-a", "recheck=30", ARCHIVE_DB=str(db)).returncode == 0
        bad = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db), CAPTURES_STORE="tape")
    assert _rows(off, "SELECT count(*) FROM captures") == [(0,)] and _rows(off, "SELECT count(*) FROM articles") == [
        (2,)
    ]
    # the recheck fetched both again, unchanged: two more captures, no second copy of either body
    assert _rows(db, "SELECT count(*), count(DISTINCT sha256) FROM captures") == [(4, 2)]
    assert _rows(db, "SELECT count(*) FROM capture_bodies") == [(2,)]
    assert bad.returncode != 0 and "CAPTURES_STORE" in bad.stderr


# -- revisions ---------------------------------------------------------------------------------------------


def test_changed_article_keeps_previous_version_and_history_shows_diff(tmp_path: Path) -> None:
    server, spec, seeds = _site(tmp_path, 3)
    db = tmp_path / "archive.db"
    target = spec.articles[0]
    url = f"{server.base_url}/news/{target.slug}.html"
    path = server.root / "news" / f"{target.slug}.html"
    with served(server):
        assert crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db)).returncode == 0
        before = _dicts(db, "SELECT * FROM articles WHERE canonical_url = ?", url)[0]
        first_paragraph = target.paragraphs[0]
        html = path.read_text(encoding="utf-8")
        assert first_paragraph in html
        path.write_text(
            html.replace(first_paragraph, "The ministry corrected this statement on 5 March."), encoding="utf-8"
        )
        time.sleep(1.1)  # fetched_at has second resolution
        result = crawl("-a", f"seeds={seeds}", "-a", "recheck=3650", ARCHIVE_DB=str(db))
        assert result.returncode == 0, result.stderr[-3000:]
    after = _dicts(db, "SELECT * FROM articles WHERE canonical_url = ?", url)[0]
    assert after["content_hash"] != before["content_hash"] and "corrected this statement" in after["text"]
    versions = _dicts(db, "SELECT * FROM article_versions WHERE canonical_url = ?", url)
    assert len(versions) == 1
    old = versions[0]
    assert old["version"] == 1 and old["content_hash"] == before["content_hash"] and old["text"] == before["text"]
    kept = json.loads(old["row"])
    assert kept["http_status"] == 200  # what the URL answered on this recheck, recorded before the rewrite
    status = ("http_status", "http_status_at")
    assert old["fetched_at"] == before["fetched_at"]
    assert {k: v for k, v in kept.items() if k not in status} == {k: v for k, v in before.items() if k not in status}
    # the other articles were fetched again unchanged: no versions for them
    assert _rows(db, "SELECT count(*) FROM article_versions") == [(1,)]
    shown = _cli("history", url, "--db", str(db))
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    assert before["content_hash"][:12] in out and after["content_hash"][:12] in out
    lines = out.splitlines()
    assert any(line.startswith("-") and first_paragraph in line for line in lines), out
    assert any(line.startswith("+") and "The ministry corrected this statement on 5 March." in line for line in lines)
    assert not any(line.startswith(("-", "+")) and "have grown steadily" in line for line in lines)  # unchanged
    assert "--- version 1" in out and "+++ version 2" in out
    by_id = _cli("history", after["article_id"], "--db", str(db), "--json")
    data = json.loads(by_id.stdout)
    assert [v["content_hash"] for v in data["versions"]] == [before["content_hash"], after["content_hash"]]
    missing = _cli("history", "https://nowhere.example/x", "--db", str(db))
    assert missing.returncode == 1 and "not in the archive" in missing.stderr and "Traceback" not in missing.stderr


# -- withdrawals -------------------------------------------------------------------------------------------


def test_recheck_marks_withdrawn_articles_and_restores_them(tmp_path: Path) -> None:
    server, spec, seeds = _site(tmp_path, 6)
    db = tmp_path / "archive.db"
    gone404, gone410, to_home, to_listing, moved, kept = (f"/news/{a.slug}.html" for a in spec.articles)
    base = server.base_url
    with served(server):
        assert crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db)).returncode == 0
        assert _rows(db, "SELECT count(*) FROM articles") == [(6,)]
        server.route(gone404, lambda p, q: Reply(404, b"<html><body>Not found</body></html>"))
        server.route(gone410, lambda p, q: Reply(410, b"<html><body>Gone</body></html>"))
        server.route(to_home, lambda p, q: Reply(301, b"", {"Location": f"{base}/"}))
        server.route(to_listing, lambda p, q: Reply(302, b"", {"Location": f"{base}/news/"}))
        server.route(moved, lambda p, q: Reply(301, b"", {"Location": f"{base}{kept}"}))
        server.clear_log()
        quiet = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db))  # no recheck: known articles are skipped
        assert quiet.returncode == 0 and gone404 not in server.paths()
        result = crawl("-a", f"seeds={seeds}", "-a", "recheck=7", ARCHIVE_DB=str(db))
        assert result.returncode == 0, result.stderr[-3000:]
        assert {gone404, gone410, to_home, to_listing, moved, kept} <= set(server.paths())
        rows = {r["url"].removeprefix(base): r for r in _dicts(db, "SELECT * FROM articles")}
        assert len(rows) == 6  # nothing deleted
        for path, reason in (
            (gone404, "HTTP 404"),
            (gone410, "HTTP 410"),
            (to_home, "home"),
            (to_listing, "redirects to a page"),
        ):
            assert rows[path]["withdrawn_at"], path
            assert reason in rows[path]["withdrawn_reason"], (path, rows[path]["withdrawn_reason"])
            assert rows[path]["text"] and rows[path]["title"]  # text kept
        assert rows[moved]["withdrawn_at"] is None and rows[kept]["withdrawn_at"] is None
        assert "archived article withdrawn" in result.stderr
        events = _rows(db, "SELECT canonical_url, event, http_status FROM article_events ORDER BY id")
        assert sorted((u.removeprefix(base), e, s) for u, e, s in events) == sorted(
            [
                (gone404, "withdrawn", 404),
                (gone410, "withdrawn", 410),
                (to_home, "withdrawn", None),
                (to_listing, "withdrawn", None),
            ]
        )
        # exported with the flag
        out = tmp_path / "export.jsonl"
        exported = _cli("export", "--db", str(db), "--format", "jsonl", "-o", str(out))
        assert exported.returncode == 0, exported.stderr
        records = {
            json.loads(line)["url"].removeprefix(base): json.loads(line) for line in out.read_text().splitlines()
        }
        assert (
            records[gone404]["withdrawn_at"] == rows[gone404]["withdrawn_at"] and records[kept]["withdrawn_at"] is None
        )
        parquet = tmp_path / "export.parquet"
        assert _cli("export", "--db", str(db), "--format", "parquet", "-o", str(parquet)).returncode == 0
        import pyarrow.parquet as pq

        table = pq.read_table(parquet).to_pylist()
        flagged = {r["url"].removeprefix(base) for r in table if r["withdrawn_at"] is not None}
        assert flagged == {gone404, gone410, to_home, to_listing}
        feed = tmp_path / "feed.json"
        assert _cli("export", "--db", str(db), "--format", "jsonfeed", "-o", str(feed)).returncode == 0
        items = {i["url"].removeprefix(base): i for i in json.loads(feed.read_text())["items"]}
        assert items[gone410]["_diplomatic"]["withdrawn_reason"] == "HTTP 410"
        # the page comes back: the flag is cleared and the restoration logged
        del server.routes[gone404]
        time.sleep(1.1)
        assert crawl("-a", f"seeds={seeds}", "-a", "recheck=7", ARCHIVE_DB=str(db)).returncode == 0
    back = _dicts(db, "SELECT withdrawn_at, withdrawn_reason FROM articles WHERE url = ?", base + gone404)[0]
    assert back == {"withdrawn_at": None, "withdrawn_reason": None}
    assert _rows(db, "SELECT event FROM article_events WHERE canonical_url = ? ORDER BY id", base + gone404) == [
        ("withdrawn",),
        ("restored",),
    ]
    assert _rows(db, "SELECT withdrawn_reason FROM articles WHERE url = ?", base + gone410) == [("HTTP 410",)]
    history = _cli("history", base + gone410, "--db", str(db)).stdout
    assert "WITHDRAWN since" in history and "withdrawn HTTP 410" in history


@pytest.mark.parametrize("value", ["soon", "0", "-3"])
def test_recheck_rejects_bad_values(tmp_path: Path, value: str) -> None:
    server, _spec, seeds = _site(tmp_path, 1)
    with served(server):
        result = crawl("-a", f"seeds={seeds}", "-a", f"recheck={value}", ARCHIVE_DB=str(tmp_path / "a.db"))
    assert result.returncode != 0 and "recheck:" in result.stderr
    assert server.paths() == []


# -- re-extraction -----------------------------------------------------------------------------------------

GUARD = """
import os, socket
_marker = os.environ["NO_NETWORK_MARKER"]
def _refuse(*args, **kwargs):
    with open(_marker, "a") as fh:
        fh.write(f"{os.getpid()} {args!r}\\n")
    raise OSError("network access during reextract")
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.socket.sendto = _refuse
"""


def _crawled(tmp_path: Path, count: int = 4):
    server, spec, seeds = _site(tmp_path, count)
    db = tmp_path / "archive.db"
    with served(server):
        special = _add_special_pages(server)
        assert len(special) == 3
        result = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db))
        assert result.returncode == 0, result.stderr[-3000:]
    return db, seeds, spec


def test_reextract_without_network_reproduces_identical_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db, seeds, _spec = _crawled(tmp_path)
    before = _dicts(db, "SELECT * FROM articles ORDER BY canonical_url")
    attempts: list[tuple] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network access during reextract")

    # in-process pool: the extraction itself runs under the guard
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    summary = reextract(db, seeds, workers=0)
    monkeypatch.undo()
    assert attempts == []
    assert summary["mfa"].checked == 7 and summary["mfa"].unchanged == 7
    assert summary["mfa"].updated == summary["mfa"].failed == 0
    assert _dicts(db, "SELECT * FROM articles ORDER BY canonical_url") == before
    assert _rows(db, "SELECT count(*) FROM article_versions") == [(0,)]
    assert [r["content_type"] for r in before if r["url"].endswith(".pdf")] == ["pdf"]
    # worker processes too: every interpreter (the CLI and its workers) refuses to open a connection
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(GUARD)
    marker = tmp_path / "network-attempts.txt"
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(guard), os.environ.get("PYTHONPATH", "")]),
        NO_NETWORK_MARKER=str(marker),
    )
    result = _cli("reextract", "--db", str(db), "--seeds", str(seeds), "--workers", "2", "--json", env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert not marker.exists(), marker.read_text()
    assert json.loads(result.stdout)["mfa"]["unchanged"] == 7
    assert _dicts(db, "SELECT * FROM articles ORDER BY canonical_url") == before


def test_reextract_after_extraction_change_updates_rows_and_keeps_versions(tmp_path: Path) -> None:
    db, seeds, spec = _crawled(tmp_path, 3)
    from diplomatic_crawler.archive import Archive
    from diplomatic_crawler.withdrawals import mark_withdrawn

    with Archive(db) as archive:
        (withdrawn,) = archive.db.execute(
            "SELECT canonical_url FROM articles WHERE url LIKE ?", [f"%{spec.articles[0].slug}%"]
        ).fetchone()
        assert mark_withdrawn(archive, withdrawn, "HTTP 404", status=404)
    before = {r["canonical_url"]: r for r in _dicts(db, "SELECT * FROM articles")}
    seed_file = seeds / "mfa.toml"
    seed_file.write_text(seed_file.read_text() + "\n[selectors]\ntitle = 'div.author-box h4'\n", encoding="utf-8")
    dry = _cli("reextract", "--db", str(db), "--seeds", str(seeds), "--workers", "0", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would update" in dry.stdout
    assert {r["canonical_url"]: r for r in _dicts(db, "SELECT * FROM articles")} == before  # dry run: nothing written
    result = _cli(
        "reextract", "--db", str(db), "--seeds", str(seeds), "--site", "mfa", "--since", "2000", "--workers", "1"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    total = next(line for line in result.stdout.splitlines() if line.startswith("TOTAL")).split()
    # generated articles (3) and the gzip copy of one get the new title, and their headline, no longer the
    # title, stays in the text; the cp1251 page (no author box) and the PDF keep theirs
    assert total[1:] == ["6", "4", "0", "4", "0", "2", "0", "4"], result.stdout
    after = {r["canonical_url"]: r for r in _dicts(db, "SELECT * FROM articles")}
    changed = [k for k in after if after[k]["title"] != before[k]["title"]]
    assert len(changed) == 4 and all(after[k]["title"] == "About the author" for k in changed)
    new_hash = hashlib.sha256(seed_file.read_bytes()).hexdigest()
    for key in changed:
        old = _dicts(db, "SELECT * FROM article_versions WHERE canonical_url = ?", key)
        assert len(old) == 1 and old[0]["title"] == before[key]["title"] and json.loads(old[0]["row"]) == before[key]
        assert after[key]["seed_hash"] == new_hash != before[key]["seed_hash"]
        assert (
            after[key]["fetched_at"] == before[key]["fetched_at"] and after[key]["crawl_id"] == before[key]["crawl_id"]
        )
        assert after[key]["text"] == f"{before[key]['title']}\n\n{before[key]['text']}"
        assert (
            after[key]["first_seen"] == before[key]["first_seen"]
            and after[key]["published"] == before[key]["published"]
        )
    # re-extracting an old capture never restores a withdrawn article
    assert withdrawn in changed and after[withdrawn]["withdrawn_at"] == before[withdrawn]["withdrawn_at"] is not None
    # a second run finds nothing left to change
    again = reextract(db, seeds, workers=0)
    assert again["mfa"].unchanged == 6 and again["mfa"].updated == 0
    bad = _cli("reextract", "--db", str(db), "--seeds", str(seeds), "--since", "yesterday")
    assert bad.returncode == 2 and "--since" in bad.stderr
    nodb = _cli("reextract", "--db", str(tmp_path / "none.db"), "--seeds", str(seeds))
    assert nodb.returncode == 1 and "no such archive" in nodb.stderr


# -- provenance --------------------------------------------------------------------------------------------


def test_every_row_records_extractor_seed_hash_and_crawl(tmp_path: Path) -> None:
    server, _spec, seeds = _site(tmp_path, 3)
    db = tmp_path / "archive.db"
    with served(server):
        assert crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db)).returncode == 0
    seed_hash = hashlib.sha256((seeds / "mfa.toml").read_bytes()).hexdigest()
    rows = _dicts(db, "SELECT * FROM articles")
    assert len(rows) == 3
    import dateparser
    import trafilatura

    from diplomatic_crawler import __version__
    from diplomatic_crawler.ids import article_id

    assert (
        f"diplomatic-crawler/{__version__} trafilatura/{trafilatura.__version__} dateparser/{dateparser.__version__}"
        == EXTRACTOR_VERSION
    )
    for row in rows:
        assert row["extractor_version"] == EXTRACTOR_VERSION
        assert row["seed_hash"] == seed_hash and row["crawl_id"] == 1
        assert row["article_id"] == article_id(row["canonical_url"])
    out = tmp_path / "export.csv"
    assert _cli("export", "--db", str(db), "--format", "csv", "-o", str(out)).returncode == 0
    import csv

    with out.open(encoding="utf-8") as fh:
        exported = list(csv.DictReader(fh))
    assert {r["seed_hash"] for r in exported} == {seed_hash}
    assert {r["article_id"] for r in exported} == {r["article_id"] for r in rows}
    assert "withdrawn_at" in exported[0]


# -- library level: the write path and old archives ----------------------------------------------------------


def _record(text: str, **fields: object) -> dict:
    return {
        "canonical_url": "https://mfa.example/en/news/1",
        "url": "https://mfa.example/en/news/1",
        "site": "mfa",
        "title": "Statement",
        "text": text,
        "word_count": len(text.split()),
        **fields,
    }


def test_write_path_keeps_each_previous_version_in_order(tmp_path: Path) -> None:
    from diplomatic_crawler.archive import Archive
    from diplomatic_crawler.versions import article_history, format_history

    db = tmp_path / "archive.db"
    with Archive(db) as archive:
        assert archive.write_articles([_record("First text.", fetched_at="2024-01-01T00:00:00+00:00")], 1) == ["new"]
        assert archive.write_articles([_record("First text.", fetched_at="2024-01-02T00:00:00+00:00")], 2) == [
            "unchanged"
        ]
        assert archive.write_articles([_record("Second text.", fetched_at="2024-01-03T00:00:00+00:00")], 3) == [
            "updated"
        ]
        assert archive.write_articles([_record("Third text.", fetched_at="2024-01-04T00:00:00+00:00")], 4) == [
            "updated"
        ]
    assert _rows(db, "SELECT version, text, crawl_id, fetched_at FROM article_versions ORDER BY version") == [
        (1, "First text.", 1, "2024-01-01T00:00:00+00:00"),
        (2, "Second text.", 3, "2024-01-03T00:00:00+00:00"),
    ]
    conn = sqlite3.connect(db)
    try:
        key, versions, events = article_history(conn, "https://mfa.example/en/news/1")
    finally:
        conn.close()
    assert [v.text for v in versions] == ["First text.", "Second text.", "Third text."] and events == []
    out = format_history(key, versions, events)
    assert "-First text." in out and "+Second text." in out and "-Second text." in out and "+Third text." in out


def test_history_of_an_archive_from_before_migration_20(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    conn.execute(
        "CREATE TABLE articles (canonical_url TEXT PRIMARY KEY, url TEXT, article_id TEXT, title TEXT,"
        " text TEXT, content_hash TEXT, fetched_at TEXT)"
    )
    conn.execute(
        "INSERT INTO articles VALUES ('https://a.example/1', 'https://a.example/1', 'abc', 'T', 'Body', 'h',"
        " '2023-05-01T00:00:00+00:00')"
    )
    conn.commit()
    conn.close()
    before = db.read_bytes()
    result = _cli("history", "abc", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "one version only" in result.stdout and "2023-05-01T00:00:00+00:00" in result.stdout
    assert db.read_bytes() == before  # read-only: not migrated


def test_reextract_uses_the_seed_text_kept_in_the_archive(tmp_path: Path) -> None:
    """Issue 22, item 12: the demo's seeds are temporary; the archive keeps the text of each seed file a
    crawl ran with (`seed_files`, by `seed_hash`), so `reextract` works after they are gone. Where even that
    is missing every article fails: each failure listed once, and a non-zero exit."""
    from diplomatic_crawler.demo.runner import run_demo

    db = tmp_path / "archive.db"
    lines: list[str] = []
    assert run_demo(db, echo=lines.append) == 0, "\n".join(lines)
    kept = _rows(db, "SELECT site, seed_hash, toml FROM seed_files ORDER BY site")
    assert [site for site, _, _ in kept] == ["diplomatic-courier", "veloria-mfa"]
    for site, seed_hash, toml in kept:
        assert hashlib.sha256(toml.encode()).hexdigest() == seed_hash and f'name = "{site}"' in toml
    assert _rows(db, "SELECT count(*) FROM articles WHERE seed_hash NOT IN (SELECT seed_hash FROM seed_files)") == [
        (0,)
    ]
    result = _cli("reextract", "--db", str(db), "--workers", "1", "--json")  # the seeds dir has no demo site
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    summary = json.loads(result.stdout)
    assert {site: (s["checked"], s["failed"], s["unchanged"]) for site, s in summary.items()} == {
        "diplomatic-courier": (16, 0, 16),
        "veloria-mfa": (18, 0, 18),
    }
    # an archive from before seeds were kept, its seed files gone: all 34 fail, each said once, exit 1
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM seed_files")
    conn.close()
    failed = _cli("reextract", "--db", str(db), "--workers", "0")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    total = next(line for line in failed.stdout.splitlines() if line.startswith("TOTAL")).split()
    assert total[1] == total[7] == "34", failed.stdout
    output = failed.stdout + failed.stderr
    (url,) = _rows(db, "SELECT canonical_url FROM articles ORDER BY canonical_url LIMIT 1")[0]
    assert output.count(f"{url}:") == 1, output
    assert "archive keeps no copy of the seed" in output and "--seeds" in output
    assert "re-extraction failed for all 34 articles" in failed.stderr and "Traceback" not in output

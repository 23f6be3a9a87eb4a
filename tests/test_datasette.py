"""Browsing: `diplomatic-crawler browse` (Datasette on 127.0.0.1 with the project's metadata, settings and
plugin): full-text search, facets on indexes, hidden internal tables, foreign keys to articles, nothing
rendered as HTML, and the reading page of an article, checked over HTTP and in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import CHROMIUM, NO_CHROMIUM, dump_dom, screenshot
from browser import browse_archive as _browse
from browser import free_port as _free_port
from browser import wait_until_serving as _wait_until_serving
from export_archive import TRICKY, build_archive
from lxml import html as lxml_html

from diplomatic_crawler.archive import Archive
from diplomatic_crawler.captures import Capture
from diplomatic_crawler.ids import article_id
from diplomatic_crawler.withdrawals import mark_withdrawn

pytest.importorskip("datasette", reason="Datasette is the optional [browse] extra")

EDITED = TRICKY[2]["canonical_url"]  # at-sign: edited in a third crawl, so it has two versions and a capture
EDITED_TEXT = "-1 start with minus\n\nSecond paragraph, corrected.\n\nA third paragraph with <b>markup</b>."
CAPTURED = b"<html><body><p>Second paragraph, corrected.</p><script>alert(1)</script></body></html>"
# Two copies of one statement on two sites (a near-duplicate cluster); the second is withdrawn. Undated, so the
# year facet counts only TRICKY.
STATEMENT = " ".join(
    f"The ministers discussed item {n} of the bilateral agenda, the energy corridor and the border commission."
    for n in range(12)
)
DUPLICATES = [f"https://mfa.example/en/news/joint-{n}" for n in (1, 2)]
INTERNAL = (
    "pages", "http_cache", "captures", "capture_bodies", "migrations", "minhash", "minhash_buckets",
    "language_links", "statement_members", "merge_sources", "url_patterns", "article_signals",
    "article_versions", "article_events", "seed_files", "revision_summaries",
)


def build_browse_archive(path: Path) -> Path:
    """TRICKY, then an edit of one article (a second version, with its raw capture)."""
    build_archive(path, TRICKY)
    with Archive(path) as archive:
        crawl = archive.start_crawl({"seeds": "seeds/"}, ["embassy-news"])
        fetched_at = "2026-02-01T09:00:00+00:00"
        record = {
            **TRICKY[2],
            "url": EDITED,
            "title": "@SUM(1+1) statement (corrected)",
            "text": EDITED_TEXT,
            "countries": ["FR", "DE"],
            "doc_type": "statement",
            "alternates": [{"url": TRICKY[0]["canonical_url"], "hreflang": "en", "source": "hreflang"}],
            "fetched_at": fetched_at,
            "_capture": Capture(EDITED, 200, [("Content-Type", "text/html")], CAPTURED, fetched_at),
        }
        assert archive.write_articles([record], crawl) == ["updated"]
        copies = [
            {"url": url, "canonical_url": url, "site": site, "title": f"Joint statement ({site})", "language": "en",
             "text": STATEMENT, "fetched_at": fetched_at}
            for url, site in zip(DUPLICATES, ("mfa-az", "embassy-news"), strict=True)
        ]
        assert archive.write_articles(copies, crawl) == ["new", "new"]
        assert mark_withdrawn(archive, DUPLICATES[1], "http_410", status=410, url=DUPLICATES[1], crawl_id=crawl)
        archive.finish_crawl(crawl, "finished", {})
    return path


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_browse_archive(tmp_path_factory.mktemp("browse") / "archive.db")


@pytest.fixture(scope="module")
def datasette(archive_db: Path) -> Iterator[str]:
    with _browse(archive_db) as base:
        yield base


def test_browse_runs_the_datasette_of_its_environment(archive_db: Path, tmp_path: Path) -> None:
    """Another `datasette` first on PATH (without the project's plugin) is not the one browse runs."""
    fake = tmp_path / "bin" / "datasette"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'not this datasette' >&2\nexit 7\n")
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    with _browse(archive_db, env) as base:
        assert _get(f"{base}/archive/-/article/{article_id(EDITED)}").count('id="dc-title"') == 1


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        body = response.read().decode()
    return json.loads(body) if ".json" in url else body


def test_full_text_search_and_facets(datasette: str) -> None:
    data = _get(f"{datasette}/archive/articles_browse.json?_search=paragraph&_shape=objects")
    assert [r["canonical_url"] for r in data["rows"]] == ["https://embassy.example/news/at-sign"]
    facets = {name: {r["value"]: r["count"] for r in f["results"]} for name, f in data["facet_results"].items()}
    assert facets == {"site": {"embassy-news": 1}, "language": {"fr": 1}, "country": {"FR": 1}, "year": {2024: 1}}
    everything = _get(f"{datasette}/archive/articles_browse.json?_shape=objects")
    years = {r["value"]: r["count"] for r in everything["facet_results"]["year"]["results"]}
    assert years == {2025: 2, 2024: 1}  # the undated article has no year
    table = _get(f"{datasette}/archive/articles.json?_search=calc&_shape=objects")
    assert [r["title"] for r in table["rows"]] == [TRICKY[0]["title"]]


def test_archived_markup_is_never_rendered(datasette: str) -> None:
    page = _get(f"{datasette}/archive/articles?_search=alert")
    assert "&lt;script&gt;alert" in page
    assert '<script>alert("x")</script>' not in page


def test_raw_tables_hidden(datasette: str) -> None:
    tables = {t["name"]: t for t in _get(f"{datasette}/archive.json")["tables"]}
    assert tables["http_cache"]["hidden"] and not tables["articles"]["hidden"]
    assert "articles_browse" in {v["name"] for v in _get(f"{datasette}/archive.json")["views"]}


def test_internal_tables_hidden(datasette: str) -> None:
    tables = {t["name"]: t for t in _get(f"{datasette}/archive.json")["tables"]}
    assert {name for name, t in tables.items() if not t["hidden"]} == {"articles", "crawls", "crawl_sites"}
    for name in INTERNAL:
        assert name not in tables or tables[name]["hidden"], name


def test_settings_passed_by_browse(datasette: str) -> None:
    from diplomatic_crawler.datasette import SETTINGS

    settings = _get(f"{datasette}/-/settings.json")
    assert {k: settings[k] for k in SETTINGS} == SETTINGS
    assert settings["facet_time_limit_ms"] > 200 and settings["suggest_facets"] is False


def test_browse_view_lists_columns_a_reader_scans(datasette: str) -> None:
    data = _get(f"{datasette}/archive/articles_browse.json?_shape=objects")
    row = data["rows"][0]
    assert "text" not in row and "published_raw" not in row
    assert list(row)[1:4] == ["title", "published", "site"]  # after rowid (full-text search needs it)
    assert {"article_id", "title", "published", "site", "language", "country", "doc_type", "year"} <= set(row)
    assert not data.get("facets_timed_out")


def test_browse_titles_link_to_reading_pages(datasette: str) -> None:
    page = _get(f"{datasette}/archive/articles_browse")
    for row in TRICKY:
        assert f'href="/archive/-/article/{article_id(row["canonical_url"])}"' in page
    assert ">(untitled)<" not in page  # every TRICKY article has a title
    table = _get(f"{datasette}/archive/articles")
    assert f'href="/archive/-/article/{article_id(EDITED)}"' in table


def _reading_tree(html: str) -> Any:
    return lxml_html.fromstring(html)


def _check_reading_page(tree: Any) -> None:
    """What the reading page of the edited article shows, whoever built the DOM (Datasette or Chromium)."""
    assert tree.xpath("string(//h1[@id='dc-title'])") == "@SUM(1+1) statement (corrected)"
    paragraphs = [p.text_content() for p in tree.xpath("//div[@id='dc-text']/p")]
    assert paragraphs == EDITED_TEXT.split("\n\n")  # "<b>markup</b>" as text
    assert not tree.xpath("//div[@id='dc-text']//b")  # archived markup is text, never elements
    published = tree.xpath("string(//li[@id='dc-published'])")
    assert "2024-12-31T23:59:59+00:00" in published and "second" in published and "meta" in published
    assert "Marie Dupont" in tree.xpath("string(//li[@id='dc-authors'])")
    assert tree.xpath("//li[@id='dc-source']/a/@href") == [EDITED]
    assert "statement" in tree.xpath("string(//li[@id='dc-doc-type'])")
    assert "FR, DE" in tree.xpath("string(//li[@id='dc-countries'])")
    assert tree.xpath("//section[@id='dc-alternates']//a/@href") == [
        f"/archive/-/article/{article_id(TRICKY[0]['canonical_url'])}"  # the English version is archived
    ]
    versions = tree.xpath("//section[@id='dc-versions']//tr[@data-version]")
    assert [v.get("data-version") for v in versions] == ["2", "1"]
    assert versions[1].xpath(".//a/@href") == [f"/archive/-/article/{article_id(EDITED)}/v1"]
    assert "(current)" in versions[0].text_content()
    assert len(tree.xpath("//section[@id='dc-captures']//a[contains(@href, '/-/capture/')]")) == 1


def test_reading_page(datasette: str) -> None:
    _check_reading_page(_reading_tree(_get(f"{datasette}/archive/-/article/{article_id(EDITED)}")))


def test_reading_page_of_an_earlier_version(datasette: str) -> None:
    tree = _reading_tree(_get(f"{datasette}/archive/-/article/{article_id(EDITED)}/v1"))
    assert tree.xpath("string(//h1[@id='dc-title'])") == TRICKY[2]["title"]
    paragraphs = [p.text_content() for p in tree.xpath("//div[@id='dc-text']/p")]
    assert paragraphs == ["-1 start with minus", "Second paragraph."]
    assert "Version 1 of 2" in tree.xpath("string(//p[@id='dc-old-version'])")
    assert tree.xpath("//p[@id='dc-old-version']/a/@href") == [f"/archive/-/article/{article_id(EDITED)}"]


def test_reading_page_of_an_article_without_text_or_date(datasette: str) -> None:
    tree = _reading_tree(_get(f"{datasette}/archive/-/article/{article_id(TRICKY[3]['canonical_url'])}"))
    assert "no date found" in tree.xpath("string(//li[@id='dc-published'])")
    assert "No text was extracted" in tree.xpath("string(//div[@id='dc-text'])")
    assert "none named" in tree.xpath("string(//li[@id='dc-authors'])")


def test_reading_page_of_a_withdrawn_near_duplicate(datasette: str) -> None:
    first, second = (article_id(url) for url in DUPLICATES)
    tree = _reading_tree(_get(f"{datasette}/archive/-/article/{second}"))
    assert "http_410" in tree.xpath("string(//p[@id='dc-withdrawn'])")
    assert "withdrawn (http_410), HTTP 410" in tree.xpath("string(//section[@id='dc-events'])")
    assert tree.xpath("//section[@id='dc-neighbours']//a/@href") == [f"/archive/-/article/{first}"]
    assert len(tree.xpath("//div[@id='dc-text']/p")) == 1
    tree = _reading_tree(_get(f"{datasette}/archive/-/article/{first}"))
    assert not tree.xpath("//p[@id='dc-withdrawn']") and not tree.xpath("//section[@id='dc-events']")
    assert tree.xpath("//section[@id='dc-neighbours']//a/@href") == [f"/archive/-/article/{second}"]


def test_raw_capture_is_plain_text(datasette: str) -> None:
    tree = _reading_tree(_get(f"{datasette}/archive/-/article/{article_id(EDITED)}"))
    (href,) = tree.xpath("//section[@id='dc-captures']//a/@href")
    with urllib.request.urlopen(f"{datasette}{href}", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        assert response.headers["Content-Security-Policy"] == "sandbox"
        assert response.read() == CAPTURED


@pytest.mark.parametrize(
    "path",
    [
        "/archive/-/article/0000000000000000",
        f"/archive/-/article/{article_id(EDITED)}/v9",
        "/archive/-/capture/999",
        "/nosuchdb/-/article/0000000000000000",
    ],
)
def test_reading_pages_not_found(datasette: str, path: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(f"{datasette}{path}", timeout=10)
    assert info.value.code == 404


def test_foreign_keys_indexes_and_view(archive_db: Path) -> None:
    conn = sqlite3.connect(archive_db)
    for table in ("article_versions", "captures", "article_events"):
        fks = conn.execute(f"PRAGMA foreign_key_list({table})").fetchall()
        assert [(fk[2], fk[3], fk[4]) for fk in fks] == [("articles", "canonical_url", "canonical_url")], table
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    # Every default facet of articles_browse is counted from an index, never by reading the article rows.
    for column in ("site", "language", "country", "year"):
        plan = " ".join(
            row[3]
            for row in conn.execute(
                f"EXPLAIN QUERY PLAN SELECT {column}, count(*) FROM articles_browse WHERE {column} IS NOT NULL"
                f" GROUP BY {column}"
            )
        )
        assert re.search(r"USING (COVERING )?INDEX", plan), (column, plan)
    assert "text" not in [row[1] for row in conn.execute("PRAGMA table_info(articles_browse)")]


def test_migration_stops_on_rows_that_refer_to_no_article(tmp_path: Path) -> None:
    from diplomatic_crawler.archive import ArchiveError

    db = tmp_path / "archive.db"
    Archive(db).close()
    with sqlite3.connect(db) as conn:  # foreign keys not enforced: as an archive edited by hand before 97
        conn.execute("DELETE FROM migrations WHERE version = 97")
        conn.execute(
            "INSERT INTO article_events (canonical_url, at, event) VALUES ('https://gone.example/a', 'x', 'withdrawn')"
        )
    conn.close()
    with pytest.raises(ArchiveError, match=r"1 row\(s\) of article_events refer to no archived article"):
        Archive(db)


def test_headless_chromium_reading_page(datasette: str) -> None:
    if CHROMIUM is None:
        pytest.skip(NO_CHROMIUM)
    url = f"{datasette}/archive/-/article/{article_id(EDITED)}"
    _check_reading_page(_reading_tree(dump_dom(url)))
    shot = screenshot(url, "datasette-reading-page.png", 1280, 1600)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    phone = screenshot(url, "datasette-reading-page-phone.png", 390, 1600)
    assert phone.stat().st_size > 10_000


def test_headless_chromium_browse_table(datasette: str) -> None:
    if CHROMIUM is None:
        pytest.skip(NO_CHROMIUM)
    url = f"{datasette}/archive/articles_browse"
    tree = _reading_tree(dump_dom(url))
    links = {a.text_content(): a.get("href") for a in tree.xpath("//td[contains(@class, 'col-title')]/a")}
    assert links["@SUM(1+1) statement (corrected)"] == f"/archive/-/article/{article_id(EDITED)}"
    assert len(links) == len(TRICKY) + len(DUPLICATES)
    facets = {f.get("data-column") for f in tree.xpath("//*[@data-column][contains(@class, 'facet-info')]")}
    assert facets == {"site", "language", "country", "year"}
    shot = screenshot(url, "datasette-browse.png", 1400, 1200)
    assert shot.stat().st_size > 20_000


def test_browse_bench_runs(tmp_path: Path) -> None:
    """bench/browse_speed.py end to end on a small archive: every page answers, no facet times out."""
    bench = Path(__file__).resolve().parent.parent / "bench" / "browse_speed.py"
    result = subprocess.run(
        [sys.executable, str(bench), "--articles", "300", "--rounds", "1", "--db", str(tmp_path / "bench.db")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("built ") and "300 articles" in lines[0]
    timed = [line for line in lines if "facets " in line]
    assert len(timed) == 5 and all(line.endswith("timed out: none") for line in timed), result.stdout
    assert any(line.startswith("reading page") for line in lines)


def test_serve_registers_the_plugin_without_entry_points(archive_db: Path) -> None:
    """An environment that never loads the package's entry points (Datasette skips them when
    `sys._called_from_test` is set) still gets the reading page through diplomatic_crawler.datasette.serve."""
    path = f"/archive/-/article/{article_id(EDITED)}"
    probe = (
        "import sys; sys._called_from_test = True\n"
        "from datasette.plugins import pm\n"
        "assert 'diplomatic_crawler' not in dict(pm.list_name_plugin())\n"
        "from diplomatic_crawler.datasette.serve import main\n"
        f"main([{str(archive_db)!r}, '--get', {path!r}])\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'id="dc-title"' in result.stdout and "(corrected)" in result.stdout


def _children(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_browse_stopped_by_a_signal_stops_datasette(tmp_path: Path, signum: int) -> None:
    """`browse` passes SIGTERM/SIGINT on to its Datasette and waits for it: the port closes, no process stays."""
    db = build_archive(tmp_path / "archive.db", TRICKY)
    port = _free_port()
    cli = Path(sys.executable).with_name("diplomatic-crawler")
    log = tmp_path / "browse.log"  # a file, not a pipe: a Datasette left behind would hold a pipe open
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [str(cli), "browse", "--db", str(db), "--port", str(port)], stdout=sink, stderr=subprocess.STDOUT
        )
    children: list[int] = []
    try:
        _wait_until_serving(f"http://127.0.0.1:{port}", proc, 60)
        children = _children(proc.pid)
        assert children, "Datasette runs as a child of browse"
        proc.send_signal(signum)
        code = proc.wait(timeout=30)
        time.sleep(1)  # a Datasette left behind would still be serving now
        output = log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in children:  # never leave one behind, even when the test fails
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    assert code == 0, output
    assert "Traceback" not in output
    assert not [pid for pid in children if _alive(pid)]
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0  # nothing listens any more

"""Issue 23, revisions you can see: `changes` (a JSON Feed, JSON Lines or CSV of revisions and withdrawals),
`diff` (unified text or a self-contained HTML page), and their Datasette pages, on a local site edited and
partly withdrawn between two real crawls into a real SQLite archive; the pages checked in headless Chromium."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browser import CHROMIUM, NO_CHROMIUM, browse_archive, dump_dom, screenshot
from faultserver import Reply, crawl, make_site, run_cli, served, write_seed
from lxml import html as lxml_html

from diplomatic_crawler.changes import ChangesError, list_changes, parse_since, word_opcodes, word_summary
from diplomatic_crawler.diffpage import Versions, diff_page, word_marks
from diplomatic_crawler.ids import article_id
from diplomatic_crawler.versions import Version

ARTICLE_PATTERN = r"/news/[^/]+\.html$"
# Article A: one sentence rewritten and a correction added (text only).
A_OLD = "The sides reviewed the state of bilateral relations and prepared a programme of student exchanges."
A_NEW = "The sides reviewed bilateral relations and signed a memorandum on student exchanges."
A_ADDED = "Correction: the talks took place in the capital, not at the border, as first reported."
# Article B: new title, author and publication time, one paragraph dropped.
B_TITLE = "Talks postponed after consultations in the capital"
B_AUTHOR = "Tomas Varga"


@dataclass
class Site:
    db: Path
    base: str
    edited_text: str  # URL of A
    edited_all: str  # URL of B
    withdrawn: str  # URL of C
    b_dropped: str  # the paragraph dropped from B
    b_old_title: str


def _replace(page: Path, *pairs: tuple[str, str]) -> None:
    html = page.read_text(encoding="utf-8")
    for old, new in pairs:
        assert old in html, old
        html = html.replace(old, new)
    page.write_text(html, encoding="utf-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """Six articles crawled; then A and B edited and C answering 404; crawled again with a recheck."""
    tmp = tmp_path_factory.mktemp("changes")
    server, spec = make_site(tmp, "mfa", 6, per_page=50)
    seeds = tmp / "seeds"
    write_seed(seeds, "mfa", server.netloc, article_pattern=ARTICLE_PATTERN, feeds=[], start_urls=[])
    db = tmp / "archive.db"
    a, b, c = spec.articles[:3]
    news = server.root / "news"
    b_html = (news / f"{b.slug}.html").read_text(encoding="utf-8")
    raw_dropped = re.findall(r"<p>.*?</p>", b_html.split('<div class="entry-content">')[1])[2]
    dropped = lxml_html.fragment_fromstring(raw_dropped).text_content()
    with served(server):
        first = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db))
        assert first.returncode == 0, first.stderr[-3000:]
        share = '</div>\n<div class="share">'
        _replace(news / f"{a.slug}.html", (A_OLD, A_NEW), (share, f"<p>{A_ADDED}</p>\n{share}"))
        author = lxml_html.fromstring(b_html).xpath("string(//a[@class='author-name'])")
        published = lxml_html.fromstring(b_html).xpath("string(//time/@datetime)")
        _replace(
            news / f"{b.slug}.html",
            (b.title, B_TITLE),
            (author, B_AUTHOR),
            (published, published[:11] + "08:05:00"),
            (raw_dropped, ""),
        )
        server.route(f"/news/{c.slug}.html", lambda p, q: Reply(404, b"<html><body>Not found</body></html>"))
        second = crawl("-a", f"seeds={seeds}", "-a", "recheck=3650", ARCHIVE_DB=str(db))
        assert second.returncode == 0, second.stderr[-3000:]
    base = server.base_url
    return Site(
        db,
        base,
        f"{base}/news/{a.slug}.html",
        f"{base}/news/{b.slug}.html",
        f"{base}/news/{c.slug}.html",
        dropped,
        b.title,
    )


def _cli_ok(*args: str) -> str:
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _feed(site: Site, *args: str) -> dict[str, Any]:
    return json.loads(_cli_ok("changes", "--db", str(site.db), "-o", "-", *args))


# -- the feed --------------------------------------------------------------------------------------------------


def test_feed_lists_every_edit_and_the_withdrawal_and_nothing_else(site: Site) -> None:
    feed = _feed(site)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    got = sorted((i["_diplomatic"]["kind"], i["external_url"]) for i in feed["items"])
    assert got == sorted([("revision", site.edited_text), ("revision", site.edited_all), ("withdrawn", site.withdrawn)])
    times = [i["date_published"] for i in feed["items"]]
    assert times == sorted(times, reverse=True)  # newest first
    assert len({i["id"] for i in feed["items"]}) == 3
    assert [i["id"] for i in _feed(site)["items"]] == [i["id"] for i in feed["items"]]  # stable per change
    items = {i["external_url"]: i for i in feed["items"]}
    a, b, c = (items[u]["_diplomatic"] for u in (site.edited_text, site.edited_all, site.withdrawn))
    assert a["changed"] == ["text"]
    assert (
        "−“prepared a programme of” +“signed a memorandum on”" in a["summary"]
        and a["words_added"] > 0
        and a["words_removed"] > 0
    )
    assert b["changed"] == ["title", "text", "published", "authors"]
    assert b["old"]["title"] == site.b_old_title and b["new"]["title"] == B_TITLE
    assert b["new"]["authors"] == [B_AUTHOR] and b["old"]["authors"] != [B_AUTHOR]
    assert b["new"]["published"].startswith(b["old"]["published"][:11]) and "08:05" in b["new"]["published"]
    for change in (a, b):
        assert (change["old"]["version"], change["new"]["version"]) == (1, 2)
        assert change["old"]["content_hash"] != change["new"]["content_hash"]
        assert change["old"]["fetched_at"] < change["new"]["fetched_at"]
        assert change["old"]["capture_id"] is not None and change["new"]["capture_id"] is not None
        assert change["old"]["capture_id"] != change["new"]["capture_id"]
    assert c["reason"] == "HTTP 404" and c["http_status"] == 404
    assert items[site.withdrawn]["title"].startswith("Withdrawn: ")


def test_feed_links_to_datasette_pages_with_a_base_url(site: Site) -> None:
    feed = _feed(site, "--base-url", "http://127.0.0.1:8001/archive/")
    items = {i["external_url"]: i for i in feed["items"]}
    aid = article_id(site.edited_text)
    assert items[site.edited_text]["url"] == f"http://127.0.0.1:8001/archive/-/article/{aid}/diff?from=1&to=2"
    links = items[site.edited_text]["_diplomatic"]["links"]
    assert links["old_capture"].startswith("http://127.0.0.1:8001/archive/-/capture/")
    assert feed["home_page_url"] == "http://127.0.0.1:8001/archive/-/changes"


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_other_formats_hold_the_same_changes(site: Site, fmt: str) -> None:
    expected = [i["id"] for i in _feed(site)["items"]]
    out = _cli_ok("changes", "--db", str(site.db), "--format", fmt, "-o", "-")
    if fmt == "jsonl":
        rows = [json.loads(line) for line in out.splitlines()]
    else:
        rows = list(csv.DictReader(io.StringIO(out)))
        assert {"old_content_hash", "new_content_hash", "old_capture_id", "summary"} <= set(rows[0])
    assert [r["id"] for r in rows] == expected
    revision = next(r for r in rows if r["url"] == site.edited_all)
    assert (revision["new"]["title"] if fmt == "jsonl" else revision["new_title"]) == B_TITLE


@pytest.mark.parametrize(
    ("args", "count"),
    [
        ((), 3),
        (("--site", "mfa"), 3),
        (("--site", "other-site"), 0),
        (("--since", "2000-01-01"), 3),
        (("--since", "2999"), 0),
        (("--since", "1h"), 3),
    ],
)
def test_filters(site: Site, args: tuple[str, ...], count: int) -> None:
    assert len(_feed(site, *args)["items"]) == count


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "yesterday"), "no date"),
        (("--site", "Bad Site"), "no site name"),
        (("--format", "xml"), "xml"),
    ],
)
def test_bad_input_is_one_line(site: Site, args: tuple[str, ...], message: str) -> None:
    result = run_cli("changes", "--db", str(site.db), "-o", "-", *args)
    assert result.returncode != 0 and message in result.stderr and "Traceback" not in result.stderr


def test_missing_archive_and_unwritable_output(tmp_path: Path, site: Site) -> None:
    result = run_cli("changes", "--db", str(tmp_path / "none.db"), "-o", "-")
    assert result.returncode == 1 and "no such archive" in result.stderr and "Traceback" not in result.stderr
    result = run_cli("changes", "--db", str(site.db), "-o", str(tmp_path / "no" / "dir" / "f.json"))
    assert result.returncode == 1 and "does not exist" in result.stderr


def test_written_to_a_file(site: Site, tmp_path: Path) -> None:
    out = tmp_path / "changes.json"
    result = run_cli("changes", "--db", str(site.db), "-o", str(out))
    assert result.returncode == 0 and "3 change(s) written" in result.stderr
    assert len(json.loads(out.read_text())["items"]) == 3


# -- the library ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "added", "removed", "quoted"),
    [
        ("a b c", "a b c", 0, 0, "text unchanged"),
        ("a b c", "a x c", 1, 1, "−“b” +“x”"),
        ("a b c", "a b c d e", 2, 0, "+“d e”"),
        ("a b c d", "a d", 0, 2, "−“b c”"),
        ("", "new text", 2, 0, "+“new text”"),
        (
            "x prepared a programme of y",
            "x signed a memorandum on y",
            4,
            4,
            "−“prepared a programme of” +“signed a memorandum on”",
        ),
        ("a b c d e", "a X c Y e", 3, 3, "−“b c d” +“X c Y”"),
    ],
)
def test_word_summary(old: str, new: str, added: int, removed: int, quoted: str) -> None:
    summary, plus, minus = word_summary(old, new)
    assert (plus, minus) == (added, removed) and quoted in summary


def test_word_opcodes_match_difflib_where_no_lone_word_parts_two_edits() -> None:
    import difflib

    a = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    b = ["one", "two", "THREE", "four", "five", "6", "seven", "eight", "nine", "ten"]
    ours = [(t, a[i1:i2], b[j1:j2]) for t, i1, i2, j1, j2 in word_opcodes(a, b)]
    plain = [(t, a[i1:i2], b[j1:j2]) for t, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b).get_opcodes()]
    assert ours == plain


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024", "2024-01-01"),
        ("2024-03", "2024-03-01"),
        ("2024-03-05T10:00:00+02:00", "2024-03-05T08:00:00+00:00"),
        ("2024-03-05T10:00:00", "2024-03-05T10:00:00+00:00"),
        ("2d", "2024-03-03T12:00:00+00:00"),
        ("36h", "2024-03-04T00:00:00+00:00"),
        ("1w", "2024-02-27T12:00:00+00:00"),
    ],
)
def test_parse_since(value: str, expected: str) -> None:
    from datetime import UTC, datetime

    assert parse_since(value, now=datetime(2024, 3, 5, 12, tzinfo=UTC)) == expected


def test_list_changes_rejects_bad_filters_before_reading(site: Site) -> None:
    with sqlite3.connect(site.db) as conn:
        with pytest.raises(ChangesError, match="no date"):
            list_changes(conn, since="soon")
        assert len(list(list_changes(conn, limit=2))) == 2


# -- diff ------------------------------------------------------------------------------------------------------


def test_diff_text(site: Site) -> None:
    out = _cli_ok("diff", site.edited_all, "--db", str(site.db))
    assert f"-# {site.b_old_title}" in out and f"+# {B_TITLE}" in out
    assert f"-{site.b_dropped}" in out
    assert "authors: " in out and B_AUTHOR in out and "published: " in out
    same = _cli_ok("diff", article_id(site.edited_all), "--db", str(site.db), "--from", "1", "--to", "2")
    assert same == out  # by id, with the versions named: the same diff


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("https://nowhere.example/a",), "not in the archive"),
        (("{withdrawn}",), "one version only"),
        (("{edited}", "--from", "3"), "has versions 1 to 2"),
        (("{edited}", "--from", "2", "--to", "2"), "nothing to compare"),
    ],
)
def test_diff_bad_input(site: Site, args: tuple[str, ...], message: str) -> None:
    args = tuple(a.format(withdrawn=site.withdrawn, edited=site.edited_text) for a in args)
    result = run_cli("diff", *args, "--db", str(site.db))
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr


def _check_diff_page(tree: Any, site: Site) -> None:
    """The diff page of A: every changed sentence marked, the unchanged ones not, title and links."""
    assert tree.xpath("string(//h1[@id='dc-diff-title'])").strip()
    inserted = " ".join(tree.xpath("//td[@class='dc-new']//ins/text()"))
    deleted = " ".join(tree.xpath("//td[@class='dc-old']//del/text()"))
    assert "signed a memorandum on" in inserted and A_ADDED in inserted
    assert "the state of" in deleted and "prepared a programme of" in deleted
    assert "memorandum" not in deleted and "prepared" not in inserted
    assert "student exchanges" not in inserted  # unchanged words are not marked
    assert [r.get("data-version") for r in tree.xpath("//table[@id='dc-diff-versions']//tr")] == ["1", "2"]


def test_diff_html_is_self_contained(site: Site, tmp_path: Path) -> None:
    out = tmp_path / "diff.html"
    _cli_ok("diff", site.edited_text, "--db", str(site.db), "--html", "-o", str(out))
    page = out.read_text(encoding="utf-8")
    tree = lxml_html.fromstring(page)
    _check_diff_page(tree, site)
    assert tree.xpath("//meta[@name='viewport']/@content") == ["width=device-width, initial-scale=1"]
    assert not tree.xpath("//script | //link | //img | //iframe")  # nothing loaded from anywhere
    assert tree.xpath("//p[@id='dc-diff-article']/a/@href") == [site.edited_text]
    assert "raw capture #" in tree.xpath("string(//table[@id='dc-diff-versions'])")
    based = _cli_ok("diff", site.edited_all, "--db", str(site.db), "--html", "--base-url", "http://h/archive")
    tree = lxml_html.fromstring(based)
    hrefs = tree.xpath("//table[@id='dc-diff-versions']//a/@href")
    assert len(hrefs) == 2 and all(h.startswith("http://h/archive/-/capture/") for h in hrefs)
    meta = {r.get("data-field"): r for r in tree.xpath("//table[@id='dc-diff-meta']//tr")}
    assert set(meta) == {"title", "published", "authors"}
    assert B_AUTHOR in " ".join(meta["authors"].xpath(".//ins/text()"))
    assert site.b_dropped in " ".join(tree.xpath("//td[@class='dc-old']//del/text()"))


def test_diff_page_escapes_archived_markup() -> None:
    old = Version(1, "2024-01-01T00:00:00+00:00", "aa", "<b>Old</b>", "First <script>alert(1)</script> para.")
    new = Version(
        2,
        "2024-01-02T00:00:00+00:00",
        "bb",
        "<b>New</b>",
        "First <img src=x onerror=alert(2)> para.\n\nTwo.",
        current=True,
    )
    page = diff_page(Versions("https://x.example/a", "0" * 16, old, new, None, None, 2))
    tree = lxml_html.fromstring(page)
    assert not tree.xpath("//script | //img | //b")
    assert "<script>alert(1)</script>" in tree.xpath("string(//table[@id='dc-diff-text']//td[@class='dc-old'])")
    assert "no capture kept" in page


@pytest.mark.parametrize(
    ("before", "after", "deleted", "inserted"),
    [
        ("One two.\n\nThree four.", "One two.\n\nThree five.", ["four."], ["five."]),
        ("Alpha.", "Alpha.\n\nBeta gamma.", [], ["Beta gamma."]),
        ("A b.\n\nC d.", "A b.", ["C d."], []),
    ],
)
def test_word_marks(before: str, after: str, deleted: list[str], inserted: list[str]) -> None:
    left, right = word_marks(before, after)
    assert lxml_html.fragment_fromstring(left, create_parent="div").xpath("//del/text()") == deleted
    assert lxml_html.fragment_fromstring(right, create_parent="div").xpath("//ins/text()") == inserted
    assert right.count("<p>") == len([p for p in after.split("\n\n") if p])


# -- Datasette and Chromium ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def datasette(site: Site) -> Any:
    pytest.importorskip("datasette", reason="Datasette is the optional [browse] extra")
    with browse_archive(site.db) as base:
        yield base


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def _check_reading_versions(tree: Any, site: Site) -> None:
    aid = article_id(site.edited_text)
    paragraphs = [p.text_content() for p in tree.xpath("//div[@id='dc-text']/p")]
    assert len(paragraphs) == 5 and paragraphs[-1] == A_ADDED and any(A_NEW in p for p in paragraphs)
    rows = tree.xpath("//section[@id='dc-versions']//tr[@data-version]")
    assert [r.get("data-version") for r in rows] == ["2", "1"]
    assert rows[0].xpath(".//a[@class='dc-diff-link']/@href") == [f"/archive/-/article/{aid}/diff?from=1&to=2"]
    assert not rows[1].xpath(".//a[@class='dc-diff-link']")


def test_datasette_diff_and_changes_pages(datasette: str, site: Site) -> None:
    aid = article_id(site.edited_text)
    _check_diff_page(lxml_html.fromstring(_get(f"{datasette}/archive/-/article/{aid}/diff")), site)
    tree = lxml_html.fromstring(_get(f"{datasette}/archive/-/changes"))
    kinds = sorted(li.get("data-kind") for li in tree.xpath("//ol[@id='dc-changes']/li"))
    assert kinds == ["revision", "revision", "withdrawn"]
    assert f"/archive/-/article/{aid}/diff?from=1&to=2" in tree.xpath("//a[@class='dc-diff-link']/@href")
    assert 'href="/archive/-/changes"' in _get(f"{datasette}/archive")  # the database menu links to it
    empty = lxml_html.fromstring(_get(f"{datasette}/archive/-/changes?site=other"))
    assert empty.xpath("//p[@id='dc-no-changes']")
    _check_reading_versions(lxml_html.fromstring(_get(f"{datasette}/archive/-/article/{aid}")), site)


@pytest.mark.parametrize("query", ["?from=1&to=9", "?from=x", ""])
def test_datasette_diff_not_found(datasette: str, site: Site, query: str) -> None:
    target = site.edited_text if query else site.withdrawn  # the withdrawn article has one version only
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(f"{datasette}/archive/-/article/{article_id(target)}/diff{query}", timeout=10)
    assert info.value.code == 404


def test_headless_chromium_diff_changes_and_reading_pages(datasette: str, site: Site) -> None:
    if CHROMIUM is None:
        pytest.skip(NO_CHROMIUM)
    aid = article_id(site.edited_text)
    diff_url = f"{datasette}/archive/-/article/{aid}/diff"
    tree = lxml_html.fromstring(dump_dom(diff_url))
    _check_diff_page(tree, site)
    assert tree.xpath("//p[@id='dc-diff-article']/a/@href") == [f"/archive/-/article/{aid}"]
    captures = tree.xpath("//table[@id='dc-diff-versions']//a/@href")
    assert len(captures) == 2 and all("/archive/-/capture/" in h for h in captures)
    for name, width in (("changes-diff.png", 1280), ("changes-diff-phone.png", 390)):
        shot = screenshot(diff_url, name, width, 1400)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    reading_url = f"{datasette}/archive/-/article/{aid}"
    _check_reading_versions(lxml_html.fromstring(dump_dom(reading_url)), site)
    assert screenshot(reading_url, "changes-reading-page.png", 1280, 1600).stat().st_size > 20_000
    changes = lxml_html.fromstring(dump_dom(f"{datasette}/archive/-/changes"))
    assert len(changes.xpath("//ol[@id='dc-changes']/li")) == 3
    assert screenshot(f"{datasette}/archive/-/changes", "changes-list.png", 1280, 1000).stat().st_size > 10_000


@pytest.mark.parametrize("edit", ["sentence", "paragraph"])
def test_changes_bench_runs(tmp_path: Path, edit: str) -> None:
    """bench/changes_export.py end to end on a small archive: every change exported in every format."""
    import subprocess
    import sys

    bench = Path(__file__).resolve().parent.parent / "bench" / "changes_export.py"
    db = tmp_path / "bench.db"
    args = [sys.executable, str(bench), "--changes", "200", "--rounds", "1", "--edit", edit, "--db", str(db)]
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert "200 changes" in lines[1]
    timed = [line for line in lines if line.startswith("changes --format")]
    assert len(timed) == 3 and all("x the baseline" in line for line in timed)
    assert lines[-1] == "feed items: 200"


@pytest.mark.parametrize(
    ("title", "cell"),
    [("=SUM(1+1)", "'=SUM(1+1)"), ("-1 start", "'-1 start"), ("'=x", "''=x"), ("Plain", "Plain"), (None, "")],
)
def test_csv_cells_are_safe_in_a_spreadsheet(title: str | None, cell: str) -> None:
    from diplomatic_crawler.changes import write_changes
    from diplomatic_crawler.export.csvfile import restore_cell

    change = {
        "id": "withdrawn:0000000000000000:1",
        "kind": "withdrawn",
        "at": "2026-01-01T00:00:00+00:00",
        "article_id": "0" * 16,
        "canonical_url": "https://x.example/a",
        "url": "https://x.example/a",
        "site": "x",
        "title": title,
        "reason": "HTTP 404",
        "http_status": 404,
    }
    out = io.BytesIO()
    assert write_changes([change], "csv", out) == 1
    row = next(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8"))))
    assert row["title"] == cell and row["http_status"] == "404" and row["old_version"] == ""
    assert restore_cell(row["title"]) == (title or "")


def test_csv_list_cells_are_each_rows_own() -> None:
    """Lists are JSON in a cell, each distinct list encoded once per export: a repeated byline, a different
    one, one holding a formula and lists of equal non-string values (1 == True) each get their own cell."""
    from diplomatic_crawler.changes import write_changes

    authors = [["Press office"], ["Tomas Varga", "Press office"], ["Press office"], ["=HYPERLINK(1)"], [1], [True]]
    changes = [
        {
            "id": f"revision:{'0' * 16}:v{n}",
            "kind": "revision",
            "changed": ["authors"] if n % 2 else ["text", "authors"],
            "old": {"version": n, "authors": ["Desk", "Ünal Öz"]},
            "new": {"version": n + 1, "authors": names},
        }
        for n, names in enumerate(authors, 1)
    ]
    out = io.BytesIO()
    assert write_changes(changes, "csv", out) == len(authors)
    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8"))))
    assert [r["new_authors"] for r in rows] == [
        '["Press office"]',
        '["Tomas Varga", "Press office"]',
        '["Press office"]',
        '["=HYPERLINK(1)"]',  # a cell that starts with "[" is no formula
        "[1]",
        "[true]",
    ]
    assert {r["old_authors"] for r in rows} == {'["Desk", "Ünal Öz"]'}
    assert [r["changed"] for r in rows] == ['["authors"]', '["text", "authors"]'] * 3
    assert [r["new_version"] for r in rows] == [str(n + 1) for n in range(1, 7)]


def test_trimming_finds_the_same_edits_as_a_plain_word_diff() -> None:
    """text_edits sets the texts' common head and tail aside by string slices: on 3,000 seeded random edits
    of short texts (unique paragraphs) it finds as many words added and removed as the diff without that."""
    import random

    from diplomatic_crawler.changes import paragraph_opcodes, text_edits

    def plain(old: str, new: str) -> tuple[int, int]:
        a, b = [p for p in old.split("\n\n") if p], [p for p in new.split("\n\n") if p]
        removed = added = 0
        for tag, i1, i2, j1, j2 in paragraph_opcodes(a, b):
            if tag != "equal":
                x, y = " ".join(a[i1:i2]).split(), " ".join(b[j1:j2]).split()
                for op, k1, k2, m1, m2 in word_opcodes(x, y):
                    if op != "equal":
                        removed, added = removed + k2 - k1, added + m2 - m1
        return removed, added

    rnd = random.Random(23)
    words = ["the", "of", "and", "a", "to", "in", "minister", "talks", "signed", "memorandum", "border", "capital"]
    for _ in range(3000):
        old = [" ".join(rnd.choices(words, k=rnd.randint(1, 8))) for _ in range(rnd.randint(0, 4))]
        new = list(old)
        for _ in range(rnd.randint(1, 3)):
            if new and rnd.random() < 0.5:
                k = rnd.randrange(len(new))
                w = new[k].split()
                i = rnd.randint(0, len(w))
                w[i : i + rnd.randint(0, 2)] = rnd.choices(words, k=rnd.randint(0, 2))
                new[k] = " ".join(w)
            else:
                new.insert(rnd.randint(0, len(new)), " ".join(rnd.choices(words, k=3)))
        # paragraphs unique, as they are in statements (a repeated one is matched by difflib, which may
        # pair the repeats differently once the head and tail are set aside: the counts can then differ)
        old_text, new_text = "\n\n".join(dict.fromkeys(old)), "\n\n".join(dict.fromkeys(p for p in new if p))
        edits = list(text_edits(old_text, new_text))
        assert all(w in words for gone, came in edits for w in gone + came)  # never a word cut in two
        found = (sum(len(g) for g, _ in edits), sum(len(c) for _, c in edits))
        assert found == plain(old_text, new_text), (old_text, new_text)

"""Atom 1.0 beside JSON Feed: `export --format atom` (and the Scrapy feed `-O items.atom`, in
test_export_scrapy.py) writes a valid RFC 4287 feed, read back here with Python's XML parser."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from export_archive import TRICKY, build_archive

from diplomatic_crawler.cli import main
from diplomatic_crawler.export import ArchiveReader, ExportFilter, export_file
from diplomatic_crawler.export.atom import ATOM_NS, EXTENSION_NS

A = f"{{{ATOM_NS}}}"
D = f"{{{EXTENSION_NS}}}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_archive(tmp_path_factory.mktemp("atom") / "archive.db")


def _feed(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    assert root.tag == f"{A}feed"
    return root


def check_atom_10(feed: ET.Element) -> None:
    """RFC 4287's required elements: feed id, title, updated, an author (or one in every entry); entry id,
    title, updated, a link or content; every date RFC 3339; ids unique."""
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"{A}{name}")) == 1 and feed.findtext(f"{A}{name}"), name
    assert RFC3339.match(feed.findtext(f"{A}updated"))
    assert feed.find(f"{A}author/{A}name") is not None
    ids = []
    for entry in feed.findall(f"{A}entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{A}{name}")) == 1 and entry.findtext(f"{A}{name}"), name
        for name in ("updated", "published"):
            if entry.find(f"{A}{name}") is not None:
                assert RFC3339.match(entry.findtext(f"{A}{name}")), name
        assert entry.find(f"{A}link[@rel='alternate']") is not None
        assert entry.find(f"{A}content").get("type") == "text"
        assert entry.find(f"{A}author/{A}name") is not None
        ids.append(entry.findtext(f"{A}id"))
    assert len(ids) == len(set(ids))


def test_atom_feed_fields(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "feed.atom"
    assert export_file(archive, "atom", out) == len(TRICKY)
    feed = _feed(out)
    check_atom_10(feed)
    assert feed.findtext(f"{A}title") == "Diplomatic news archive"
    assert feed.findtext(f"{A}id").startswith("urn:uuid:")
    assert feed.find(f"{A}generator").text == "diplomatic-crawler"
    entries = {e.findtext(f"{A}id"): e for e in feed.findall(f"{A}entry")}
    assert set(entries) == {r["canonical_url"] for r in TRICKY}

    rtl = entries["https://mfa.example/ar/news/rtl"]
    source = next(r for r in TRICKY if r["canonical_url"] == "https://mfa.example/ar/news/rtl")
    assert rtl.findtext(f"{A}title") == source["title"]
    assert rtl.find(f"{A}link").get("href") == source["canonical_url"]
    assert rtl.findtext(f"{A}published") == "2025-03-12T14:30:00+04:00"
    assert rtl.findtext(f"{A}updated") == "2025-03-13T08:00:00-05:00"  # the modification date
    assert [a.findtext(f"{A}name") for a in rtl.findall(f"{A}author")] == source["authors"]
    assert rtl.findtext(f"{A}content") == source["text"]  # U+2028, flags and combining marks intact
    assert rtl.get(XML_LANG) == "ar"
    assert rtl.findtext(f"{D}site") == "mfa-az" and rtl.findtext(f"{D}crawl_id") == "1"
    assert rtl.findtext(f"{D}published") == source["published"] and rtl.findtext(f"{D}timezone_assumed") == "true"
    assert rtl.findtext(f"{D}published_utc") == "2025-03-12T10:30:00Z"
    assert [v.text for v in rtl.findall(f"{D}countries/{D}value")] == ["AZ", "AM"]
    assert [{c.tag.removeprefix(D): c.text for c in item} for item in rtl.findall(f"{D}alternates/{D}item")] == (
        source["alternates"]
    )

    formula = entries["https://mfa.example/en/news/formula"]
    assert formula.findtext(f"{A}content") == TRICKY[0]["text"]  # markup as text, the CRLF kept
    assert formula.findtext(f"{A}published") == "2025-03-12T00:00:00Z"  # a day: midnight UTC, as JSON Feed
    assert formula.findtext(f"{D}published") == "2025-03-12" and formula.findtext(f"{D}published_precision") == "day"
    assert [c.get("term") for c in formula.findall(f"{A}category")] == TRICKY[0]["tags"]
    # nobody named: the issuer wrote it
    assert [a.findtext(f"{A}name") for a in formula.findall(f"{A}author")] == [
        "Ministry of Foreign Affairs of Azerbaijan"]

    at_sign = entries["https://embassy.example/news/at-sign"]
    assert at_sign.findtext(f"{A}summary") == "+33 résumé - avec tiret"
    undated = entries["https://embassy.example/news/undated"]
    assert undated.find(f"{A}published") is None
    assert RFC3339.match(undated.findtext(f"{A}updated"))  # first seen: Atom requires an updated date
    assert undated.findtext(f"{A}content") == ""
    assert [a.findtext(f"{A}name") for a in undated.findall(f"{A}author")] == ["embassy-news"]


def test_atom_is_newest_first_like_json_feed(archive: Path, tmp_path: Path) -> None:
    export_file(archive, "atom", tmp_path / "feed.atom")
    export_file(archive, "jsonfeed", tmp_path / "feed.json")
    import json

    ids = [e.findtext(f"{A}id") for e in _feed(tmp_path / "feed.atom").findall(f"{A}entry")]
    assert ids == [i["url"] for i in json.loads((tmp_path / "feed.json").read_text(encoding="utf-8"))["items"]]
    assert ids[-1] == "https://embassy.example/news/undated"


def test_cli_atom_with_title_links_and_filters(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "mfa.atom"
    result = CliRunner().invoke(main, [
        "export", "--db", str(archive), "--format", "atom", "--site", "mfa-az", "--title", "MFA <news> & more",
        "--feed-url", "https://example.org/mfa.atom", "--home-page-url", "https://mfa.example/", "-o", str(out)])
    assert result.exit_code == 0, result.output
    feed = _feed(out)
    check_atom_10(feed)
    assert feed.findtext(f"{A}title") == "MFA <news> & more"
    assert feed.findtext(f"{A}id") == "https://example.org/mfa.atom"
    assert feed.find(f"{A}link[@rel='self']").get("href") == "https://example.org/mfa.atom"
    assert feed.find(f"{A}link[@rel='alternate']").get("href") == "https://mfa.example/"
    assert '"sites": ["mfa-az"]' in feed.findtext(f"{D}filters")
    assert len(feed.findall(f"{A}entry")) == 2


def test_feed_id_is_stable_per_filters(archive: Path, tmp_path: Path) -> None:
    def feed_id(name: str, **flt) -> str:
        export_file(archive, "atom", tmp_path / name, ExportFilter(**flt))
        return _feed(tmp_path / name).findtext(f"{A}id")

    assert feed_id("a.atom", sites=["mfa-az"]) == feed_id("b.atom", sites=["mfa-az"]) != feed_id("c.atom")


def test_empty_atom_feed_is_valid(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "empty.atom"
    assert export_file(archive, "atom", out, ExportFilter(language="de")) == 0
    feed = _feed(out)
    check_atom_10(feed)
    assert feed.findall(f"{A}entry") == []


def test_characters_xml_cannot_hold_are_dropped(tmp_path: Path) -> None:
    from export_archive import build_archive as build

    row = {"canonical_url": "https://x.example/ctl", "site": "mfa-az", "title": "Bell\x07 and \x1b[1mescape",
           "text": "NUL\x00 here\x0bthere", "published": "2025-01-01"}
    db = build(tmp_path / "ctl.db", [row], crawls=1)
    export_file(db, "atom", tmp_path / "ctl.atom")
    entry = _feed(tmp_path / "ctl.atom").find(f"{A}entry")
    assert entry.findtext(f"{A}title") == "Bell and [1mescape" and entry.findtext(f"{A}content") == "NUL herethere"
    with ArchiveReader(db) as reader:  # the archive keeps them
        assert next(reader.records(ExportFilter()))["text"] == "NUL\x00 here\x0bthere"

"""Scrapy side: `scrapy crawl news -O new.jsonl` / `-O feed.json:jsonfeed` export exactly what the run added or
changed, in the schema of `diplomatic-crawler export`."""

from __future__ import annotations

import io
import json
import marshal
import pickle
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import SiteUnderTest, run_crawl
from test_export_formats import check_json_feed_11

from diplomatic_crawler.cli import main
from diplomatic_crawler.export.csvfile import read_csv_records


def _export(db: Path, *args: str) -> bytes:
    result = CliRunner().invoke(main, ["export", "--db", str(db), *args, "-o", "-"])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def test_feeds_of_a_run_hold_its_new_and_updated_articles(test_site: SiteUnderTest, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    test_site.write_seed(seeds, start_urls=[], feeds=[])  # sitemap only: lastmod decides what is refetched
    db = tmp_path / "archive.db"
    first = tmp_path / "new.jsonl"

    result = run_crawl("-a", f"seeds={seeds}", "-O", str(first), ARCHIVE_DB=str(db))
    assert result.returncode == 0, result.stderr[-3000:]
    lines = first.read_bytes().splitlines()
    assert len(lines) == 12
    # byte-identical to the archive export of that run
    assert first.read_bytes() == _export(db, "--format", "jsonl", "--crawl", "1")

    # second run: three new articles and one edited article; the rest unchanged
    target = test_site.spec.articles[-1]  # the newest old article: listed in the plain child sitemap
    new_paths = test_site.add_articles(3)
    page = test_site.root / "news" / f"{target.slug}.html"
    page.write_text(page.read_text().replace("The parties also", "Correction: the parties also"))
    for sitemap in test_site.root.glob("sitemap-*.xml"):
        text = sitemap.read_text()
        if f"{target.slug}.html</loc>" in text:
            sitemap.write_text(
                re.sub(
                    rf"({re.escape(target.slug)}\.html</loc><lastmod>)[^<]+", r"\g<1>2999-01-01T00:00:00+00:00", text
                )
            )
    feed_path = tmp_path / "feed.json"
    csv_path = tmp_path / "new.csv"
    result = run_crawl("-a", f"seeds={seeds}", "-O", f"{feed_path}:jsonfeed", "-O", str(csv_path), ARCHIVE_DB=str(db))
    assert result.returncode == 0, result.stderr[-3000:]
    feed = json.loads(feed_path.read_text(encoding="utf-8"))
    check_json_feed_11(feed)
    urls = {item["url"] for item in feed["items"]}
    expected = {f"{test_site.base}{p}" for p in new_paths} | {f"{test_site.base}/news/{target.slug}.html"}
    assert urls == expected
    assert all(item["_diplomatic"]["crawl_id"] == 2 for item in feed["items"])
    edited = next(i for i in feed["items"] if target.slug in i["url"])
    assert "Correction" in edited["content_text"]
    # the same as the CLI's --new and --crawl 2 exports (bar the generation time)
    cli_feed = json.loads(_export(db, "--format", "jsonfeed", "--new"))
    assert [i["id"] for i in cli_feed["items"]] == [i["id"] for i in feed["items"]]
    assert cli_feed["items"] == feed["items"]
    assert csv_path.read_bytes() == _export(db, "--format", "csv", "--crawl", "2")
    assert "new or updated article(s) of crawl 2" in result.stderr


# -- every feed format Scrapy offers (and ours) ----------------------------------------------------------------


def _xml_records(path: Path) -> list[dict[str, Any]]:
    def value(element: ET.Element) -> Any:
        children = list(element)
        if not children:
            return element.text or ""
        if all(c.tag == "value" for c in children):
            return [value(c) for c in children]
        return {c.tag: value(c) for c in children}

    root = ET.parse(path).getroot()
    assert root.tag == "items"
    records = [{field.tag: value(field) for field in item} for item in root]
    for record in records:  # an empty list is an empty element
        for name in ("authors", "tags", "countries", "alternates"):
            record[name] = record.get(name) or []
    return records


def _load_all(load: Callable[[Any], Any], path: Path) -> list[dict[str, Any]]:
    out = []
    with path.open("rb") as handle:
        while True:
            try:
                out.append(load(handle))
            except EOFError:
                return out


def _atom_records(path: Path) -> list[dict[str, Any]]:
    """Entries of an Atom feed (parsed with Python's XML parser, checked against RFC 4287) as records: the
    `dip:` extension fields, the title and the authors."""
    from test_export_atom import A, D, check_atom_10

    root = ET.parse(path).getroot()
    check_atom_10(root)
    records = []
    for entry in root.findall(f"{A}entry"):
        record: dict[str, Any] = {c.tag.removeprefix(D): c.text for c in entry if c.tag.startswith(D) and not len(c)}
        record.update(title=entry.findtext(f"{A}title"), authors=[a.findtext(f"{A}name") for a in entry.findall(
            f"{A}author")])
        assert record["canonical_url"] == entry.findtext(f"{A}id") == entry.find(f"{A}link").get("href")
        records.append(record)
    return records


FEED_READERS: dict[str, Callable[[Path], list[dict[str, Any]]]] = {
    "atom": _atom_records,
    "json": lambda p: json.loads(p.read_text(encoding="utf-8")),
    "jsonl": lambda p: [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()],
    "jsonlines": lambda p: [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()],
    "jl": lambda p: [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()],
    "csv": lambda p: list(read_csv_records(io.BytesIO(p.read_bytes()))),
    "xml": _xml_records,
    "pickle": lambda p: _load_all(pickle.load, p),
    "marshal": lambda p: _load_all(marshal.load, p),
    "parquet": lambda p: pq.read_table(p).to_pylist(),
    "jsonfeed": lambda p: [
        {**i["_diplomatic"], "title": i["title"], "authors": [a["name"] for a in i.get("authors", [])]}
        for i in json.loads(p.read_text(encoding="utf-8"))["items"]
    ],
}


def test_every_feed_format_scrapy_offers_is_covered() -> None:
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    formats = set(settings.getdict("FEED_EXPORTERS_BASE")) | set(settings.getdict("FEED_EXPORTERS"))
    assert formats == set(FEED_READERS)
    ours = settings.getdict("FEED_EXPORTERS")
    assert all(ours.get(f, "").startswith("diplomatic_crawler.") for f in formats)  # none left to Scrapy


@pytest.mark.parametrize("pipelines", ["archive", "none"])
def test_every_feed_format_holds_the_export_records(test_site: SiteUnderTest, tmp_path: Path, pipelines: str) -> None:
    """One crawl writes a feed in every format (`-O items.<format>`, or `-O file:<format>`); each holds the
    12 articles as export records: real lists, no Python reprs, no TypeErrors. Without the archive pipeline
    the items are written as they come, in the same schema."""
    seeds = tmp_path / "seeds"
    test_site.write_seed(seeds)
    db = tmp_path / "archive.db"
    outputs = {fmt: tmp_path / f"items.{fmt}" for fmt in FEED_READERS}
    args = ["-a", f"seeds={seeds}"]
    for fmt, path in outputs.items():
        args += ["-O", str(path) if fmt != "jsonfeed" else f"{path}:jsonfeed"]
    extra = {"ITEM_PIPELINES": "{}"} if pipelines == "none" else {}
    result = run_crawl(*args, ARCHIVE_DB=str(db), **extra)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "TypeError" not in result.stderr and "Traceback" not in result.stderr
    for fmt, path in outputs.items():
        records = FEED_READERS[fmt](path)
        # Text formats must hold no Python reprs; parquet is compressed bytes, so its values are checked instead.
        raw = path.read_bytes() if fmt != "parquet" else json.dumps(records, default=str).encode()
        assert b"Article(" not in raw and b"{'" not in raw and b"None<" not in raw, fmt
        assert len(records) == 12, fmt
        for record in records:
            assert record["canonical_url"].startswith(test_site.base), fmt
            assert record["site"] == "testsite" and record["title"], fmt
            assert isinstance(record["authors"], list) and all(isinstance(a, str) for a in record["authors"]), fmt
            assert record["authors"], (fmt, record["canonical_url"])
        if pipelines == "archive":
            assert all(r.get("crawl_id") in (1, "1") for r in records), fmt


@pytest.mark.parametrize(
    ("args", "settings", "message"),
    [
        (["-O", "{tmp}/items.nope"], {}, "Unrecognized output format 'nope'"),
        (["-O", "{tmp}/items-%(batch_id)d.jsonl"], {"FEED_EXPORT_BATCH_ITEM_COUNT": "5"}, "feed batches"),
        (["-o", "{tmp}/existing.json"], {}, "-o would append a second json document"),
        (["-o", "{tmp}/existing.xml"], {}, "-o would append a second xml document"),
        (["-o", "{tmp}/existing.parquet"], {}, "-o would append a second parquet document"),
        (["-o", "{tmp}/existing.atom"], {}, "-o would append a second atom document"),
    ],
)
def test_feeds_written_wrong_are_refused_before_the_crawl(
    test_site: SiteUnderTest, tmp_path: Path, args: list[str], settings: dict[str, str], message: str
) -> None:
    for name in ("existing.json", "existing.xml", "existing.parquet", "existing.atom"):
        (tmp_path / name).write_bytes(b"[]\n")
    seeds = tmp_path / "seeds"
    test_site.write_seed(seeds)
    test_site.server.clear_log()
    result = run_crawl(
        "-a", f"seeds={seeds}", *[a.format(tmp=tmp_path) for a in args], ARCHIVE_DB=str(tmp_path / "a.db"), **settings
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(lines) == 1 and message in lines[0], result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert test_site.server.paths() == []  # nothing fetched
    assert (tmp_path / "existing.json").read_bytes() == b"[]\n"


def test_appending_feeds_append(test_site: SiteUnderTest, tmp_path: Path) -> None:
    """`-o` to JSON Lines, CSV, pickle and marshal files appends the next run's articles: still one header
    line in the CSV file."""
    seeds = tmp_path / "seeds"
    test_site.write_seed(seeds, start_urls=[], feeds=[])
    db = tmp_path / "archive.db"
    outputs = {fmt: tmp_path / f"items.{fmt}" for fmt in ("jsonl", "csv", "pickle", "marshal")}
    args = [a for path in outputs.values() for a in ("-o", str(path))]
    assert run_crawl("-a", f"seeds={seeds}", *args, ARCHIVE_DB=str(db)).returncode == 0
    test_site.add_articles(2)
    assert run_crawl("-a", f"seeds={seeds}", *args, ARCHIVE_DB=str(db)).returncode == 0
    for fmt, path in outputs.items():
        records = FEED_READERS[fmt](path)
        assert len(records) == 14, fmt
        assert len({r["canonical_url"] for r in records}) == 14, fmt
    assert outputs["csv"].read_text(encoding="utf-8").count("article_id,canonical_url") == 1

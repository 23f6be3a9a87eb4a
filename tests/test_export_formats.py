"""`diplomatic-crawler export`: every format round-trips tricky rows; JSON Feed 1.1 rules; CSV neutralisation;
filters; bad input rejected before anything is written."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from export_archive import TRICKY, build_archive

from diplomatic_crawler.cli import main
from diplomatic_crawler.export import ArchiveReader, ExportError, ExportFilter, export_file
from diplomatic_crawler.export.csvfile import neutralise_cell, read_csv_records, restore_cell
from diplomatic_crawler.export.schema import CORE_FIELDS

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_archive(tmp_path_factory.mktemp("export") / "archive.db")


def _source(archive: Path, **flt: Any) -> list[dict[str, Any]]:
    with ArchiveReader(archive) as reader:
        return list(reader.records(ExportFilter(**flt)))


def _read_jsonl(path: Path, schema: Any = None) -> list[dict[str, Any]]:
    raw = path.read_bytes()
    assert raw.endswith(b"\n") and b"NaN" not in raw
    lines = raw.decode("utf-8").split("\n")[:-1]
    return [json.loads(line) for line in lines]


def _read_parquet(path: Path, schema: Any = None) -> list[dict[str, Any]]:
    rows = pq.read_table(path).to_pylist()
    for row in rows:  # back to the archive's representation
        for name in ("fetched_at", "first_seen", "last_checked"):
            row[name] = row[name].isoformat() if row[name] else None
        if row["published_utc"] is not None:  # a field of the archive (migration 95), an Arrow timestamp here
            row["published_utc"] = row["published_utc"].strftime("%Y-%m-%dT%H:%M:%SZ")
        row.pop("modified_utc"), row.pop("published_date"), row.pop("modified_date")
    return rows


def _read_csv(path: Path, schema: Any = None) -> list[dict[str, Any]]:
    with path.open("rb") as handle:
        return list(read_csv_records(handle, schema))


def _read_json(path: Path, schema: Any = None) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))


READERS = {"jsonl": _read_jsonl, "json": _read_json, "csv": _read_csv, "parquet": _read_parquet}


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_round_trip_keeps_every_value(archive: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    assert export_file(archive, fmt, out) == len(TRICKY)
    with ArchiveReader(archive) as reader:
        schema = reader.schema
    fields = list(schema.fields)  # the core fields, then columns later migrations added
    back = READERS[fmt](out, schema)
    expected = _source(archive)
    assert fields[: len(CORE_FIELDS)] == list(CORE_FIELDS)
    assert [list(r) for r in back] == [fields] * len(TRICKY)  # stable field order
    for got, want in zip(back, expected, strict=True):
        if fmt == "csv":  # CSV cannot tell an empty string from a missing value
            want = {k: (None if v == "" else v) for k, v in want.items()}
        assert got == want
    # the values are the inserted ones, byte for byte
    by_url = {r["canonical_url"]: r for r in back}
    for row in TRICKY:
        got = by_url[row["canonical_url"]]
        for key in ("title", "authors", "published", "modified", "description"):
            if key in row:
                assert got[key] == row[key], (fmt, key)
        if row["text"]:
            assert got["text"] == row["text"]
        assert got["article_id"] == hashlib.sha256(row["canonical_url"].encode()).hexdigest()[:16]


def test_article_ids_are_stored_and_stable(archive: Path) -> None:
    with sqlite3.connect(archive) as conn:
        stored = dict(conn.execute("SELECT canonical_url, article_id FROM articles"))
    assert {r["canonical_url"]: r["article_id"] for r in _source(archive)} == stored


def test_migration_backfills_article_ids(tmp_path: Path) -> None:
    import sqlite_utils

    from diplomatic_crawler.archive import Archive
    from diplomatic_crawler.migrations import MIGRATIONS

    db_path = tmp_path / "old.db"
    db = sqlite_utils.Database(db_path)  # an archive from before migration 2
    db["migrations"].create({"version": int, "name": str, "applied_at": str}, pk="version")
    MIGRATIONS[0][2](db)
    db["migrations"].insert({"version": 1, "name": "initial", "applied_at": "2025-01-01T00:00:00+00:00"})
    db["articles"].insert({"canonical_url": "https://a.example/x", "url": "https://a.example/x", "site": "a"})
    db.close()
    with Archive(db_path) as archive:
        row = archive.db.execute("SELECT article_id FROM articles").fetchone()
        views = [r[0] for r in archive.db.execute("SELECT name FROM sqlite_master WHERE type = 'view'")]
    assert row[0] == hashlib.sha256(b"https://a.example/x").hexdigest()[:16]
    assert "articles_browse" in views


# -- structured columns: real JSON / Arrow types, never Python reprs ----------------------------------------

ALTERNATES = next(r["alternates"] for r in TRICKY if r.get("alternates"))


def _raw_jsonl(path: Path) -> dict[str, Any]:
    return {r["canonical_url"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def _raw_json(path: Path) -> dict[str, Any]:
    return {r["canonical_url"]: r for r in json.loads(path.read_text(encoding="utf-8"))}


def _raw_jsonfeed(path: Path) -> dict[str, Any]:
    items = json.loads(path.read_text(encoding="utf-8"))["items"]
    return {i["url"]: {**i["_diplomatic"], "authors": [a["name"] for a in i.get("authors", [])]} for i in items}


def _raw_csv(path: Path) -> dict[str, Any]:
    """Each structured cell must itself be a JSON document (what a spreadsheet or pandas user parses)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out = {}
    for row in rows:
        for name in ("authors", "tags", "countries", "alternates"):
            row[name] = json.loads(row[name])
        out[row["canonical_url"]] = row
    return out


def _raw_parquet(path: Path) -> dict[str, Any]:
    schema = pq.ParquetFile(path).schema_arrow
    assert schema.field("alternates").type == pa.list_(
        pa.struct([("url", pa.string()), ("hreflang", pa.string()), ("source", pa.string())])
    )
    for name in ("authors", "tags", "countries"):
        assert schema.field(name).type == pa.list_(pa.string()), name
    return {r["canonical_url"]: r for r in pq.read_table(path).to_pylist()}


RAW_READERS = {
    "jsonl": _raw_jsonl,
    "json": _raw_json,
    "jsonfeed": _raw_jsonfeed,
    "csv": _raw_csv,
    "parquet": _raw_parquet,
}


@pytest.mark.parametrize("fmt", sorted(RAW_READERS))
def test_structured_columns_are_real_structures(archive: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    export_file(archive, fmt, out)
    rows = RAW_READERS[fmt](out)
    rtl = rows["https://mfa.example/ar/news/rtl"]
    assert rtl["alternates"] == ALTERNATES  # objects with url / hreflang / source, not "{'url': ...}" strings
    assert rtl["countries"] == ["AZ", "AM"]
    assert rtl["authors"] == ["أحمد علي", "Jane O'Neil"]
    for row in rows.values():
        for name in ("authors", "countries", "alternates") + (("tags",) if fmt != "jsonfeed" else ()):
            assert isinstance(row[name], list), (name, row[name])
        assert all(isinstance(a, dict) for a in row["alternates"])
        assert not any(isinstance(v, str) and v.startswith("{'") for v in row.values())
    assert rows["https://embassy.example/news/undated"]["alternates"] == []


# -- JSON Feed 1.1 -------------------------------------------------------------------------------------------

ITEM_KEYS = {
    "id",
    "url",
    "external_url",
    "title",
    "content_html",
    "content_text",
    "summary",
    "image",
    "banner_image",
    "date_published",
    "date_modified",
    "authors",
    "tags",
    "language",
    "attachments",
}
FEED_KEYS = {
    "version",
    "title",
    "home_page_url",
    "feed_url",
    "description",
    "user_comment",
    "next_url",
    "icon",
    "favicon",
    "authors",
    "language",
    "expired",
    "hubs",
    "items",
}


def check_json_feed_11(feed: dict[str, Any]) -> None:
    """The rules of https://jsonfeed.org/version/1.1 that a reader relies on."""
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"]
    assert isinstance(feed["items"], list)
    assert all(k in FEED_KEYS or k.startswith("_") for k in feed), feed.keys()
    ids = [item["id"] for item in feed["items"]]
    assert len(ids) == len(set(ids))
    for item in feed["items"]:
        assert all(k in ITEM_KEYS or k.startswith("_") for k in item), item.keys()
        assert isinstance(item["id"], str) and item["id"]
        assert "content_text" in item or "content_html" in item
        for key in ("url", "external_url", "title", "content_text", "summary", "image", "language"):
            assert key not in item or isinstance(item[key], str)
        for key in ("date_published", "date_modified"):
            if key in item:
                assert RFC3339.match(item[key]), item[key]
        if "authors" in item:
            assert item["authors"] and all(isinstance(a, dict) and a.get("name") for a in item["authors"])
        if "tags" in item:
            assert all(isinstance(t, str) for t in item["tags"])
        for key, value in item.items():
            if key.startswith("_"):
                assert isinstance(value, dict)


def test_json_feed_follows_11(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "feed.json"
    result = CliRunner().invoke(
        main,
        [
            "export",
            "--db",
            str(archive),
            "--format",
            "jsonfeed",
            "--title",
            "MFA",
            "-o",
            str(out),
            "--feed-url",
            "https://feeds.example/mfa.json",
        ],
    )
    assert result.exit_code == 0, result.output
    feed = json.loads(out.read_text(encoding="utf-8"))
    check_json_feed_11(feed)
    assert feed["title"] == "MFA" and feed["feed_url"] == "https://feeds.example/mfa.json"
    assert feed["_diplomatic"]["about"].startswith("https://")
    items = {i["url"]: i for i in feed["items"]}
    rtl = items["https://mfa.example/ar/news/rtl"]
    assert rtl["date_published"] == "2025-03-12T14:30:00+04:00"
    assert rtl["date_modified"] == "2025-03-13T08:00:00-05:00"
    assert rtl["external_url"] == "https://mfa.example/ar/news/rtl?utm_source=x"
    assert rtl["authors"] == [{"name": "أحمد علي"}, {"name": "Jane O'Neil"}]
    assert rtl["_diplomatic"]["timezone_assumed"] is True and rtl["_diplomatic"]["site"] == "mfa-az"
    formula = items["https://mfa.example/en/news/formula"]
    assert formula["date_published"] == "2025-03-12T00:00:00Z"  # day-only: midnight UTC ...
    assert formula["_diplomatic"]["published"] == "2025-03-12"  # ... and the exact value kept
    assert formula["_diplomatic"]["published_precision"] == "day"
    assert "authors" not in formula  # empty authors left out, never [{}]
    assert formula["content_text"] == TRICKY[0]["text"] and "content_html" not in formula  # text, never HTML
    undated = items["https://embassy.example/news/undated"]
    assert "date_published" not in undated and undated["content_text"] == ""
    assert [i["url"] for i in feed["items"]][-1] == "https://embassy.example/news/undated"  # newest first, undated last


def test_empty_json_feed_is_valid(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "empty.json"
    assert export_file(archive, "jsonfeed", out, ExportFilter(since="2030")) == 0
    feed = json.loads(out.read_text())
    check_json_feed_11(feed)
    assert feed["items"] == [] and feed["_diplomatic"]["filters"] == {"since": "2030-01-01"}


# -- CSV -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+33 1 23", "'+33 1 23"),
        ("-1 start", "'-1 start"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rCR", "'\rCR"),
        ("'=already", "''=already"),
        ("''@twice", "'''@twice"),
        ("O'Neil", "O'Neil"),
        ("'quoted'", "'quoted'"),
        ("plain = text", "plain = text"),
        ("", ""),
    ],
)
def test_csv_neutralisation_is_reversible(value: str, cell: str) -> None:
    assert neutralise_cell(value) == cell
    assert restore_cell(cell) == value


def test_csv_is_spreadsheet_safe_utf8_and_parses(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(main, ["export", "--db", str(archive), "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][: len(CORE_FIELDS)] == list(CORE_FIELDS)
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    for row in rows[1:]:
        assert len(row) == len(rows[0])
        assert not [c for c in row if c.startswith(dangerous)], row  # nothing a spreadsheet would evaluate
    title = rows[0].index("title")
    assert "'=cmd|' /C calc'!A0" in [r[title] for r in rows]
    text = rows[0].index("text")
    assert TRICKY[0]["text"] in [r[text] for r in rows]  # embedded quotes, commas and newlines survive
    bom = tmp_path / "bom.csv"
    CliRunner().invoke(main, ["export", "--db", str(archive), "--format", "csv", "--bom", "-o", str(bom)])
    assert bom.read_bytes().startswith(b"\xef\xbb\xbf")
    with bom.open("rb") as handle:
        assert len(list(read_csv_records(handle))) == len(TRICKY)


# -- JSONL and Parquet ---------------------------------------------------------------------------------------


def test_jsonl_one_object_per_line_even_for_splitlines(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    export_file(archive, "jsonl", out)
    text = out.read_text(encoding="utf-8")
    assert len(text.splitlines()) == len(TRICKY)  # U+2028 inside a text is escaped
    assert all(isinstance(json.loads(line), dict) for line in text.splitlines())


def test_parquet_types(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    export_file(archive, "parquet", out)
    meta = pq.ParquetFile(out)
    schema = meta.schema_arrow
    assert meta.metadata.row_group(0).column(0).compression == "ZSTD"
    assert schema.field("authors").type == pa.list_(pa.string())
    assert schema.field("tags").type == pa.list_(pa.string())
    assert schema.field("timezone_assumed").type == pa.bool_()
    assert schema.field("word_count").type == pa.int64()
    for name in ("fetched_at", "first_seen", "last_checked", "published_utc", "modified_utc"):
        assert schema.field(name).type == pa.timestamp("us", tz="UTC"), name
    assert schema.field("published_date").type == pa.date32()
    assert not schema.field("article_id").nullable
    assert schema.field("title").metadata[b"description"] == b"the headline"
    rows = {r["canonical_url"]: r for r in pq.read_table(out).to_pylist()}
    rtl = rows["https://mfa.example/ar/news/rtl"]
    assert rtl["published_utc"].isoformat() == "2025-03-12T10:30:00+00:00"
    assert rtl["published_date"].isoformat() == "2025-03-12"  # the publisher's local day
    day = rows["https://mfa.example/en/news/formula"]
    assert day["published_utc"] is None and day["published_date"].isoformat() == "2025-03-12"
    assert rows["https://embassy.example/news/undated"]["published_date"] is None


# -- filters -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({}, {"formula", "rtl", "at-sign", "undated"}),
        ({"sites": ["embassy-news"]}, {"at-sign", "undated"}),
        ({"sites": ["embassy-news", "mfa-az"]}, {"formula", "rtl", "at-sign", "undated"}),
        ({"since": "2025"}, {"formula", "rtl"}),
        ({"until": "2024-12"}, {"at-sign"}),
        ({"since": "2024-12-31", "until": "2024-12-31"}, {"at-sign"}),
        ({"since": "2025-03-12", "until": "2025-03-12"}, {"formula", "rtl"}),
        ({"language": "AR"}, {"rtl"}),
        ({"query": "paragraph"}, {"at-sign"}),
        ({"query": "statement OR calc"}, {"at-sign", "formula"}),
        ({"crawl_id": 1}, {"formula", "rtl", "at-sign"}),
        ({"crawl_id": 2}, {"undated"}),
        ({"new": True}, {"undated"}),
        ({"new": True, "sites": ["mfa-az"]}, set()),
    ],
)
def test_filters(archive: Path, flt: dict[str, Any], expected: set[str]) -> None:
    got = {r["canonical_url"].rsplit("/", 1)[1] for r in _source(archive, **flt)}
    assert got == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--site", "../../x"], "invalid site name '../../x'"),
        (["--site", "nowhere"], "unknown site 'nowhere'"),
        (["--since", "garbage"], "invalid date 'garbage'"),
        (["--until", "2025-02-30"], "invalid date '2025-02-30'"),
        (["--since", "2025", "--until", "2024"], "is after --until"),
        (["--language", "english"], "invalid language 'english'"),
        (["--crawl", "1", "--new"], "either --crawl ID or --new"),
        (["--crawl", "99"], "no crawl with id 99"),
        (["--query", "AND ("], "invalid full-text query"),
    ],
)
def test_bad_filters_rejected_and_nothing_written(archive: Path, tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["export", "--db", str(archive), "--format", "jsonl", *args, "-o", str(out)])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []  # no file, no temporary left behind


@pytest.mark.parametrize(
    ("target", "message"),
    [("missing/dir/out.csv", "does not exist"), (".", "is a directory")],
)
def test_bad_output_path(archive: Path, tmp_path: Path, target: str, message: str) -> None:
    result = CliRunner().invoke(main, ["export", "--db", str(archive), "--format", "csv", "-o", str(tmp_path / target)])
    assert result.exit_code == 1 and message in result.output
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: None, "no such archive"),
        (lambda p: p.write_bytes(b"not a database at all" * 100), "not a SQLite database"),
        (lambda p: sqlite3.connect(p).execute("CREATE TABLE x (a)").connection.commit(), "not a diplomatic-crawler"),
    ],
)
def test_bad_archive(tmp_path: Path, make: Any, message: str) -> None:
    db = tmp_path / "bad.db"
    make(db)
    result = CliRunner().invoke(main, ["export", "--db", str(db), "--format", "jsonl", "-o", "-"])
    assert result.exit_code == 1 and message in result.output, result.output


def test_stdout_and_stable_output(archive: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["export", "--db", str(archive), "--format", "jsonl", "-o", "-"])
    second = runner.invoke(main, ["export", "--db", str(archive), "--format", "jsonl", "-o", "-"])
    assert first.exit_code == 0 and first.stdout_bytes == second.stdout_bytes
    assert len(first.stdout_bytes.splitlines()) == len(TRICKY)


def test_export_sees_one_snapshot_while_a_crawl_writes(archive: Path, tmp_path: Path) -> None:
    from diplomatic_crawler.archive import Archive

    copy = tmp_path / "live.db"
    build_archive(copy)
    with ArchiveReader(copy) as reader:
        records = reader.records(ExportFilter())
        first = next(records)
        with Archive(copy) as writer:  # a crawl writes meanwhile (WAL: no lock error)
            writer.write_articles(
                [
                    {
                        "url": "https://mfa.example/late",
                        "canonical_url": "https://mfa.example/late",
                        "site": "mfa-az",
                        "text": "late",
                    }
                ],
                None,
            )
        rest = list(records)
    assert first["site"] == "embassy-news" and len(rest) == len(TRICKY) - 1  # the late row is not in this export
    assert len(_source(copy)) == len(TRICKY) + 1


def test_library_rejects_unknown_format(archive: Path, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="unknown format"):
        export_file(archive, "xml", tmp_path / "x.xml")
    assert list(tmp_path.iterdir()) == []


def test_jsonl_from_a_stream_is_utf8(archive: Path) -> None:
    buffer = io.BytesIO()
    from diplomatic_crawler.export import export_stream

    with ArchiveReader(archive) as reader:
        assert export_stream(reader, "jsonl", buffer, ExportFilter(language="ar")) == 1
    assert "بيان صحفي".encode() in buffer.getvalue()

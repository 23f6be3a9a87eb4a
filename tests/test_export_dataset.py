"""`diplomatic-crawler dataset`: sharded Parquet, dataset card, manifest; loads with pyarrow; safe target handling."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner
from export_archive import TRICKY, build_archive

from diplomatic_crawler.cli import main
from diplomatic_crawler.export import ExportError, ExportFilter
from diplomatic_crawler.export.dataset import write_dataset

MANY = [
    {
        "canonical_url": f"https://mfa.example/en/news/{i:03d}",
        "site": "mfa-az" if i % 3 else "embassy-news",
        "title": f"Statement {i}",
        "authors": ["Press Office"] if i % 2 else [],
        "published": [f"2023-05-{i % 28 + 1:02d}", f"2024-01-{i % 28 + 1:02d}T10:00:00+04:00", None][i % 3],
        "published_precision": ["day", "minute", None][i % 3],
        "timezone_assumed": i % 3 == 1 and i % 2 == 0,
        "language": "en" if i % 4 else "ru",
        "text": f"Paragraph {i}. " * 40,
        "word_count": 80,
    }
    for i in range(30)
]


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return build_archive(tmp_path / "archive.db", TRICKY + MANY)


def _card(out: Path) -> tuple[dict[str, Any], str]:
    text = (out / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    header, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(header), body


def test_dataset_layout_loads_and_checksums(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    result = CliRunner().invoke(
        main, ["dataset", str(out), "--db", str(archive), "--shard-rows", "10", "--jsonl", "--name", "test-set"]
    )
    assert result.exit_code == 0, result.output
    total = len(TRICKY) + len(MANY)
    shards = sorted((out / "data").iterdir())
    assert [p.name for p in shards] == [f"train-{i:05d}-of-00004.parquet" for i in range(4)]
    # loads with pyarrow (the shards directory, or the whole directory skipping non-Parquet files)
    table = pq.read_table(out / "data")
    assert table.num_rows == total
    assert ds.dataset(out, format="parquet", exclude_invalid_files=True).to_table().num_rows == total
    assert len(set(table.column("article_id").to_pylist())) == total
    # manifest: every file, its size, SHA-256 and row count
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["rows"] == total and manifest["name"] == "test-set"
    files = {f["path"]: f for f in manifest["files"]}
    assert set(files) == {"README.md"} | {f"data/{p.name}" for p in shards} | {
        f"jsonl/train-{i:05d}-of-00004.jsonl" for i in range(4)
    }
    for rel, entry in files.items():
        data = (out / rel).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["bytes"] == len(data)
        if rel.endswith(".parquet"):
            assert pq.read_metadata(out / rel).num_rows == entry["rows"]
        if rel.endswith(".jsonl"):
            assert len(data.splitlines()) == entry["rows"]
    assert sum(f["rows"] for f in manifest["files"] if f["format"] == "parquet") == total
    assert [c["name"] for c in manifest["columns"]] == table.schema.names
    # the JSONL copy holds the same rows in the same order
    jsonl_ids = [json.loads(line)["article_id"] for p in sorted((out / "jsonl").iterdir()) for line in p.open()]
    assert jsonl_ids == table.column("article_id").to_pylist()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging directory left


def test_dataset_card(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "card"
    write_dataset(archive, out, ExportFilter())
    header, body = _card(out)
    assert header["language"] == ["ar", "en", "fr", "ru"]
    assert header["size_categories"] == ["n<1K"]
    assert header["license"] == "other" and "belong to their publishers" in header["license_details"]
    assert header["configs"] == [
        {"config_name": "default", "data_files": [{"split": "train", "path": "data/train-*.parquet"}]}
    ]
    assert header["multilinguality"] == "multilingual"
    # counts per site, language and year
    assert "| mfa-az | 22 | 2024-01-01 | 2025-03-12 | AZ | Ministry of Foreign Affairs of Azerbaijan |" in body
    assert "| embassy-news | 12 |" in body
    assert "| ru | 8 |" in body and "| 2023 | 10 |" in body and "| unknown | 11 |" in body
    # schema: every column explained
    for column in ("article_id", "published_utc", "published_date", "authors", "timezone_assumed", "text"):
        assert f"| `{column}` |" in body
    # date quality: 34 rows: exact time 12 (10 minute + rtl + at-sign), day-only 11, assumed zone 6, no date 11
    assert "| with exact time | 35.3 % |" in body
    assert "| day only | 32.4 % |" in body
    assert "| with assumed time zone | 17.6 % |" in body
    assert "| without date | 32.4 % |" in body
    # provenance and limitations
    assert "| 1 | " in body and "| 2 | " in body and "Seeds used: `seeds/`" in body
    assert "diplomatic-crawler/0.1.0 trafilatura/2.3.1" in body
    assert "## Known limitations" in body and "## Citation" in body


def test_dataset_shards_bounded_by_size(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "small"
    result = write_dataset(archive, out, max_shard_bytes=1024 * 1024, row_group_rows=5)
    assert result.rows == len(TRICKY) + len(MANY)
    assert len(list((out / "data").iterdir())) == 1  # 34 rows fit in one 1 MB shard
    filtered = write_dataset(archive, tmp_path / "ru", ExportFilter(language="ru"))
    assert filtered.rows == 8 and json.loads((tmp_path / "ru" / "manifest.json").read_text())["filters"] == {
        "language": "ru"
    }


def test_empty_dataset_has_schema(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "empty"
    result = write_dataset(archive, out, ExportFilter(since="2031"))
    assert result.rows == 0
    table = pq.read_table(out / "data")
    assert table.num_rows == 0 and "article_id" in table.schema.names


def test_target_directory_rules(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "d"
    write_dataset(archive, out)
    with pytest.raises(ExportError, match=r"not empty \(use --force"):
        write_dataset(archive, out)
    before = (out / "manifest.json").read_text()
    write_dataset(archive, out, ExportFilter(sites=["embassy-news"]), force=True)
    assert (out / "manifest.json").read_text() != before
    assert json.loads((out / "manifest.json").read_text())["rows"] == 12
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    with pytest.raises(ExportError, match="not a diplomatic-crawler dataset"):
        write_dataset(archive, foreign, force=True)
    assert (foreign / "thesis.tex").read_text() == "precious"
    result = CliRunner().invoke(main, ["dataset", str(tmp_path / "no" / "such"), "--db", str(archive)])
    assert result.exit_code == 1 and "does not exist" in result.output
    result = CliRunner().invoke(main, ["dataset", str(tmp_path / "x"), "--db", str(archive), "--site", "../../x"])
    assert result.exit_code == 2 and "invalid site name" in result.output
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    ("arrow_type", "yaml_text"),
    [
        ("string", "dtype: string"),
        ("int64", "dtype: int64"),
        ("float64", "dtype: float64"),
        ("bool", "dtype: bool"),
        ("date32", "dtype: date32"),
        ("timestamp_utc", "dtype: timestamp[us, tz=UTC]"),
        ("list_string", "sequence: string"),
        ("alternates", "list:\n- name: url\n  dtype: string\n- name: hreflang\n  dtype: string\n- name: source\n"
                       "  dtype: string"),
    ],
)
def test_dataset_info_feature_types(arrow_type: str, yaml_text: str) -> None:
    import pyarrow as pa

    from diplomatic_crawler.export.card import dataset_info

    types = {
        "string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_(),
        "date32": pa.date32(), "timestamp_utc": pa.timestamp("us", tz="UTC"), "list_string": pa.list_(pa.string()),
        "alternates": pa.list_(pa.struct([("url", pa.string()), ("hreflang", pa.string()), ("source", pa.string())])),
    }
    lines = dataset_info(pa.schema([("x", types[arrow_type])]), 3, 10, 20)
    info = yaml.safe_load("\n".join(lines))["dataset_info"]
    assert info["features"] == [{"name": "x", **yaml.safe_load(yaml_text)}]


def test_dataset_card_dataset_info_matches_the_parquet_files(archive: Path, tmp_path: Path) -> None:
    """`dataset_info` (what dataset hubs show and `datasets` reads): every Parquet column with its type, the
    split's row count, the files' size and the data's uncompressed size."""
    out = tmp_path / "info"
    write_dataset(archive, out, ExportFilter(), max_shard_rows=10)
    header, _ = _card(out)
    info = header["dataset_info"]
    schema = pq.read_schema(next((out / "data").iterdir()))
    assert [f["name"] for f in info["features"]] == schema.names
    features = {f["name"]: f for f in info["features"]}
    assert features["article_id"] == {"name": "article_id", "dtype": "string"}
    assert features["authors"] == {"name": "authors", "sequence": "string"}
    assert features["published_utc"]["dtype"] == "timestamp[us, tz=UTC]"
    assert features["published_date"]["dtype"] == "date32"
    assert features["timezone_assumed"]["dtype"] == "bool" and features["word_count"]["dtype"] == "int64"
    assert features["alternates"]["list"] == [{"name": k, "dtype": "string"} for k in ("url", "hreflang", "source")]
    kinds = {"string": "string", "int64": "int64", "bool": "bool", "date32[day]": "date32",
             "timestamp[us, tz=UTC]": "timestamp[us, tz=UTC]"}
    for name in schema.names:  # the YAML type is the Arrow type
        if str(schema.field(name).type) in kinds:
            assert features[name]["dtype"] == kinds[str(schema.field(name).type)], name
    rows = len(TRICKY) + len(MANY)
    shards = sorted((out / "data").iterdir())
    assert len(shards) == 4
    assert info["splits"] == [{"name": "train", "num_bytes": info["dataset_size"], "num_examples": rows}]
    assert info["download_size"] == sum(p.stat().st_size for p in shards)
    uncompressed = 0
    for path in shards:
        meta = pq.read_metadata(path)
        uncompressed += sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    assert info["dataset_size"] == uncompressed > 0


def test_every_column_has_a_description(tmp_path: Path) -> None:
    """The card's schema table and the Parquet field metadata describe every column, the enrichment and
    status columns later migrations add included: none is left with the generic fallback."""
    db = build_archive(tmp_path / "full.db", TRICKY, crawls=1)  # every migration applied: the full schema
    out = tmp_path / "described"
    write_dataset(db, out, ExportFilter())
    _, body = _card(out)
    schema = pq.read_schema(next((out / "data").iterdir()))
    table = {line.split(" | ")[0].strip("| `"): line.split(" | ")[-1].rstrip(" |") for line in body.splitlines()
             if line.startswith("| `")}
    assert set(table) == set(schema.names)
    for name in ("doc_type", "countries", "alternates", "cluster_id", "http_status", "statement_group"):
        assert name in table, name
    for name, description in table.items():
        assert len(description) > 10 and "later migration" not in description, name
        assert schema.field(name).metadata[b"description"].decode() == description.replace("\\|", "|"), name

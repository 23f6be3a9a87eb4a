"""The dataset card: `README.md` with the YAML header dataset hubs read (languages, size category, licence,
`configs` pointing at the Parquet shards) and a body a researcher can cite and trust: counts, schema,
provenance, date quality and known limitations."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from .. import __version__
from ..readonly import placeholders
from .filters import ArchiveReader, ExportFilter
from .parquet import arrow_schema, column_docs

if TYPE_CHECKING:
    from .dataset import DatasetStats  # the dataset writer imports this module

__all__ = ["dataset_info", "feature", "render_card", "size_category"]

LICENCE_NOTE = (
    "The article texts, titles and images belong to their publishers (ministries, embassies, news portals) and "
    "keep their original copyright and terms of use; many government texts are public, others are not. This "
    "dataset redistributes them for research (text and data mining) only; check each publisher's terms before "
    "any other use. The dataset's structure, metadata and code are MIT-licensed."
)
LIMITATIONS = (
    "Texts are extracted automatically from HTML: some boilerplate may remain and some paragraphs may be "
    "missing (extraction quality figures: `bench/extraction_quality.py`, in the project's docs/extraction.md). "
    "Tables, images and attachments (PDF statements) are not part of `text`.",
    "Coverage is what the seed files reached (feeds, sitemaps, listing pages within the crawl limits and "
    "robots.txt); it is not a complete record of every publisher's output.",
    "Dates: a day-only date has no time (`published_precision = day`); an offset taken from the seed's time "
    "zone is flagged `timezone_assumed`; no date is ever invented, so undated articles have `published` NULL.",
    "Authors are listed only when the page names them; government releases are often unsigned.",
    "One row per canonical URL: translations and cross-site republications of the same statement are separate "
    "rows. A row holds the latest archived version; later edits or withdrawals by the publisher after "
    "`last_checked` are not reflected.",
    "Languages come from page metadata, falling back to the seed's language; a mislabelled page keeps its label.",
)
_SIZE_BOUNDS = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
)


def size_category(rows: int) -> str:
    for bound, label in _SIZE_BOUNDS:
        if rows < bound:
            return label
    return "100M<n<1B"


def _y(value: str) -> str:
    """A YAML scalar (a JSON string is a valid YAML double-quoted scalar)."""
    return json.dumps(value, ensure_ascii=True)


def _pct(value: float) -> str:
    return f"{value * 100:.1f} %"


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return out


def feature(typ: pa.DataType, indent: str) -> list[str]:
    """The YAML of one Hugging Face `datasets` feature (after its `- name:` line), for an Arrow type."""
    if pa.types.is_list(typ):
        item = typ.value_type
        if pa.types.is_struct(item):
            lines = [f"{indent}list:"]
            for child in item:
                lines += [f"{indent}- name: {child.name}", *feature(child.type, indent + "  ")]
            return lines
        return [f"{indent}sequence: {_dtype(item)}"]
    return [f"{indent}dtype: {_dtype(typ)}"]


def _dtype(typ: pa.DataType) -> str:
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        return "string"
    if pa.types.is_timestamp(typ):
        return f"timestamp[{typ.unit}" + (f", tz={typ.tz}]" if typ.tz else "]")
    if pa.types.is_floating(typ):
        return f"float{typ.bit_width}"  # Arrow says "double"
    if pa.types.is_date32(typ):
        return "date32"
    return str(typ)  # int64, bool


def dataset_info(schema: pa.Schema, rows: int, download_size: int, dataset_size: int) -> list[str]:
    """The card's `dataset_info` block: the features of every Parquet column (types as `datasets` names them)
    and the one split, with the rows, the Parquet files' size (`download_size`) and the data's uncompressed
    size (`dataset_size`, the row groups' total byte size)."""
    lines = ["dataset_info:", "  features:"]
    for field_ in schema:
        lines += [f"  - name: {field_.name}", *feature(field_.type, "    ")]
    lines += [
        "  splits:",
        "  - name: train",
        f"    num_bytes: {dataset_size}",
        f"    num_examples: {rows}",
        f"  download_size: {download_size}",
        f"  dataset_size: {dataset_size}",
    ]
    return lines


def _header(stats: DatasetStats, name: str, info: list[str]) -> list[str]:
    languages = sorted(code for code in stats.languages if code != "unknown")
    lines = ["---", f"pretty_name: {_y('Diplomatic news: ' + name)}"]
    lines.append("language:" + ("" if languages else " []"))
    lines += [f"- {code}" for code in languages]
    lines += [
        f"multilinguality: {'multilingual' if len(languages) > 1 else 'monolingual'}",
        "license: other",
        "license_name: publishers-copyright",
        f"license_details: {_y(LICENCE_NOTE)}",
        "size_categories:",
        f"- {size_category(stats.rows)}",
        "source_datasets:",
        "- original",
        "task_categories:",
        "- text-classification",
        "- text-retrieval",
        "tags:",
        "- news",
        "- diplomacy",
        "- press-releases",
        "- foreign-affairs",
        "configs:",
        "- config_name: default",
        "  data_files:",
        "  - split: train",
        "    path: data/train-*.parquet",
        *info,
        "---",
    ]
    return lines


def _crawls(reader: ArchiveReader, stats: DatasetStats) -> list[tuple[Any, ...]]:
    if "crawls" not in reader.tables or not stats.crawl_ids:
        return []
    ids = sorted(stats.crawl_ids)
    rows = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows += reader.query(
            f"SELECT id, started, finished, status, args FROM crawls WHERE id IN ({placeholders(len(chunk))})"
            " ORDER BY id",
            chunk,
        )
    return rows


def render_card(
    reader: ArchiveReader,
    flt: ExportFilter,
    stats: DatasetStats,
    files: list[dict[str, Any]],
    *,
    name: str,
    created: str,
    data_bytes: int = 0,
) -> str:
    """The card. `data_bytes`: the uncompressed size of the Parquet data (`dataset_info.dataset_size`)."""
    download = sum(int(f.get("bytes") or 0) for f in files if f.get("format") == "parquet")
    info = dataset_info(arrow_schema(reader.schema), stats.rows, download, data_bytes)
    lines = _header(stats, name, info)
    published = [s for s in stats.sites.values() if s.first_published]
    first = min((s.first_published for s in published), default=None)
    last = max((s.last_published for s in published), default=None)
    languages = ", ".join(f"{code} ({n})" for code, n in stats.languages.most_common())
    lines += [
        "",
        f"# Diplomatic news: {name}",
        "",
        f"{stats.rows:,} articles (foreign-ministry press releases, embassy news, diplomatic portals) from "
        f"{len(stats.sites)} site(s), published {first or '?'} to {last or '?'}, in {languages or 'no language'}. "
        f"Archived by [diplomatic-crawler](https://github.com/diplomatic-crawler/diplomatic-crawler) "
        f"{__version__}; exported {created}.",
        "",
        f"Filters: `{json.dumps(flt.describe(), ensure_ascii=False)}`."
        if flt.describe()
        else "Filters: none (the whole archive).",
        "",
        "## Licence",
        "",
        LICENCE_NOTE,
        "",
        "## Loading",
        "",
        "```python",
        "import pyarrow.parquet as pq",
        'table = pq.read_table("data")            # the Parquet shards (README.md and manifest.json are not Parquet)',
        "",
        "import pyarrow.dataset as ds",
        'table = ds.dataset(".", format="parquet", exclude_invalid_files=True).to_table()',
        "",
        "from datasets import load_dataset        # Hugging Face datasets: reads the `configs` of this card",
        'dataset = load_dataset("path/to/this/directory", split="train")',
        "```",
        "",
        "`manifest.json` lists every file with its size, SHA-256 and row count: check a copy with",
        "`sha256sum` before use. Rows are ordered by site, publication date and URL; `article_id` is stable",
        "across exports (derived from the canonical URL).",
        "",
        "## Files",
        "",
    ]
    lines += _table(
        ("file", "rows", "bytes", "sha256"), [(f["path"], f["rows"], f["bytes"], f["sha256"]) for f in files]
    )
    lines += ["", "## Counts", "", "Per site:", ""]
    lines += _table(
        ("site", "articles", "first published", "last published", "country", "issuer"),
        [
            (site, s.articles, s.first_published, s.last_published, s.country, s.issuer)
            for site, s in sorted(stats.sites.items())
        ],
    )
    lines += ["", "Per language:", ""]
    lines += _table(("language", "articles"), sorted(stats.languages.items()))
    lines += ["", "Per year of publication:", ""]
    lines += _table(("year", "articles"), sorted(stats.years.items()))
    lines += [
        "",
        f"Words: {stats.words:,} in total. Articles without title: {stats.without_title}; with empty "
        f"text: {stats.empty_text}; without a named author: {stats.without_authors}.",
        "",
    ]

    quality = stats.date_quality()
    lines += ["## Date quality", ""]
    lines += _table(
        ("measure", "share", "meaning"),
        [
            ("with exact time", _pct(quality["with_exact_time"]), "published to the minute or second, with offset"),
            ("day only", _pct(quality["day_only"]), "only the day is known (`published_precision = day`)"),
            (
                "with assumed time zone",
                _pct(quality["with_assumed_time_zone"]),
                "offset from the seed's time zone, not from the page (`timezone_assumed`)",
            ),
            ("without date", _pct(quality["without_date"]), "no trustworthy date on the page: `published` is NULL"),
        ],
    )
    if stats.date_sources:
        lines += [
            "",
            "Where publication dates came from: "
            + ", ".join(f"{src} {n}" for src, n in stats.date_sources.most_common())
            + ".",
        ]

    lines += ["", "## Schema", "", "One row per article (canonical URL). Parquet types:", ""]
    lines += _table(
        ("column", "type", "description"), [(f"`{n}`", str(t), d) for n, t, d in column_docs(reader.schema)]
    )
    lines += [
        "",
        "The JSON Lines copy (if present) has the same rows and the archive's fields: `published` and "
        "`modified` as ISO strings, `published_utc` as an ISO 8601 UTC string and no `modified_utc` / `_date` "
        "columns; timestamps as ISO 8601 UTC strings.",
        "",
    ]

    lines += ["## Provenance", ""]
    crawl_rows = _crawls(reader, stats)
    if crawl_rows:
        lines += ["Crawl runs whose content is in this dataset:", ""]
        table_rows = []
        seeds_used: dict[str, None] = {}
        for crawl_id, started, finished, status, args in crawl_rows:
            try:
                parsed = json.loads(args or "{}")
            except ValueError:
                parsed = {}
            seeds = parsed.get("seeds")
            if seeds:
                seeds_used[str(seeds)] = None
            table_rows.append(
                (crawl_id, started, finished, status, stats.crawl_ids[crawl_id], seeds, parsed.get("site"))
            )
        lines += _table(("crawl", "started", "finished", "status", "articles", "seeds", "sites argument"), table_rows)
        lines += ["", "Seeds used: " + (", ".join(f"`{s}`" for s in seeds_used) or "not recorded") + "."]
    else:
        lines += ["No crawl run recorded for these rows."]
    lines += ["", "Extractor versions:", ""]
    lines += _table(("extractor_version", "articles"), stats.extractor_versions.most_common())
    lines += [
        "",
        f"First archived {stats.first_seen_min or '?'}; last written {stats.fetched_at_max or '?'} (UTC). "
        f"Archive schema version {_schema(reader)}.",
        "",
        "## Known limitations",
        "",
    ]
    lines += [f"- {item}" for item in LIMITATIONS]
    year = created[:4]
    lines += [
        "",
        "## Citation",
        "",
        "```bibtex",
        f"@misc{{diplomatic_news_{name.replace('-', '_')}_{year},",
        f"  title = {{Diplomatic news: {name}}},",
        f"  note = {{{stats.rows} articles from {len(stats.sites)} sites, exported {created} with diplomatic-crawler "
        f"{__version__}}},",
        f"  year = {{{year}}},",
        "}",
        "```",
        "",
    ]
    return "\n".join(lines)


def _schema(reader: ArchiveReader) -> Any:
    if "migrations" not in reader.tables:
        return "?"
    return reader.query("SELECT max(version) FROM migrations")[0][0]

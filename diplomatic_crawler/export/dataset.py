"""`diplomatic-crawler dataset OUT_DIR`: a research dataset directory.

Layout (the one dataset hubs and the `datasets` library's parquet loader expect)::

    OUT_DIR/README.md                          dataset card, YAML header with `configs` -> data/*.parquet
    OUT_DIR/manifest.json                      every file with its size, SHA-256 and row count
    OUT_DIR/data/train-00000-of-00002.parquet  Parquet shards (zstd), each under `max_shard_bytes`
    OUT_DIR/jsonl/train-00000-of-00002.jsonl   optional JSON Lines copy, same rows in the same shards

The directory is built under a temporary name beside OUT_DIR and renamed when complete, so OUT_DIR is
never left half-written. The rows come from one read snapshot of the archive and are streamed shard by
shard: memory stays flat whatever the archive's size.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import __version__
from ..progress import Progress
from .filters import ArchiveReader, ExportError, ExportFilter
from .jsonl import JsonLinesWriter
from .parquet import DEFAULT_ROW_GROUP_ROWS, ParquetWriter

__all__ = ["DEFAULT_MAX_SHARD_BYTES", "DatasetResult", "DatasetStats", "sha256_file", "write_dataset"]

DEFAULT_MAX_SHARD_BYTES = 256 * 1024 * 1024
MANIFEST_FORMAT = "diplomatic-crawler-dataset/1"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class SiteStats:
    articles: int = 0
    first_published: str | None = None
    last_published: str | None = None
    issuer: str | None = None
    country: str | None = None


@dataclass
class DatasetStats:
    """Counts gathered while the rows stream past (nothing is held per row)."""

    rows: int = 0
    sites: dict[str, SiteStats] = field(default_factory=dict)
    languages: Counter[str] = field(default_factory=Counter)
    years: Counter[str] = field(default_factory=Counter)
    precision: Counter[str] = field(default_factory=Counter)  # second / minute / day / none
    date_sources: Counter[str] = field(default_factory=Counter)
    timezone_assumed: int = 0
    empty_text: int = 0
    without_title: int = 0
    without_authors: int = 0
    words: int = 0
    crawl_ids: Counter[int] = field(default_factory=Counter)
    extractor_versions: Counter[str] = field(default_factory=Counter)
    first_seen_min: str | None = None
    fetched_at_max: str | None = None

    def add(self, record: dict[str, Any]) -> None:
        self.rows += 1
        site = self.sites.setdefault(record["site"], SiteStats())
        site.articles += 1
        site.issuer = site.issuer or record.get("issuer")
        site.country = site.country or record.get("country")
        published = record.get("published")
        if published:
            day = published[:10]
            site.first_published = min(site.first_published or day, day)
            site.last_published = max(site.last_published or day, day)
            self.years[published[:4]] += 1
            self.precision[record.get("published_precision") or ("day" if len(published) == 10 else "minute")] += 1
            self.date_sources[record.get("published_source") or "unknown"] += 1
            if record.get("timezone_assumed"):
                self.timezone_assumed += 1
        else:
            self.years["unknown"] += 1
            self.precision["none"] += 1
        self.languages[record.get("language") or "unknown"] += 1
        if not (record.get("text") or "").strip():
            self.empty_text += 1
        if not record.get("title"):
            self.without_title += 1
        if not record.get("authors"):
            self.without_authors += 1
        self.words += int(record.get("word_count") or 0)
        if record.get("crawl_id") is not None:
            self.crawl_ids[int(record["crawl_id"])] += 1
        self.extractor_versions[record.get("extractor_version") or "unknown"] += 1
        first_seen, fetched_at = record.get("first_seen"), record.get("fetched_at")
        if first_seen and (self.first_seen_min is None or first_seen < self.first_seen_min):
            self.first_seen_min = first_seen
        if fetched_at and (self.fetched_at_max is None or fetched_at > self.fetched_at_max):
            self.fetched_at_max = fetched_at

    def share(self, count: int) -> float:
        return round(count / self.rows, 4) if self.rows else 0.0

    def date_quality(self) -> dict[str, float]:
        exact = self.precision["second"] + self.precision["minute"]
        return {
            "with_exact_time": self.share(exact),
            "day_only": self.share(self.precision["day"]),
            "with_assumed_time_zone": self.share(self.timezone_assumed),
            "without_date": self.share(self.precision["none"]),
        }


@dataclass
class DatasetResult:
    out_dir: Path
    rows: int
    files: list[dict[str, Any]]
    stats: DatasetStats


class _ShardSet:
    """Parquet shards (and optional JSONL twins) under a staging directory, cut at a size bound."""

    def __init__(
        self,
        root: Path,
        reader: ArchiveReader,
        *,
        jsonl: bool,
        max_bytes: int,
        max_rows: int | None,
        row_group_rows: int,
        metadata: dict[str, str],
    ):
        self.root, self.reader, self.jsonl = root, reader, jsonl
        self.max_bytes, self.max_rows, self.row_group_rows = max_bytes, max_rows, row_group_rows
        self.metadata = metadata
        self.shards: list[dict[str, Any]] = []
        (root / "data").mkdir()
        if jsonl:
            (root / "jsonl").mkdir()
        self.current: dict[str, Any] | None = None

    def _open(self) -> None:
        index = len(self.shards)
        pq_path = self.root / "data" / f"train-{index:05d}.parquet"
        handle = pq_path.open("wb")
        writer = ParquetWriter(handle, self.reader.schema, row_group_rows=self.row_group_rows, metadata=self.metadata)
        writer.start()
        shard: dict[str, Any] = {"parquet": pq_path, "handle": handle, "writer": writer, "rows": 0}
        if self.jsonl:
            jl_path = self.root / "jsonl" / f"train-{index:05d}.jsonl"
            jl_handle = jl_path.open("wb")
            shard.update(
                jsonl=jl_path, jsonl_handle=jl_handle, jsonl_writer=JsonLinesWriter(jl_handle, self.reader.schema)
            )
        self.current = shard

    def _close(self) -> None:
        shard = self.current
        if shard is None:
            return
        shard["writer"].finish()
        shard["handle"].close()
        if self.jsonl:
            shard["jsonl_writer"].finish()
            shard["jsonl_handle"].close()
        self.shards.append(
            {k: shard[k] for k in ("parquet", "rows") if k in shard} | ({"jsonl": shard["jsonl"]} if self.jsonl else {})
        )
        self.current = None

    def write(self, record: dict[str, Any]) -> None:
        if self.current is None:
            self._open()
        shard = self.current
        assert shard is not None
        writer: ParquetWriter = shard["writer"]
        writer.write(record)
        if self.jsonl:
            shard["jsonl_writer"].write(record)
        shard["rows"] += 1
        full_rows = self.max_rows is not None and shard["rows"] >= self.max_rows
        # The size is known after each row group is flushed: a shard exceeds the bound by at most one row group.
        full_bytes = writer.pending == 0 and shard["handle"].tell() >= self.max_bytes
        if full_rows or full_bytes:
            writer.flush_row_group()
            self._close()

    def finish(self) -> list[dict[str, Any]]:
        if self.current is None and not self.shards:
            self._open()  # an empty dataset still has one (empty) shard with the full schema
        self._close()
        total = len(self.shards)
        files = []
        for index, shard in enumerate(self.shards):
            for kind in ("parquet", "jsonl"):
                if kind not in shard:
                    continue
                src: Path = shard[kind]
                dest = src.with_name(f"train-{index:05d}-of-{total:05d}.{kind}")
                src.rename(dest)
                files.append({"path": dest.relative_to(self.root).as_posix(), "format": kind, "rows": shard["rows"]})
        return files


def _prepare_target(out_dir: Path, force: bool) -> None:
    parent = out_dir.parent
    if not parent.is_dir():
        raise ExportError(f"{out_dir}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise ExportError(f"{out_dir}: directory {parent} is not writable")
    if out_dir.exists():
        if not out_dir.is_dir():
            raise ExportError(f"{out_dir}: exists and is not a directory")
        if any(out_dir.iterdir()):
            ours = _is_our_dataset(out_dir)
            if not force:
                hint = " (use --force to replace it)" if ours else ""
                raise ExportError(f"{out_dir}: directory is not empty{hint}")
            if not ours:
                raise ExportError(f"{out_dir}: not empty and not a diplomatic-crawler dataset: refusing to replace it")


def _is_our_dataset(out_dir: Path) -> bool:
    try:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("format") == MANIFEST_FORMAT


def write_dataset(
    db: str | Path,
    out_dir: str | Path,
    flt: ExportFilter | None = None,
    *,
    jsonl: bool = False,
    max_shard_bytes: int = DEFAULT_MAX_SHARD_BYTES,
    max_shard_rows: int | None = None,
    row_group_rows: int = DEFAULT_ROW_GROUP_ROWS,
    force: bool = False,
    name: str | None = None,
    progress: Progress | None = None,
) -> DatasetResult:
    """Write the dataset directory; see the module docstring. With `progress`, its line counts the
    articles written."""
    from .card import render_card

    flt = flt or ExportFilter()
    out_dir = Path(out_dir)
    if max_shard_bytes < 1024 * 1024:
        raise ExportError("the shard size bound must be at least 1 MB")
    if max_shard_rows is not None and max_shard_rows < 1:
        raise ExportError("--shard-rows must be positive")
    _prepare_target(out_dir, force)
    created = datetime.now(UTC).replace(microsecond=0).isoformat()
    with ArchiveReader(db) as reader:
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
        try:
            metadata = {"generator": f"diplomatic-crawler/{__version__}", "created": created}
            shards = _ShardSet(
                staging,
                reader,
                jsonl=jsonl,
                max_bytes=max_shard_bytes,
                max_rows=max_shard_rows,
                row_group_rows=row_group_rows,
                metadata=metadata,
            )
            stats = DatasetStats()
            records: Iterable[dict[str, Any]] = reader.records(flt)
            if progress is not None:
                progress.start(reader.count(flt))
                records = progress.iterate(records)
            for record in records:
                shards.write(record)
                stats.add(record)
            files = shards.finish()
            for entry in files:
                path = staging / entry["path"]
                entry.update(bytes=path.stat().st_size, sha256=sha256_file(path))
            data_bytes = sum(_data_bytes(staging / f["path"]) for f in files if f["format"] == "parquet")
            card = render_card(
                reader, flt, stats, files, name=name or out_dir.name, created=created, data_bytes=data_bytes
            )
            (staging / "README.md").write_text(card, encoding="utf-8")
            readme = staging / "README.md"
            manifest = {
                "format": MANIFEST_FORMAT,
                "name": name or out_dir.name,
                "created": created,
                "generator": f"diplomatic-crawler/{__version__}",
                "archive": {"file": Path(db).name, "schema_version": _schema_version(reader)},
                "filters": flt.describe(),
                "rows": stats.rows,
                "columns": _columns(reader),
                "files": [
                    {
                        "path": "README.md",
                        "format": "markdown",
                        "bytes": readme.stat().st_size,
                        "sha256": sha256_file(readme),
                    },
                    *files,
                ],
            }
            (staging / "manifest.json").write_text(
                json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
            os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes it 0700
            _swap_into_place(staging, out_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return DatasetResult(out_dir, stats.rows, files, stats)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _schema_version(reader: ArchiveReader) -> int | None:
    if "migrations" not in reader.tables:
        return None
    return reader.query("SELECT max(version) FROM migrations")[0][0]


def _columns(reader: ArchiveReader) -> list[dict[str, str]]:
    from .parquet import column_docs

    return [{"name": n, "type": str(t), "description": d} for n, t, d in column_docs(reader.schema)]


def _data_bytes(path: Path) -> int:
    """The uncompressed size of a Parquet file's data: its row groups' total byte size."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    return sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))


def _swap_into_place(staging: Path, out_dir: Path) -> None:
    if not out_dir.exists():
        staging.rename(out_dir)
        return
    if not any(out_dir.iterdir()):
        out_dir.rmdir()
        staging.rename(out_dir)
        return
    old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
    out_dir.rename(old)
    try:
        staging.rename(out_dir)
    except OSError:
        with contextlib.suppress(OSError):
            old.rename(out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)

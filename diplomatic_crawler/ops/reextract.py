"""Re-extraction: run the current extractor over the stored captures, with no network access at all.

A better extractor (or a corrected seed) years later should improve old rows without fetching anything:
the latest capture of each article (`captures`) is read back byte for byte, analysed by the same
`analyse_page` task the spider runs, in the same `ExtractionPool` (worker processes with a time budget),
and compared with the stored row. Rows whose extracted fields changed are written through the normal
write path (`Archive.write_articles(..., revise=True)`), so the previous state goes to `article_versions`;
identical results leave the row untouched. The row keeps its key, its fetch time and the crawl that
fetched the capture; `extractor_version` and `seed_hash` say what produced the new values.

Each article is re-extracted with its site's seed from the seeds path (a corrected seed improves old rows);
a site not found there uses the seed text the article was crawled with, kept in the archive
(`seed_files`, by the row's `seed_hash`): the demo's temporary seeds, a seed file removed since.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..archive import Archive
from ..captures import CaptureError, read_body
from ..enrich.hooks import extract_pdf_enriched, item_extra
from ..enrich.pdf import is_pdf
from ..errors import DiplomaticCrawlerError
from ..extraction import Article
from ..items import ArchivedArticle
from ..progress import Progress
from ..readonly import placeholders
from ..seeds import DEFAULT_SEEDS_DIR, Seed, SeedError, curated_seeds_dir, load_seeds, seed_from_bytes
from ..tables import format_table
from ..workers import ExtractionFailed, ExtractionPool, PageAnalysis, analyse_page

__all__ = ["COMPARED_FIELDS", "ReextractError", "SiteSummary", "format_summary", "reextract"]

logger = logging.getLogger(__name__)

# Article fields whose change makes a revision; url / canonical_url are the key, content_hash follows text,
# extractor_version changes with every upgrade and alone is no reason to rewrite a row.
COMPARED_FIELDS = tuple(
    name
    for name in Article.__dataclass_fields__
    if name not in ("url", "canonical_url", "content_hash", "extractor_version")
)
_DATE_FIELDS = ("published", "modified")
BATCH = 50


class ReextractError(DiplomaticCrawlerError, RuntimeError):
    """The archive or the seeds cannot be used for re-extraction."""


@dataclass
class SiteSummary:
    site: str
    checked: int = 0
    titles: int = 0
    dates: int = 0
    texts: int = 0
    other: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "failures"} | {"failures": self.failures[:20]}


@dataclass(frozen=True)
class _Task:
    capture_id: int
    key: str
    site: str
    url: str
    fetched_at: str
    crawl_id: int | None
    seed_hash: str | None


def _analyse(item: tuple[_Task, Seed, bytes, str | None]) -> PageAnalysis:
    """The worker task (module level, so it pickles by reference): what the spider runs on the response,
    `analyse_page` for HTML (with the capture's Content-Type, as the crawl decoded it) or the PDF
    extraction for a PDF statement."""
    task, seed, body, content_type = item
    fetched_at = datetime.fromisoformat(task.fetched_at)
    if is_pdf(body):
        article, enrichment = extract_pdf_enriched(body, task.url, seed, fetched_at=fetched_at)
        return PageAnalysis("article", [], article, enrichment={**enrichment, "content_type": "pdf"})
    return analyse_page(body, task.url, seed, classify=True, fetched_at=fetched_at, content_type=content_type)


def reextract(
    db_path: str | Path,
    seeds_path: str | Path = "seeds",
    *,
    sites: Iterable[str] = (),
    since: str | None = None,
    workers: int | None = None,
    timeout: float | None = 30.0,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> dict[str, SiteSummary]:
    """Re-extract the latest capture of every archived article (of `sites`, published or first seen on or
    after `since`); return a summary per site. Nothing is written with `dry_run`. With `progress`, its line
    counts the captures checked."""
    db_path = Path(db_path)
    if not db_path.exists():
        raise ReextractError(f"{db_path}: no such archive")
    seeds = _path_seeds(seeds_path)
    with Archive(db_path) as archive:
        archived = _ArchivedSeeds(archive.seed_files())
        tasks = _tasks(archive, list(sites), since)
        summaries: dict[str, SiteSummary] = {}
        for task in tasks:
            summaries.setdefault(task.site, SiteSummary(task.site))
        pool = ExtractionPool(workers, timeout, name="reextract")
        pending: list[tuple[_Task, dict[str, Any]]] = []
        if progress is not None:
            progress.start(len(tasks))
        with pool:
            inputs = _inputs(archive, tasks, seeds, archived, summaries)
            for task, future in pool.map_unordered(_analyse, inputs):
                summary = summaries[task[0].site]
                summary.checked += 1
                if progress is not None:
                    progress.advance()
                try:
                    page = future.result()
                except ExtractionFailed as exc:
                    _failed(summary, task[0], f"{exc.reason}: {exc}")
                    continue
                except Exception as exc:  # a bug met on one page must not stop the run
                    _failed(summary, task[0], f"{type(exc).__name__}: {exc}")
                    continue
                record = _record(task[0], task[1], page, summary)
                if record is None:
                    continue
                changes = _changes(archive, task[0].key, record)
                if not changes:
                    summary.unchanged += 1
                    continue
                summary.titles += "title" in changes
                summary.dates += bool(changes & set(_DATE_FIELDS))
                summary.texts += "text" in changes
                summary.other += not (changes & {"title", "text", *_DATE_FIELDS})
                summary.updated += 1
                if not dry_run:
                    pending.append((task[0], record))
                    if len(pending) >= BATCH:
                        _write(archive, pending)
            if not dry_run:
                _write(archive, pending)
    return dict(sorted(summaries.items()))


def _tasks(archive: Archive, sites: list[str], since: str | None) -> list[_Task]:
    """The latest capture of each matching article (metadata only: bodies are read one at a time)."""
    sql = (
        "SELECT c.id, a.canonical_url, a.site, c.url, c.fetched_at, c.crawl_id, a.seed_hash FROM articles a"
        " JOIN captures c ON c.id = (SELECT max(id) FROM captures WHERE canonical_url = a.canonical_url)"
        " WHERE 1"
    )
    params: list[Any] = []
    if sites:
        sql += f" AND a.site IN ({placeholders(len(sites))})"
        params += sites
    if since:
        sql += " AND coalesce(substr(a.published, 1, 10), substr(a.first_seen, 1, 10)) >= ?"
        params.append(since)
    return [_Task(*row) for row in archive.db.execute(sql + " ORDER BY a.site, c.id", params)]


def _path_seeds(seeds_path: str | Path | None) -> dict[str, Seed]:
    """The seeds of the seeds path by name. None (or the default `seeds` where there is none) is no path:
    every article then uses the seed it was crawled with, from the archive."""
    if seeds_path is None or (str(seeds_path) == DEFAULT_SEEDS_DIR and curated_seeds_dir() is None):
        return {}
    return {s.name: s for s in load_seeds(seeds_path)}


class _ArchivedSeeds:
    """The seeds kept in the archive (`seed_files`), parsed on first use."""

    def __init__(self, texts: dict[str, tuple[str, str]]):
        self.texts = texts
        self.parsed: dict[str, Seed | str] = {}

    def get(self, seed_hash: str | None, site: str) -> Seed | str:
        """The archived seed of this hash, or why there is none."""
        if seed_hash is None or seed_hash not in self.texts:
            return (
                f"no seed named {site!r} in the seeds path, and the archive keeps no copy of the seed it was"
                " crawled with (crawled before seeds were archived): pass --seeds with that site's seed file"
            )
        if seed_hash not in self.parsed:
            name, text = self.texts[seed_hash]
            try:
                raw = text.encode("utf-8")
                self.parsed[seed_hash] = seed_from_bytes(raw, f"archived seed {name}", expected_name=name)
            except SeedError as exc:  # a seed valid then may not pass today's rules
                self.parsed[seed_hash] = f"the archived seed no longer validates: {exc}"
        return self.parsed[seed_hash]


def _inputs(
    archive: Archive,
    tasks: list[_Task],
    seeds: dict[str, Seed],
    archived: _ArchivedSeeds,
    summaries: dict[str, SiteSummary],
) -> Iterator[tuple[_Task, Seed, bytes, str | None]]:
    """Yield the pool's inputs lazily (`map_unordered` keeps a few pending), so only a few bodies are in
    memory at a time; a missing seed or an unreadable capture is counted as failed here."""
    columns = ("id", "store", "sha256", "warc_file", "warc_offset", "headers")
    for task in tasks:
        seed = seeds.get(task.site) or archived.get(task.seed_hash, task.site)
        if isinstance(seed, str):
            summaries[task.site].checked += 1
            _failed(summaries[task.site], task, seed)
            continue
        row = archive.db.execute(f"SELECT {', '.join(columns)} FROM captures WHERE id = ?", [task.capture_id])
        try:
            row_data = dict(zip(columns, row.fetchone(), strict=True))
            body = read_body(archive.db, row_data)
        except CaptureError as exc:
            summaries[task.site].checked += 1
            _failed(summaries[task.site], task, str(exc))
            continue
        yield task, seed, body, _content_type(row_data["headers"])


def _content_type(headers: str | None) -> str | None:
    """The Content-Type of a capture's stored header list (JSON pairs), if any."""
    for name, value in json.loads(headers or "[]"):
        if name.lower() == "content-type":
            return value
    return None


def _failed(summary: SiteSummary, task: _Task, reason: str) -> None:
    """Count a failure; the summary lists it (the log only at DEBUG, so that it is not printed twice)."""
    summary.failed += 1
    summary.failures.append(f"{task.key}: {reason}")
    logger.debug("%s: re-extraction failed for %s: %s", summary.site, task.key, reason)


def _record(task: _Task, seed: Seed, page: Any, summary: SiteSummary) -> dict[str, Any] | None:
    """The archive record the spider would have made from this capture, or None (counted as failed)."""
    article = page.article
    if page.kind != "article" or article is None or not article.text or not article.word_count:
        _failed(summary, task, f"no article extracted ({page.error or page.kind})")
        return None
    item = ArchivedArticle(
        key=task.key,
        site=seed.name,
        article=article,
        fetched_at=task.fetched_at,
        country=seed.country,
        issuer=seed.issuer,
        extra=page.enrichment if page.enrichment.get("content_type") == "pdf" else item_extra(page.enrichment, seed),
        seed_hash=seed.file_hash,
    )
    return item.to_record()


def _normal(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return json.dumps(list(value), ensure_ascii=False)
    if isinstance(value, bool):
        return int(value)
    return value


def _changes(archive: Archive, key: str, record: dict[str, Any]) -> set[str]:
    """The compared fields whose new value differs from the stored one. An empty new value is no change
    (the write path never overwrites with NULL), nor is a day-only date on the day of a stored time."""
    cursor = archive.db.execute(f"SELECT {', '.join(COMPARED_FIELDS)} FROM articles WHERE canonical_url = ?", [key])
    stored = dict(zip(COMPARED_FIELDS, cursor.fetchone(), strict=True))
    changed = set()
    for name in COMPARED_FIELDS:
        new, old = _normal(record.get(name)), stored[name]
        if new in (None, "", "[]") or new == old:
            continue
        if name in _DATE_FIELDS and isinstance(old, str) and len(str(new)) == 10 and old.startswith(str(new)):
            continue
        changed.add(name)
    return changed


def _write(archive: Archive, pending: list[tuple[_Task, dict[str, Any]]]) -> None:
    """Write the changed rows, grouped by the crawl that fetched their capture (their `crawl_id`)."""
    groups: dict[int | None, list[dict[str, Any]]] = {}
    for task, record in pending:
        groups.setdefault(task.crawl_id, []).append(record)
    for crawl_id, records in groups.items():
        archive.write_articles(records, crawl_id, revise=True)
    pending.clear()


def format_summary(summaries: dict[str, SiteSummary], *, dry_run: bool = False) -> str:
    """One line per site: re-extracted, changed titles / dates / texts / other fields, unchanged, failed."""
    header = (
        "site",
        "checked",
        "titles",
        "dates",
        "texts",
        "other",
        "unchanged",
        "failed",
        "would update" if dry_run else "updated",
    )
    rows = [
        (s.site, s.checked, s.titles, s.dates, s.texts, s.other, s.unchanged, s.failed, s.updated)
        for s in summaries.values()
    ]
    if rows:
        rows.append(("TOTAL", *(sum(r[i] for r in rows) for i in range(1, len(header)))))
    lines = [format_table(header, rows, right=range(1, len(header)), rules=False)]
    if not rows:
        lines.append("(no captured articles matched)")
    failures = [f for s in summaries.values() for f in s.failures]
    if failures:
        lines += ["", "failed:", *(f"  {f}" for f in failures[:20])]
        if len(failures) > 20:
            lines.append(f"  ... and {len(failures) - 20} more")
    return "\n".join(lines)

"""CLI commands around the archive's contents: `export`, `dataset`, `stats` and `browse` (registered in
cli/__init__.py).

Thin layer over `diplomatic_crawler.export`; an `ExportError` becomes one clean line and exit status 1.
"""

from __future__ import annotations

import functools
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..export import FEED_FORMATS, FORMATS, ExportError, ExportFilter
from .options import (
    db_option,
    format_option,
    json_option,
    language_option,
    output_option,
    site_option,
    until_option,
)


def _filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--since, --until, --site, --language, --query, --crawl, --new: turned into an `ExportFilter` `flt`."""
    options = [
        click.option("--since", metavar="DATE", help="Published on or after DATE (YYYY, YYYY-MM or YYYY-MM-DD)."),
        until_option,
        site_option,
        language_option,
        click.option("--query", metavar="FTS", help="Full-text search (SQLite FTS5 syntax) on title and text."),
        click.option("--crawl", "crawl_id", type=int, metavar="ID", help="Only what crawl run ID added or changed."),
        click.option(
            "--new",
            is_flag=True,
            help="Only what the latest successful crawl added or changed, with what failed or interrupted"
            " runs since the successful crawl before it added.",
        ),
    ]

    @functools.wraps(func)
    def wrapper(*args: Any, since, until, sites, language, query, crawl_id, new, **kwargs: Any) -> Any:
        try:
            flt = ExportFilter(
                since=since, until=until, sites=sites, language=language, query=query, crawl_id=crawl_id, new=new
            )
        except ExportError as exc:
            raise click.BadParameter(str(exc)) from exc
        return func(*args, flt=flt, **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


@click.command()
@db_option(read_only=True)
@format_option(FORMATS)
@_filter_options
@output_option()
@click.option("--title", help="JSON Feed, Atom: the feed's title.")
@click.option("--feed-url", help="JSON Feed, Atom: the URL the feed will be published at (Atom: also its id).")
@click.option("--home-page-url", help="JSON Feed, Atom: the web page the feed belongs to.")
@click.option("--bom", is_flag=True, help="CSV: start with a UTF-8 byte-order mark (for Excel).")
def export(
    db: str,
    fmt: str,
    flt: ExportFilter,
    output: str,
    title: str | None,
    feed_url: str | None,
    home_page_url: str | None,
    bom: bool,
) -> None:
    """Export articles of the archive as a JSON Feed 1.1, Atom 1.0, JSON Lines, JSON, CSV or Parquet file.

    Rows are streamed from one read snapshot (memory stays flat; a crawl may keep writing). The file is
    written under a temporary name and renamed when complete. CSV cells that a spreadsheet would run as a
    formula (= + - @) get a leading apostrophe.

    Examples:

      diplomatic-crawler export --format jsonfeed --new -o output/feed.json

      diplomatic-crawler export --format atom --site mfa-az --feed-url https://example.org/mfa-az.atom -o mfa-az.atom

      diplomatic-crawler export --format csv --site mfa-az --since 2025-01 -o mfa-az.csv

      diplomatic-crawler export --format jsonl --query 'sanctions' -o - | jq .title
    """
    from ..export import export_file
    from ..progress import Progress

    options: dict[str, Any] = {}
    if fmt in FEED_FORMATS:
        options.update(title=title, feed_url=feed_url, home_page_url=home_page_url)
    if fmt == "csv":
        options["bom"] = bom
    with Progress("export") as progress:
        count = export_file(db, fmt, output, flt, progress=progress, **options)
    if output != "-":
        click.echo(f"{count} article(s) written to {output}", err=True)


@click.command()
@click.argument("out_dir", type=click.Path(file_okay=False))
@db_option(read_only=True)
@_filter_options
@click.option("--jsonl", is_flag=True, help="Also write a JSON Lines copy (jsonl/), sharded like the Parquet files.")
@click.option(
    "--max-shard-mb",
    type=click.IntRange(1),
    default=256,
    show_default=True,
    help="Start a new Parquet shard once a file reaches this size.",
)
@click.option("--shard-rows", type=click.IntRange(1), help="Also start a new shard after this many rows.")
@click.option("--name", help="Dataset name in the card (default: the directory name).")
@click.option("--force", is_flag=True, help="Replace OUT_DIR if it holds a dataset written by this command.")
def dataset(
    out_dir: str,
    db: str,
    flt: ExportFilter,
    jsonl: bool,
    max_shard_mb: int,
    shard_rows: int | None,
    name: str | None,
    force: bool,
) -> None:
    """Write a research dataset to OUT_DIR: Parquet shards (zstd, typed schema) under data/, a dataset card
    README.md (YAML header for dataset hubs, counts, schema, provenance, date quality, limitations) and
    manifest.json (files, SHA-256, row counts).

    Load it with pyarrow.parquet.read_table("OUT_DIR/data") or datasets.load_dataset("OUT_DIR").

    Example: diplomatic-crawler dataset output/dataset-2025 --since 2025 --jsonl
    """
    from ..export.dataset import write_dataset
    from ..progress import Progress

    with Progress("dataset") as progress:
        result = write_dataset(
            db,
            out_dir,
            flt,
            jsonl=jsonl,
            max_shard_bytes=max_shard_mb * 1024 * 1024,
            max_shard_rows=shard_rows,
            force=force,
            name=name,
            progress=progress,
        )
    shards = sum(1 for f in result.files if f["format"] == "parquet")
    click.echo(
        f"{result.rows} article(s) in {shards} Parquet shard(s) under {result.out_dir}/data; "
        f"card {result.out_dir}/README.md, manifest {result.out_dir}/manifest.json"
    )


@click.command()
@db_option(read_only=True)
@json_option("Print JSON (for scripts) instead of a table.")
def stats(db: str, as_json: bool) -> None:
    """Per-site figures: articles, first/last published, share without date or with empty text, and the last
    crawl that covered the site (when, status, new / updated / failed).

    Example: diplomatic-crawler stats --db output/archive.db --json
    """
    import json

    from ..export.filters import ArchiveReader
    from ..export.stats import archive_stats, format_stats

    with ArchiveReader(db) as reader:
        data = archive_stats(reader)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(format_stats(data))


@click.command()
@db_option()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("-p", "--port", type=int, default=8001, show_default=True, help="Port (0 picks a free one).")
@click.option("--metadata-only", is_flag=True, help="Print the Datasette metadata for this archive and exit.")
def browse(db: str, host: str, port: int, metadata_only: bool) -> None:
    """Browse the archive in Datasette (optional extra: pip install 'diplomatic-crawler[browse]'), with
    full-text search, facets by site, language, country and year, and text never rendered as HTML.

    Example: diplomatic-crawler browse --db output/archive.db --port 8001
    """
    import importlib.util
    import json
    import sys
    import tempfile

    from ..datasette import metadata_for, setting_args

    path = Path(db)
    if not path.is_file():
        raise click.ClickException(f"{path}: no such archive")
    metadata = metadata_for(path)
    if metadata_only:
        click.echo(json.dumps(metadata, ensure_ascii=False, indent=2))
        return
    from ..archive import Archive

    Archive(path).close()  # apply pending migrations (the articles_browse view)
    # Datasette of this environment, never another one on PATH, with the project's plugin (the reading page)
    # registered even where the package's entry points are not installed (datasette/serve.py).
    if importlib.util.find_spec("datasette") is None:
        raise click.ClickException("Datasette is not installed: pip install 'diplomatic-crawler[browse]'")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as handle:
        json.dump(metadata, handle)
    try:
        serve = [sys.executable, "-m", "diplomatic_crawler.datasette.serve", str(path), "--metadata", handle.name]
        code = _run_forwarding_signals([*serve, "--host", host, "--port", str(port), *setting_args()])
    finally:
        Path(handle.name).unlink(missing_ok=True)
    if code not in (0, -signal.SIGINT, -signal.SIGTERM, 128 + signal.SIGINT):
        raise click.ClickException(f"datasette exited with status {code}")


def _run_forwarding_signals(argv: list[str]) -> int:
    """Run a child to its end; SIGTERM, SIGINT and SIGHUP sent to us are passed on to it, and we wait for it.

    Without this a `browse` stopped by a service manager or `kill` (SIGTERM) died at once and left its
    Datasette serving the port. The child runs in its own process group, so a Ctrl-C at the terminal
    reaches it once (through us), not twice: uvicorn takes a second SIGINT as "exit now".
    """
    import subprocess

    child = subprocess.Popen(argv, process_group=0)
    forwarded = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)

    def forward(signum: int, _frame: object) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    previous = {signum: signal.signal(signum, forward) for signum in forwarded}
    try:
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:  # only if a handler was replaced under us: keep waiting
                continue
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if child.poll() is None:  # we are unwinding from an error: never leave it behind
            child.terminate()
            child.wait(timeout=30)

"""CLI commands for what changed in archived articles: `changes` (a feed of revisions and withdrawals) and
`diff` (two versions of one article, as text or HTML), registered in cli/__init__.py. Thin layer over `changes` and
`diffpage`; bad input becomes one clean line and exit status 1."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, BinaryIO

import click

from .options import db_option, format_option, output_option, site_option


def _archive_read(db: str, read: Callable[[sqlite3.Connection], Any]) -> Any:
    """`read(conn)` on a read-only connection to `db`; an SQLite error while reading as ClickException."""
    from ..readonly import connect_read_only

    try:
        conn = connect_read_only(db)
        try:
            return read(conn)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise click.ClickException(f"{db}: cannot read the archive: {exc}") from exc


@click.command()
@db_option(read_only=True)
@click.option(
    "--since", metavar="WHEN", help="Only changes seen at or after WHEN: YYYY-MM-DD, an ISO time, 36h, 7d, 2w."
)
@site_option
@format_option(["jsonfeed", "jsonl", "csv"], default="jsonfeed")
@output_option()
@click.option(
    "--base-url",
    metavar="URL",
    help="The archive's database in Datasette (http://host:8001/archive): items link to its diff pages.",
)
@click.option("--reextractions", is_flag=True, help="Also list re-extractions of stored captures (no new fetch).")
def changes(
    db: str,
    since: str | None,
    sites: tuple[str, ...],
    fmt: str,
    output: str,
    base_url: str | None,
    reextractions: bool,
) -> None:
    """The changes the archive saw in articles it already held, newest first: each revision (what changed
    among title, text, date and authors, a word-level summary, both versions' times, hashes and captures)
    and each withdrawal or restoration. New articles are not changes. A JSON Feed 1.1 by default, so a feed
    reader can subscribe to what changed.

    Example: diplomatic-crawler changes --db output/archive.db --since 7d --site mfa-az -o changes.json
    """
    from ..changes import ChangesError, list_changes, parse_since, write_changes
    from ..export import write_output

    filters = {k: v for k, v in {"since": since, "sites": list(sites)}.items() if v}

    def read(conn: sqlite3.Connection) -> int:
        found = list_changes(conn, since=since, sites=sites, reextractions=reextractions)
        return write_output(
            output, lambda stream: write_changes(found, fmt, stream, base_url=base_url, filters=filters)
        )

    try:
        parse_since(since)
    except ChangesError as exc:
        raise click.BadParameter(str(exc).removeprefix("--since: "), param_hint="--since") from exc
    count = _archive_read(db, read)
    if output != "-":
        click.echo(f"{count} change(s) written to {output}", err=True)


@click.command()
@click.argument("ref", metavar="URL|ID")
@db_option(read_only=True)
@click.option(
    "--from", "old", type=click.IntRange(1), metavar="V", help="Earlier version (default: the one before --to)."
)
@click.option("--to", "new", type=click.IntRange(1), metavar="V", help="Later version (default: the current one).")
@click.option("--html", "as_html", is_flag=True, help="A self-contained HTML page, both versions side by side.")
@output_option(default="-")
@click.option("--base-url", metavar="URL", help="HTML: link the captures to this Datasette database URL.")
def diff(ref: str, db: str, old: int | None, new: int | None, as_html: bool, output: str, base_url: str | None) -> None:
    """Two versions of one article: a unified diff of title and text with the changed date and authors, or
    (--html) a page with both versions side by side and the changed words marked. URL|ID is the canonical
    URL, the fetched URL or the article id; versions are numbered from 1, as `history` lists them.

    Example: diplomatic-crawler diff https://mfa.gov.example/en/news/123 --html -o diff.html
    """
    from ..diffpage import DiffLinks, compared_versions, diff_page, unified_diff
    from ..export import write_output

    pair = _archive_read(db, lambda conn: compared_versions(conn, ref, old, new))
    if as_html:
        base = base_url.rstrip("/") if base_url else None
        links = DiffLinks(
            article=f"{base}/-/article/{pair.article_id}" if base else pair.new.row.get("url") or pair.key,
            old_capture=f"{base}/-/capture/{pair.old_capture}" if base and pair.old_capture else None,
            new_capture=f"{base}/-/capture/{pair.new_capture}" if base and pair.new_capture else None,
        )
        text = diff_page(pair, links)
    else:
        text = unified_diff(pair.old, pair.new)

    def write(stream: BinaryIO) -> int:
        stream.write(text.encode("utf-8"))
        stream.flush()
        return 1

    write_output(output, write)

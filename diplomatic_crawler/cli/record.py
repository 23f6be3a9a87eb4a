"""CLI commands for the archive as a record: `history` (versions and diffs) and `reextract` (registered in
cli/__init__.py). Thin layer over `versions` and `reextract`; library errors become one clean line and exit
status 1."""

from __future__ import annotations

import json
import sqlite3

import click

from .options import db_option, json_option, site_option


@click.command()
@click.argument("url")
@db_option(read_only=True)
@json_option("Print the versions and events as JSON (no diff).")
def history(url: str, db: str, as_json: bool) -> None:
    """Every archived version of one article (fetch time, content hash, title), its withdrawals, and a
    unified diff of title and text between consecutive versions. URL is the canonical URL, the fetched URL
    or the article id.

    Example: diplomatic-crawler history https://mfa.gov.example/en/news/123 --db output/archive.db
    """
    from ..readonly import connect_read_only
    from ..versions import article_history, format_history

    try:
        conn = connect_read_only(db)
        try:
            found = article_history(conn, url)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise click.ClickException(f"{db}: cannot read the archive: {exc}") from exc
    if found is None:
        raise click.ClickException(f"{url}: not in the archive {db}")
    key, versions, events = found
    if as_json:
        data = {
            "canonical_url": key,
            "versions": [
                {
                    "version": v.number,
                    "current": v.current,
                    "fetched_at": v.fetched_at,
                    "content_hash": v.content_hash,
                    "title": v.title,
                }
                for v in versions
            ],
            "events": events,
        }
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(format_history(key, versions, events))


@click.command()
@db_option()
@click.option(
    "--seeds",
    "seeds_path",
    default="seeds",
    show_default=True,
    help="Seed file or directory; a site not in it uses the seed its articles were crawled with (kept in the archive).",
)
@site_option
@click.option("--since", metavar="DATE", help="Only articles published (or, undated, first seen) on or after DATE.")
@click.option(
    "--workers", type=int, default=None, help="Extraction worker processes (default: one per core; 0 = in-process)."
)
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds per page (0 = no limit).")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@json_option("Print the summary as JSON.")
def reextract(
    db: str,
    seeds_path: str,
    sites: tuple[str, ...],
    since: str | None,
    workers: int | None,
    timeout: float,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Re-run the current extractor over the stored captures (no network access), update the rows whose
    result changed (the previous version is kept, see `history`) and print a summary per site.

    Example: diplomatic-crawler reextract --db output/archive.db --site mfa-az --since 2024-01-01 --dry-run
    """
    from ..ops.reextract import ReextractError, format_summary
    from ..ops.reextract import reextract as run
    from ..progress import Progress

    if since is not None:
        from datetime import date

        padded = {4: "-01-01", 7: "-01"}.get(len(since), "")
        try:
            date.fromisoformat(since + padded)
        except ValueError:
            raise click.BadParameter(f"{since!r}: expected YYYY, YYYY-MM or YYYY-MM-DD", param_hint="--since") from None
    try:
        with Progress("reextract", "captures") as progress:
            summaries = run(
                db,
                seeds_path,
                sites=sites,
                since=since,
                workers=workers,
                timeout=timeout or None,
                dry_run=dry_run,
                progress=progress,
            )
    except ReextractError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps({s: v.as_dict() for s, v in summaries.items()}, ensure_ascii=False, indent=2))
    else:
        click.echo(format_summary(summaries, dry_run=dry_run))
    checked = sum(s.checked for s in summaries.values())
    if checked and all(s.failed == s.checked for s in summaries.values()):
        raise click.ClickException(f"re-extraction failed for all {checked} articles (reasons listed above)")

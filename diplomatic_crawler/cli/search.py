"""`diplomatic-crawler search`: full-text search of the archive (registered in cli/__init__.py).

Thin layer over `diplomatic_crawler.search`. Exit status as grep's: 0 when articles match, 1 when none does
(a line on standard error says so), 2 for an error (bad FTS5 query, unknown site, bad date, no archive), one
line and no traceback.
"""

from __future__ import annotations

import sys

import click

from .options import db_option, json_option, language_option, site_option, until_option

NO_MATCH = 1


class SearchFailed(click.ClickException):
    exit_code = 2


@click.command()
@click.argument("query")
@db_option(read_only=True)
@site_option
@click.option(
    "--since", metavar="WHEN", help="Published on or after WHEN: YYYY, YYYY-MM, YYYY-MM-DD, or 30d, 2w, 6m, 1y back."
)
@until_option
@language_option
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True, help="Show at most N articles.")
@click.option("--quote", is_flag=True, help="Search the words as typed: no FTS5 operators or syntax.")
@json_option("Print a JSON array of the hits (for scripts).")
def search(
    query: str,
    db: str,
    sites: tuple[str, ...],
    since: str | None,
    until: str | None,
    language: str | None,
    limit: int,
    quote: bool,
    as_json: bool,
) -> None:
    """Full-text search of titles and texts (SQLite FTS5 syntax), newest first, with a snippet of each text
    around the match (matches marked **like this**, in bold on a terminal).

    Exit status: 0 when articles match, 1 when none does, 2 for an error.

    Examples:

      diplomatic-crawler search sanctions --since 2025 --site mfa-az

      diplomatic-crawler search '"joint statement" AND (Armenia OR Georgia)' --language en --limit 5

      diplomatic-crawler search 'title:sanction*' --json | jq -r '.[].canonical_url'
    """
    import json

    from ..export import ExportError
    from ..search import quote_query, search_archive

    fts = quote_query(query) if quote else query
    tty = not as_json and sys.stdout.isatty()
    marks = ("\x1b[1m", "\x1b[22m") if tty else ("**", "**")
    try:
        result = search_archive(
            db, fts, sites=sites, since=since, until=until, language=language, limit=limit, marks=marks
        )
    except ExportError as exc:
        raise SearchFailed(exc.cli_message()) from exc
    if as_json:
        click.echo(json.dumps([hit.to_dict() for hit in result.hits], ensure_ascii=False, indent=2))
    for number, hit in enumerate([] if as_json else result.hits, 1):
        when = hit.published or "undated"
        click.echo(f"{number}. {hit.title or '(no title)'}")
        click.echo(f"   {when} · {hit.site}{' · ' + hit.language if hit.language else ''} · {hit.canonical_url}")
        if hit.snippet:
            click.echo(f"   {hit.snippet}")
        click.echo()
    if not result.total:
        click.echo(f"No article matches {query!r}{_filters(sites, since, until, language)}.", err=True)
        sys.exit(NO_MATCH)
    if not as_json:
        more = f" (the newest {len(result.hits)}; --limit for more)" if result.total > len(result.hits) else ""
        click.echo(f"{result.total} article(s) match{more}.", err=True)


def _filters(sites: tuple[str, ...], since: str | None, until: str | None, language: str | None) -> str:
    parts = [f"site {', '.join(sites)}"] if sites else []
    if since:
        parts.append(f"since {since}")
    if until:
        parts.append(f"until {until}")
    if language:
        parts.append(f"language {language}")
    return f" ({'; '.join(parts)})" if parts else ""

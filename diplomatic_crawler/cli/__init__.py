"""Command-line interface: a thin click layer over the library, one module per group of commands.

The error boundary is the group itself (`_Boundary.invoke`): any `DiplomaticCrawlerError` a command raises
becomes `click.ClickException`, one line `Error: <message>` (and its hint) on standard error with the
error's exit code (1), never a traceback. Commands catch a library error only to say more than it does
(a prefix, the option it belongs to, another exit code). Any other exception is a bug: its traceback shows.
"""

from __future__ import annotations

from typing import Any

import click

from .. import __version__
from ..errors import DiplomaticCrawlerError
from .options import format_option


class _Boundary(click.Group):
    """The root group: library errors of every command and subcommand below it become clean CLI errors."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DiplomaticCrawlerError as exc:
            error = click.ClickException(exc.cli_message())
            error.exit_code = exc.exit_code
            raise error from exc


@click.group(cls=_Boundary)
@click.version_option(__version__, prog_name="diplomatic-crawler")
def main() -> None:
    """Crawl and archive diplomatic news."""


def _load_seed(value: str | None):
    """A seed by name (from seeds/) or by path; None when not given."""
    if not value:
        return None
    from pathlib import Path

    from ..seeds import curated_seeds_dir, load_seed

    path = Path(value)
    if not path.suffix and not path.exists():
        path = (curated_seeds_dir() or Path("seeds")) / f"{value}.toml"
    return load_seed(path)


def _seed_of_site(url: str):
    """The seed (of seeds/, or the curated ones) whose site `url` is on, so that its language, time zone
    and selectors apply as in the crawl; said on stderr (stdout stays the record). None when none owns it."""
    from ..seeds import DEFAULT_SEEDS_DIR, SeedError, curated_seeds_dir, load_seeds, seed_for_url

    if curated_seeds_dir() is None:
        return None
    try:
        seed = seed_for_url(url, load_seeds(DEFAULT_SEEDS_DIR))
    except SeedError as exc:
        click.echo(f"Warning: no seed applied, the seeds do not load: {str(exc).splitlines()[0]}", err=True)
        return None
    if seed is not None:
        click.echo(f"Using seed {seed.name!r} (the page is on its site; --seed to choose another)", err=True)
    return seed


def _read_source(source: str) -> tuple[bytes, str | None]:
    """Page bytes from a file, standard input or (http/https) URL, plus the URL when it was fetched."""
    if source == "-":
        with click.open_file("-", "rb") as stdin:
            return stdin.read(), None
    if source.startswith(("http://", "https://")):
        import urllib.error
        import urllib.request

        from ..settings import USER_AGENT

        request = urllib.request.Request(source, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.read(32 * 1024 * 1024), response.geturl()
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise click.ClickException(f"{source}: cannot fetch: {exc}") from exc
    try:
        with open(source, "rb") as handle:
            return handle.read(), None
    except OSError as exc:
        raise click.ClickException(f"{source}: {exc.strerror or exc}") from exc


@main.command()
@click.argument("source")
@click.option("--url", help="The page's URL (for relative links, the URL date and the site name).")
@click.option("--seed", "seed_name", help="Seed name (in seeds/) or path to a seed TOML (language, time zone, ...).")
@format_option(["json", "text"], default="json")
def extract(source: str, url: str | None, seed_name: str | None, fmt: str) -> None:
    """Extract one article page (FILE, URL or - for stdin) and print the record.

    Example: diplomatic-crawler extract page.html --url https://mfa.gov.az/en/news/123 --seed mfa-az
    """
    import json
    from datetime import UTC, datetime

    from ..extraction import ExtractionError, extract_article

    seed = _load_seed(seed_name)
    data, fetched_url = _read_source(source)
    page_url = url or fetched_url or (source if source.startswith(("http://", "https://")) else "")
    if seed is None and page_url:
        seed = _seed_of_site(page_url)
    try:
        article = extract_article(data, page_url, seed=seed, fetched_at=datetime.now(UTC))
    except ExtractionError as exc:
        raise click.ClickException(f"{source}: {exc}") from exc
    if fmt == "json":
        click.echo(json.dumps(article.to_dict(), ensure_ascii=False, indent=2))
        return
    lines = [article.title or "(no title)"]
    byline = ", ".join(article.authors)
    when = article.published or "date unknown"
    lines.append(" · ".join(part for part in (byline, when, article.canonical_url or article.url) if part))
    lines += ["", article.text]
    click.echo("\n".join(lines))


from .crawl import demo, seeds  # noqa: E402 - crawl-side commands live in their own module

main.add_command(seeds)
main.add_command(demo)

from .sites import health, probe  # noqa: E402 - site onboarding and health checks

main.add_command(probe)
main.add_command(health)

from .export import browse, dataset, export, stats  # noqa: E402 - exports, datasets, stats, Datasette

main.add_command(export)
main.add_command(dataset)
main.add_command(stats)
main.add_command(browse)

from .search import search  # noqa: E402 - full-text search of the archive

main.add_command(search)

from .enrich import enrich, similar  # noqa: E402 - research enrichments: clusters, back-fill

main.add_command(similar)
main.add_command(enrich)

from .record import history, reextract  # noqa: E402 - the archive as a record: versions, re-extraction

main.add_command(history)
main.add_command(reextract)

from .changes import changes, diff  # noqa: E402 - what changed: the changes feed, diffs of two versions

main.add_command(changes)
main.add_command(diff)

from .distributed import frontier, merge  # noqa: E402 - distributed crawls: merge shards, the Redis frontier

main.add_command(merge)
main.add_command(frontier)

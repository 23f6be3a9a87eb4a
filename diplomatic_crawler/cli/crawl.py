"""CLI commands around the crawl: `seeds validate`, `seeds list` and `demo` (registered in cli/__init__.py)."""

from __future__ import annotations

import click

from ..seeds import DEFAULT_SEEDS_DIR, load_seeds
from ..tables import format_table
from .options import db_option, json_option


@click.group()
def seeds() -> None:
    """Check and list seed files (one TOML file per site).

    Example: diplomatic-crawler seeds validate seeds/
    """


@seeds.command("validate")
@click.argument("path", default=DEFAULT_SEEDS_DIR, required=False)
@click.option(
    "--allow-private-networks",
    "allow",
    default=None,
    metavar="VALUE",
    help="The ALLOW_PRIVATE_NETWORKS value the crawl will run with (default: the project's setting, False).",
)
def seeds_validate(path: str, allow: str | None) -> None:
    """Validate every seed file in PATH (a directory or one .toml file; default: seeds/).

    Prints one `file: field: reason` line per problem and exits 1 when there is any. A seed naming a
    private or loopback host the crawl would refuse is a problem too, with the setting that allows it.

    Example: diplomatic-crawler seeds validate seeds/ --allow-private-networks 10.20.0.0/16
    """
    from ..security import NetworkPolicy, parse_allow_setting, seed_host_refusals

    loaded = load_seeds(path)
    if allow is None:
        from scrapy.utils.project import get_project_settings

        allow = get_project_settings().get("ALLOW_PRIVATE_NETWORKS", False)
    try:
        policy = NetworkPolicy(parse_allow_setting(allow))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--allow-private-networks") from exc
    if refusals := seed_host_refusals(loaded, policy):
        raise click.ClickException("\n".join(refusals))
    click.echo(f"{len(loaded)} seed(s) OK: {', '.join(s.name for s in loaded)}")


@seeds.command("list")
@click.option("--path", default=DEFAULT_SEEDS_DIR, show_default=True, help="Seed directory or file.")
@json_option("Print the parsed seeds as JSON.")
def seeds_list(path: str, as_json: bool) -> None:
    """List the sites in the seed directory with their domain, country and entry points.

    Example: diplomatic-crawler seeds list --path seeds/
    """
    import json

    loaded = load_seeds(path)
    if as_json:
        click.echo(json.dumps([s.to_dict() for s in loaded], ensure_ascii=False, indent=2))
        return
    entries = "{} start, {} sitemap, {} feed".format
    rows = [
        [s.name, s.domain, s.country or "--", entries(len(s.start_urls), len(s.sitemaps), len(s.feeds)), s.issuer]
        for s in loaded
    ]
    if rows:
        click.echo(format_table(None, rows, min_widths=(27, 31, 2)))


@click.command()
@db_option()
def demo(db: str) -> None:
    """Crawl two bundled sample diplomatic sites, served offline on 127.0.0.1, into the archive.

    Example: diplomatic-crawler demo --db output/archive.db
    """
    from ..demo.runner import failure_message, next_steps, run_demo

    shown: list[str] = []

    def echo(text: str) -> None:
        shown.append(text)
        click.echo(text)

    code = run_demo(db, echo=echo)
    if code != 0:
        raise click.ClickException(failure_message(code, shown))
    import sqlite_utils

    database = sqlite_utils.Database(db)
    total = database["articles"].count
    database.close()
    click.echo(f"\n{total} articles in {db}. Next steps:")
    for line in next_steps(db):
        click.echo(f"  {line}")

"""CLI commands for distributed crawls: `merge` (shards -> one archive) and `frontier status|reset`."""

from __future__ import annotations

import json

import click

from ..tables import format_table
from .options import json_option


@click.command()
@click.argument("shards", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    "target",
    default="output/archive.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Archive to merge into (created if missing).",
)
def merge(shards: tuple[str, ...], target: str) -> None:
    """Merge worker shards into one archive; merging again changes nothing.

    Per canonical URL the newest fetch wins and older content is kept in article_versions; crawl rows,
    non-article pages and HTTP validators are combined. Each shard is merged in one transaction.

    Example: diplomatic-crawler merge output/shards/*.db -o output/archive.db
    """
    from ..merge import merge_shards
    from ..progress import Progress

    with Progress("merge") as progress:
        report = merge_shards(shards, target, progress=progress)
    click.echo(f"{target}: {report}")


@click.group()
def frontier() -> None:
    """Inspect or reset the shared Redis frontier of a distributed crawl.

    Example: diplomatic-crawler frontier status --redis-url redis://frontier:6379/0
    """


def _frontier(redis_url: str, name: str):
    from scrapy.settings import Settings

    from ..distributed import Frontier, check_name

    try:
        settings = Settings({"REDIS_URL": redis_url, "DISTRIBUTED_PREFIX": f"diplomatic:{check_name('--name', name)}"})
        settings.set("WORKER_NAME", "cli")
        return Frontier.from_settings(settings)
    except ImportError as exc:
        raise click.ClickException(str(exc)) from exc


_redis_option = click.option(
    "--redis-url", envvar="REDIS_URL", default="redis://127.0.0.1:6379/0", show_default=True, help="Redis server."
)
_name_option = click.option(
    "--name", default="archive", show_default=True, help="The crawl's DISTRIBUTED_NAME (its Redis keys)."
)


@frontier.command("status")
@_redis_option
@_name_option
@json_option("Print the counts as JSON.")
def frontier_status(redis_url: str, name: str, as_json: bool) -> None:
    """Queued and seen requests, archived articles, and each worker's state (busy, idle, dead).

    Example: diplomatic-crawler frontier status --redis-url redis://frontier:6379/0
    """
    status = _frontier(redis_url, name).status()
    if as_json:
        click.echo(json.dumps(status, indent=2))
        return
    click.echo(
        f"{status['prefix']}: {status['queued']} queued, {status['seen']} seen, {status['archived']} archived,"
        f" run {'active' if status['run_active'] else 'not running'}"
    )
    if workers := [[w["worker"], w["state"], f"{w['in_flight']} in flight"] for w in status["workers"]]:
        click.echo(format_table(None, workers, min_widths=(31, 4), indent="  "))


@frontier.command("reset")
@_redis_option
@_name_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def frontier_reset(redis_url: str, name: str, yes: bool) -> None:
    """Drop the queue, the duplicate filter and worker state (what is archived stays known).

    Example: diplomatic-crawler frontier reset --name archive --yes
    """
    if not yes:
        click.confirm(f"Drop the queue and duplicate filter of diplomatic:{name}?", abort=True)
    deleted = _frontier(redis_url, name).reset()
    click.echo(f"diplomatic:{name}: {deleted} key(s) deleted")

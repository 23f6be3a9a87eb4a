"""Options that several commands share, as decorators: one name, default and help text each.

`@db_option()` on a command that only reads the archive is `@db_option(read_only=True)`; its help says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_DB = "output/archive.db"


def db_option(*, read_only: bool = False) -> Callable[[F], F]:
    """--db: the archive's SQLite file."""
    return click.option(
        "--db",
        default=DEFAULT_DB,
        show_default=True,
        type=click.Path(dir_okay=False),
        help="The archive (opened read-only)." if read_only else "The archive.",
    )


site_option = click.option("--site", "sites", multiple=True, metavar="NAME", help="Only this site (repeatable).")
"""--site NAME, repeatable: the sites' names as in seeds/ (`sites`, a tuple)."""

until_option = click.option(
    "--until", metavar="DATE", help="Published on or before DATE (inclusive: 2024 = to 2024-12-31)."
)
language_option = click.option("--language", metavar="xx", help="Only articles in this ISO 639-1 language.")


def _required_unless(default: str | None) -> dict[str, Any]:
    """`required=True`, or the default shown in the help. Never `default=None` beside `required=True`:
    click 8.3 takes an explicit None for a given value and stops asking for the option."""
    return {"required": True} if default is None else {"default": default, "show_default": True}


def output_option(*, default: str | None = None) -> Callable[[F], F]:
    """-o/--output FILE|-: required unless a default is given."""
    return click.option(
        "-o", "--output", metavar="FILE|-", help="Output file, or - for standard output.", **_required_unless(default)
    )


def format_option(choices: Sequence[str], *, default: str | None = None) -> Callable[[F], F]:
    """--format: one of `choices` (`fmt`); required unless a default is given."""
    return click.option(
        "--format", "fmt", type=click.Choice(choices), help="Output format.", **_required_unless(default)
    )


def json_option(text: str) -> Callable[[F], F]:
    """--json (`as_json`): JSON for scripts instead of the text for people."""
    return click.option("--json", "as_json", is_flag=True, help=text)

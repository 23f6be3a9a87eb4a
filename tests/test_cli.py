"""Every command of the CLI is explained where a user looks: a help text, an example in it that runs the
command itself, and a mention in README.md or docs/*.md (as sqlite-utils' tests/test_docs.py does)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from diplomatic_crawler.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    """Every command and subcommand below `group`, groups included, with its path of names."""
    found = []
    for name, command in sorted(group.commands.items()):
        found.append(((*path, name), command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, (*path, name)))
    return found


COMMANDS = _commands(main)
LEAVES = [(path, command) for path, command in COMMANDS if not isinstance(command, click.Group)]


def _ids(items: list[tuple[tuple[str, ...], click.Command]]) -> list[str]:
    return [" ".join(path) for path, _ in items]


def test_the_walk_finds_groups_and_subcommands() -> None:
    names = _ids(COMMANDS)
    assert {"export", "seeds", "seeds validate", "frontier reset"} <= set(names)
    assert len(names) == len(set(names)) >= 20


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=_ids(COMMANDS))
def test_help(path: tuple[str, ...], command: click.Command) -> None:
    assert (command.help or "").strip(), f"{' '.join(path)}: no help text"
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: ") and f" {' '.join(path)} [OPTIONS]" in result.output.splitlines()[0]
    undocumented = [p.name for p in command.params if isinstance(p, click.Option) and not p.help]
    assert not undocumented, f"{' '.join(path)}: options without a help text: {undocumented}"


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=_ids(LEAVES))
def test_help_has_an_example(path: tuple[str, ...], command: click.Command) -> None:
    """An `Example:` (or `Examples:`) paragraph whose command line runs this very command."""
    help_text = command.help or ""
    assert re.search(r"^\s*Examples?:", help_text, re.M), f"{' '.join(path)}: no Example: in its help"
    assert re.search(rf"diplomatic-crawler {re.escape(' '.join(path))}(\s|$)", help_text), (
        f"{' '.join(path)}: the example does not run `diplomatic-crawler {' '.join(path)}`"
    )


def test_every_command_is_documented() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *sorted(ROOT.glob("docs/*.md"))])
    missing = [name for name in _ids(COMMANDS) if f"diplomatic-crawler {name}" not in text and f"`{name}" not in text]
    assert not missing, f"commands documented nowhere in README.md or docs/*.md: {missing}"

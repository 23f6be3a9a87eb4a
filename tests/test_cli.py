"""Every command of the CLI is explained where a user looks: a help text, an example in it that runs the
command itself and parses as a real command line, and a mention in README.md or docs/*.md (as sqlite-utils'
tests/test_docs.py does). Table-driven over the walk of the click groups: a new command without them fails."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from diplomatic_crawler.cli import main

ROOT = Path(__file__).resolve().parents[1]
PROG = "diplomatic-crawler"
DOCS_TEXT = "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *sorted(ROOT.glob("docs/*.md"))])


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    """Every command and subcommand below `group`, groups included, with its path of names."""
    found = []
    for name, command in sorted(group.commands.items()):
        found.append(((*path, name), command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, (*path, name)))
    return found


COMMANDS = _commands(main)


def _ids(items: list[tuple[tuple[str, ...], click.Command]]) -> list[str]:
    return [" ".join(path) for path, _ in items]


def help_problems(path: tuple[str, ...], command: click.Command) -> list[str]:
    """What the help of `command` lacks: a text, and a help text for each option."""
    problems = [] if (command.help or "").strip() else ["no help text"]
    undocumented = [p.name for p in command.params if isinstance(p, click.Option) and not p.help]
    return problems + ([f"options without a help text: {undocumented}"] if undocumented else [])


def examples(path: tuple[str, ...], command: click.Command) -> list[list[str]]:
    """The example command lines of `command`'s help that run it, as arguments after `diplomatic-crawler`,
    cut at a pipe (`... -o - | jq .title`)."""
    name = re.escape(" ".join(path))
    found = []
    for line in (command.help or "").splitlines():
        if match := re.search(rf"{PROG} {name}(\s.*|$)", line):
            words = shlex.split(f"{' '.join(path)}{match.group(1)}")
            found.append(words[: words.index("|")] if "|" in words else words)
    return found


def example_problems(path: tuple[str, ...], command: click.Command) -> list[str]:
    """An `Example:` (or `Examples:`) paragraph, command lines that run this very command, and each of them
    parsed by click as the shell would pass it: no unknown option, no bad value, no missing argument."""
    help_text = command.help or ""
    if not re.search(r"^\s*Examples?:", help_text, re.M):
        return ["no Example: in its help"]
    lines = examples(path, command)
    if not lines:
        return [f"the example does not run `{PROG} {' '.join(path)}`"]
    problems = []
    for words in lines:
        try:
            _parse(words)
        except click.ClickException as exc:
            problems.append(f"`{PROG} {shlex.join(words)}` does not parse: {exc.format_message()}")
    return problems


def _parse(words: list[str]) -> None:
    """Parse a command line as click does before running it (parameters converted, nothing invoked)."""
    command: click.Command = main
    ctx = click.Context(main, info_name=PROG)
    while isinstance(command, click.Group) and words and words[0] in command.commands:
        name, *words = words
        command = command.commands[name]
        if not (isinstance(command, click.Group) and words and words[0] in command.commands):
            command.make_context(name, words, parent=ctx)
            return
        ctx = click.Context(command, info_name=name, parent=ctx)


def doc_problems(path: tuple[str, ...], text: str = DOCS_TEXT) -> list[str]:
    """Whether README.md or docs/*.md name the command: `diplomatic-crawler NAME` or `NAME` in code."""
    name = re.escape(" ".join(path))
    if re.search(rf"{PROG} {name}(?![\w-])", text) or re.search(rf"`{name}`", text):
        return []
    return ["documented nowhere in README.md or docs/*.md"]


def test_the_walk_finds_groups_and_subcommands() -> None:
    names = _ids(COMMANDS)
    assert {"export", "seeds", "seeds validate", "frontier reset"} <= set(names)
    assert len(names) == len(set(names)) >= 20


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=_ids(COMMANDS))
def test_help(path: tuple[str, ...], command: click.Command) -> None:
    assert not help_problems(path, command), f"{' '.join(path)}: {help_problems(path, command)}"
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: ") and f" {' '.join(path)} [OPTIONS]" in result.output.splitlines()[0]


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=_ids(COMMANDS))
def test_help_has_an_example_that_parses(path: tuple[str, ...], command: click.Command) -> None:
    assert not example_problems(path, command), f"{' '.join(path)}: {example_problems(path, command)}"


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS], ids=_ids(COMMANDS))
def test_every_command_is_documented(path: tuple[str, ...]) -> None:
    assert not doc_problems(path), f"{' '.join(path)}: {doc_problems(path)}"


REQUIRED = [
    (path, option)
    for path, command in COMMANDS
    for option in command.params
    if isinstance(option, click.Option) and option.required
]


@pytest.mark.parametrize(
    ("path", "option"), REQUIRED, ids=[f"{' '.join(path)} {option.opts[-1]}" for path, option in REQUIRED]
)
def test_a_required_option_left_out_is_asked_for(path: tuple[str, ...], option: click.Option) -> None:
    """Each example without one of its required options fails to parse, naming that option (an explicit
    `default=None` beside `required=True` once made click 8.3 run `export` without `-o` or `--format`)."""
    (command,) = [c for p, c in COMMANDS if p == path]
    (words, *_) = [w for w in examples(path, command) if set(option.opts) & set(w)]
    at = next(i for i, word in enumerate(words) if word in option.opts)
    with pytest.raises(click.MissingParameter) as missing:
        _parse(words[:at] + words[at + (1 if option.is_flag else 2) :])
    assert missing.value.param is not None and missing.value.param.name == option.name


def test_the_examples_are_read_as_the_shell_passes_them() -> None:
    (export,) = [command for path, command in COMMANDS if path == ("export",)]
    assert ["export", "--format", "jsonl", "--query", "sanctions", "-o", "-"] in examples(("export",), export)


def _undocumented_command() -> click.Command:
    @click.command("rebuild")
    @click.option("--force", is_flag=True)
    def rebuild(force: bool) -> None:
        pass

    return rebuild


@pytest.mark.parametrize(
    ("path", "help_text", "problem"),
    [
        (("rebuild",), None, "no Example: in its help"),
        (("rebuild",), "Rebuild the index.\n\nExample: diplomatic-crawler stats", "the example does not run"),
        (("export",), "Example: diplomatic-crawler export --formt csv -o -", "No such option '--formt'"),
        (("export",), "Example: diplomatic-crawler export --format xls -o -", "'xls' is not one of"),
        (("export",), "Example: diplomatic-crawler export --format csv", "Missing option '-o'"),
        (("seeds", "list"), "Example: diplomatic-crawler seeds list --pth seeds/", "No such option '--pth'"),
        (("history",), "Example: diplomatic-crawler history --db output/archive.db", "Missing argument 'URL'"),
    ],
)
def test_the_checks_catch_a_command_without_them(path: tuple[str, ...], help_text: str | None, problem: str) -> None:
    """A command as a new one might come, or an example gone stale: the checks above name what is wrong."""
    command = _undocumented_command()
    command.help = help_text
    found = example_problems(path, command)
    assert any(problem in p for p in found), found


def test_the_checks_catch_a_command_without_help_or_documentation() -> None:
    command = _undocumented_command()
    assert help_problems(("rebuild",), command) == ["no help text", "options without a help text: ['force']"]
    assert doc_problems(("rebuild",)) == ["documented nowhere in README.md or docs/*.md"]
    assert doc_problems(("rebuild",), "Run `rebuild` after an upgrade.") == []
    assert doc_problems(("rebuild",), "Run diplomatic-crawler rebuild --force.") == []
    assert doc_problems(("rebuild",), "`rebuild-all` and diplomatic-crawler rebuilder") != []

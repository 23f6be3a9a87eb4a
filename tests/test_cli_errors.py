"""The CLI's error boundary (cli/__init__.py): a library error raised inside any command becomes one line
`Error: <message>` on standard error and exit status 1, with no traceback; a bug keeps its traceback. Real
inputs raise the real errors: a text file given as --db, a seed file with a bad field, a URL not archived.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from faultserver import run_cli

from diplomatic_crawler.archive import Archive
from diplomatic_crawler.cli import _Boundary, main
from diplomatic_crawler.errors import DiplomaticCrawlerError
from diplomatic_crawler.readonly import NO_ARCHIVE_HINT

PACKAGE = Path(__file__).resolve().parents[1] / "diplomatic_crawler"
NOT_SQLITE = "not a SQLite database"
BAD_NAME = "name: must be lower-case letters, digits, '-' or '_', got 'bad site' (line 1)"
URL = "https://mfa.test/news/1.html"
ABSENT = "https://mfa.test/news/never-archived.html"


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, str]:
    notes = tmp_path / "notes.db"
    notes.write_text("These are my research notes, not a database.\n" * 50)
    seed = tmp_path / "bad.toml"
    seed.write_text('name = "bad site"\nallowed_domains = ["mfa.test"]\nstart_urls = ["https://mfa.test/"]\n')
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>Talks</title></head><body><p>The ministers met.</p></body></html>")
    archive = tmp_path / "archive.db"
    with Archive(archive) as made:
        crawl_id = made.start_crawl({"seeds": "seeds"}, ["mfa"])
        made.write_articles(
            [{"canonical_url": URL, "url": URL, "site": "mfa", "title": "Talks", "text": "The ministers met."}],
            crawl_id,
        )
        made.finish_crawl(crawl_id, "finished", {"mfa": {"fetched": 1, "new": 1}})
    return {"notes": str(notes), "seed": str(seed), "page": str(page), "archive": str(archive), "tmp": str(tmp_path)}


# (command line with {placeholders} from `inputs`, a piece of the one line the error prints); exit status 1
LIBRARY_ERRORS = [
    ("seeds validate {seed}", BAD_NAME),
    ("seeds list --path {seed}", BAD_NAME),
    ("extract {page} --seed {seed}", BAD_NAME),
    ("health --db {archive} --seeds {seed}", BAD_NAME),
    ("reextract --db {archive} --seeds {seed}", BAD_NAME),
    ("stats --db {notes}", NOT_SQLITE),
    ("export --format jsonl -o - --db {notes}", NOT_SQLITE),
    ("dataset {tmp}/dataset --db {notes}", NOT_SQLITE),
    ("history https://mfa.test/news/1.html --db {notes}", NOT_SQLITE),
    ("changes --db {notes} -o -", NOT_SQLITE),
    ("diff https://mfa.test/news/1.html --db {notes}", NOT_SQLITE),
    ("merge {notes} -o {tmp}/merged.db", NOT_SQLITE),
    ("enrich --db {notes}", NOT_SQLITE),
    ("similar https://mfa.test/news/1.html --db {notes}", NOT_SQLITE),
    ("browse --db {notes}", NOT_SQLITE),
    ("export --format jsonl -o - --db {tmp}/missing.db", f"missing.db: no such archive; {NO_ARCHIVE_HINT}"),
    ("history https://mfa.test/news/1.html --db {tmp}/missing.db", f"missing.db: no such archive; {NO_ARCHIVE_HINT}"),
    (f"diff {ABSENT} --db {{archive}}", "never-archived.html"),
    ("frontier status --name BAD/NAME", "--name"),
]
SEARCH_ERROR = 2  # search exits as grep does: 1 is "no match", an error is 2 (cli/search.py)


@pytest.mark.parametrize(("line", "said"), LIBRARY_ERRORS, ids=[line for line, _ in LIBRARY_ERRORS])
def test_a_library_error_is_one_line_and_exit_status_1(inputs: dict[str, str], line: str, said: str) -> None:
    _assert_one_line(CliRunner().invoke(main, line.format(**inputs).split()), said, 1)


@pytest.mark.parametrize(("db", "said"), [("notes", NOT_SQLITE), ("missing", f"no such archive; {NO_ARCHIVE_HINT}")])
def test_search_errors_are_one_line_with_its_own_exit_status(inputs: dict[str, str], db: str, said: str) -> None:
    path = inputs.get(db, f"{inputs['tmp']}/{db}.db")
    _assert_one_line(CliRunner().invoke(main, ["search", "talks", "--db", path]), said, SEARCH_ERROR)


def _assert_one_line(result: Result, said: str, status: int) -> None:
    assert isinstance(result.exception, SystemExit), result.exc_info  # not the library's exception: no traceback
    assert result.exit_code == status, result.output
    (error,) = result.stderr.splitlines()
    assert error.startswith("Error: ") and said in error, error
    assert "Traceback" not in result.output and not result.stdout


def test_a_library_error_in_a_real_process_prints_no_traceback(inputs: dict[str, str]) -> None:
    proc = run_cli("seeds", "validate", inputs["seed"], timeout=120)
    assert proc.returncode == 1
    assert proc.stderr == f"Error: {inputs['seed']}: {BAD_NAME}\n" and proc.stdout == ""


def _group_raising(exc: BaseException) -> click.Group:
    @click.group(cls=_Boundary)
    def group() -> None:
        """A group with the real boundary."""

    @group.command()
    def run() -> None:
        """Raise `exc`."""
        raise exc

    return group


def test_the_hint_follows_the_message_on_its_line_with_the_errors_exit_code() -> None:
    class Refused(DiplomaticCrawlerError):
        exit_code = 3

    result = CliRunner().invoke(_group_raising(Refused("x.db: locked", hint="stop the crawl first")), ["run"])
    assert result.exit_code == 3
    assert result.stderr == "Error: x.db: locked; stop the crawl first\n"
    said = Refused("x.db: locked; stop the crawl first", hint="stop the crawl first")
    assert said.cli_message() == "x.db: locked; stop the crawl first"  # a hint already said is not repeated


def test_a_bug_keeps_its_traceback() -> None:
    bug = KeyError("title")
    result = CliRunner().invoke(_group_raising(bug), ["run"])
    assert result.exception is bug and result.exit_code == 1


def _error_classes() -> list[tuple[str, str]]:
    """(module, class) of every class named *Error or *Exception defined in the package."""
    found = []
    for source in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(source.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        tree = ast.parse(source.read_text(encoding="utf-8"))
        found += [
            (module, node.name)
            for node in tree.body
            if isinstance(node, ast.ClassDef) and node.name.endswith(("Error", "Exception"))
        ]
    return found


ERROR_CLASSES = _error_classes()


def test_the_walk_finds_the_error_classes() -> None:
    names = {name for _, name in ERROR_CLASSES}
    assert {"ArchiveError", "SeedError", "ExportError", "MergeError", "ExtractionError"} <= names


@pytest.mark.parametrize(("module", "name"), ERROR_CLASSES, ids=[name for _, name in ERROR_CLASSES])
def test_every_library_error_derives_from_the_one_base_class(module: str, name: str) -> None:
    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, DiplomaticCrawlerError), f"{module}.{name} does not derive from DiplomaticCrawlerError"

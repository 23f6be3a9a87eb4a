"""The documentation holds together: a short README, links and anchors that resolve, every page and command
documented, and the set-up commands that CI runs."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from diplomatic_crawler.export.jsonfeed import EXTENSION_ABOUT
from diplomatic_crawler.useragent import PROJECT_URL

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]
README_MAX_LINES = 300
INSTALL_AND_DEMO = "python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/diplomatic-crawler demo"
TEST_COMMAND = 'python3 -m venv .venv && .venv/bin/pip install -q -e ".[dev]" && .venv/bin/python -m pytest -q'

_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.S | re.M)
_CODE_SPAN = re.compile(r"(`+).+?\1", re.S)
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.M)


def _prose(text: str) -> str:
    """The text without fenced code blocks and code spans: where Markdown reads links and headings."""
    return _CODE_SPAN.sub("", _FENCE.sub("", text))


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped (letters, marks, digits, `_`, `-`
    and spaces kept), spaces as hyphens."""
    text = re.sub(r"`([^`]*)`", r"\1", heading).lower()
    kept = "".join(c for c in text if c in " -" or unicodedata.category(c)[0] in "LMN" or c == "_")
    return kept.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every heading's anchor in a page (a repeated heading gets -1, -2, ... as on GitHub)."""
    seen: dict[str, int] = {}
    out = set()
    for match in _HEADING.finditer(_FENCE.sub("", page.read_text(encoding="utf-8"))):
        slug = github_slug(match.group(2))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        out.add(slug if count == 0 else f"{slug}-{count}")
    return out


def relative_links(page: Path) -> list[str]:
    return [
        target
        for target in _LINK.findall(_prose(page.read_text(encoding="utf-8")))
        if not urlsplit(target).scheme and not target.startswith("//")
    ]


def docs_links_in(text: str) -> list[str]:
    """The links to docs/ pages in a piece of Markdown."""
    return [t for t in _LINK.findall(_prose(text)) if t.startswith("docs/")]


def test_github_slug_matches_githubs_anchors() -> None:
    assert github_slug("Exit status of `scrapy crawl news`") == "exit-status-of-scrapy-crawl-news"
    assert github_slug("Adding a site: probe → edit → validate → test crawl") == (
        "adding-a-site-probe--edit--validate--test-crawl"
    )
    assert github_slug("Schema for Datasette (migrations 97, 98)") == "schema-for-datasette-migrations-97-98"
    assert github_slug("Quality and speed (measured, not asserted)") == "quality-and-speed-measured-not-asserted"


def test_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; move detail to docs/"


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_relative_links_resolve(page: Path) -> None:
    links = relative_links(page)
    broken = []
    for target in links:
        path, _, fragment = target.partition("#")
        dest = (page.parent / unquote(path)).resolve() if path else page
        if not dest.exists():
            broken.append(f"{target}: no file {dest.relative_to(ROOT) if dest.is_relative_to(ROOT) else dest}")
        elif fragment and dest.suffix == ".md" and unquote(fragment) not in anchors(dest):
            broken.append(f"{target}: no heading with anchor #{fragment} in {dest.relative_to(ROOT)}")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_link_checker_sees_broken_links(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other page\n\n## A section\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md#a-section) [gone](missing.md) [web](https://example.org/x.md)\n"
        "`[in code](nowhere.md)`\n```\n[in a block](nowhere.md)\n```\n",
        encoding="utf-8",
    )
    assert relative_links(page) == ["other.md#a-section", "missing.md"]
    assert anchors(tmp_path / "other.md") == {"other-page", "a-section"}


def test_readme_lists_every_docs_page() -> None:
    readme = README.read_text(encoding="utf-8")
    section = readme.split("\n## Documentation\n", 1)
    assert len(section) == 2, "README.md has no '## Documentation' section"
    listed = {Path(t).name for t in docs_links_in(section[1].split("\n## ", 1)[0])}
    unlisted = sorted({p.name for p in DOCS} - listed)
    assert not unlisted, f"not in README's Documentation list: {unlisted}"


def test_readme_setup_commands_are_the_ones_ci_runs() -> None:
    readme = README.read_text(encoding="utf-8")
    setup = readme.split("\n## Set-up: two commands\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```sh\n(.*?)\n```$", setup, re.S | re.M)
    assert blocks == [INSTALL_AND_DEMO, TEST_COMMAND]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert TEST_COMMAND in ci, ".ci/run must run the README's test command verbatim"


# Every CLI command documented: tests/test_cli.py (with its help and example).


def test_doc_paths_named_in_the_package_exist() -> None:
    """Help texts, messages and docstrings that send the reader to docs/<page>.md name a page that exists."""
    named = {
        (source.relative_to(ROOT).as_posix(), page)
        for source in (ROOT / "diplomatic_crawler").rglob("*")
        if source.suffix in {".py", ".html", ".json"}
        for page in re.findall(r"docs/([\w-]+\.md)", source.read_text(encoding="utf-8"))
    }
    assert named, "no docs/ reference found: the pattern is wrong"
    missing = sorted((source, page) for source, page in named if not (ROOT / "docs" / page).exists())
    assert not missing, f"references to docs pages that do not exist: {missing}"


def test_json_feed_extension_about_names_its_documentation() -> None:
    base = f"{PROJECT_URL}/blob/main/"
    assert EXTENSION_ABOUT.startswith(base)
    path, _, fragment = EXTENSION_ABOUT.removeprefix(base).partition("#")
    assert (ROOT / path).exists() and fragment in anchors(ROOT / path)
    assert "`_diplomatic` extension object" in (ROOT / path).read_text(encoding="utf-8")


@pytest.mark.parametrize("page", [README, ROOT / "docs" / "seeds.md"], ids=["README.md", "docs/seeds.md"])
def test_the_number_of_curated_seeds_is_the_number_of_seed_files(page: Path) -> None:
    """README said 31 curated sources while seeds/ held 47: the figure a new user reads first is the real one."""
    counted = len(list((ROOT / "seeds").glob("*.toml")))
    stated = [int(n) for n in re.findall(r"`seeds/` holds (\d+)", page.read_text(encoding="utf-8"))]
    assert stated == [counted], f"{page.name} says {stated}; seeds/ has {counted} seed files"

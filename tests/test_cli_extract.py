"""`diplomatic-crawler extract`: records on stdout, one-line errors with exit code 1 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from diplomatic_crawler.cli import main

FIXTURE = next(Path(__file__).parent.joinpath("fixtures", "pages").glob("*/*/input.html"))


def test_extract_file_prints_json_record() -> None:
    result = CliRunner().invoke(main, ["extract", str(FIXTURE), "--url", "https://example.org/news/1"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["url"] == "https://example.org/news/1"
    assert record["text"] and record["title"]


def test_extract_stdin_as_text() -> None:
    html = FIXTURE.read_bytes()
    result = CliRunner().invoke(main, ["extract", "-", "--format", "text"], input=html)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].strip()


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["extract", "/nonexistent/page.html"], None, "No such file"),
        (["extract", "-"], b"", "empty page"),
        (["extract", "-"], b"\x89PNG\r\n\x1a\n binary", "not HTML"),
        (["extract", "-", "--seed", "/nonexistent/seed.toml"], b"<html></html>", "not found"),
    ],
)
def test_extract_bad_input_is_one_line_exit_1(args: list[str], stdin: bytes | None, message: str) -> None:
    result = CliRunner().invoke(main, args, input=stdin)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_console_script_has_no_traceback_on_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.html"
    proc = subprocess.run([sys.executable, "-m", "diplomatic_crawler.cli", "extract", str(missing)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "missing.html" in proc.stderr


NAIVE_PAGE = (
    '<html><head><title>Talks on trade</title><meta property="og:type" content="article">'
    '<meta property="article:published_time" content="2024-03-05T10:00:00"></head><body><article>'
    "<h1>Talks on trade</h1><p>" + "The ministers met in Baku to discuss trade and energy cooperation. " * 20
    + "</p></article></body></html>"
)


@pytest.mark.parametrize(
    ("url", "args", "published", "said"),
    [
        # a curated seed's site: its time zone (Asia/Baku) applies to a time without offset
        ("https://mfa.gov.az/en/news/no-61422", [], "2024-03-05T10:00:00+04:00", "Using seed 'mfa-az'"),
        ("https://www.mfa.gov.az/en/news/no-61422", [], "2024-03-05T10:00:00+04:00", "Using seed 'mfa-az'"),
        # --seed still chooses
        ("https://mfa.gov.az/en/news/no-61422", ["--seed", "state-gov"], "2024-03-05T10:00:00-05:00", None),
        # no seed owns the host: the time is read as UTC and says the zone was assumed
        ("https://example.org/news/1", [], "2024-03-05T10:00:00+00:00", None),
    ],
)
def test_extract_url_uses_the_seed_of_its_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, args: list[str], published: str, said: str | None
) -> None:
    """Issue 22, item 13: `extract --url` of a curated seed's site applies that seed, as the crawl does."""
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)  # the project's seeds/
    page = tmp_path / "page.html"
    page.write_text(NAIVE_PAGE)
    result = CliRunner().invoke(main, ["extract", str(page), "--url", url, *args])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["published"] == published and record["timezone_assumed"] is True
    if said:
        assert said in result.stderr
    else:
        assert "Using seed" not in result.stderr

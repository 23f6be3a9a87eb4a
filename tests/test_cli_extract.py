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

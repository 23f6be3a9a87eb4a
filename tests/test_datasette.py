"""Browsing: Datasette on 127.0.0.1 with our metadata: full-text search, facets, nothing rendered as HTML."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from export_archive import TRICKY, build_archive

from diplomatic_crawler.cli import main

pytest.importorskip("datasette", reason="Datasette is the optional [browse] extra")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def datasette(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("browse")
    db = build_archive(root / "archive.db", TRICKY)
    result = CliRunner().invoke(main, ["browse", "--db", str(db), "--metadata-only"])
    assert result.exit_code == 0, result.output
    metadata = root / "metadata.json"
    metadata.write_text(result.output)
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "datasette",
            "serve",
            str(db),
            "--metadata",
            str(metadata),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/-/versions.json", timeout=2).read()
                break
            except OSError as exc:
                if proc.poll() is not None or time.monotonic() > deadline:
                    output = proc.stdout.read().decode() if proc.stdout else ""
                    raise RuntimeError(f"datasette did not start: {output}") from exc
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        body = response.read().decode()
    return json.loads(body) if ".json" in url else body


def test_full_text_search_and_facets(datasette: str) -> None:
    data = _get(f"{datasette}/archive/articles_browse.json?_search=paragraph&_shape=objects")
    assert [r["canonical_url"] for r in data["rows"]] == ["https://embassy.example/news/at-sign"]
    facets = {name: {r["value"]: r["count"] for r in f["results"]} for name, f in data["facet_results"].items()}
    assert facets == {"site": {"embassy-news": 1}, "language": {"fr": 1}, "country": {"FR": 1}, "year": {2024: 1}}
    everything = _get(f"{datasette}/archive/articles_browse.json?_shape=objects")
    years = {r["value"]: r["count"] for r in everything["facet_results"]["year"]["results"]}
    assert years == {2025: 2, 2024: 1}  # the undated article has no year
    table = _get(f"{datasette}/archive/articles.json?_search=calc&_shape=objects")
    assert [r["title"] for r in table["rows"]] == [TRICKY[0]["title"]]


def test_archived_markup_is_never_rendered(datasette: str) -> None:
    page = _get(f"{datasette}/archive/articles_browse?_search=alert")
    assert "&lt;script&gt;alert" in page
    assert '<script>alert("x")</script>' not in page


def test_raw_tables_hidden(datasette: str) -> None:
    tables = {t["name"]: t for t in _get(f"{datasette}/archive.json")["tables"]}
    assert tables["http_cache"]["hidden"] and not tables["articles"]["hidden"]
    assert "articles_browse" in {v["name"] for v in _get(f"{datasette}/archive.json")["views"]}

"""The package installed as a zip (a zipped egg or a zipapp): its data (the gazetteer's cache key, the
Datasette metadata) is read through importlib.resources, so a crawl run from the zip enriches its
articles. A crawl whose enrichment fails for every article is not "ok": one clear line, the run recorded
as `enrichment_failed`, exit status 4; `diplomatic-crawler enrich` then repairs the rows."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

from click.testing import CliRunner
from conftest import PROJECT_ROOT, SiteUnderTest, run_crawl

from diplomatic_crawler.cli import main

ZIP_VERSION = "0.0.0+zipped"  # the zip's own version: proves that the crawl and its workers ran from it


def zip_package(path: Path) -> Path:
    """The package as one zip file (what an egg or a zipapp is), without bytecode caches."""
    package = PROJECT_ROOT / "diplomatic_crawler"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(package.rglob("*")):
            if not file.is_file() or "__pycache__" in file.parts:
                continue
            name = file.relative_to(PROJECT_ROOT).as_posix()
            if name == "diplomatic_crawler/__init__.py":
                archive.writestr(name, f'__version__ = "{ZIP_VERSION}"\n')
            else:
                archive.write(file, name)
    return path


PROBE = """
import json, diplomatic_crawler
from diplomatic_crawler.datasette import metadata_for
from diplomatic_crawler.enrich.countries import countries_mentioned, gazetteer_cache
from diplomatic_crawler.enrich.hooks import enrich_record
record = enrich_record({"title": "Azerbaijan and Armenia", "text": "Talks in Baku with the French side."})
print(json.dumps({
    "file": diplomatic_crawler.__file__,
    "countries": countries_mentioned("Talks between Azerbaijan and Armenia", "The Georgian side agreed."),
    "record": {k: v for k, v in record.items() if k in ("countries", "doc_type", "_enrichment_error")},
    "cache": str(gazetteer_cache()),
    "datasette": sorted(metadata_for("archive.db")["databases"]),
}))
"""


def test_package_data_is_read_from_a_zip(tmp_path: Path) -> None:
    package = zip_package(tmp_path / "diplomatic_crawler.zip")
    env = {"PYTHONPATH": str(package), "DIPLOMATIC_CRAWLER_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    # cwd: a directory without the checkout, so only the zip provides the package
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout)
    assert found["file"].startswith(str(package))
    assert found["countries"] == ["AZ", "AM", "GE"]
    assert found["record"]["countries"] == ["AZ", "AM", "FR"] and "_enrichment_error" not in found["record"]
    assert Path(found["cache"]).is_file()  # the gazetteer was built and cached
    assert found["datasette"] == ["archive"]


def _crawl_rows(db: Path) -> tuple[list[tuple], list[tuple]]:
    with sqlite3.connect(db) as conn:
        crawls = conn.execute("SELECT status, sites FROM crawls ORDER BY id").fetchall()
        articles = conn.execute("SELECT countries, doc_type, extractor_version FROM articles").fetchall()
    return crawls, articles


def test_a_crawl_run_from_a_zip_enriches_every_article(test_site: SiteUnderTest, tmp_path: Path) -> None:
    package = zip_package(tmp_path / "diplomatic_crawler.zip")
    seeds = tmp_path / "seeds"
    test_site.write_seed(seeds)
    db = tmp_path / "archive.db"
    result = run_crawl("-a", f"seeds={seeds}", cwd=tmp_path, env={"PYTHONPATH": str(package)}, ARCHIVE_DB=str(db))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Enrichment failed" not in result.stderr
    crawls, articles = _crawl_rows(db)
    assert [status for status, _ in crawls] == ["finished"]
    assert len(articles) == 12
    assert all(version.startswith(f"diplomatic-crawler/{ZIP_VERSION} ") for _, _, version in articles)
    assert all(countries is not None and doc_type for countries, doc_type, _ in articles)


def test_enrichment_failing_for_every_article_marks_the_run(test_site: SiteUnderTest, tmp_path: Path) -> None:
    # A data library that cannot load its data (a broken installation): the gazetteer cannot be built.
    broken = tmp_path / "broken" / "countryinfo"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text('raise ImportError("countryinfo: data files missing")\n')
    env = {"PYTHONPATH": str(broken.parent), "DIPLOMATIC_CRAWLER_CACHE": "off"}
    seeds = tmp_path / "seeds"
    test_site.write_seed(seeds)
    db = tmp_path / "archive.db"
    result = run_crawl("-a", f"seeds={seeds}", env=env, ARCHIVE_DB=str(db))
    assert result.returncode == 4, result.stderr[-3000:]
    lines = [line for line in result.stderr.splitlines() if "nrichment failed" in line]
    assert len(lines) == 1, lines  # one line, not one a page
    assert "ERROR" in lines[0] and "all 12 article(s)" in lines[0] and "countryinfo: data files missing" in lines[0]
    assert "Crawl 1 enrichment_failed" in result.stderr and "NO ENRICHMENT" in result.stderr
    crawls, articles = _crawl_rows(db)
    assert [status for status, _ in crawls] == ["enrichment_failed"]
    assert json.loads(crawls[0][1])["testsite"]["enrichment_failed"] == 12
    assert len(articles) == 12 and all(countries is None for countries, _, _ in articles)  # archived, not enriched

    # `diplomatic-crawler enrich` says so while the installation is broken, and repairs the rows once fixed.
    failing = subprocess.run(
        [sys.executable, "-m", "diplomatic_crawler.cli", "enrich", "--db", str(db)],
        env={**env, "PATH": "/usr/bin:/bin"},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert failing.returncode == 1 and "enrichment failed for all 12 article(s)" in failing.stderr, failing.stderr
    assert all(countries is None for countries, _, _ in _crawl_rows(db)[1])
    fixed = CliRunner().invoke(main, ["enrich", "--db", str(db)])
    assert fixed.exit_code == 0, fixed.output
    assert "12 article(s) enriched" in fixed.output
    assert all(countries == "[]" for countries, _, _ in _crawl_rows(db)[1])  # the test site's countries are fictional

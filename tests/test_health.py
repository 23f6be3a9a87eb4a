"""`diplomatic-crawler health`: per-site drift and blocking flags from the archive's run history."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SiteUnderTest, run_crawl

from diplomatic_crawler.archive import COUNTERS, Archive
from diplomatic_crawler.cli import main
from diplomatic_crawler.ops.health import HealthOptions, Run, assess_site, load_runs

T0 = datetime(2024, 5, 1, 0, 17, tzinfo=UTC)
NOW = T0 + timedelta(days=30)


def run(i: int, hours: float = 6, **counts: int | None) -> Run:
    """Run number i of a site crawled every `hours`: a healthy default a caller overrides."""
    base: dict[str, int | None] = dict(
        discovered=120,
        fetched=12,
        new=4,
        updated=0,
        unchanged=0,
        skipped_known=100,
        non_article=6,
        failed=0,
        without_date=0,
        responses=14,
        status_403=0,
        status_429=0,
        status_5xx=0,
        empty_text=0,
        short_text=0,
    )
    base.update(counts)
    return Run(crawl_id=i + 1, started=T0 + timedelta(hours=hours * i), status="finished", **base)  # type: ignore[arg-type]


def history(n: int = 12, **counts: int | None) -> list[Run]:
    runs = [run(0, new=300, discovered=400)]  # the first run archives the site's back catalogue
    return runs + [run(i, **counts) for i in range(1, n)]


def then(runs: list[Run], k: int = 3, **counts: int | None) -> list[Run]:
    start = len(runs)
    return runs + [run(start + i, **counts) for i in range(k)]


def codes(runs: list[Run], **options: object) -> list[str]:
    health = assess_site("site", runs, HealthOptions(**options), now=runs[-1].started + timedelta(hours=1))
    return [f.code for f in health.flags]


@pytest.mark.parametrize(
    ("runs", "options", "expected"),
    [
        pytest.param(then(history()), {}, [], id="healthy"),
        pytest.param(then(history(), new=0, fetched=3, discovered=0), {}, ["no_articles", "links_drop"], id="drift"),
        pytest.param(then(history(), new=0), {}, ["no_articles"], id="articles-stop"),
        pytest.param(then([*history(new=0), run(12, new=1)], new=0), {}, [], id="quiet-site-is-not-flagged"),
        pytest.param(then([run(0, new=300, discovered=400)], new=0), {}, [], id="only-the-backfill-before"),
        pytest.param(
            [run(i, new=0, discovered=30, skipped_known=0) for i in range(3)], {}, ["no_articles"], id="never-any"
        ),
        pytest.param(
            then(history(), new=0, fetched=0, failed=5, responses=0, discovered=0), {}, ["unreachable"], id="down"
        ),
        pytest.param(then(history(), new=4, without_date=4), {}, ["undated"], id="dates-vanish"),
        pytest.param(then(history(without_date=4), without_date=4), {}, ["undated"], id="dates-never-there"),
        pytest.param(then(history(), new=1, without_date=1), {}, [], id="undated-sample-too-small"),
        pytest.param(then(history(), new=1, without_date=1), {"min_articles": 2}, ["undated"], id="min-articles"),
        pytest.param(then(history(), status_403=10, responses=14), {}, ["blocked"], id="403"),
        pytest.param(then(history(), status_429=5, responses=14), {}, ["blocked"], id="429"),
        pytest.param(then(history(), status_5xx=8, responses=14), {}, ["server_errors"], id="5xx"),
        pytest.param(then(history(), new=1, empty_text=6), {}, ["thin_text"], id="empty-text"),
        pytest.param(then(history(), new=6, short_text=5), {}, ["thin_text"], id="short-text"),
        pytest.param(then(history(), failed=30), {}, ["failing"], id="timeouts"),
        pytest.param(then(history(), discovered=3), {}, ["links_drop"], id="links-drop"),
        pytest.param(then(history(), status_403=10), {"max_blocked": 0.9}, [], id="threshold-option"),
        pytest.param(
            then(
                history(responses=None, status_403=None, status_429=None, status_5xx=None),
                responses=None,
                status_403=None,
                status_429=None,
                status_5xx=None,
            ),
            {},
            [],
            id="runs-before-migration-are-not-measured",
        ),
    ],
)
def test_assess_site(runs: list[Run], options: dict[str, object], expected: list[str]) -> None:
    assert codes(runs, **options) == expected


def test_messages_name_the_runs_and_the_start_of_the_drift() -> None:
    runs = history()
    runs += [run(12, without_date=1), run(13, without_date=4), run(14, without_date=4), run(15, without_date=3)]
    health = assess_site("mfa-az", runs, HealthOptions(), now=NOW)
    (flag,) = health.flags
    assert flag.code == "undated"
    assert flag.since == runs[13].day  # the streak starts at the first run above the threshold
    assert flag.message == f"dates missing on 92% of articles since {runs[13].day}; was 0% before"

    stopped = assess_site("mfa-az", then(history(), new=0), HealthOptions(), now=NOW)
    (flag,) = stopped.flags
    # 4 new articles every 6 hours before; the last 3 runs covered 18 hours: about 12 were due.
    since = (T0 + timedelta(hours=72)).date()
    assert (
        flag.message
        == f"0 articles in the last 3 runs (since {since}); about 12 expected from the history (16.0 new a day)"
    )

    always = [run(i, without_date=4) for i in range(15)]
    persistent = assess_site("x", always, HealthOptions(), now=NOW)
    assert persistent.flags[0].message == "dates missing on 100% of articles in the last 3 runs (also 100% before)"


def test_stale_site() -> None:
    runs = then(history())
    fresh = assess_site("x", runs, HealthOptions(stale_hours=48), now=runs[-1].started + timedelta(hours=47))
    old = assess_site("x", runs, HealthOptions(stale_hours=48), now=runs[-1].started + timedelta(days=5))
    assert fresh.flags == []
    assert [f.code for f in old.flags] == ["stale"]
    assert old.flags[0].message == f"last crawled 5.0 days ago ({runs[-1].day})"


def test_metrics_compare_recent_runs_with_history() -> None:
    runs = then(history(), new=2, without_date=1)
    metrics = assess_site("x", runs, HealthOptions(min_articles=1), now=NOW).metrics
    assert metrics["articles_per_run"] == {"recent": 2.0, "history": round((300 + 4 * 11) / 12, 2)}
    assert metrics["undated"] == {"recent": 0.5, "history": 0.0}
    assert metrics["blocked"] == {"recent": 0.0, "history": 0.0}


# --- the archive and the command line ------------------------------------------------------------------


def _archive(path: Path, runs_by_site: dict[str, list[Run]], running: bool = False) -> None:
    """Write runs into a real archive the way the crawl does (start_crawl / finish_crawl)."""
    with Archive(path) as archive:
        by_time: dict[datetime, dict[str, Run]] = {}
        for site, runs in runs_by_site.items():
            for r in runs:
                by_time.setdefault(r.started, {})[site] = r
        for started, sites in sorted(by_time.items()):
            crawl_id = archive.start_crawl({}, list(sites))
            counts = {s: {c: getattr(r, c, 0) or 0 for c in COUNTERS} for s, r in sites.items()}
            archive.finish_crawl(crawl_id, "finished", counts)
            archive.db.execute("UPDATE crawls SET started = ? WHERE id = ?", [started.isoformat(), crawl_id])
        if running:
            archive.start_crawl({}, list(runs_by_site))
        archive.db.conn.commit()


def test_cli_exit_status_and_output(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    _archive(db, {"healthy": then(history()), "broken": then(history(), new=0, status_403=12)}, running=True)
    runner = CliRunner()

    result = runner.invoke(main, ["health", "--db", str(db)])
    assert result.exit_code == 3, result.output
    assert "broken: no_articles: 0 articles in the last 3 runs" in result.output
    assert "broken: blocked: HTTP 403/429 on 86% of responses since" in result.output
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.startswith(("healthy", "broken"))}
    assert lines["healthy"].rstrip().endswith("ok") and lines["broken"].rstrip().endswith("FLAGGED")
    assert "1 of 2 site(s) flagged." in result.output

    only_healthy = runner.invoke(main, ["health", "--db", str(db), "--site", "healthy"])
    assert only_healthy.exit_code == 0 and "No site flagged." in only_healthy.output
    quiet = runner.invoke(main, ["health", "--db", str(db), "--site", "healthy", "--quiet"])
    assert quiet.exit_code == 0 and quiet.output == ""
    quiet_flagged = runner.invoke(main, ["health", "--db", str(db), "-q"])
    assert quiet_flagged.exit_code == 3
    assert all(line.startswith("broken: ") for line in quiet_flagged.output.splitlines())

    as_json = runner.invoke(main, ["health", "--db", str(db), "--json"])
    data = {d["site"]: d for d in json.loads(as_json.output)}
    assert as_json.exit_code == 3
    assert data["healthy"]["flagged"] is False and data["healthy"]["runs"] == 15
    assert [f["code"] for f in data["broken"]["flags"]] == ["no_articles", "blocked"]

    relaxed = runner.invoke(main, ["health", "--db", str(db), "--max-blocked", "0.9", "--min-expected", "1000"])
    assert relaxed.exit_code == 0, relaxed.output

    per_run = runner.invoke(main, ["health", "--db", str(db), "--site", "broken", "--runs"])
    assert "responses" in per_run.output
    assert len([ln for ln in per_run.output.splitlines() if re.match(r"\s*(1|15)\s+2024-05-", ln)]) == 2


def test_cli_seeds_and_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["health", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 1 and "no archive here" in missing.output
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    junk = runner.invoke(main, ["health", "--db", str(tmp_path / "junk.db")])
    assert junk.exit_code == 1 and "Traceback" not in junk.output
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    not_ours = runner.invoke(main, ["health", "--db", str(other)])
    assert not_ours.exit_code == 1 and "not a diplomatic-crawler archive" in not_ours.output

    db = tmp_path / "archive.db"
    _archive(db, {"mfa-az": then(history())})
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name in ("mfa-az", "new-site"):
        (seeds / f"{name}.toml").write_text(f"name = '{name}'\nallowed_domains = ['{name}.org']\nfeeds = []\n")
    result = runner.invoke(main, ["health", "--db", str(db), "--seeds", str(seeds)])
    assert result.exit_code == 0, result.output
    assert any(line.startswith("new-site") and "no runs" in line for line in result.output.splitlines())


def test_old_archive_without_health_columns(tmp_path: Path) -> None:
    """An archive written before migration 50 is read as it is (read-only): the new shares are n/a."""
    db = tmp_path / "old.db"
    _archive(db, {"s": then(history())})
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE cs2 AS SELECT crawl_id, site, discovered, fetched, new, updated, unchanged,"
                 " skipped_known, non_article, failed, without_date FROM crawl_sites")  # fmt: skip
    conn.execute("DROP TABLE crawl_sites")
    conn.execute("ALTER TABLE cs2 RENAME TO crawl_sites")
    conn.execute("DELETE FROM migrations WHERE version = 50")
    conn.commit()
    conn.close()
    runs = load_runs(db)["s"]
    assert runs[-1].responses is None and runs[-1].new == 4
    result = CliRunner().invoke(main, ["health", "--db", str(db)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(db) as check:
        assert 50 not in {v for (v,) in check.execute("SELECT version FROM migrations")}  # nothing migrated


def test_crawl_records_health_counters(test_site: SiteUnderTest, tmp_path: Path) -> None:
    """A real crawl fills the counters: every response the server sent (redirects and retried ones
    included, robots.txt excluded), the 500 page, no 403/429."""
    seeds = tmp_path / "seeds"
    test_site.write_seed(seeds)
    db = tmp_path / "archive.db"
    result = run_crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db))
    assert result.returncode == 0, result.stderr[-2000:]
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        row = dict(conn.execute("SELECT * FROM crawl_sites").fetchone())
    requested = [r.path for r in test_site.server.requests if r.path != "/robots.txt"]
    assert row["responses"] == len(requested)
    assert row["status_5xx"] == 1  # /broken (RETRY_TIMES=0 in the tests)
    assert row["status_403"] == 0 and row["status_429"] == 0
    assert row["empty_text"] == 0
    assert row["short_text"] == 0
    health = CliRunner().invoke(main, ["health", "--db", str(db), "--json"])
    assert health.exit_code == 0, health.output
    (site,) = json.loads(health.output)
    assert site["runs"] == 1 and site["metrics"]["server_errors"]["recent"] == pytest.approx(1 / len(requested))


def test_short_text_setting_counts_short_articles(test_site: SiteUnderTest, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    test_site.write_seed(seeds)
    db = tmp_path / "archive.db"
    result = run_crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db), SHORT_TEXT_WORDS="100000")
    assert result.returncode == 0
    with sqlite3.connect(db) as conn:
        short, new = conn.execute("SELECT short_text, new FROM crawl_sites").fetchone()
    assert short == new > 0
    assert load_runs(db)["testsite"][0].short_text == new

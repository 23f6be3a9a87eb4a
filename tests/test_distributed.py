"""Distributed mode: real `scrapy crawl news` workers on a real Redis frontier, against a local site."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from faultserver import FaultServer, crawl, make_site, start_crawl, stats_value, stop, write_seed
from redis_server import redis_url

from diplomatic_crawler.demo.sitegen import SiteSpec
from diplomatic_crawler.merge import merge_shards

ARTICLES = 500


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from redis_url(tmp_path_factory.mktemp("redis"))


@pytest.fixture
def frontier_name() -> str:
    return f"t{uuid.uuid4().hex[:10]}"  # every test has its own Redis keys


def worker_settings(tmp: Path, redis: str, name: str, **extra: object) -> dict[str, object]:
    return {
        "REDIS_URL": redis,
        "DISTRIBUTED_NAME": name,
        "SHARDS_DIR": str(tmp / "shards"),
        "DISTRIBUTED_KNOWN_DB": str(tmp / "archive.db"),
        "DISTRIBUTED_HEARTBEAT": "5",
        "DISTRIBUTED_POLL_INTERVAL": "0.2",
        "EXTRACTION_WORKERS": "1",
        **extra,
    }


def run_workers(tmp: Path, seeds: Path, count: int, settings: dict[str, object], tag: str) -> list[str]:
    procs = []
    for n in range(count):
        log = tmp / f"{tag}-w{n}.log"
        procs.append((start_crawl("-a", f"seeds={seeds}", log=log, WORKER_NAME=f"w{n}", **settings), log))
    try:
        for proc, log in procs:
            assert proc.wait(timeout=180) == 0, log.read_text()[-3000:]
    finally:
        for proc, _ in procs:
            stop(proc)
    return [log.read_text() for _, log in procs]


def in_flight(redis: str, name: str, worker: str) -> int:
    """Requests `worker` has taken from the frontier and not finished (its Redis in-flight hash)."""
    import redis as redis_lib

    return int(redis_lib.Redis.from_url(redis).hlen(f"diplomatic:{name}:inflight:{worker}"))


def article_hits(server: FaultServer, spec: SiteSpec) -> Counter[str]:
    """How often each article page of the site was fetched (listings and other pages left out)."""
    paths = {f"/news/{a.slug}.html" for a in spec.articles}
    return Counter(h.path for h in server.hits_for("/news/") if h.path in paths)


def assert_refetched_only_unfinished(server: FaultServer, spec: SiteSpec, killed: list[Path]) -> None:
    """Articles fetched twice are those a killed worker had not committed to its shard yet (its requests in
    flight, fetched and not yet extracted, or waiting in its write buffer), and at most its last committed
    batch: a SIGKILL between a batch's commit and the release of its requests in Redis (a few milliseconds)
    has them fetched again. None thrice."""
    hits = article_hits(server, spec)
    twice = {path.rsplit("/", 1)[1] for path, n in hits.items() if n > 1}
    committed = {url.rsplit("/", 1)[1] for db in killed if db.exists() for url in archived_urls(db)}
    assert max(hits.values()) <= 2
    batch = 25  # ARCHIVE_BATCH_SIZE
    assert len(twice & committed) <= batch * len(killed), sorted(twice & committed)[:5]


def archived_urls(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [url for (url,) in conn.execute("SELECT canonical_url FROM articles")]


def test_three_workers_share_the_frontier(tmp_path: Path, redis_server: str, frontier_name: str) -> None:
    # Network-bound (0.2 s an answer, 2 at a time per worker: 25 s or more for two workers), so the crawl
    # outlasts the start-up of a worker on a loaded machine (three crawls and six extraction workers
    # importing on 2 cores): all three must get a share of the work. At 0.1 s a worker that started ~8 s
    # late once found the frontier drained.
    server, spec = make_site(tmp_path, "mfa", ARTICLES, per_page=50, latency=0.2)
    server.start()
    try:
        seeds = tmp_path / "seeds"
        write_seed(seeds, "mfa", server.netloc)
        settings = worker_settings(tmp_path, redis_server, frontier_name, CONCURRENT_REQUESTS_PER_DOMAIN="2")
        logs = run_workers(tmp_path, seeds / "mfa.toml", 3, settings, "first")

        # Seeds pushed once: one worker yielded them, each entry point fetched once in the whole crawl.
        assert sum("Seeds already pushed by another worker" in log for log in logs) == 2
        assert server.count("/sitemap.xml") == 1 and len(server.hits_for("/sitemap.xml")) == 1
        assert len(server.hits_for("/feed.xml")) == 1
        # Every article fetched, none twice across the three workers; all three did part of the work.
        hits = article_hits(server, spec)
        assert len(hits) == ARTICLES
        assert max(hits.values()) == 1, [p for p, n in hits.items() if n > 1][:5]
        shards = sorted((tmp_path / "shards").glob("*.db"))
        assert [s.stem for s in shards] == ["w0", "w1", "w2"]
        per_shard = [len(archived_urls(s)) for s in shards]
        assert sum(per_shard) == ARTICLES and min(per_shard) > 0, per_shard

        archive = tmp_path / "archive.db"
        report = merge_shards(shards, archive)
        assert report.new == ARTICLES
        urls = archived_urls(archive)
        assert len(urls) == len(set(urls)) == ARTICLES
        assert {u.rsplit("/", 1)[1] for u in urls} == {f"{a.slug}.html" for a in spec.articles}
        with sqlite3.connect(archive) as conn:
            assert conn.execute("SELECT count(*) FROM crawls").fetchone()[0] == 3

        # A rerun (the merged archive and the shared set say what is archived): no article fetched again.
        logs = run_workers(tmp_path, seeds / "mfa.toml", 3, settings, "rerun")
        assert article_hits(server, spec) == hits
        # (Skipped as known, or not even listed: a worker that fetched a sitemap before asks for it conditionally.)
        skipped = sum(stats_value(log, "diplomatic/mfa/skipped_known") or 0 for log in logs)
        not_modified = sum(stats_value(log, "diplomatic/mfa/not_modified") or 0 for log in logs)
        assert skipped > 0 and skipped + not_modified > 0
        assert sum(stats_value(log, "diplomatic/mfa/new") or 0 for log in logs) == 0
    finally:
        server.stop()


def test_killed_worker_loses_nothing(tmp_path: Path, redis_server: str, frontier_name: str) -> None:
    server, spec = make_site(tmp_path, "mfa", ARTICLES, per_page=50, latency=0.03)
    server.start()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        seeds = tmp_path / "seeds"
        write_seed(seeds, "mfa", server.netloc)
        settings = worker_settings(tmp_path, redis_server, frontier_name)
        procs += [
            start_crawl(
                "-a", f"seeds={seeds / 'mfa.toml'}", log=tmp_path / f"w{n}.log", WORKER_NAME=f"w{n}", **settings
            )
            for n in range(3)
        ]
        deadline = time.monotonic() + 120
        # Mid-run, with the worker to kill at work (on a loaded machine it may start after the others).
        while time.monotonic() < deadline and (
            len(article_hits(server, spec)) < 150 or not in_flight(redis_server, frontier_name, "w1")
        ):
            time.sleep(0.05)
        assert len(article_hits(server, spec)) < ARTICLES - 100, "the crawl ended before the kill"
        assert stop(procs[1], signal.SIGKILL) == -signal.SIGKILL
        for n in (0, 2):
            assert procs[n].wait(timeout=180) == 0, (tmp_path / f"w{n}.log").read_text()[-3000:]
        survivors = [(tmp_path / f"w{n}.log").read_text() for n in (0, 2)]
        assert sum(stats_value(log, "diplomatic/distributed/reclaimed") or 0 for log in survivors) > 0

        archive = tmp_path / "archive.db"
        merge_shards(sorted((tmp_path / "shards").glob("*.db")), archive)
        urls = archived_urls(archive)
        assert len(urls) == len(set(urls)) == ARTICLES
        assert_refetched_only_unfinished(server, spec, [tmp_path / "shards" / "w1.db"])
    finally:
        for proc in procs:  # none left running, whatever failed
            stop(proc)
        server.stop()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["killed", "interrupted"])
def test_a_crawl_stopped_entirely_resumes_on_rerun(
    tmp_path: Path, redis_server: str, frontier_name: str, sig: signal.Signals
) -> None:
    server, spec = make_site(tmp_path, "mfa", ARTICLES, per_page=50, latency=0.03)
    server.start()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        seeds = tmp_path / "seeds"
        write_seed(seeds, "mfa", server.netloc)
        settings = worker_settings(tmp_path, redis_server, frontier_name)
        procs += [
            start_crawl(
                "-a", f"seeds={seeds / 'mfa.toml'}", log=tmp_path / f"k{n}.log", WORKER_NAME=f"k{n}", **settings
            )
            for n in range(2)
        ]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(article_hits(server, spec)) < 150:
            time.sleep(0.05)
        for proc in procs:
            proc.send_signal(sig)
        for proc in procs:  # Ctrl-C: Scrapy closes gracefully and the worker hands its requests back
            proc.wait(timeout=60)
        fetched = len(article_hits(server, spec))
        assert fetched < ARTICLES - 100, "the crawl ended before the kill"
        # The rerun carries on with the queue left in Redis (its seeds are not pushed again) and takes
        # back what the killed workers had in flight once their heartbeats have expired.
        logs = run_workers(tmp_path, seeds / "mfa.toml", 2, settings, "resume")
        assert all("Seeds already pushed by another worker" in log for log in logs)
        assert len(server.hits_for("/sitemap.xml")) == 1
        archive = tmp_path / "archive.db"
        merge_shards(sorted((tmp_path / "shards").glob("*.db")), archive)
        urls = archived_urls(archive)
        assert len(urls) == len(set(urls)) == ARTICLES
        assert_refetched_only_unfinished(server, spec, [tmp_path / "shards" / f"k{n}.db" for n in range(2)])
    finally:
        for proc in procs:  # none left running, whatever failed
            stop(proc)
        server.stop()


def test_unreachable_redis_is_a_clear_error(tmp_path: Path, redis_server: str) -> None:
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", "127.0.0.1:9")
    result: subprocess.CompletedProcess[str] = crawl(
        "-a", f"seeds={seeds / 'mfa.toml'}", REDIS_URL="redis://127.0.0.1:1/0", SHARDS_DIR=str(tmp_path / "shards")
    )
    assert result.returncode != 0
    assert "Redis at redis://127.0.0.1:1/0" in result.stderr


def test_the_distributed_preset_switches_distributed_mode_on(tmp_path: Path) -> None:
    """`scrapy crawl news --distributed` = `-s DISTRIBUTED=True`: the settings are checked before any
    connection (an invalid frontier name is refused)."""
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", "127.0.0.1:9")
    result = crawl("--distributed", "-a", f"seeds={seeds / 'mfa.toml'}", DISTRIBUTED_NAME="bad/name")
    assert result.returncode == 1
    assert "DISTRIBUTED_NAME 'bad/name'" in result.stderr

"""The shared frontier's Redis steps (real Redis server): seeding once, in-flight requests, reclaiming a
dead worker's requests, closing only when every worker is idle, the duplicate filter, the CLI."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from redis_server import redis_url
from scrapy import Request
from scrapy.settings import Settings

from diplomatic_crawler.cli import main
from diplomatic_crawler.distributed import DistributedError, Frontier, check_name, configure_distributed


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from redis_url(tmp_path_factory.mktemp("redis"))


@pytest.fixture
def prefix() -> str:
    return f"diplomatic:t{uuid.uuid4().hex[:10]}"


def worker(redis: str, prefix: str, name: str, heartbeat: float = 30.0) -> Frontier:
    import redis as redis_lib

    return Frontier(redis_lib.Redis.from_url(redis), prefix, name, heartbeat=heartbeat)


def test_seeds_are_pushed_by_one_worker_per_run(redis_server: str, prefix: str) -> None:
    a, b, c = (worker(redis_server, prefix, n) for n in "abc")
    for w in (a, b, c):
        w.register()
    assert [w.claim_seeding() for w in (a, b, c)] == [True, False, False]
    a.push("fp-1", 10, b"sitemap")
    assert not c.claim_seeding()  # queued work: still the same run
    assert b.pop() is not None
    b.done(*b.server.hkeys(b.inflight))
    # Every worker idle and nothing queued: the run is over, the next run seeds again (one worker).
    assert [w.settle() for w in (a, b, c)] == [False, False, True]  # a and b saw others still busy
    assert a.settle() and b.settle()
    for w in (a, b, c):
        w.leave()
    d, e = worker(redis_server, prefix, "d"), worker(redis_server, prefix, "e")
    d.register()
    e.register()
    assert [d.claim_seeding(), e.claim_seeding()] == [True, False]
    assert d.push("fp-1", 10, b"sitemap"), "a new run starts with an empty duplicate filter"


def test_push_checks_the_duplicate_filter_atomically(redis_server: str, prefix: str) -> None:
    a = worker(redis_server, prefix, "a")
    assert a.push("fp", 0, b"one") is True
    assert a.push("fp", 0, b"one again") is False
    assert a.push(None, 0, b"dont_filter") is True  # dont_filter requests skip the filter
    assert a.server.zcard(a.queue) == 2


def test_a_dead_workers_requests_go_back_to_the_queue(redis_server: str, prefix: str) -> None:
    dead, alive = worker(redis_server, prefix, "dead", heartbeat=0.3), worker(redis_server, prefix, "alive")
    dead.register()
    dead.server.set(dead.hb, "1", px=300)  # as after its first heartbeat
    alive.register()
    for n, priority in enumerate((10, 5, 0)):
        alive.push(f"fp{n}", priority, f"req{n}".encode())
    popped = [dead.pop(), dead.pop()]
    assert [p[1] for p in popped] == [b"req0", b"req1"]  # best priority first
    assert dead.in_flight() == 2 and alive.server.zcard(alive.queue) == 1
    assert not alive.settle(), "a live busy worker keeps the crawl open"
    assert alive.beat() == 0  # heartbeat still alive: nothing reclaimed
    time.sleep(0.5)  # killed: no more heartbeats
    assert alive.beat() == 2 and alive.reclaimed == 2
    assert [alive.pop()[1] for _ in range(3)] == [b"req0", b"req1", b"req2"]  # at their priority
    assert dead.worker not in {m.decode() for m in alive.server.smembers(alive.workers)}


def test_a_stopping_worker_hands_back_its_unfinished_requests(redis_server: str, prefix: str) -> None:
    a = worker(redis_server, prefix, "a")
    a.register()
    a.push("fp", 0, b"req")
    assert a.pop() is not None
    assert a.leave() == 1
    assert a.server.zrange(a.queue, 0, -1) == [b"req"] and not a.server.exists(a.inflight)


def test_a_worker_name_in_use_is_refused(redis_server: str, prefix: str) -> None:
    worker(redis_server, prefix, "same").register()
    with pytest.raises(DistributedError, match="already uses this frontier"):
        worker(redis_server, prefix, "same").register()


def test_known_articles_keep_the_latest_fetch(redis_server: str, prefix: str) -> None:
    a = worker(redis_server, prefix, "a")
    a.load_known({"u1": "2026-01-02T00:00:00+00:00", "u2": "2026-01-01T00:00:00+00:00"}, ["p1"])
    a.load_known({"u1": "2026-01-01T00:00:00+00:00", "u2": "2026-01-03T00:00:00+00:00"})
    assert a.server.hgetall(a.archived) == {b"u1": b"2026-01-02T00:00:00+00:00", b"u2": b"2026-01-03T00:00:00+00:00"}
    assert a.server.sismember(a.pages, "p1")


def test_distributed_settings(tmp_path: Path) -> None:
    settings = Settings()
    settings.setmodule("diplomatic_crawler.settings", priority="project")
    configure_distributed(settings)  # neither REDIS_URL nor DISTRIBUTED: nothing changes
    assert settings["SCHEDULER"] == "scrapy.core.scheduler.Scheduler"
    assert settings["ARCHIVE_DB"] == "output/archive.db"
    settings.set("REDIS_URL", "redis://10.0.0.5:6379/1", "cmdline")
    settings.set("WORKER_NAME", "crawler-3", "cmdline")
    configure_distributed(settings)
    assert settings["SCHEDULER"] == "diplomatic_crawler.scheduler.FrontierScheduler"
    assert settings["DUPEFILTER_CLASS"] == "diplomatic_crawler.scheduler.CanonicalDupeFilter"
    assert settings.getbool("SCHEDULER_PERSIST")
    assert settings["ARCHIVE_DB"] == "output/shards/crawler-3.db"
    assert settings["SCHEDULER_QUEUE_KEY"] == "diplomatic:archive:requests"
    explicit = Settings({"DISTRIBUTED": True, "ARCHIVE_DB": "elsewhere.db"}, priority="cmdline")
    configure_distributed(explicit)
    assert explicit["ARCHIVE_DB"] == "elsewhere.db" and explicit["REDIS_URL"] == "redis://127.0.0.1:6379/0"
    with pytest.raises(DistributedError, match=r"WORKER_NAME '\.\./x'"):
        check_name("WORKER_NAME", "../x")


def test_an_article_is_one_request_under_any_of_its_addresses() -> None:
    pytest.importorskip("scrapy_redis")
    from diplomatic_crawler.scheduler import CanonicalDupeFilter

    df = CanonicalDupeFilter(server=None, key="unused")
    key = "https://mfa.test/news/a.html"

    def page(url: str, **meta: object) -> Request:
        return Request(url, meta={"kind": "page", "key": key, **meta})

    assert df.request_fingerprint(page(key)) == df.request_fingerprint(page(key + "?utm_source=x"))
    redirected = page(key + "?utm_source=x", redirect_urls=["https://mfa.test/go/1"])
    assert df.request_fingerprint(redirected) != df.request_fingerprint(page(key))
    listing = Request(key, meta={"kind": "listing", "key": key})
    assert df.request_fingerprint(listing) != df.request_fingerprint(page(key))


def test_frontier_commands(redis_server: str, prefix: str) -> None:
    name = prefix.split(":", 1)[1]
    a = worker(redis_server, prefix, "a")
    a.register()
    a.push("fp", 0, b"req")
    runner = CliRunner()
    result = runner.invoke(main, ["frontier", "status", "--redis-url", redis_server, "--name", name])
    assert result.exit_code == 0, result.output
    assert "1 queued, 1 seen" in result.output and "a " in result.output and "busy" in result.output
    result = runner.invoke(main, ["frontier", "reset", "--redis-url", redis_server, "--name", name, "--yes"])
    assert result.exit_code == 0 and a.server.zcard(a.queue) == 0 and not a.server.exists(a.dupefilter)
    result = runner.invoke(main, ["frontier", "status", "--redis-url", "redis://127.0.0.1:1/0", "--name", name])
    assert result.exit_code == 1 and "Redis at redis://127.0.0.1:1/0" in result.output


def test_a_new_run_gets_a_fresh_duplicate_filter_even_with_requests_left(redis_server: str, prefix: str) -> None:
    a = worker(redis_server, prefix, "a")
    a.register()
    assert a.claim_seeding()
    a.push("fp-sitemap", 10, b"sitemap")
    assert a.pop() is not None
    assert a.leave() == 1  # stopped before finishing it: handed back
    a.server.delete(a.seeded)  # the run ended (as `settle` does when every worker is idle)
    b = worker(redis_server, prefix, "b")
    b.register()
    assert b.claim_seeding()
    assert b.push("fp-sitemap", 10, b"sitemap of the new run"), "the new run's seeds are not filtered out"
    assert b.server.zcard(b.queue) == 2  # and the request left over is still fetched


@pytest.mark.parametrize(
    "fate",
    ["queued", "yielded elsewhere", "dropped as trap", "worker stopped"],
)
def test_a_page_with_parked_links_stays_in_flight_until_they_are_sent(
    redis_server: str, prefix: str, fate: str
) -> None:
    """A link parked by the trap guard lives in the worker's memory only: the page it was found on stays in
    the in-flight hash until the link is sent or dropped, so a worker stopped meanwhile hands the page back
    (the interrupted-crawl loss: 48 of 500 articles of one URL pattern never fetched)."""
    a = worker(redis_server, prefix, "a")
    a.register()
    a.push("fp-listing", 0, b"listing")
    token, _ = a.pop()
    parked = Request("http://127.0.0.1/news/2024-03-03-culture.html")
    a.tracker.hold(token, parked)
    a.tracker.callback_done(token)  # the listing's callback is over; its parked link is not sent
    assert a.in_flight() == 1
    if fate == "queued":  # released at spider_idle: engine.crawl -> the scheduler queued it
        a.tracker.scheduled(parked)
    elif fate == "yielded elsewhere":  # released by an article's credit: that callback answers for it
        a.push("fp-article", 0, b"article")
        other, _ = a.pop()
        a.tracker.saw(other, parked)
        a.tracker.callback_done(other)
        assert a.in_flight() == 1  # the article's page now waits for the link to be queued
        a.tracker.scheduled(parked)
    elif fate == "dropped as trap":
        a.tracker.unhold([parked])
    else:
        assert a.leave() == 1 and a.server.zcard(a.queue) == 1  # the listing goes back to the queue
        return
    assert a.in_flight() == 0
    a.tracker.idle()
    assert a.in_flight() == 0 and a.leave() == 0

"""Calendar and agenda traps (issue 20, item 2): a link pattern that yields no new article is followed a few
pages (TRAP_PATTERN_PAGES, 5, per pattern and site), and not at all on the next run. Real crawls against
sites on 127.0.0.1 and a real SQLite archive."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from faultserver import FaultServer, Reply, crawl, crawl_twice, make_site, served, stats_value, write_seed

from diplomatic_crawler.demo.sitegen import build_site
from diplomatic_crawler.traps import TrapGuard, url_pattern

HTML = {"Content-Type": "text/html; charset=utf-8"}
DAYS = 120  # each agenda is "endless": far more pages than any budget


@pytest.mark.parametrize(
    ("url", "pattern"),
    [
        ("https://mfa.example/agenda?day=7", "mfa.example/agenda?day"),
        ("https://mfa.example/agenda?day=8", "mfa.example/agenda?day"),
        ("https://MFA.example/fr/agenda?jour=12&lang=fr", "mfa.example/fr/agenda?jour&lang"),
        ("https://mfa.example/fr/agenda?lang=en&jour=", "mfa.example/fr/agenda?jour&lang"),
        ("https://mfa.example/agenda/2021-12-07", "mfa.example/agenda/#-#-#"),
        ("https://mfa.example/agenda/2022-01-31/", "mfa.example/agenda/#-#-#/"),
        ("https://mfa.example/news/page/12/", "mfa.example/news/page/#/"),
        ("https://mfa.example/news/minister-visits.html", "mfa.example/news/minister-visits.html"),
        ("https://mfa.example", "mfa.example/"),
    ],
)
def test_url_pattern(url: str, pattern: str) -> None:
    assert url_pattern(url) == pattern


def test_guard_parks_credits_and_traps() -> None:
    guard = TrapGuard(limit=2)
    assert [guard.admit("s", "p", n) for n in range(4)] == ["go", "go", "parked", "parked"]
    assert guard.credit("s", ["p"]) == [2, 3]  # a new article: the parked links go, the pattern is free
    assert guard.admit("s", "p", 4) == "go"
    assert [guard.admit("s", "q", n) for n in range(3)] == ["go", "go", "parked"]
    assert guard.on_idle() == ([2], [])  # its pages have not come back (dropped by a filter): more of them
    guard.answered("s", "q")
    guard.answered("s", "q")
    guard.admit("s", "q", 9)
    dropped: list[int] = []
    assert guard.on_idle(dropped) == ([], [("s", "q", 1)])  # two pages, no article: a trap
    assert dropped == [9]  # the links dropped, for whoever waits on them (distributed.InFlight)
    assert guard.admit("s", "q", 10) == "trap"
    rows = {r["pattern"]: r for r in guard.dirty_rows()}
    assert rows["q"]["trapped"] == 1 and rows["p"]["articles"] == 1
    assert TrapGuard(2, {("s", "q"): rows["q"]}).admit("s", "q", 0) == "trap"  # kept for the next run
    assert TrapGuard(0).admit("s", "q", 0) == "go"  # TRAP_PATTERN_PAGES=0: off


def _agenda_page(title: str, links: list[tuple[str, str]]) -> Reply:
    items = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    body = (
        f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
        f"<p>No events on this day.</p><ul>{items}</ul></body></html>"
    )
    return Reply(200, body.encode(), HTML)


def _add_agendas(server: FaultServer) -> None:
    """Three endless agendas of the shapes seen on ministry sites: `?day=N`, `?jour=N` and a dated path."""
    first = date(2021, 12, 1)

    def by_query(path: str, key: str):
        def route(p: str, query: dict[str, list[str]]) -> Reply:
            n = int(query.get(key, ["1"])[0])
            return _agenda_page(
                f"Agenda {n}", [(f"{path}?{key}={n - 1}", "Previous"), (f"{path}?{key}={n + 1}", "Following")]
            )

        return route

    server.route("/agenda", by_query("/agenda", "day"))
    server.route("/fr/agenda", by_query("/fr/agenda", "jour"))
    for n in range(DAYS):
        day = first + timedelta(days=n)
        links = [
            (f"/agenda/{d.isoformat()}", d.strftime("%d %B"))
            for d in (day - timedelta(days=1), day + timedelta(days=1))
        ]
        server.route(f"/agenda/{day.isoformat()}", lambda p, q, links=links: _agenda_page(f"Agenda {p}", links))


def _trap_hits(server: FaultServer) -> dict[str, int]:
    hits = [h.path for h in server.hits]
    return {
        "day": sum(1 for p in hits if p.startswith("/agenda?")),
        "jour": sum(1 for p in hits if p.startswith("/fr/agenda?")),
        "dated": sum(1 for p in hits if p.startswith("/agenda/")),
    }


def _link_agendas(server: FaultServer, spec, day: int) -> None:  # type: ignore[no-untyped-def]
    """The home page links each agenda at "today" (the links move on from one run to the next)."""
    today = date(2021, 12, 1) + timedelta(days=day)
    spec.extra_links = (
        f'<li><a href="{{{{BASE}}}}/agenda?day={day}">Agenda</a></li>',
        f'<li><a href="{{{{BASE}}}}/fr/agenda?jour={day}">Agenda (fr)</a></li>',
        f'<li><a href="{{{{BASE}}}}/agenda/{today.isoformat()}">Today</a></li>',
    )
    build_site(server.root, spec)


def test_agenda_traps_stop_after_a_few_pages_and_stay_stopped(tmp_path: Path) -> None:
    server, spec = make_site(tmp_path, "mfa", 12, per_page=4)
    _add_agendas(server)
    _link_agendas(server, spec, 10)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", server.netloc)
    db = tmp_path / "a.db"
    # The older per-calendar budget is set out of the way: the pattern guard alone bounds the agendas.
    settings = {"ARCHIVE_DB": str(db), "CALENDAR_PAGES_LIMIT": "1000"}
    # "A few days later": new agenda links on the home page.
    first, run1, second, run2 = crawl_twice(
        server, seeds, _trap_hits, lambda: _link_agendas(server, spec, 40), **settings
    )
    assert first.returncode == 0, first.stderr[-3000:]
    assert second.returncode == 0, second.stderr[-3000:]
    print("trap requests, run 1:", run1, "run 2:", run2)
    assert all(1 <= n <= 5 for n in run1.values()), run1  # <= 5 a pattern and site
    assert run2 == {"day": 0, "jour": 0, "dated": 0}, run2  # learnt, and kept in the archive
    assert stats_value(first.stderr, "diplomatic/mfa/trap/patterns") == 3
    assert "links like 127.0.0.1/agenda?day yielded no new article" in first.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 12  # nothing lost
        trapped = {r[0] for r in conn.execute("SELECT pattern FROM url_patterns WHERE trapped = 1")}
    assert trapped == {"127.0.0.1/agenda?day", "127.0.0.1/fr/agenda?jour", "127.0.0.1/agenda/#-#-#"}


@pytest.mark.parametrize("concurrency", ["1", "8"])
def test_listing_only_site_loses_nothing_to_the_guard(tmp_path: Path, concurrency: str) -> None:
    """A listing-only site (no sitemap, no feed) of 9 pages of numbered pagination: the pagination pattern
    is held at 5 pages until its articles come in, then followed to the end. One request at a time is the
    strictest order (listings go before articles), as on a real site with DOWNLOAD_DELAY."""
    server, _ = make_site(tmp_path, "mfa", 45, per_page=5)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", server.netloc, start_urls=[f"http://{server.netloc}/news/"], sitemaps=[], feeds=[])
    db = tmp_path / "a.db"
    with served(server):
        result = crawl(
            "-a",
            f"seeds={seeds}",
            ARCHIVE_DB=str(db),
            CONCURRENT_REQUESTS=concurrency,
            CONCURRENT_REQUESTS_PER_DOMAIN=concurrency,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 45
        assert conn.execute("SELECT count(*) FROM url_patterns WHERE trapped = 1").fetchone()[0] == 0
    assert len(server.hits_for("/news/page/")) == 8

"""Reliability case 18: politeness under load. Twenty local sites (each on its own loopback address, so
each is its own host for Scrapy) with 100 articles each, crawled in one run. Every server records, on
its side, the open connections and requests in flight (maximum over the run) and the arrival time of
every request; the test checks them against the configured limits, with margins for a loaded machine."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from faultserver import crawl_measured, make_site, served, stats_value, write_seed

SITES = 20
ARTICLES = 100
PER_DOMAIN = 2
DELAY = 0.3
# Scrapy's default DOWNLOAD_DELAY_JITTER (0.5) makes each gap DELAY x (1 +/- 0.5); switched off here so
# that gaps can be held against DELAY itself.
JITTER = 0.0
# Arrivals are the kernel's receive stamps (faultserver._kernel_arrival), so the test process's own
# scheduling does not move them. What is left is the crawl's: Scrapy spaces the moments it releases
# requests, and on a saturated 2-core machine its reactor can put one on the wire ~0.25 s after that
# (seen: single gaps of 0.06 s), so single gaps are not held against the delay. Held instead: the mean
# gap (the rate), every run of WINDOW consecutive gaps (no stretch faster than the delay; one late
# request shortens a window by its lateness), and few short gaps (a crawl that ignored the delay would
# have nearly all of them short).
WINDOW_SHARE = 0.9
SHORT_SHARE = 0.05
WINDOW = 20
# CLOSESPIDER_TIMEOUT: the crawl must finish before it (finish_reason "finished"). Well under 240 s on a
# 2-core machine; 270 s was seen with both cores kept busy by other processes, hence the wide bound.
TIMEOUT = 600


def test_case18_politeness_under_load(tmp_path: Path) -> None:
    servers = []
    seeds = tmp_path / "seeds"
    for n in range(SITES):
        server, _ = make_site(tmp_path, f"site{n:02d}", ARTICLES, host=f"127.0.0.{n + 2}", seed=n, per_page=100)
        base = f"http://{server.netloc}"
        write_seed(
            seeds,
            f"site{n:02d}",
            server.netloc,
            start_urls=[],
            feeds=[],
            sitemaps=[f"{base}/sitemap.xml"],
            article_pattern=r"/news/[^/]+\.html$",
            follow_pattern=r"/news/$",
        )
        servers.append(server)
    db = tmp_path / "archive.db"
    with served(*servers):
        code, log, seconds, rss_kb = crawl_measured(
            "-a",
            f"seeds={seeds}",
            ARCHIVE_DB=str(db),
            CONCURRENT_REQUESTS="32",
            CONCURRENT_REQUESTS_PER_DOMAIN=str(PER_DOMAIN),
            DOWNLOAD_DELAY=str(DELAY),
            DOWNLOAD_DELAY_JITTER=str(JITTER),
            AUTOTHROTTLE_ENABLED="True",
            AUTOTHROTTLE_START_DELAY=str(DELAY),
            AUTOTHROTTLE_TARGET_CONCURRENCY="2.0",
            CLOSESPIDER_TIMEOUT=str(TIMEOUT),
            PROGRESS_INTERVAL="0",
            LOG_LEVEL="INFO",
            # The servers are threads of this test process: on a saturated machine an answer can take
            # longer than the fault tests' 10 s with no retry, and an article would be lost to the load.
            DOWNLOAD_TIMEOUT="60",
            RETRY_TIMES="2",
            timeout=TIMEOUT + 60,
        )
    assert code == 0, log[-3000:]
    assert stats_value(log, "finish_reason") == "finished"  # not closespider_timeout
    report = []
    for server in servers:
        gaps = server.gaps()
        report.append((server.host, len(server.hits), server.max_connections, server.max_inflight, round(min(gaps), 4)))
        assert len(server.hits) >= ARTICLES + 3  # robots.txt, sitemap index and children, every article
        assert server.max_inflight <= PER_DOMAIN, report
        assert server.max_connections <= PER_DOMAIN, report
        assert sum(gaps) / len(gaps) >= DELAY, report
        spans = [sum(gaps[i : i + WINDOW]) for i in range(len(gaps) - WINDOW + 1)]
        assert min(spans) >= WINDOW_SHARE * WINDOW * DELAY * (1 - JITTER), (server.host, round(min(spans), 3))
        short = [round(g, 3) for g in gaps if g < DELAY / 2]
        assert len(short) <= SHORT_SHARE * len(gaps), (server.host, short)
    print(
        f"\n{SITES} sites x {ARTICLES} articles in {seconds:.1f} s, peak RSS {rss_kb // 1024} MiB;"
        f" per host: max connections {max(r[2] for r in report)}, max in flight {max(r[3] for r in report)},"
        f" smallest gap {min(r[4] for r in report):.3f} s (DOWNLOAD_DELAY {DELAY} s)"
    )
    with sqlite3.connect(db) as conn:
        per_site = conn.execute("SELECT site, count(*) FROM articles GROUP BY site").fetchall()
    failures = {k: stats_value(log, k) for k in ("downloader/exception_count", "retry/count", "log_count/ERROR")}
    assert len(per_site) == SITES and all(count == ARTICLES for _, count in per_site), (per_site, failures)
    assert 0 < rss_kb < 600 * 1024, rss_kb  # the crawl process stays bounded (kB)

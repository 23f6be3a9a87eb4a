#!/usr/bin/env python3
"""Distributed throughput: 1, 2 and 4 `scrapy crawl news` workers on one Redis frontier, same site.

    python bench/distributed.py                          # 1500 articles, 50 ms server latency, 1/2/4 workers
    python bench/distributed.py --workers 1,2,3,4,6 --latency 0.2 --articles 3000

A benchmark, not a test. It serves the generated site of bench/crawl_throughput.py (~90 kB realistic
article pages, listings, sitemap index) on 127.0.0.1 with a fixed delay per answer (`--latency`, to mimic
the network), and for each worker count starts that many workers in distributed mode (their own shard
each, one fresh Redis frontier per run; Redis from REDIS_URL, else a private redis-server) and waits for all
of them. It prints, side by side: wall time, articles archived (and how many distinct: any article fetched
twice would show here), articles/s, the speed-up over 1 worker, and the CPU seconds per article of all
the workers and their extraction processes.

What to expect on a small machine: each worker keeps CONCURRENT_REQUESTS_PER_DOMAIN requests in flight,
so while the crawl waits on the network, more workers overlap more waiting and the rate climbs; once the
CPUs are busy with extraction (about one worker per core, each with one extraction process) it stops
climbing, and past that the workers only compete for the same cores. The scaling curve printed is the
measurement on this machine; on several machines each worker brings its own cores.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from crawl_throughput import BenchSite, serve  # noqa: E402 - the same generated site as the throughput bench


def start_redis(work: Path) -> tuple[str, subprocess.Popen[bytes] | None]:
    if url := os.environ.get("REDIS_URL"):
        return url, None
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("no Redis: set REDIS_URL or install redis-server (apt-get install redis-server)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(work)],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    return f"redis://127.0.0.1:{port}/0", proc


def worker_cmd(seeds: Path, shards: Path, redis: str, name: str, worker: str, args: argparse.Namespace) -> list[str]:
    settings = {
        "REDIS_URL": redis,
        "DISTRIBUTED_NAME": name,
        "WORKER_NAME": worker,
        "SHARDS_DIR": str(shards),
        "DISTRIBUTED_KNOWN_DB": str(shards / "none.db"),
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "CONCURRENT_REQUESTS": str(args.concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(args.concurrency),
        "EXTRACTION_WORKERS": str(args.extraction_workers),
        "SITE_MAX_PAGES": str(args.articles * 3 + 1000),
        "PROGRESS_INTERVAL": "0",
        "RETRY_TIMES": "0",
        "LOG_LEVEL": "INFO",
        "ALLOW_PRIVATE_NETWORKS": "True",  # the bench site is on 127.0.0.1
    }
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"seeds={seeds}"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def archived(shards: Path) -> list[str]:
    urls: list[str] = []
    for db in shards.glob("*.db"):
        with sqlite3.connect(db) as conn:
            urls += [u for (u,) in conn.execute("SELECT canonical_url FROM articles")]
    return urls


def run(n: int, seeds: Path, work: Path, redis: str, args: argparse.Namespace, expected: set[str]) -> dict[str, Any]:
    shards = work / f"shards-{n}"
    shutil.rmtree(shards, ignore_errors=True)
    name = f"bench{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="diplomatic_crawler.settings")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    procs = []
    for i in range(n):
        log = (work / f"run{n}-w{i}.log").open("wb")
        procs.append(subprocess.Popen(worker_cmd(seeds, shards, redis, name, f"w{i}", args), cwd=ROOT, env=env,
                                      stdout=log, stderr=subprocess.STDOUT))
        log.close()
    codes = [p.wait() for p in procs]
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    urls = archived(shards)
    distinct = len(set(urls))
    if any(codes):
        print(f"  warning: exit statuses {codes} (logs in {work})", flush=True)
    return {"workers": n, "wall": wall, "archived": len(urls), "distinct": distinct, "rate": distinct / wall,
            "cpu": cpu / max(distinct, 1), "missing": len(expected - set(urls))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1500, help="article pages on the site (1500)")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the server waits per answer (0.05)")
    parser.add_argument("--workers", default="1,2,4", help="worker counts to compare (1,2,4)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent requests per worker (8)")
    parser.add_argument("--extraction-workers", type=int, default=1, help="extraction processes per worker (1)")
    parser.add_argument("--keep", type=Path, help="keep shards and logs in this directory")
    args = parser.parse_args()
    counts = [int(x) for x in args.workers.split(",")]

    work = Path(args.keep or tempfile.mkdtemp(prefix="distributed-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    redis, redis_proc = start_redis(work)
    site = BenchSite(args.articles)
    reply = site.reply

    def slow_reply(path: str):  # the network's round trip, on the server side
        time.sleep(args.latency)
        return reply(path)

    site.reply = slow_reply  # type: ignore[method-assign]
    httpd = serve(site)
    seeds = work / "seeds"
    seeds.mkdir(exist_ok=True)
    netloc = site.base.removeprefix("http://")
    (seeds / "bench.toml").write_text(
        f"name = 'bench'\nallowed_domains = ['{netloc}']\nstart_urls = ['{site.base}/news/']\n"
        f"sitemaps = ['{site.base}/sitemap.xml']\nlanguage = 'en'\ntimezone = 'Europe/Berlin'\n"
    )
    print(f"site: {args.articles} articles, {args.latency * 1000:.0f} ms per answer; {os.cpu_count()} CPUs;"
          f" {args.concurrency} requests in flight and {args.extraction_workers} extraction process(es) per worker;"
          f" Redis {redis}; work dir {work}", flush=True)
    results = []
    try:
        for n in counts:
            expected = {site.base + site.path(i) for i in range(args.articles)}
            results.append(run(n, seeds, work, redis, args, expected))
            r = results[-1]
            print(f"  {n} worker(s): {r['distinct']} articles in {r['wall']:.1f} s", flush=True)
    finally:
        httpd.shutdown()
        if redis_proc is not None:
            redis_proc.terminate()
            redis_proc.wait()
    base = next((r["rate"] for r in results if r["workers"] == 1), results[0]["rate"])
    print()
    print(f"{'workers':>7}  {'wall s':>7}  {'archived':>8}  {'distinct':>8}  {'articles/s':>10}  {'speed-up':>8}"
          f"  {'CPU s/article':>13}")
    for r in results:
        print(f"{r['workers']:>7}  {r['wall']:>7.1f}  {r['archived']:>8}  {r['distinct']:>8}  {r['rate']:>10.1f}"
              f"  {r['rate'] / base:>7.2f}x  {r['cpu']:>13.3f}")
    complete = all(r["missing"] == 0 and r["archived"] == r["distinct"] for r in results)
    print(f"\nevery run archived each of the {args.articles} articles exactly once: {'yes' if complete else 'NO'}"
          " (the site's /news/ index page counts as one more article for the extractor)")
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())

"""Peak memory of an extraction worker on hostile pages just under the size cap (issue 21, item 6 target:
<= 500 MB). Each page goes to a fresh single-worker pool with the crawl's own time budget; the worker's
high-water mark (`VmHWM`) is sampled from /proc while it works, so a page killed at its time limit is
measured too."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from diplomatic_crawler.seeds import Seed
from diplomatic_crawler.workers import (
    DEFAULT_MAX_BYTES,
    DEFAULT_TIMEOUT,
    ExtractionFailed,
    ExtractionPool,
    analyse_page,
)

SEED = Seed(name="site", allowed_domains=("example.org",), language="en")
LIMIT_MB = 500
CAP = DEFAULT_MAX_BYTES - 4096  # under EXTRACTION_MAX_BYTES: the pages a worker is given


def _fill(head: bytes, unit: bytes, tail: bytes = b"</body></html>") -> bytes:
    return head + unit * ((CAP - len(head) - len(tail)) // len(unit)) + tail


PAGES = {
    "300,000 links": _fill(b"<html><body>", b'<a href="/p/12345678">x</a>'),
    # the page: 7.6 MiB, 400,000 distinct links (it took a worker's whole 30 s and 1.16 GB)
    "7.6 MiB of 400,000 links": b"<html><body>"
    + b"".join(b"<a href=/%05x>x</a>" % i for i in range(400_000))
    + b"</body></html>",
    "140,000 paragraphs of prose": _fill(
        b"<html><body><article>", b"<p>The minister met the delegation and discussed trade.</p>"
    ),
    "one 8 MB word": _fill(b"<html><head><title>W</title></head><body><article><p>", b"a"),
    "JSON-LD of 470,000 objects": _fill(
        b'<html><head><script type="application/ld+json">{"@type":"NewsArticle","k":[',
        b'{"a":"bbbbbbbb"},',
        b"{}]}</script></head><body><p>x</p></body></html>",
    ),
    "1,300,000 attributes": _fill(b"<html><body><p ", b'a="x" '),
    "1,600,000 nested elements": _fill(b"<html><body>", b"<div>"),
}


def _peak_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


@pytest.mark.parametrize("name", list(PAGES))
def test_worker_peak_rss_under_500_mb(name: str) -> None:
    body = PAGES[name]
    assert len(body) <= DEFAULT_MAX_BYTES
    with ExtractionPool(1, timeout=DEFAULT_TIMEOUT) as pool:
        pid = pool.submit(os.getpid).result(timeout=60)
        peak = 0.0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _peak_mb(pid))
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            pool.submit(analyse_page, body, "https://example.org/news/a.html", SEED).result(timeout=120)
            outcome = "done"
        except ExtractionFailed as exc:  # over the time budget: killed, which frees its memory
            outcome = exc.reason
        finally:
            done.set()
            sampler.join(timeout=5)
    print(f"{name}: peak {peak:.0f} MB ({outcome})")
    assert 50 < peak <= LIMIT_MB, (name, peak, outcome)

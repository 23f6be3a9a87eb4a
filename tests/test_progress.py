"""Progress of a long crawl (issue 22, item 15): every PROGRESS_INTERVAL seconds Scrapy's own LogStats line
(pages/min, items/min) beside one line a site; PROGRESS_INTERVAL=0 switches both off, an explicit
LOGSTATS_INTERVAL wins. Real `scrapy crawl news` runs against a slow site on 127.0.0.1."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from faultserver import crawl, make_site, served, write_seed

LOGSTATS = re.compile(r"Crawled (\d+) pages \(at (\d+) pages/min\), scraped (\d+) items \(at (\d+) items/min\)")
SITE_LINE = re.compile(r"slow: \d+ fetched, \d+ new, \d+ updated, \d+ unchanged, \d+ skipped as known, \d+ failed")


@pytest.mark.parametrize(
    ("settings", "logstats", "site_lines"),
    [
        ({"PROGRESS_INTERVAL": "1"}, True, True),
        ({"PROGRESS_INTERVAL": "0"}, False, False),
        ({"PROGRESS_INTERVAL": "0", "LOGSTATS_INTERVAL": "1"}, True, False),
    ],
    ids=["every-second", "off", "logstats-own-interval"],
)
def test_periodic_lines_with_rates(tmp_path: Path, settings: dict[str, str], logstats: bool, site_lines: bool) -> None:
    server, _ = make_site(tmp_path, "slow", 16, latency=0.25)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "slow", server.netloc)
    with served(server):
        result = crawl(
            "-a", f"seeds={seeds}", ARCHIVE_DB=str(tmp_path / "a.db"), CONCURRENT_REQUESTS_PER_DOMAIN="1", **settings
        )
    assert result.returncode == 0, result.stderr[-3000:]
    rates = [tuple(map(int, m.groups())) for m in LOGSTATS.finditer(result.stderr)]
    # Scrapy logs one LogStats line as the spider opens; the periodic ones follow while the crawl runs
    assert (len(rates) >= 3) is logstats, result.stderr[-3000:]
    if logstats:
        assert any(pages_per_min > 0 for _, pages_per_min, _, _ in rates)
        assert any(items_per_min > 0 for _, _, _, items_per_min in rates)
        assert rates[-1][0] >= rates[0][0]  # counts only grow
    assert bool(SITE_LINE.search(result.stderr)) is site_lines

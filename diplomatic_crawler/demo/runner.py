"""`diplomatic-crawler demo`: serve two bundled sample sites on 127.0.0.1 and crawl them for real.

The sample sites are generated deterministically (see `sitegen`) into a temporary directory, served by
`SiteServer` threads on free ports, described by temporary seed files, and crawled by the real spider
(`scrapy crawl news` in a subprocess) into the archive.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from .server import SiteServer
from .sitegen import SiteSpec, build_site, sample_articles

__all__ = ["DEMO_SITES", "demo_specs", "run_demo", "write_seed"]

DEMO_SITES = ("veloria-mfa", "diplomatic-courier")


def demo_specs() -> list[tuple[SiteSpec, dict[str, str]]]:
    """The two demo sites (34 articles) and the seed fields that go with each."""
    mfa = SiteSpec(
        name="veloria-mfa",
        title="Ministry of Foreign Affairs of Veloria",
        issuer="Ministry of Foreign Affairs of Veloria (fictional)",
        articles=sample_articles(1, 18, datetime(2024, 5, 1)),
        per_page=6,
    )
    courier = SiteSpec(
        name="diplomatic-courier",
        title="The Diplomatic Courier (demo)",
        issuer="The Diplomatic Courier (fictional)",
        articles=sample_articles(7, 16, datetime(2024, 6, 3), prefix="dc-"),
        per_page=5,
    )
    return [
        (mfa, {"country": "VL", "timezone": "Europe/Vienna", "date_order": "DMY", "use": "sitemap"}),
        (courier, {"country": "QR", "timezone": "UTC", "date_order": "DMY", "use": "feed"}),
    ]


def write_seed(directory: Path, spec: SiteSpec, server: SiteServer, extra: dict[str, str]) -> Path:
    """Write `<name>.toml` for a served sample site: start page, sitemap and feed."""
    base = server.base_url
    lines = [
        f'name = "{spec.name}"',
        f'allowed_domains = ["{server.netloc}"]',
        f'start_urls = ["{base}/news/"]',
        f'sitemaps = ["{base}/sitemap.xml"]' if extra.get("use") == "sitemap" else "sitemaps = []",
        f'feeds = ["{base}/feed.xml"]',
        r"article_pattern = '/news/[^/]+\.html$'" if extra.get("use") == "sitemap" else "",
        f'language = "{spec.language}"',
        f'timezone = "{extra["timezone"]}"',
        f'date_order = "{extra["date_order"]}"',
        f'country = "{extra["country"]}"',
        f'issuer = "{spec.issuer}"',
        "max_pages = 500",
    ]
    path = directory / f"{spec.name}.toml"
    path.write_text("\n".join(line for line in lines if line) + "\n", encoding="utf-8")
    return path


def run_demo(
    db: str | Path,
    *,
    echo: Callable[[str], None] = print,
    extra_settings: dict[str, str] | None = None,
    keep_dir: str | Path | None = None,
) -> int:
    """Serve the demo sites, crawl them into `db`, and return the crawl's exit status."""
    db = Path(db).resolve()
    with tempfile.TemporaryDirectory(prefix="diplomatic-demo-") as tmp:
        work = Path(keep_dir) if keep_dir else Path(tmp)
        seeds_dir = work / "seeds"
        seeds_dir.mkdir(parents=True, exist_ok=True)
        servers: list[SiteServer] = []
        try:
            for spec, extra in demo_specs():
                root = build_site(work / "sites" / spec.name, spec)
                server = SiteServer(root).start()
                servers.append(server)
                write_seed(seeds_dir, spec, server, extra)
                echo(f"Serving {spec.title!r} ({len(spec.articles)} articles) at {server.base_url}/")
            settings = {
                "ARCHIVE_DB": str(db),
                "DOWNLOAD_DELAY": "0",
                "AUTOTHROTTLE_ENABLED": "False",
                "PROGRESS_INTERVAL": "5",
                "LOG_LEVEL": "INFO",
                "ALLOW_PRIVATE_NETWORKS": "127.0.0.1",  # the demo sites are served on 127.0.0.1
                **(extra_settings or {}),
            }
            cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"seeds={seeds_dir}"]
            for key, value in settings.items():
                cmd += ["-s", f"{key}={value}"]
            env = dict(os.environ, SCRAPY_SETTINGS_MODULE="diplomatic_crawler.settings")
            echo(f"Crawling with: scrapy crawl news -a seeds={seeds_dir} -s ARCHIVE_DB={db}\n")
            proc = subprocess.run(cmd, env=env, cwd=work, capture_output=True, text=True, check=False)
        finally:
            for server in servers:
                server.stop()
        summary = _summary_block(proc.stderr)
        if summary:
            echo(summary)
        if proc.returncode != 0 and not summary:
            echo(proc.stderr[-4000:])
        return proc.returncode


def _summary_block(log: str) -> str:
    """The summary table the crawl logged at the end (the lines after 'Crawl N ...')."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if "[diplomatic_crawler.extensions] INFO: Crawl " in line:
            block = [line.split("INFO: ", 1)[1]]
            for nxt in lines[i + 1 :]:
                if nxt[:4].isdigit() and " [" in nxt[:30]:  # the next log record
                    break
                block.append(nxt)
            return "\n".join(block)
    return ""

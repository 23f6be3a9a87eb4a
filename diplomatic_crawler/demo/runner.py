"""`diplomatic-crawler demo`: serve two bundled sample sites on 127.0.0.1 and crawl them for real.

The sample sites are generated deterministically (see `sitegen`) into a temporary directory, served by
one `SiteServer` thread on a free port of 127.0.0.1 under fixed host names (`veloria-mfa.example`,
`diplomatic-courier.example`: reserved names that never resolve on the internet), which the crawl reaches
with that server as its `http_proxy`. The sites' URLs are thus the same from run to run, whatever port the
server gets: a second demo into the same archive updates it instead of doubling every article, and an
interrupted demo is completed by the next. The seed files are temporary; the crawl keeps their text in
the archive (`articles.seed_toml`), so `reextract` works after the demo is gone.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from .server import SiteServer
from .sitegen import SiteSpec, build_site, sample_articles

__all__ = ["DEMO_SITES", "demo_specs", "failure_message", "next_steps", "run_demo", "runnable", "write_seed"]

DEMO_SITES = ("veloria-mfa", "diplomatic-courier")
DEMO_DOMAIN = "example"  # RFC 2606: never a real host


def demo_host(name: str) -> str:
    """The fixed host name a demo site is served under."""
    return f"{name}.{DEMO_DOMAIN}"


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


def write_seed(directory: Path, spec: SiteSpec, netloc: str, extra: dict[str, str]) -> Path:
    """Write `<name>.toml` for a sample site served at `netloc`: start page, sitemap and feed."""
    base = f"http://{netloc}"
    lines = [
        f'name = "{spec.name}"',
        f'allowed_domains = ["{netloc}"]',
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
        hosts: dict[str, Path] = {}
        for spec, extra in demo_specs():
            hosts[demo_host(spec.name)] = build_site(work / "sites" / spec.name, spec)
            write_seed(seeds_dir, spec, demo_host(spec.name), extra)
        server = SiteServer(work / "sites", hosts=hosts).start()
        try:
            for spec, _ in demo_specs():
                echo(
                    f"Serving {spec.title!r} ({len(spec.articles)} articles) as http://{demo_host(spec.name)}/"
                    f" (through {server.netloc})"
                )
            settings = {
                "ARCHIVE_DB": str(db),
                "DOWNLOAD_DELAY": "0",
                "AUTOTHROTTLE_ENABLED": "False",
                "PROGRESS_INTERVAL": "5",
                "LOG_LEVEL": "INFO",
                "ALLOW_PRIVATE_NETWORKS": "127.0.0.1",  # the demo sites are served on 127.0.0.1
                "USER_AGENT_CONTACT": "offline-demo@localhost",  # only our own 127.0.0.1 servers see it
                **(extra_settings or {}),
            }
            cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"seeds={seeds_dir}"]
            for key, value in settings.items():
                cmd += ["-s", f"{key}={value}"]
            env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "no_proxy")}
            # Scrapy's HttpProxyMiddleware sends every http:// request to the demo server, which answers
            # only for the demo's host names: nothing leaves the machine.
            env.update(SCRAPY_SETTINGS_MODULE="diplomatic_crawler.settings", http_proxy=server.base_url)
            echo(f"Crawling with: scrapy crawl news -a seeds={seeds_dir} -s ARCHIVE_DB={db}\n")
            proc = subprocess.run(cmd, env=env, cwd=work, capture_output=True, text=True, check=False)
        finally:
            server.stop()
        summary = _summary_block(proc.stderr)
        if summary:
            echo(summary)
        if proc.returncode != 0 and not summary:
            echo(_problems(proc.stderr) or proc.stderr[-4000:])
        return proc.returncode


def failure_message(code: int, shown: Iterable[str]) -> str:
    """The one line a failed demo ends with, from its exit status and what it printed: an interrupted crawl
    is completed by the next demo, so say that rather than "failed"."""
    statuses = {m[1] for text in shown for m in re.finditer(r"^Crawl \S+ (\S+) in ", text, re.MULTILINE)}
    # a run that ended for another reason than its own end (Ctrl-C, a kill, a CLOSESPIDER_* limit)
    if statuses - {"finished", "failed", "partial", "archive_error", "enrichment_failed"}:
        return (
            f"the demo crawl was interrupted before it finished (exit status {code}); run the same command"
            " again to complete the archive (what it holds is kept, nothing is doubled)"
        )
    return f"the demo crawl failed (exit status {code})"


def _problems(log: str) -> str:
    """The crawl log's WARNING, ERROR and CRITICAL records (with their continuation lines): why a crawl
    that wrote no summary stopped, without Scrapy's start-up banner and settings around it."""
    kept: list[str] = []
    keep = False
    for line in log.splitlines():
        if line[:4].isdigit() and " [" in line[:30]:  # a new log record
            keep = any(f"] {level}: " in line for level in ("WARNING", "ERROR", "CRITICAL"))
            if keep:
                line = line.split("] ", 1)[1]
        if keep:
            kept.append(line)
    return "\n".join(kept)


def _shown(path: Path) -> str:
    """`path` as the user can type it here: relative to the working directory when inside it."""
    try:
        return str(path.relative_to(Path.cwd())) if path.is_absolute() else str(path)
    except ValueError:
        return str(path)


def runnable(script: str, module: str) -> str:
    """How to run this installation's console script `script` from the user's shell: its bare name when
    PATH finds this very script (an activated virtual environment), else its path beside the running
    interpreter (`.venv/bin/diplomatic-crawler`), else `python -m module` with this interpreter."""
    bindir = Path(sys.executable).parent  # not resolved: a venv's python is a link out of it
    beside = bindir / script
    found = shutil.which(script)
    if beside.is_file():
        if found and Path(found).resolve() == beside.resolve():
            return script
        return shlex.quote(_shown(beside))
    return f"{shlex.quote(_shown(Path(sys.executable)))} -m {module}"


def next_steps(db: str | Path) -> list[str]:
    """Commands to try on the demo archive, spelt so that they run as printed from here."""
    crawler = runnable("diplomatic-crawler", "diplomatic_crawler.cli")
    sqlite_utils = runnable("sqlite-utils", "sqlite_utils")
    scrapy = runnable("scrapy", "scrapy")
    path = shlex.quote(str(db))
    dataset = shlex.quote(str(Path(db).parent / "dataset"))  # beside the archive: that directory exists
    query = shlex.quote("select site, published, title from articles order by published desc limit 5")
    return [
        f"{sqlite_utils} query {path} {query}",
        f"{sqlite_utils} search {path} articles trade -c title",
        f"{crawler} search trade --db {path}",
        f"{crawler} stats --db {path}",
        f"{crawler} export --db {path} --format jsonfeed -o feed.json",
        f"{crawler} dataset --db {path} {dataset}   # Parquet + dataset card",
        f"{crawler} browse --db {path}   # Datasette (pip install -e '.[browse]')",
        f"{scrapy} crawl news   # crawl the real sites in seeds/ (from the project directory)",
    ]


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

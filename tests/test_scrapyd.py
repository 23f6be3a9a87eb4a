"""scrapyd, the standard way to schedule Scrapy spiders: `scrapyd-deploy` builds the project's egg (with the
`[scrapy]` settings entry point and the curated seeds as package data) and uploads it with addversion.json,
and `schedule.json` runs `news` on the offline demo sites into an SQLite archive. A real scrapyd on
127.0.0.1 (a free port, a temporary directory), nothing from the network."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT

from diplomatic_crawler.demo.runner import demo_specs, write_seed
from diplomatic_crawler.demo.server import SiteServer
from diplomatic_crawler.demo.sitegen import build_site

BIN = Path(sys.executable).parent
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "output", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache"
)
CURATED = sorted(p.name for p in (PROJECT_ROOT / "seeds").glob("*.toml"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _api(base: str, endpoint: str, data: list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=body, timeout=30) as reply:
        return json.loads(reply.read())


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project as a fresh clone has it, with a deploy target added to its scrapy.cfg."""
    copy = tmp_path_factory.mktemp("clone") / "diplomatic-crawler"
    shutil.copytree(PROJECT_ROOT, copy, ignore=COPY_IGNORE)
    return copy


@pytest.fixture(scope="module")
def egg(project: Path) -> Path:
    path = project.parent / "diplomatic_crawler.egg"
    result = subprocess.run(
        [str(BIN / "scrapyd-deploy"), "--build-egg", str(path)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return path


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    (tmp_path / "scrapyd.conf").write_text(
        "[scrapyd]\nbind_address = 127.0.0.1\n"
        f"http_port = {port}\npoll_interval = 0.5\nmax_proc = 1\n"
        f"eggs_dir = {tmp_path / 'eggs'}\nlogs_dir = {tmp_path / 'logs'}\ndbs_dir = {tmp_path / 'dbs'}\n"
    )
    proc = subprocess.Popen(
        [str(BIN / "scrapyd")],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert _api(base, "daemonstatus.json")["status"] == "ok"
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "scrapyd did not start"
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_the_egg_has_the_settings_entry_point_and_the_curated_seeds(egg: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(egg) as archive:
        entry_points = archive.read("EGG-INFO/entry_points.txt").decode()
        names = set(archive.namelist())
    assert "[scrapy]\nsettings = diplomatic_crawler.settings" in entry_points
    assert {f"diplomatic_crawler/curated_seeds/{name}" for name in CURATED} <= names
    # From the egg alone (the editable install's finder removed), in a directory without seeds/: the
    # default seed path reads the packaged seeds through importlib.resources.
    probe = (
        "import sys; sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f)];"
        f"sys.path.insert(0, {str(egg)!r});"
        "import diplomatic_crawler.seeds as s;"
        "seeds = s.load_seeds('seeds'); print(s.__file__); print(len(seeds)); print(seeds[0].path)"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    module, count, first = result.stdout.split("\n")[:3]
    assert module.startswith(str(egg)) and first.startswith(str(egg))
    assert int(count) == len(CURATED)


def test_scrapyd_deploy_and_schedule_the_demo(project: Path, egg: Path, scrapyd: str, tmp_path: Path) -> None:
    cfg = project / "scrapy.cfg"
    cfg.write_text(cfg.read_text() + f"\n[deploy:local]\nurl = {scrapyd}/\nproject = diplomatic_crawler\n")
    result = subprocess.run(
        [str(BIN / "scrapyd-deploy"), "local", "--egg", str(egg), "--version", "r1"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0 and '"status": "ok"' in result.stdout, result.stdout + result.stderr
    assert _api(scrapyd, "listspiders.json?project=diplomatic_crawler")["spiders"] == ["news"]

    seeds, servers = tmp_path / "demo-seeds", []
    seeds.mkdir()
    try:
        for spec, extra in demo_specs():
            server = SiteServer(build_site(tmp_path / "sites" / spec.name, spec)).start()
            servers.append(server)
            write_seed(seeds, spec, server.netloc, extra)
        db = tmp_path / "archive.db"
        settings = {
            "ARCHIVE_DB": str(db),
            "ALLOW_PRIVATE_NETWORKS": "127.0.0.1",
            "DOWNLOAD_DELAY": "0",
            "AUTOTHROTTLE_ENABLED": "False",
        }
        job = _api(
            scrapyd,
            "schedule.json",
            [("project", "diplomatic_crawler"), ("spider", "news"), ("seeds", str(seeds))]
            + [("setting", f"{k}={v}") for k, v in settings.items()],
        )
        assert job["status"] == "ok", job
        deadline = time.monotonic() + 400  # a loaded 2-core machine
        while True:
            jobs = _api(scrapyd, "listjobs.json?project=diplomatic_crawler")
            if any(j["id"] == job["jobid"] for j in jobs["finished"]):
                break
            assert time.monotonic() < deadline, jobs
            time.sleep(1)
    finally:
        for server in servers:
            server.stop()
    log = next((tmp_path / "logs").rglob(f"{job['jobid']}.log")).read_text()
    assert "Traceback" not in log, log[-3000:]
    with sqlite3.connect(db) as conn:
        articles = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        crawls = conn.execute("SELECT status FROM crawls").fetchall()
    assert articles == sum(len(spec.articles) for spec, _ in demo_specs())
    assert crawls == [("finished",)]

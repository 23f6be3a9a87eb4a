"""A real headless browser for the tests: Debian's Chromium (/usr/bin/chromium), one fresh profile per run.

`browse_archive(db)` runs `diplomatic-crawler browse` on a free port of 127.0.0.1 and gives its base URL;
`dump_dom(url)` gives the DOM Chromium built (after scripts ran), `screenshot(url, name)` writes a PNG into
the CI artifact directory ($CI_ARTIFACTS, else output/ci-artifacts/). `CHROMIUM` is None when no Chromium is
installed; tests skip with `NO_CHROMIUM` as the reason.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("/usr/bin/chromium")
NO_CHROMIUM = "Chromium is not installed (as root: apt-get install -y chromium chromium-driver)"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=5000",
]


def artifact_dir() -> Path:
    path = Path(os.environ.get("CI_ARTIFACTS") or ROOT / "output" / "ci-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _run(args: list[str], timeout: float = 90) -> subprocess.CompletedProcess[str]:
    if CHROMIUM is None:
        raise RuntimeError(NO_CHROMIUM)
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        result = subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    if result.returncode != 0:
        raise RuntimeError(f"chromium exited {result.returncode}: {result.stderr[-2000:]}")
    return result


def dump_dom(url: str) -> str:
    """The page's DOM as Chromium serialises it once loaded."""
    return _run(["--dump-dom", url]).stdout


def screenshot(url: str, name: str, width: int = 1280, height: int = 1600) -> Path:
    """A PNG of the page at this window size, kept as a CI artifact; returns its path."""
    path = artifact_dir() / name
    path.unlink(missing_ok=True)
    _run([f"--screenshot={path}", f"--window-size={width},{height}", url])
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(base: str, proc: subprocess.Popen[bytes], seconds: float) -> None:
    """Until Datasette at `base` answers; RuntimeError with its output if it exits or takes too long."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(f"{base}/-/versions.json", timeout=2).read()
            return
        except OSError as exc:
            if proc.poll() is not None or time.monotonic() > deadline:
                if proc.poll() is None:
                    proc.terminate()  # browse passes it on to its Datasette
                    proc.wait(timeout=30)
                output = proc.stdout.read().decode() if proc.stdout else ""
                raise RuntimeError(f"datasette did not start: {output}") from exc
            time.sleep(0.2)


@contextlib.contextmanager
def browse_archive(db: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """`diplomatic-crawler browse` itself, in its own process group (browse starts Datasette as a child)."""
    port = free_port()
    command = Path(sys.executable).with_name("diplomatic-crawler")
    proc = subprocess.Popen(
        [str(command), "browse", "--db", str(db), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, proc, 60)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # browse and the Datasette it started
        proc.wait(timeout=10)

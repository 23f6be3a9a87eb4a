"""A real headless browser for the tests: Debian's Chromium (/usr/bin/chromium), one fresh profile per run.

`dump_dom(url)` gives the DOM Chromium built (after scripts ran), `screenshot(url, name)` writes a PNG into
the CI artifact directory ($CI_ARTIFACTS, else output/ci-artifacts/). `CHROMIUM` is None when no Chromium is
installed; tests skip with `NO_CHROMIUM` as the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
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

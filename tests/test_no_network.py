"""`scrapy crawl news` with no site reachable (issue 22, item 10): one line a site with the real cause (DNS
failure, connection refused, TLS error, timeout), one summary line, no traceback, the `failed` column
counting the failed requests, and `health` flagging the run at once. Host names resolve through the
tests' stub resolver (`.invalid` never resolves, no DNS query); the other sites are closed ports, a plain
HTTP server asked for TLS and a server that never answers, all on 127.0.0.1."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from faultserver import FaultServer, crawl, hang, served, write_seed

from diplomatic_crawler.cli import main
from diplomatic_crawler.failures import describe_failure, network_cause


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_site_reachable(tmp_path: Path) -> None:
    plain = FaultServer(tmp_path)  # answers HTTP: asked for TLS, the handshake fails
    silent = FaultServer(tmp_path)
    silent.route("/robots.txt", lambda p, q: hang(silent))
    seeds = tmp_path / "seeds"
    port = _closed_port()
    sites = {
        "dns-site": ("http", "news.invalid", "DNS failure"),
        "refused": ("http", f"127.0.0.1:{port}", "connection refused"),
        "tls": ("https", plain.netloc, "TLS error"),
        "silent": ("http", silent.netloc, "timeout"),
    }
    for name, (scheme, netloc, _) in sites.items():
        base = f"{scheme}://{netloc}"
        write_seed(seeds, name, netloc, start_urls=[f"{base}/"], sitemaps=[f"{base}/sitemap.xml"], feeds=[])
    db = tmp_path / "a.db"
    with served(plain, silent):
        result = crawl(
            "-a", f"seeds={seeds}", hosts={"news.invalid": "nxdomain"}, ARCHIVE_DB=str(db), DOWNLOAD_TIMEOUT="2"
        )
    log = result.stderr
    assert result.returncode == 2, log[-3000:]
    assert "Traceback" not in log
    assert "Forbidden by robots.txt" not in log and "robots.txt of" not in log  # robots.txt is not to blame
    crawl_lines = log[log.index("Spider opened") : log.index("Dumping Scrapy stats")].splitlines()
    assert len(crawl_lines) < 30, "\n".join(crawl_lines)  # a line a site and the summary, not hundreds
    errors = [line for line in crawl_lines if " ERROR: " in line]
    assert len(errors) == 1 and "No site reachable: all 4 site(s) failed" in errors[0], errors
    for name, (_, netloc, cause) in sites.items():
        said = [line for line in crawl_lines if f"WARNING: {name}: {netloc} unreachable ({cause}:" in line]
        assert len(said) == 1, (name, crawl_lines)
        row = next(line for line in crawl_lines if line.startswith(f"{name} "))
        cells = row.split()
        failed = int(cells[7])  # discovered fetched new updated unchanged skipped_known failed
        assert failed >= 2 and row.endswith(f"FAILED ({cause})"), row
    health = CliRunner().invoke(main, ["health", "--db", str(db), "--quiet"])
    assert health.exit_code == 3, health.output
    assert len(re.findall(r"unreachable", health.output)) >= 4, health.output


@pytest.mark.parametrize(
    ("exc", "cause"),
    [
        ("scrapy.exceptions.CannotResolveHostError", "DNS failure"),
        ("scrapy.exceptions.DownloadConnectionRefusedError", "connection refused"),
        ("scrapy.exceptions.DownloadTimeoutError", "timeout"),
        ("twisted.internet.error.TCPTimedOutError", "timeout"),
        ("twisted.internet.error.ConnectionLost", "connection lost"),
        ("OpenSSL.SSL.Error", "TLS error"),
        ("builtins.ValueError", None),
    ],
)
def test_network_cause(exc: str, cause: str | None) -> None:
    import importlib

    module, _, name = exc.rpartition(".")
    error = getattr(importlib.import_module(module), name)("boom")
    wrapped = RuntimeError("download failed")
    wrapped.__cause__ = error
    assert network_cause(error) == cause
    assert network_cause(wrapped) == cause  # read through the chain
    assert describe_failure(wrapped).startswith(f"{cause}: " if cause else "boom")


@pytest.mark.parametrize(
    ("exc", "said"),
    [
        ("builtins.TimeoutError", "timeout: TimeoutError"),
        ("builtins.ConnectionResetError", "connection lost: ConnectionResetError"),
        ("scrapy.exceptions.DownloadTimeoutError", "timeout: DownloadTimeoutError"),
        ("twisted.web._newclient.ResponseNeverReceived", "connection lost: ResponseNeverReceived"),
        ("scrapy.exceptions.IgnoreRequest", "IgnoreRequest"),
        ("builtins.MemoryError", "MemoryError"),
    ],
)
def test_a_failure_without_a_message_is_named_by_its_type(exc: str, said: str) -> None:
    """Issue 21, item 7: no warning with an empty reason ("... for URL" after a colon and nothing)."""
    import importlib

    module, _, name = exc.rpartition(".")
    cls = getattr(importlib.import_module(module), name)
    error = cls([]) if name == "ResponseNeverReceived" else cls()  # Twisted's wrapper takes its reasons
    assert describe_failure(error) == said

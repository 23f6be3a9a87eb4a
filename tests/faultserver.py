"""Fault-injecting HTTP servers on 127.0.0.x for the reliability tests, and crawl runners.

`FaultServer` serves a generated site (like the demo's `SiteServer`) on any loopback address, and adds:

* routes that answer with a `Reply` or misbehave at the socket level (`Raw`): never answer, drop the
  connection, send less than `Content-Length`, break the chunked encoding, stream 60 MB, ...;
* measurements taken on the server side: every request with its arrival time, open connections and
  requests in flight (current and maximum), so politeness is checked where a site owner would see it.

`StubResolver` is the crawler's guarded resolver with a fixed table of host names
(`DIPLOMATIC_TEST_HOSTS="news.test=127.0.0.1,..."`) so that tests can use real host names that resolve
to loopback addresses, without DNS.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from conftest import FAST_SETTINGS
from twisted.internet import defer

from diplomatic_crawler.demo.server import LoggedRequest, Reply, SiteServer
from diplomatic_crawler.demo.sitegen import SiteSpec, build_site, sample_articles
from diplomatic_crawler.security import GuardedResolver

TESTS_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = TESTS_DIR.parent

__all__ = [
    "FaultServer",
    "Hit",
    "Raw",
    "Reply",
    "StubResolver",
    "archive_rows",
    "as_plain_user",
    "crawl",
    "crawl_measured",
    "crawl_pages",
    "crawl_twice",
    "lock_dir",
    "make_site",
    "run_cli",
    "served",
    "start_crawl",
    "stats_value",
    "stop",
    "write_seed",
]


# --- the server -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    path: str
    start: float  # time.monotonic() when the request line arrived
    end: float  # when the answer was written (or the connection given up)
    status: int
    headers: dict[str, str]
    received: float = 0.0  # wall-clock time the kernel received the request (see _kernel_arrival)


# Linux's SO_TIMESTAMPNS (not exported by the socket module): the kernel stamps every segment it
# receives on the socket, and recvmsg hands the stamp back as ancillary data.
_SO_TIMESTAMPNS = 35 if sys.platform.startswith("linux") else None


def _kernel_arrival(sock: socket.socket) -> float:
    """When the kernel received the next request's first bytes on `sock` (time.time() scale).

    The servers run as threads of the busy test process, so a time taken once the handler thread runs
    can be late by the scheduler's whim (a 0.2 s delay turned one 0.3 s gap into 0.1 s). The kernel's
    receive stamp is taken on arrival, whoever is on the CPU. Peeking waits for the request exactly as
    reading its first line would (HTTP/1.1 clients here do not pipeline, so nothing is buffered ahead);
    where no stamp is given (not Linux, a TLS socket, a closed peer) the handler's own clock is used."""
    if _SO_TIMESTAMPNS is not None:
        try:
            _data, ancillary, _flags, _addr = sock.recvmsg(1, socket.CMSG_SPACE(16), socket.MSG_PEEK)
        except (OSError, NotImplementedError, ValueError):
            return time.time()
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS and len(payload) >= 16:
                seconds, nanoseconds = struct.unpack("qq", payload[:16])
                return seconds + nanoseconds / 1e9
    return time.time()


@dataclass
class Raw:
    """A route answer that writes to the socket itself: `func(handler)`."""

    func: Callable[[BaseHTTPRequestHandler], None]
    status: int = 0  # what to log


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def server_bind(self) -> None:
        super().server_bind()
        if _SO_TIMESTAMPNS is not None:  # accepted connections inherit it, so first requests are stamped too
            with contextlib.suppress(OSError):
                self.socket.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)


class FaultServer(SiteServer):
    """A site on `host` (any 127.0.0.0/8 address) with fault routes and server-side measurements."""

    def __init__(self, root: str | Path, *, host: str = "127.0.0.1", latency: float = 0.0):
        self.root = Path(root)
        self.host = host
        self.routes = {}
        self.requests: list[LoggedRequest] = []
        self.hits: list[Hit] = []
        self.latency = latency
        self.fixed_base: str | None = None  # pages link to this base whatever name they were asked under
        self.open_connections = 0
        self.max_connections = 0
        self.inflight = 0
        self.max_inflight = 0
        self.counters: dict[str, int] = {}
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._httpd = _Server((host, 0), _fault_handler(self))
        self._thread = None

    @property
    def netloc(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """`http://<Host header>` while answering a request (pages link to the name they were asked
        under, as virtual hosts do), else `http://host:port`."""
        if self.fixed_base:
            return self.fixed_base
        return getattr(self._local, "base", None) or f"http://{self.netloc}"

    def stop(self) -> None:
        self.stopping.set()
        super().stop()

    def count(self, path: str) -> int:
        """Increment and return how often `path` was asked for (for 'fail twice, then answer')."""
        with self._lock:
            self.counters[path] = self.counters.get(path, 0) + 1
            return self.counters[path]

    def hits_for(self, prefix: str = "/") -> list[Hit]:
        """Hits in order of arrival: a hit is recorded once answered, and a client may already
        have sent its next request (a retry) by then."""
        with self._lock:
            return sorted((h for h in self.hits if h.path.startswith(prefix)), key=lambda h: h.start)

    def arrived_since(self, moment: float) -> bool:
        """Whether a request arrived at or after `moment` (time.monotonic()) and has been answered."""
        with self._lock:
            return any(h.start >= moment for h in reversed(self.hits))

    def gaps(self) -> list[float]:
        """Seconds between the arrivals of consecutive requests, as the kernel received them."""
        with self._lock:
            starts = sorted(h.received for h in self.hits)
        return [b - a for a, b in itertools.pairwise(starts)]

    def _connection(self, delta: int) -> None:
        with self._lock:
            self.open_connections += delta
            self.max_connections = max(self.max_connections, self.open_connections)

    def _inflight(self, delta: int) -> None:
        with self._lock:
            self.inflight += delta
            self.max_inflight = max(self.max_inflight, self.inflight)

    def _record(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)
            self.requests.append(LoggedRequest("GET", hit.path, hit.headers, hit.status))


def _fault_handler(server: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FaultSite/1.0"

        def setup(self) -> None:
            super().setup()
            server._connection(+1)

        def finish(self) -> None:
            try:
                super().finish()
            finally:
                server._connection(-1)

        def handle_one_request(self) -> None:
            self._received = _kernel_arrival(self.connection)
            super().handle_one_request()

        def do_GET(self) -> None:
            start = time.monotonic()
            server._inflight(+1)
            parts = urlsplit(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            server._local.base = f"http://{headers['host']}" if headers.get("host") else None
            status = 0
            try:
                if server.latency:
                    time.sleep(server.latency)
                route = server.routes.get(parts.path) or next(
                    (f for key, f in server.routes.items() if key.endswith("*") and parts.path.startswith(key[:-1])),
                    None,
                )
                if route is not None:
                    reply = route(parts.path, parse_qs(parts.query, keep_blank_values=True))
                else:
                    reply = server.reply_for(parts.path, parts.query, headers)
                if isinstance(reply, Raw):
                    status = reply.status
                    self.close_connection = True
                    reply.func(self)
                else:
                    status = reply.status
                    self._send(reply)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            finally:
                server._inflight(-1)
                server._record(Hit(self.path, start, time.monotonic(), status, headers, self._received))

        def _send(self, reply: Reply) -> None:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if "Content-Type" not in reply.headers and reply.status != 304:
                self.send_header("Content-Type", "text/html; charset=utf-8")
            if "Content-Length" not in reply.headers:
                self.send_header("Content-Length", str(len(reply.body) if reply.status != 304 else 0))
            self.end_headers()
            if reply.status != 304:
                self.wfile.write(reply.body)

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


# --- misbehaving answers ----------------------------------------------------------------------------


def hang(server: FaultServer) -> Raw:
    """Accept the request and never answer (until the server stops)."""

    def func(handler: BaseHTTPRequestHandler) -> None:
        server.stopping.wait(120)

    return Raw(func)


def drop() -> Raw:
    """Close the connection without a word."""

    def func(handler: BaseHTTPRequestHandler) -> None:
        handler.connection.shutdown(socket.SHUT_RDWR)

    return Raw(func)


def partial(body: bytes, declared: int) -> Raw:
    """Declare `declared` bytes, send `body` (shorter), close."""

    def func(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(declared))
        handler.end_headers()
        handler.wfile.write(body)
        handler.wfile.flush()
        handler.connection.shutdown(socket.SHUT_RDWR)

    return Raw(func, 200)


def broken_chunked(body: bytes) -> Raw:
    """Chunked encoding that stops in the middle of a chunk and closes."""

    def func(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        half = body[: len(body) // 2]
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(half), half))
        handler.wfile.write(b"%x\r\n" % 100_000 + body[len(body) // 2 :][:500])
        handler.wfile.flush()
        handler.connection.shutdown(socket.SHUT_RDWR)

    return Raw(func, 200)


def stream(total: int, *, content_length: bool, chunk: bytes | None = None) -> Raw:
    """An endless-looking HTML page of `total` bytes, with or without Content-Length (then the end is
    the connection close)."""
    piece = chunk or (b"<p>" + b"Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 18 + b"</p>\n")

    def func(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        if content_length:
            handler.send_header("Content-Length", str(total))
        handler.send_header("Connection", "close")
        handler.end_headers()
        head = b"<!doctype html><html><head><title>Huge</title></head><body><article>"
        handler.wfile.write(head)
        sent = len(head)
        try:
            while sent < total:
                data = piece[: total - sent]
                handler.wfile.write(data)
                sent += len(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    return Raw(func, 200)


def bomb(encoding: str, expanded: int = 10 * 1024 * 1024) -> Reply:
    """A compression bomb: `expanded` bytes of HTML-ish zeros compressed with `encoding`."""
    raw = b"<html><body><p>" + b"0" * expanded + b"</p></body></html>"
    if encoding == "gzip":
        import gzip

        data = gzip.compress(raw, compresslevel=9)
    elif encoding == "deflate":
        data = zlib.compress(raw, 9)
    elif encoding == "br":
        import brotli

        data = brotli.compress(raw, quality=5)
    elif encoding == "zstd":
        import zstandard

        data = zstandard.ZstdCompressor(level=10).compress(raw)
    else:  # pragma: no cover
        raise ValueError(encoding)
    return Reply(200, data, {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": encoding})


# --- sites ------------------------------------------------------------------------------------------


def make_site(
    tmp: Path,
    name: str,
    count: int,
    *,
    host: str = "127.0.0.1",
    seed: int = 3,
    per_page: int = 10,
    latency: float = 0.0,
    start: datetime | None = None,
) -> tuple[FaultServer, SiteSpec]:
    """Generate a news site of `count` articles (listings, feed, sitemaps, robots.txt) and serve it (not
    started yet: call `.start()` after adding routes)."""
    spec = SiteSpec(
        name=name,
        title=f"Ministry of Foreign Affairs ({name})",
        issuer=f"Ministry of Foreign Affairs ({name})",
        articles=sample_articles(seed, count, start or datetime(2024, 3, 1)),
        per_page=per_page,
    )
    root = build_site(tmp / "sites" / name, spec)
    server = FaultServer(root, host=host, latency=latency)
    return server, spec


def write_seed(directory: Path, name: str, netloc: str, **fields: Any) -> Path:
    """A seed file; by default the site's home page, sitemap and feed as entry points."""
    base = f"http://{netloc}"
    data: dict[str, Any] = {
        "name": name,
        "allowed_domains": [netloc],
        "start_urls": [f"{base}/"],
        "sitemaps": [f"{base}/sitemap.xml"],
        "feeds": [f"{base}/feed.xml"],
        "timezone": "Europe/Berlin",
    }
    data.update(fields)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.toml"
    lines = []
    for key, value in data.items():
        if value is None:
            continue
        lines.append(f"{key} = {_toml(value)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value + "'"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


# --- running the crawler ------------------------------------------------------------------------------

FAST = FAST_SETTINGS


def crawl_command(*args: str, **settings: Any) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", *args]
    for key, value in {**FAST, **settings}.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def crawl_env(hosts: dict[str, str] | None = None, pythonpath: tuple[str, ...] = ()) -> dict[str, str]:
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="diplomatic_crawler.settings")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (*pythonpath, str(TESTS_DIR), env.get("PYTHONPATH", "")) if p)
    if hosts:
        env["DIPLOMATIC_TEST_HOSTS"] = ",".join(f"{k}={v}" for k, v in hosts.items())
    return env


def crawl(
    *args: str,
    hosts: dict[str, str] | None = None,
    timeout: float = 120,
    preexec_fn: Callable[[], None] | None = None,
    pythonpath: tuple[str, ...] = (),
    **settings: Any,
) -> subprocess.CompletedProcess[str]:
    """`scrapy crawl news ARGS -s ...` in a subprocess; `hosts` switches on the stub resolver."""
    if hosts:
        settings.setdefault("TWISTED_DNS_RESOLVER", "faultserver.StubResolver")
    return subprocess.run(
        crawl_command(*args, **settings),
        cwd=PROJECT_ROOT,
        env=crawl_env(hosts, pythonpath),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        preexec_fn=preexec_fn,
    )


def crawl_measured(*args: str, timeout: float = 120, **settings: Any) -> tuple[int, str, float, int]:
    """Run a crawl and return (exit status, log, wall seconds, peak RSS of the crawl process in kB).

    The peak is the kernel's high-water mark of the process (`VmHWM`, sampled until it exits). Not
    `ru_maxrss` from wait4: Linux carries that over from the parent across fork+exec, so it would report
    the test runner's own size."""
    started = time.monotonic()
    peak = 0
    with subprocess.Popen(
        crawl_command(*args, **settings),
        cwd=PROJECT_ROOT,
        env=crawl_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            status = Path(f"/proc/{proc.pid}/status")
            while not done.is_set():
                try:
                    for line in status.read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            peak = max(peak, int(line.split()[1]))
                except (OSError, ValueError, IndexError):
                    pass
                done.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            log = proc.stderr.read() if proc.stderr else ""
            proc.wait()
        finally:
            timer.cancel()
            done.set()
            sampler.join(timeout=5)
    return proc.returncode, log, time.monotonic() - started, peak


def start_crawl(*args: str, log: Path, **settings: Any) -> subprocess.Popen[bytes]:
    """Start a crawl in the background, its log going to `log`."""
    out = log.open("wb")
    proc = subprocess.Popen(
        crawl_command(*args, **settings), cwd=PROJECT_ROOT, env=crawl_env(), stdout=out, stderr=subprocess.STDOUT
    )
    out.close()
    return proc


def stop(proc: subprocess.Popen[Any], sig: int = signal.SIGKILL, timeout: float = 60) -> int:
    if proc.poll() is None:
        proc.send_signal(sig)
    return proc.wait(timeout=timeout)


def wait_for(predicate: Callable[[], Any], timeout: float = 60.0, step: float = 0.02) -> bool:
    """Poll `predicate` until it is true (True) or `timeout` seconds have passed (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def archive_rows(db: Path, sql: str, *params: object) -> list[tuple]:
    """The rows of one query on an archive a crawl left behind (a connection of its own, closed after)."""
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def stats_value(log: str, key: str) -> Any:
    """A value from Scrapy's 'Dumping Scrapy stats' block of a crawl log (None when absent)."""
    import re

    match = re.search(rf"'{re.escape(key)}': ([^,\n}}]+)", log)
    if not match:
        return None
    text = match.group(1).strip()
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text.strip("'\"")


def summary_row(log: str, site: str) -> dict[str, str]:
    """One site's row of the crawl's summary table, keyed by the table's own header ({} when absent), so a
    test reads columns by name and a new column does not shift what it checks."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("site ") and line.split()[-1] == "status":
            header = line.split()
            for row in lines[i + 2 :]:
                cells = row.split()
                if len(cells) != len(header):
                    break
                if cells[0] == site:
                    return dict(zip(header, cells, strict=True))
    return {}


# --- a stub resolver for real host names ------------------------------------------------------------


class StubResolver(GuardedResolver):
    """The guarded resolver with a fixed host table from `DIPLOMATIC_TEST_HOSTS`; other names go to the
    system resolver as usual, but for names the table maps to `nxdomain` and names under `.invalid`, which
    fail as an unknown name does (no DNS query). The private-network check still applies to what the table
    answers."""

    def lookup(self, name: str, timeout: Any = ()) -> Any:
        table = dict(
            item.split("=", 1) for item in os.environ.get("DIPLOMATIC_TEST_HOSTS", "").split(",") if "=" in item
        )
        name = name.lower()
        if table.get(name) == "nxdomain" or name.endswith(".invalid"):  # RFC 6761: never resolves
            from twisted.internet.error import DNSLookupError

            return defer.fail(DNSLookupError(f"address {name!r} not found: [Errno -2] Name or service not known."))
        if name in table:
            return defer.succeed(table[name])
        return super().lookup(name, timeout)


def served(*servers: FaultServer) -> Iterator[None]:
    """Context helper: start servers, stop them afterwards."""
    import contextlib

    @contextlib.contextmanager
    def cm() -> Iterator[None]:
        for s in servers:
            s.start()
        try:
            yield
        finally:
            for s in servers:
                s.stop()

    return cm()


def crawl_pages(tmp: Path, pages: dict[str, tuple[bytes, str]]) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Crawl a one-article site that also links `pages` (path -> (body, Content-Type)), all of them
    articles by the seed's pattern; return the crawl's result and its archive."""
    server, spec = make_site(tmp, "mfa", 1)
    for path, (body, ctype) in pages.items():
        server.route(path, lambda p, q, body=body, ctype=ctype: Reply(200, body, {"Content-Type": ctype}))
    spec.extra_links = tuple(f'<li><a href="{{{{BASE}}}}{p}">x</a></li>' for p in pages)
    build_site(server.root, spec)
    seeds = tmp / "seeds"
    write_seed(seeds, "mfa", server.netloc, article_pattern=r"/news/[^/]+\.html$")
    db = tmp / "a.db"
    with served(server):
        return crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db)), db


def crawl_twice(
    server: FaultServer,
    seeds: Path,
    count: Callable[[FaultServer], Any],
    between: Callable[[], None] | None = None,
    **settings: Any,
) -> tuple[subprocess.CompletedProcess[str], Any, subprocess.CompletedProcess[str], Any]:
    """Serve `server`, crawl `seeds` twice (`between` runs in between) and return each run's result with
    `count(server)` of its requests: what a run learnt and kept for the next."""
    with served(server):
        first = crawl("-a", f"seeds={seeds}", **settings)
        counted_first = count(server)
        server.hits.clear()
        if between is not None:
            between()
        second = crawl("-a", f"seeds={seeds}", **settings)
        return first, counted_first, second, count(server)


PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


def as_plain_user() -> None:
    """preexec_fn: the child keeps its uid but loses root's right to ignore file modes (CAP_DAC_OVERRIDE
    and CAP_DAC_READ_SEARCH leave the bounding set before exec), so a read-only directory is read-only to
    it as to any user. Nothing to do when the tests do not run as root."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def lock_dir(folder: Path) -> None:
    """Make `folder` read-only (mode 0555) to processes started with `as_plain_user`; skip the test where
    the file system ignores modes. The caller restores the mode (pytest must remove the folder)."""
    import pytest

    folder.chmod(0o555)
    probe = subprocess.run(["touch", str(folder / "probe")], capture_output=True, check=False, preexec_fn=as_plain_user)
    if probe.returncode == 0:
        folder.chmod(0o755)
        pytest.skip(f"{folder}: writable despite mode 0555 on this file system")


def run_cli(
    *args: str,
    env: dict[str, str] | None = None,
    preexec_fn: Callable[[], None] | None = None,
    timeout: float = 180,
) -> subprocess.CompletedProcess[str]:
    """`diplomatic-crawler ARGS` in a subprocess, from the project directory."""
    return subprocess.run(
        [sys.executable, "-m", "diplomatic_crawler.cli", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
        preexec_fn=preexec_fn,
    )

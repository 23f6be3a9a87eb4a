"""A small threaded HTTP server for static sample sites (the offline demo and the end-to-end tests).

It serves a directory on 127.0.0.1 (port 0: the OS picks a free port), replaces `{{BASE}}` in text files
with its own base URL, answers conditional GETs (ETag / If-None-Match, Last-Modified /
If-Modified-Since) with 304, records every request, and can add dynamic routes (redirects, errors,
endless calendars) for tests.

With `hosts` it is also a forward HTTP proxy for fixed virtual host names: a request for
`http://veloria-mfa.example/news/` (absolute URI, as a client sends to its `http_proxy`, or a `Host`
header) is served from that host's directory, with `{{BASE}}` filled in as `http://veloria-mfa.example`.
The names stay the same whatever port the server gets, so the URLs a crawl archives are stable from run
to run (the offline demo); any other host is refused with 502, so nothing is proxied beyond the machine.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import mimetypes
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

__all__ = ["LoggedRequest", "Reply", "SiteServer"]

TEXT_SUFFIXES = {".html", ".htm", ".xml", ".txt", ".rss", ".atom", ".json"}
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".gz": "application/gzip",
}


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str  # path and query, as requested
    headers: dict[str, str]
    status: int


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Route = Callable[[str, dict[str, list[str]]], Reply]


class SiteServer:
    """Serve `root` on 127.0.0.1 in a background thread. Use as a context manager."""

    def __init__(
        self,
        root: str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        hosts: Mapping[str, str | Path] | None = None,
    ):
        self.root = Path(root)
        self.hosts = {name.lower(): Path(path) for name, path in (hosts or {}).items()}
        self.routes: dict[str, Route] = {}
        self.requests: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), _make_handler(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def netloc(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://{self.netloc}"

    def route(self, path: str, func: Route) -> None:
        """Answer `path` (exact, without query) dynamically: `func(path, query) -> Reply`."""
        self.routes[path] = func

    def start(self) -> SiteServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name=f"site-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log(self, entry: LoggedRequest) -> None:
        with self._lock:
            self.requests.append(entry)

    def paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests]

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    # -- static files --------------------------------------------------------------------------

    def reply_for(self, path: str, query: str, headers: dict[str, str], host: str | None = None) -> Reply:
        """The reply to a GET of `path?query`; `host` names a virtual host (None: the server's own)."""
        site_root, base = self.root, self.base_url
        if host is not None and self.hosts:
            if host not in self.hosts:
                return Reply(502, f"{host} is not served here (only {', '.join(sorted(self.hosts))})".encode())
            site_root, base = self.hosts[host], f"http://{host}"
        route = self.routes.get(path)
        if route is not None:
            return route(path, parse_qs(query, keep_blank_values=True))
        rel = unquote(path).lstrip("/")
        target = (site_root / rel).resolve()
        root = site_root.resolve()
        if root != target and root not in target.parents:
            return Reply(403, b"forbidden")
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            return Reply(404, b"<html><body><h1>Not found</h1></body></html>", {"Content-Type": "text/html"})
        body = target.read_bytes()
        if target.suffix in TEXT_SUFFIXES:
            body = body.replace(b"{{BASE}}", base.encode())
        elif target.suffix == ".gz" and body[:2] == b"\x1f\x8b":
            body = gzip.compress(gzip.decompress(body).replace(b"{{BASE}}", base.encode()), mtime=0)
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        mtime = int(target.stat().st_mtime)
        last_modified = email.utils.formatdate(mtime, usegmt=True)
        reply_headers = {
            "Content-Type": CONTENT_TYPES.get(target.suffix)
            or mimetypes.guess_type(target.name)[0]
            or "application/octet-stream",
            "ETag": etag,
            "Last-Modified": last_modified,
        }
        if_none_match = headers.get("if-none-match")
        if if_none_match is not None:
            if etag in [t.strip() for t in if_none_match.split(",")]:
                return Reply(304, b"", {"ETag": etag, "Last-Modified": last_modified})
        elif (ims := headers.get("if-modified-since")) is not None:
            try:
                since = email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                since = None
            if since is not None and mtime <= since:
                return Reply(304, b"", {"ETag": etag, "Last-Modified": last_modified})
        return Reply(200, body, reply_headers)


def _virtual_host(server: SiteServer, parts: SplitResult, headers: dict[str, str]) -> str | None:
    """The virtual host a request asks for: the absolute URI's (a proxy request), else the Host header's;
    None when it is the server's own address or the server has no virtual hosts."""
    if not server.hosts:
        return None
    name = parts.hostname or urlsplit("//" + headers.get("host", "")).hostname or ""
    return None if name in ("127.0.0.1", "localhost", "") else name.lower()


def _make_handler(server: SiteServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "DemoSite/1.0"

        def do_GET(self) -> None:
            self._serve(send_body=True)

        def do_HEAD(self) -> None:
            self._serve(send_body=False)

        def _serve(self, send_body: bool) -> None:
            parts = urlsplit(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                reply = server.reply_for(parts.path, parts.query, headers, _virtual_host(server, parts, headers))
            except Exception as exc:  # a broken route must not hang the client
                reply = Reply(500, f"server error: {exc}".encode())
            server.log(LoggedRequest(self.command, self.path, headers, reply.status))
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if "Content-Type" not in reply.headers and reply.status != 304:
                self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(reply.body) if reply.status != 304 else 0))
            self.end_headers()
            if send_body and reply.status != 304:
                self.wfile.write(reply.body)

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler

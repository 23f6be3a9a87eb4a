"""The probe's own HTTP client: synchronous urllib (the probe runs outside Scrapy), the project's
User-Agent, robots.txt per host parsed by protego as Scrapy's RobotsTxtMiddleware does, a delay between
requests, a request budget (robots.txt and every redirect hop included) and a size cap."""

from __future__ import annotations

import contextlib
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from protego import Protego

from .report import ProbeOptions

MAX_REDIRECTS = 5


@dataclass
class Fetched:
    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status == 200 and bool(self.body)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def is_html(self) -> bool:
        head = self.body[:1024].lstrip().lower()
        return "html" in self.content_type or head.startswith((b"<!doctype html", b"<html"))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Let 3xx answers through: the Fetcher follows them itself, robots.txt and budget checked per hop."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Fetcher:
    """A polite synchronous HTTP client: robots.txt per host, a delay, a request budget, a size cap."""

    def __init__(self, options: ProbeOptions):
        self.options = options
        self.log: list[tuple[str, int | str]] = []  # (url, status or error) of every request sent
        self.refused: list[str] = []  # URLs not fetched: robots.txt or budget
        self.robots: dict[str, Protego | None] = {}
        self.robots_notes: dict[str, str] = {}
        self._last = 0.0
        self._opener = urllib.request.build_opener(_NoRedirect)

    @property
    def requests(self) -> int:
        return len(self.log)

    def _raw(self, url: str) -> Fetched:
        wait = self.options.delay - (time.monotonic() - self._last)
        if self._last and wait > 0:
            time.sleep(wait)
        request = urllib.request.Request(
            url,
            headers={
                "User-Agent": self.options.user_agent,
                "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            },
        )
        try:
            with self._opener.open(request, timeout=self.options.timeout) as response:
                body = response.read(self.options.max_bytes + 1)[: self.options.max_bytes]
                headers = {k.lower(): v for k, v in response.headers.items()}
                result = Fetched(url, response.geturl(), response.status, headers, body)
        except urllib.error.HTTPError as exc:
            body = b""
            with contextlib.suppress(OSError, ValueError):
                body = exc.read(self.options.max_bytes)
            headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
            result = Fetched(url, exc.geturl() or url, exc.code, headers, body, f"HTTP {exc.code}")
        except (urllib.error.URLError, TimeoutError, ConnectionError, ValueError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            result = Fetched(url, url, 0, {}, b"", str(reason) or type(exc).__name__)
        finally:
            self._last = time.monotonic()
        self.log.append((url, result.status or (result.error or "error")))
        return result

    def _robots_for(self, url: str) -> Protego | None:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self.robots:
            if self.requests >= self.options.max_requests:
                return None
            got = self._follow(f"{key}/robots.txt", obey_robots=False)
            if got is not None and got.ok:
                text = got.body.decode("utf-8", "replace")
                self.robots[key] = Protego.parse(text)
                self.robots_notes[key] = "robots.txt read and obeyed"
            else:
                # Like Scrapy's RobotsTxtMiddleware: no usable robots.txt means no restriction.
                self.robots[key] = None
                why = "over budget" if got is None else (got.error or got.status)
                self.robots_notes[key] = f"no robots.txt ({why}), so nothing disallowed"
        return self.robots[key]

    def allowed(self, url: str) -> bool:
        robots = self._robots_for(url)
        return robots is None or robots.can_fetch(url, self.options.user_agent)

    def sitemaps_of(self, url: str) -> list[str]:
        robots = self._robots_for(url)
        return list(robots.sitemaps) if robots is not None else []

    def get(self, url: str) -> Fetched | None:
        """Fetch `url` unless robots.txt disallows it or the budget is spent (then None). Redirects are
        followed one hop at a time, each hop checked against robots.txt and counted in the budget."""
        return self._follow(url, obey_robots=True)

    def _follow(self, url: str, *, obey_robots: bool) -> Fetched | None:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            if self.requests >= self.options.max_requests or (obey_robots and not self.allowed(current)):
                self.refused.append(current)
                return None
            if self.requests >= self.options.max_requests:  # robots.txt used the last request
                self.refused.append(current)
                return None
            got = self._raw(current)
            location = got.headers.get("location")
            if got.status not in (301, 302, 303, 307, 308) or not location:
                got.url = url
                return got
            current = urljoin(current, location.strip())
            if urlsplit(current).scheme not in ("http", "https"):
                break
        return Fetched(url, current, 0, {}, b"", "too many redirects")

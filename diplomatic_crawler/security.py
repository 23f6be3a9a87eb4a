"""Private-network guard: the crawler never talks to private, loopback, link-local or metadata addresses.

A page we crawl is untrusted input. A redirect or a link to `http://169.254.169.254/latest/meta-data/`,
`http://127.0.0.1:8080/admin` or a hostname whose DNS record points into the local network (DNS
rebinding) would otherwise make the crawler a proxy into the machine's own network (SSRF). Two checks,
both switched off only by the `ALLOW_PRIVATE_NETWORKS` setting:

* `PrivateNetworkMiddleware` (downloader middleware, before robots.txt and the offsite filter): every
  request — start URLs, links, robots.txt, every redirect hop — is checked before it is queued: only
  `http`/`https`, no IP literal outside the public internet (`127.0.0.1`, `[::ffff:10.0.0.1]`,
  `169.254.169.254`, ...), no `localhost` or cloud-metadata host name.
* `GuardedResolver` (`TWISTED_DNS_RESOLVER`): the address a host name resolves to is checked at
  connection time, on the very answer the connection will use, so a name that resolves to a private
  address is refused before any connection is attempted (no check-then-use gap).

Refused requests raise `IgnoreRequest`, are logged with the reason and counted in the stats as
`ssrf/blocked`.

`ALLOW_PRIVATE_NETWORKS` is `False` (deny) by default. `True` allows everything (tests and the offline demo
serve their sites on 127.0.0.1); a list of addresses or networks (`"10.20.0.0/16,127.0.0.1"`, or a Python
list) allows just those, e.g. an intranet mirror.

A seed that names such a host itself (an intranet mirror, a local copy) is refused before the crawl starts,
in one line per host that names the seed, the host and the setting that would allow it
(`seed_host_refusals`); `seeds validate` prints the same lines. Only host names the seed spells out as IP
literals, `localhost` or metadata names are judged there: a name is judged when it is resolved.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from twisted.internet.defer import Deferred

__all__ = [
    "BLOCKED_STAT",
    "GuardedResolver",
    "NetworkPolicy",
    "PrivateNetworkMiddleware",
    "blocked_address_reason",
    "parse_allow_setting",
    "refuse",
    "seed_host_refusals",
    "suggested_allow_value",
]

logger = logging.getLogger(__name__)

BLOCKED_STAT = "ssrf/blocked"
ALLOWED_SCHEMES = frozenset({"http", "https"})
# Host names of cloud metadata services and other names that always mean "this machine / its network".
METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.azure.com",
        "instance-data",
        "instance-data.ec2.internal",
    }
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

try:  # Scrapy >= 2.14 re-raises DNS failures as its own exception
    from scrapy.exceptions import CannotResolveHostError

    _RESOLUTION_ERRORS: tuple[type[Exception], ...] = (DNSLookupError, CannotResolveHostError)
except ImportError:  # pragma: no cover
    _RESOLUTION_ERRORS = (DNSLookupError,)

# Host names refused at resolution time in this process (name -> reason), so that a retry of the same
# request is refused by the middleware without resolving again.
RESOLUTION_BLOCKED: dict[str, str] = {}


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (v4-mapped, 6to4, Teredo client, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def blocked_address_reason(address: str | _IPAddress) -> str | None:
    """Why `address` is not a public internet address (None when it is): loopback, private,
    link-local (cloud metadata lives at 169.254.169.254), shared/carrier-grade NAT, multicast, reserved,
    unspecified. IPv6 addresses that embed an IPv4 address are judged by that address."""
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "scoped IPv6 address"
        inner = _embedded_ipv4(ip)
        if inner is not None:
            reason = blocked_address_reason(inner)
            return f"an IPv6 form of {inner}, {reason}" if reason else None
    for attr, reason in (
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local (cloud metadata)"),
        ("is_unspecified", "unspecified"),
        ("is_multicast", "multicast"),
        ("is_private", "private network"),
        ("is_reserved", "reserved"),
    ):
        if getattr(ip, attr):
            return reason
    if not ip.is_global:
        return "not a public address"
    return None


def parse_allow_setting(value: Any) -> bool | tuple[_IPNetwork, ...]:
    """`ALLOW_PRIVATE_NETWORKS` -> True/False or the networks allowed. Accepts booleans, the strings
    Scrapy accepts for booleans, a comma-separated string or a list of addresses/CIDR networks."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return bool(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in ("", "0", "false", "no", "off", "none"):
            return False
        if text.lower() in ("1", "true", "yes", "on", "all"):
            return True
        items: Iterable[Any] = [p for p in text.split(",") if p.strip()]
    elif isinstance(value, Sequence | set | frozenset):
        items = value
    else:
        raise ValueError(f"ALLOW_PRIVATE_NETWORKS: expected True, False or a list of networks, got {value!r}")
    networks = []
    for item in items:
        try:
            networks.append(ipaddress.ip_network(str(item).strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"ALLOW_PRIVATE_NETWORKS: {str(item).strip()!r} is not an IP address or network"
                " (expected e.g. '10.20.0.0/16' or '127.0.0.1')"
            ) from None
    return tuple(networks) if networks else False


class NetworkPolicy:
    """Which URLs and addresses the crawl may reach."""

    def __init__(self, allow: bool | tuple[_IPNetwork, ...] = False):
        self.allow_all = allow is True
        self.allowed_networks: tuple[_IPNetwork, ...] = allow if isinstance(allow, tuple) else ()

    @classmethod
    def from_settings(cls, settings: Any) -> NetworkPolicy:
        return cls(parse_allow_setting(settings.get("ALLOW_PRIVATE_NETWORKS", False)))

    def _allowed(self, ip: _IPAddress) -> bool:
        return any(ip.version == net.version and ip in net for net in self.allowed_networks)

    def address_reason(self, address: str) -> str | None:
        """Why connecting to `address` (an IP) is refused, None when allowed."""
        if self.allow_all:
            return None
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return f"{address!r} is not an IP address"
        if self._allowed(ip):
            return None
        reason = blocked_address_reason(ip)
        return f"{address} ({reason})" if reason else None

    def url_reason(self, url: str) -> str | None:
        """Why a request to `url` is refused before it is sent, None when it may go ahead (a host name
        is checked again when it is resolved)."""
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower().rstrip(".")
        except ValueError as exc:
            return f"invalid URL: {exc}"
        scheme = parts.scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            return f"scheme {scheme or 'none'!r} is not allowed (only http and https)"
        if not host:
            return "URL has no host"
        if self.allow_all:
            return None
        try:
            ipaddress.ip_address(host)
        except ValueError:
            pass
        else:
            return self.address_reason(host)
        if host in METADATA_HOSTS:
            return f"{host} is a cloud metadata host"
        if (host == "localhost" or host.endswith(".localhost")) and not self._allowed(
            ipaddress.IPv4Address("127.0.0.1")
        ):
            return f"{host} is the local machine"
        return None


def suggested_allow_value(host: str) -> str:
    """The `ALLOW_PRIVATE_NETWORKS` value that lets a crawl reach `host` (and nothing more, where it can)."""
    host = host.lower().strip("[]").rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return "127.0.0.1,::1"
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return "True"  # a metadata host name: only "allow everything" lets it through


def _seed_hosts(seed: Any) -> dict[str, str]:
    """host -> the first seed field that names it (domains, aliases, entry URLs)."""
    hosts: dict[str, str] = {}
    for field_name in ("allowed_domains", "aliases"):
        for domain in getattr(seed, field_name, ()):
            hosts.setdefault(domain.rpartition(":")[0] if domain.count(":") == 1 else domain, field_name)
    for field_name in ("start_urls", "sitemaps", "feeds"):
        for url in getattr(seed, field_name, ()):
            try:
                host = urlsplit(url).hostname
            except ValueError:
                continue
            if host:
                hosts.setdefault(host, field_name)
    return {h.lower().rstrip("."): f for h, f in hosts.items()}


def seed_host_refusals(seeds: Iterable[Any], policy: NetworkPolicy) -> list[str]:
    """One line per private, loopback or metadata host a seed names that `policy` refuses: the seed's file,
    the field, the host, why, and the `ALLOW_PRIVATE_NETWORKS` value that allows it. Checked before any
    request, so such a seed is refused once rather than request by request."""
    lines = []
    for seed in seeds:
        for host, field_name in _seed_hosts(seed).items():
            literal = f"[{host}]" if ":" in host else host
            reason = policy.url_reason(f"http://{literal}/")
            if reason is None:
                continue
            for prefix in (f"{host} (", f"{host} is "):  # "10.0.0.1 (private network)" -> "private network"
                if reason.startswith(prefix):
                    reason = reason[len(prefix) :].removesuffix(")")
            value = suggested_allow_value(host)
            lines.append(
                f"{seed.path or seed.name}: {field_name}: seed {seed.name!r} names host {host} ({reason}),"
                f" which the private-network guard refuses; to crawl it, run with -s ALLOW_PRIVATE_NETWORKS={value}"
            )
    return lines


def refuse(crawler: Crawler, request: Request, reason: str) -> IgnoreRequest:
    """Count and log a request refused by the guard; the exception to raise for it."""
    stats = crawler.stats
    if stats is not None:
        stats.inc_value(BLOCKED_STAT)
    logger.warning("Blocked request to %s: %s", request.url, reason)
    return IgnoreRequest(f"blocked by the private-network guard: {reason}")


class PrivateNetworkMiddleware:
    """Downloader middleware: refuse requests to non-http(s) URLs and to non-public IP addresses (see the
    module docstring). Runs before robots.txt and the offsite filter, so every hop is checked."""

    def __init__(self, crawler: Crawler, policy: NetworkPolicy):
        self.crawler = crawler
        self.policy = policy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        policy = NetworkPolicy.from_settings(crawler.settings)
        if policy.allow_all:
            logger.info("ALLOW_PRIVATE_NETWORKS is on: private and loopback addresses may be crawled")
        mw = cls(crawler, policy)
        # Checked when a request is scheduled too (before the offsite filter drops it silently), so that
        # every refused hop is logged and counted, and again before it is downloaded.
        crawler.signals.connect(mw.request_scheduled, signal=signals.request_scheduled)
        return mw

    def request_scheduled(self, request: Request, spider: Any = None) -> None:
        self.process_request(request)

    def _refuse(self, request: Request, reason: str) -> IgnoreRequest:
        return refuse(self.crawler, request, reason)

    def process_request(self, request: Request) -> None:
        reason = self.policy.url_reason(request.url)
        if reason is None and not self.policy.allow_all:
            host = (urlsplit(request.url).hostname or "").lower().rstrip(".")
            reason = RESOLUTION_BLOCKED.get(host)
        if reason is not None:
            raise self._refuse(request, reason)

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, _RESOLUTION_ERRORS) and not self.policy.allow_all:
            host = (urlsplit(request.url).hostname or "").lower().rstrip(".")
            if host in RESOLUTION_BLOCKED:
                raise self._refuse(request, RESOLUTION_BLOCKED[host])


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, refusing names that resolve to non-public addresses (unless
    `ALLOW_PRIVATE_NETWORKS` allows them). Installed with `TWISTED_DNS_RESOLVER`; Twisted resolves IP
    literals through it too, so it is the last gate before every TCP connection."""

    def __init__(self, reactor: Any, cache_size: int, timeout: float, policy: NetworkPolicy | None = None):
        super().__init__(reactor, cache_size, timeout)
        self.policy = policy or NetworkPolicy()

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> Self:
        resolver = super().from_crawler(crawler, reactor)
        resolver.policy = NetworkPolicy.from_settings(crawler.settings)
        return resolver

    def lookup(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        """The plain lookup (cached). Kept apart so that tests can substitute a stub resolver."""
        return super().getHostByName(name, timeout)

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        return self.lookup(name, timeout).addCallback(self._check, name)

    def _check(self, address: str, name: str) -> str:
        reason = self.policy.address_reason(address)
        if reason is None:
            return address
        host = name.lower().rstrip(".")
        message = f"{host} resolves to {reason}" if host != address else reason
        RESOLUTION_BLOCKED[host] = message
        logger.warning("Refused to connect: %s", message)
        raise DNSLookupError(message)

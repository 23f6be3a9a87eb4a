"""What a failed download means, in words a reader can act on: DNS failure, connection refused, TLS error,
timeout or connection lost (`network_cause`), with the underlying message (`describe_failure`).

Scrapy and Twisted wrap the real error several times (`DownloadFailedError` around `ResponseNeverReceived`
around an OpenSSL error, `CannotResolveHostError` caused by `DNSLookupError`): the whole chain is read, the
`__cause__` / `__context__` links and the failures Twisted keeps in `reasons`.
"""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["describe_failure", "network_cause"]

# (cause, exception class names anywhere in the chain); the first cause that matches wins. A TLS error (an
# OpenSSL, ssl or service_identity exception, or a message about SSL / TLS / certificates) comes first: it
# is reported as such though it ends as a lost connection.
_CAUSES: tuple[tuple[str, frozenset[str]], ...] = (
    ("DNS failure", frozenset({"CannotResolveHostError", "DNSLookupError", "DNSNameError", "gaierror"})),
    ("connection refused", frozenset({"DownloadConnectionRefusedError", "ConnectionRefusedError"})),
    ("timeout", frozenset({"DownloadTimeoutError", "TimeoutError", "TCPTimedOutError", "UserTimeoutError"})),
    (
        "connection lost",
        frozenset({"ConnectionLost", "ConnectionDone", "ConnectionResetError", "ConnectionAborted", "NoRouteError"})
        | {"ResponseNeverReceived", "ResponseFailed", "ResponseDataLossError", "DownloadFailedError", "ConnectError"},
    ),
)
_TLS_WORDS = ("ssl", "tls", "certificate", "handshake", "wrong version number")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        for reason in getattr(current, "reasons", None) or ():  # twisted.web._newclient wrappers
            value = getattr(reason, "value", reason)
            if isinstance(value, BaseException):
                todo.append(value)


def _is_tls(exc: BaseException) -> bool:
    module = type(exc).__module__ or ""
    return module.startswith(("OpenSSL", "ssl", "service_identity")) or any(
        word in str(exc).lower() for word in _TLS_WORDS
    )


def network_cause(exc: BaseException) -> str | None:
    """The cause: "DNS failure", "connection refused", "TLS error", "timeout" or "connection lost"; None when `exc`
    is no network failure (an HTTP status, a refused request, a bug)."""
    chain = list(_chain(exc))
    if any(_is_tls(e) for e in chain):
        return "TLS error"
    names = {type(e).__name__ for e in chain}
    for cause, classes in _CAUSES:
        if names & classes:
            return cause
    return None


def describe_failure(exc: BaseException) -> str:
    """`network_cause` and the most specific message of the chain ("DNS failure: DNS lookup failed: no
    results for hostname lookup: news.invalid."), or the exception's own message; never empty (an
    exception without a message, or a Twisted wrapper of no reasons, "[]", is named by its type)."""
    cause = network_cause(exc)
    said = [(e, m) for e in _chain(exc) if (m := str(e).strip()) not in ("", "[]")]
    message = said[-1][1] if said else type(exc).__name__
    if cause == "TLS error":
        message = next((m for e, m in said if _is_tls(e)), message)
    return f"{cause}: {message}" if cause else message

"""Canonical URLs: one archive row per article, however many ways the site links to it.

Tracking parameters (`utm_*`, `fbclid`, ...), session ids and fragments are dropped, the query is sorted
(w3lib), the host lower-cased and default ports removed; a seed's alias domains map to its current domain;
`rel=canonical` is honoured only when it points inside the same site.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

if TYPE_CHECKING:
    from .seeds import Seed

__all__ = ["canonical_url", "clean_url", "is_tracking_param", "resolve_canonical"]

_TRACKING_EXACT = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_enc_id",
        "oly_anon_id",
        "vero_id",
        "ref_src",
        "spm",
        # session ids
        "jsessionid",
        "phpsessid",
        "sid",
        "sessionid",
        "session_id",
        "aspsessionid",
        "cfid",
        "cftoken",
    }
)
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
_PATH_SESSION_RE = re.compile(r";(jsessionid|phpsessid|sid|sessionid)=[^/?#]*", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_EXACT or lowered.startswith(_TRACKING_PREFIXES)


def clean_url(url: str) -> str:
    """Remove tracking parameters, session ids and the fragment; keep everything else as it is.

    This is the URL actually requested: it avoids fetching one page under many addresses.
    """
    parts = urlsplit(url.strip())
    path = _PATH_SESSION_RE.sub("", parts.path)
    query = _drop_tracking(parts.query)
    netloc = parts.netloc.lower()
    host, _, port = netloc.rpartition(":") if ":" in netloc and not netloc.endswith("]") else (netloc, "", "")
    if port and port.isdigit() and _DEFAULT_PORTS.get(parts.scheme.lower()) == int(port):
        netloc = host
    return urlunsplit((parts.scheme.lower(), netloc, path or "/", query, ""))


def _drop_tracking(query: str) -> str:
    """Drop tracking parameters but keep every other piece byte for byte: re-encoding would turn a
    path-like query such as `?dtl/37678/Title` (used by some ministries' CMSs) into `?dtl%2F37678%2FTitle=`,
    an address the server does not know."""
    kept = [piece for piece in query.split("&") if piece and not is_tracking_param(unquote_plus(piece.split("=")[0]))]
    return "&".join(kept)


def canonical_url(url: str, seed: Seed | None = None) -> str:
    """The archive key of `url`: cleaned, normalised by w3lib (sorted query, percent-encoding),
    and moved from an alias domain to the seed's current domain."""
    cleaned = clean_url(url)
    if seed is not None and seed.is_alias(cleaned):
        parts = urlsplit(cleaned)
        cleaned = urlunsplit(parts._replace(netloc=seed.domain))
    parts = urlsplit(cleaned)
    if parts.query and "=" not in parts.query:
        # A bare path-like query is part of the address, not key=value pairs: w3lib would re-encode it.
        return canonicalize_url(urlunsplit(parts._replace(query="")), keep_fragments=False) + "?" + parts.query
    return canonicalize_url(cleaned, keep_fragments=False)


def resolve_canonical(page_url: str, canonical_href: str | None, seed: Seed | None = None) -> str:
    """Pick the archive key for a fetched page: its `rel=canonical` target when that lies within the
    same site (a canonical pointing elsewhere, e.g. a syndication partner, is ignored), else the page URL."""
    if canonical_href:
        target = urljoin(page_url, canonical_href.strip())
        if urlsplit(target).scheme in ("http", "https"):
            same_site = (
                seed.owns(target) if seed is not None else urlsplit(target).hostname == urlsplit(page_url).hostname
            )
            if same_site:
                return canonical_url(target, seed)
    return canonical_url(page_url, seed)

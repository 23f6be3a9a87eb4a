"""Stable article ids, shared by the archive and every export."""

from __future__ import annotations

import hashlib

__all__ = ["article_id"]


def article_id(canonical_url: str) -> str:
    """The first 16 hex digits of SHA-256 of the canonical URL: short, stable across runs, exports and
    machines, and the same for a row whatever its other fields become (an edited article keeps its id)."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:16]

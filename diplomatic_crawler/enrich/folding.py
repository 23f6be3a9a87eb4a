"""Case- and accent-folding shared by the enrichments (near-duplicate shingles, document types, countries)."""

from __future__ import annotations

import unicodedata

__all__ = ["fold"]


def fold(text: str) -> str:
    """`text` case-folded, NFKD-decomposed and without its combining marks ("Communiqué" -> "communique",
    "Приём" -> "прием").

    The marks are looked up among the text's distinct characters (a few dozen) and each is removed with
    `str.replace`: a per-character generator costs ~0.1 us a character (more than the whole MinHash of
    an article), and a `translate` table of every combining mark 0.3 s to build in each worker."""
    if text.isascii():
        return text.casefold()
    folded = unicodedata.normalize("NFKD", text.casefold())
    for mark in {c for c in set(folded) if c > "\x7f" and unicodedata.combining(c)}:
        folded = folded.replace(mark, "")
    return folded

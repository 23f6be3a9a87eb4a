"""Cross-site near-duplicates: one `cluster_id` for the same statement republished by a ministry, its
embassies and news agencies; computed incrementally, article by article, as the archive is written.

* Each text becomes the set of its word 3-grams (case- and accent-folded `\\w+` tokens) and a 128-value
  MinHash signature (`signature`: datasketch's "affine32" scheme over blake2b hashes, fixed seed, so
  signatures from different runs compare).
* Candidates come from locality-sensitive hashing: the signature is cut into `b` bands of `r` rows
  (b and r are datasketch's `MinHashLSH` optimum for `LSH_THRESHOLD`); each band's
  hash is a row of `minhash_buckets` (a 64-bit bucket and the integer id of the `minhash` row), so
  finding the candidates of a new article is one indexed query.
  The index lives in the archive (not in memory), so memory stays flat and every run, and the
  `enrich` back-fill, continues the same index.
* A candidate is a duplicate when the estimated Jaccard similarity of the two shingle sets is at least
  `JACCARD` (light edits, changed titles, an added dateline), or when one text is nearly contained in
  the other (estimated containment at least `CONTAINMENT`, both texts of `MIN_CONTAINED` shingles or
  more: an agency that quotes a whole statement and adds its own introduction).
* The new article joins the cluster of its duplicates; when it links two clusters they are merged
  (the smaller id wins, in the same transaction). Without duplicates it starts its own cluster, so
  `count(DISTINCT cluster_id)` counts statements and every row has a cluster.

Texts shorter than `MIN_SHINGLES` shingles (a one-line notice) are never matched: too little text
to tell a repost from a coincidence.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import numpy as np

from ..readonly import placeholders
from .folding import fold as _fold

__all__ = ["ClusterIndex", "Signature", "cluster_id_for", "pack_signature", "shingles", "signature", "unpack_signature"]

logger = logging.getLogger(__name__)

NUM_PERM = 128
SHINGLE_WORDS = 3
LSH_THRESHOLD = 0.3  # candidate retrieval (generous: the verification below decides)
JACCARD = 0.5
CONTAINMENT = 0.8
MIN_CONTAINED = 40
MIN_SHINGLES = 8
SEED = 1
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Signature:
    hashvalues: np.ndarray  # uint32[NUM_PERM]
    size: int  # number of distinct shingles

    def to_blob(self) -> bytes:
        return self.hashvalues.astype("<u4").tobytes()

    @cached_property
    def band_keys(self) -> list[int]:
        """See `band_keys`; computed once per signature (an archived article needs them for the candidate
        lookup and again for its own index rows)."""
        b, r = _bands()
        values = self.hashvalues.astype("<u4").tobytes()
        width = 4 * r
        keys = []
        for band in range(b):
            chunk = values[band * width : (band + 1) * width]
            digest = hashlib.blake2b(chunk, digest_size=8, salt=_band_salt(band)).digest()
            keys.append(int.from_bytes(digest, "little", signed=True))
        return keys

    @classmethod
    def from_blob(cls, blob: bytes, size: int) -> Signature:
        return cls(np.frombuffer(blob, dtype="<u4"), int(size))

    def jaccard(self, other: Signature) -> float:
        return float(np.count_nonzero(self.hashvalues == other.hashvalues)) / len(self.hashvalues)

    def containment(self, other: Signature) -> float:
        """Estimated |A ∩ B| / min(|A|, |B|) from the Jaccard estimate and the two set sizes."""
        j = self.jaccard(other)
        inter = j * (self.size + other.size) / (1.0 + j)
        return inter / max(1, min(self.size, other.size))


def shingles(text: str | None, k: int = SHINGLE_WORDS) -> set[bytes]:
    """Distinct word k-grams of the folded text (words joined by one space, UTF-8)."""
    return {gram.encode("utf-8") for gram in _shingle_strings(text, k)}


def _shingle_strings(text: str | None, k: int = SHINGLE_WORDS) -> set[str]:
    words = _WORD.findall(_fold(text or ""))
    if len(words) < k:
        return set()
    if k == 3:  # the crawl's case: one f-string per gram instead of a slice and a join
        return {f"{a} {b} {c}" for a, b, c in zip(words, words[1:], words[2:], strict=False)}
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """NUM_PERM affine maps h -> a*h + b (mod 2**32), a odd so each map is a bijection, from a fixed seed:
    signatures computed in any process or run compare."""
    rng = np.random.default_rng(SEED)
    a = rng.integers(0, 1 << 32, NUM_PERM, dtype=np.uint64).astype(np.uint32) | np.uint32(1)
    b = rng.integers(0, 1 << 32, NUM_PERM, dtype=np.uint64).astype(np.uint32)
    return a, b


def signature(text: str | None) -> Signature | None:
    """MinHash signature of a text, None when it is too short to compare.

    Written here rather than taken from `datasketch.MinHash`: importing datasketch loads scipy (about
    60 MB in every extraction worker) for what is one hash per shingle and one vectorised min. The
    scheme is datasketch's "affine32" idea: a well-mixed 32-bit hash of each shingle (blake2b), then
    NUM_PERM odd affine permutations modulo 2**32 (uint32 wrap-around), minimum per permutation."""
    grams = _shingle_strings(text)
    if len(grams) < MIN_SHINGLES:
        return None
    # All grams encoded at once: words are \w+ runs, so no gram holds the newline that separates them.
    encoded = "\n".join(grams).encode("utf-8").split(b"\n")
    hashes = np.frombuffer(
        b"".join([hashlib.blake2b(gram, digest_size=4).digest() for gram in encoded]), dtype="<u4"
    ).astype(np.uint32)
    a, b = _permutations()
    permuted = hashes[:, None] * a[None, :] + b[None, :]  # uint32: the wrap-around is the modulo
    return Signature(permuted.min(axis=0), len(grams))


# (b, r): datasketch's false-positive/false-negative optimum for LSH_THRESHOLD and NUM_PERM, i.e.
# `datasketch.MinHashLSH(threshold=0.3, num_perm=128).b, .r` (a test keeps the two equal). A constant,
# so the process that writes the archive never imports datasketch and scipy (about 45 MB) just for it.
LSH_BANDS = (37, 3)


def _bands() -> tuple[int, int]:
    return LSH_BANDS


@lru_cache(maxsize=64)
def _band_salt(band: int) -> bytes:
    return band.to_bytes(16, "little")  # blake2b's salt: the same rows in two bands are two buckets


def band_keys(sig: Signature) -> list[int]:
    """The buckets (signed 64-bit: one per LSH band, the band mixed into the hash) under which `sig` is
    indexed."""
    return sig.band_keys


def pack_signature(sig: Signature | None) -> dict[str, Any] | None:
    """A signature as plain values (to travel from a worker process inside a record)."""
    return None if sig is None else {"signature": sig.to_blob(), "shingles": sig.size}


def unpack_signature(value: Any) -> Signature | bool | None:
    """The inverse of `pack_signature`; False when the record carries no precomputed signature."""
    if value is None:
        return None
    if isinstance(value, dict) and value.get("signature"):
        return Signature.from_blob(value["signature"], value["shingles"])
    return False


def cluster_id_for(key: str) -> str:
    """The id of the cluster an article starts (a stable function of its canonical URL)."""
    return "c-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def is_duplicate(a: Signature, b: Signature) -> bool:
    if a.jaccard(b) >= JACCARD:
        return True
    return min(a.size, b.size) >= MIN_CONTAINED and a.containment(b) >= CONTAINMENT


def candidates_sql(bands: int) -> str:
    """Articles sharing any of `bands` buckets, with their signatures: a join driven by the VALUES list,
    one primary-key lookup per bucket and per match. SQLite plans the obvious `bucket IN (VALUES ...)`
    as a scan of the whole index, which made clustering quadratic over a crawl."""
    values = ", ".join("(?)" for _ in range(bands))
    return (
        f"SELECT DISTINCT m.canonical_url, m.signature, m.shingles FROM (VALUES {values}) AS v"
        " CROSS JOIN minhash_buckets AS mb ON mb.bucket = v.column1 CROSS JOIN minhash AS m ON m.id = mb.ref"
    )


def index_buckets(db: Any, ref: int, sig: Signature) -> None:
    """The `minhash_buckets` rows of the `minhash` row `ref`."""
    getattr(db, "conn", db).executemany(
        "INSERT OR IGNORE INTO minhash_buckets (bucket, ref) VALUES (?, ?)", [(k, ref) for k in band_keys(sig)]
    )


def rebuild_buckets(db: Any) -> None:
    """Recompute the whole bucket index from the stored signatures (migrations)."""
    db.execute("DELETE FROM minhash_buckets")
    for ref, blob, size in db.execute("SELECT id, signature, shingles FROM minhash").fetchall():
        index_buckets(db, ref, Signature.from_blob(blob, size))


class ClusterIndex:
    """The MinHash/LSH index in the archive (`minhash`, `minhash_buckets`; migrations 10 and 80). `add` is
    called after each article write, inside the same transaction."""

    def __init__(self, db: Any):
        self.db = db
        self.merges = 0

    def _signature_of(self, key: str) -> Signature | None:
        row = self.db.execute("SELECT signature, shingles FROM minhash WHERE canonical_url = ?", [key]).fetchone()
        return Signature.from_blob(row[0], row[1]) if row else None

    def forget(self, key: str) -> None:
        """Drop an article from the index. Its bucket rows are found from its stored signature (by primary
        key): an index on `minhash_buckets.ref` would double the cost of every insert."""
        row = self.db.execute("SELECT id, signature, shingles FROM minhash WHERE canonical_url = ?", [key]).fetchone()
        if row is None:
            return
        ref, old = row[0], Signature.from_blob(row[1], row[2])
        getattr(self.db, "conn", self.db).executemany(
            "DELETE FROM minhash_buckets WHERE bucket = ? AND ref = ?", [(k, ref) for k in band_keys(old)]
        )
        self.db.execute("DELETE FROM minhash WHERE id = ?", [ref])

    def store(self, key: str, sig: Signature) -> None:
        """Index one signature: its row in `minhash` and one `minhash_buckets` row per LSH band."""
        cursor = self.db.execute(
            "INSERT INTO minhash (canonical_url, shingles, signature) VALUES (?, ?, ?)",
            [key, sig.size, sig.to_blob()],
        )
        index_buckets(self.db, cursor.lastrowid, sig)

    def _matches(self, sig: Signature, exclude: str | None) -> dict[str, Signature]:
        keys = band_keys(sig)
        found: dict[str, Signature] = {}
        for start in range(0, len(keys), 100):
            chunk = keys[start : start + 100]
            for url, blob, size in self.db.execute(candidates_sql(len(chunk)), chunk):
                found[url] = Signature.from_blob(blob, size)
        found.pop(exclude, None)  # type: ignore[arg-type]
        return found

    def candidates(self, sig: Signature, exclude: str | None = None) -> list[str]:
        return sorted(self._matches(sig, exclude))

    def duplicates(self, sig: Signature, exclude: str | None = None) -> list[tuple[str, float]]:
        """Archived articles that are near-duplicates of `sig`, with the estimated Jaccard similarity."""
        matches = self._matches(sig, exclude)
        return [(url, sig.jaccard(other)) for url, other in sorted(matches.items()) if is_duplicate(sig, other)]

    def add(self, key: str, text: str | None, sig: Signature | bool | None = False) -> str:
        """Index (or re-index, after a text change) one archived article; set and return its cluster_id.
        `sig` is the text's signature when it was computed elsewhere (an extraction worker), None for a
        text too short to compare; by default it is computed here."""
        db = self.db
        self.forget(key)
        if sig is False:
            sig = signature(text)
        row = db.execute("SELECT cluster_id FROM articles WHERE canonical_url = ?", [key]).fetchone()
        current = row[0] if row else None
        if sig is None:
            cluster = current or cluster_id_for(key)
        else:
            matches = [url for url, _ in self.duplicates(sig, exclude=key)]
            clusters: set[str] = set()
            for start in range(0, len(matches), 500):
                chunk = matches[start : start + 500]
                sql = (
                    "SELECT DISTINCT cluster_id FROM articles WHERE cluster_id IS NOT NULL"
                    f" AND canonical_url IN ({placeholders(len(chunk))})"
                )
                clusters.update(c for (c,) in db.execute(sql, chunk))
            cluster = min(clusters) if clusters else cluster_id_for(key)
            others = sorted(clusters - {cluster})
            if others:
                self.merges += len(others)
                db.execute(
                    f"UPDATE articles SET cluster_id = ? WHERE cluster_id IN ({placeholders(len(others))})",
                    [cluster, *others],
                )
            self.store(key, sig)
        db.execute("UPDATE articles SET cluster_id = ? WHERE canonical_url = ?", [cluster, key])
        return cluster

    def similarity(self, a: str, b: str) -> float | None:
        sa, sb = self._signature_of(a), self._signature_of(b)
        if sa is None or sb is None:
            return None
        return sa.jaccard(sb)

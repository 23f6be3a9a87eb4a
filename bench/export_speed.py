"""Export speed and memory: rows/s and peak RSS per format on a synthetic archive (default 100,000 articles).

    python bench/export_speed.py                     # builds /tmp/export-bench.db once, then measures
    python bench/export_speed.py --rows 20000 --db /tmp/small.db

Every format runs in its own process (peak RSS = that process's maximum resident set, interpreter included).
The baseline, in the same run, is the least any export has to do: iterate the same rows with the sqlite3
module and `json.dumps` each one. Targets (issue 4): JSONL >= 20,000 rows/s on 2 cores; peak RSS < 200 MB for
every format.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VOCABULARY = (
    "minister foreign affairs delegation bilateral cooperation talks embassy ambassador statement agreement "
    "trade energy security regional development partnership visit consultations memorandum signed relations "
    "economic humanitarian sanctions negotiations summit council resolution"
)
WORDS = VOCABULARY.split()
SITES = [f"site-{i:02d}" for i in range(20)]
LANGS = ["en", "fr", "ru", "ar", "es", "az", "de", "tr"]


def build(db: Path, rows: int) -> None:
    """A real archive (migrations, FTS triggers) filled with `rows` synthetic articles in one transaction."""
    from diplomatic_crawler.archive import Archive
    from diplomatic_crawler.ids import article_id

    rnd = random.Random(4)
    with Archive(db) as archive:
        crawl = archive.start_crawl({"seeds": "bench"}, SITES)
        columns = (
            "canonical_url",
            "url",
            "site",
            "country",
            "issuer",
            "title",
            "authors",
            "published",
            "published_precision",
            "published_source",
            "timezone_assumed",
            "language",
            "tags",
            "text",
            "word_count",
            "content_hash",
            "extractor_version",
            "fetched_at",
            "first_seen",
            "last_checked",
            "crawl_id",
            "article_id",
        )
        sql = f"INSERT INTO articles ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"

        def gen():
            for i in range(rows):
                site = SITES[i % len(SITES)]
                url = f"https://{site}.example/news/{i}"
                n = rnd.randint(150, 500)
                text = "\n\n".join(" ".join(rnd.choices(WORDS, k=n // 5)).capitalize() + "." for _ in range(5))
                day = f"20{rnd.randint(15, 25)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
                published = day if i % 3 == 0 else f"{day}T{rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}:00+04:00"
                yield (
                    url,
                    url,
                    site,
                    "AZ",
                    "Ministry",
                    f"=Title {i} " + " ".join(rnd.choices(WORDS, k=8)),
                    json.dumps(["Press Office"] if i % 2 else []),
                    published if i % 17 else None,
                    "day" if i % 3 == 0 else "minute",
                    "jsonld",
                    int(i % 5 == 0),
                    LANGS[i % len(LANGS)],
                    json.dumps(["trade", "energy"]),
                    text,
                    n,
                    f"{i:064x}",
                    "diplomatic-crawler/0.1.0",
                    "2025-06-01T00:00:00+00:00",
                    "2025-06-01T00:00:00+00:00",
                    "2025-06-01T00:00:00+00:00",
                    crawl,
                    article_id(url),
                )

        with archive.db.atomic():
            archive.db.conn.executemany(sql, gen())
        archive.finish_crawl(crawl, "finished", {})


def run_one(kind: str, db: Path, out: Path) -> dict:
    """Runs in the child process."""
    start = time.perf_counter()
    if kind == "baseline":
        import sqlite3

        conn = sqlite3.connect(db)
        rows = 0
        with out.open("w", encoding="utf-8") as handle:
            cursor = conn.execute("SELECT * FROM articles ORDER BY site, published, canonical_url")
            names = [d[0] for d in cursor.description]
            for row in cursor:
                handle.write(json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False) + "\n")
                rows += 1
    elif kind == "dataset":
        from diplomatic_crawler.export.dataset import write_dataset

        rows = write_dataset(db, out, max_shard_bytes=64 * 1024 * 1024).rows
    else:
        from diplomatic_crawler.export import export_file

        rows = export_file(db, kind, out)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "kind": kind,
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "peak_rss_mb": round(peak_mb, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "export-bench.db")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--formats",
        default="baseline,jsonl,json,csv,jsonfeed,parquet,dataset",
        help="comma-separated list of what to run (default: all)",
    )
    parser.add_argument("--child", nargs=3, metavar=("KIND", "DB", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, db, out = args.child
        print(json.dumps(run_one(kind, Path(db), Path(out))))
        return
    import sqlite3

    have = 0
    if args.db.exists() and not args.rebuild:
        with sqlite3.connect(args.db) as conn:
            have = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    if have != args.rows:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        started = time.perf_counter()
        build(args.db, args.rows)
        print(f"built {args.db} ({args.rows:,} articles) in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    size_mb = args.db.stat().st_size / 1e6
    print(f"archive: {args.rows:,} articles, {size_mb:.0f} MB\n")
    print(f"{'format':<10} {'rows':>8} {'seconds':>8} {'rows/s':>8} {'peak RSS MB':>12}  {'output MB':>9}")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.formats.split(","):
            out = Path(tmp) / f"out-{kind}"
            proc = subprocess.run(
                [sys.executable, __file__, "--child", kind, str(args.db), str(out)],
                capture_output=True,
                text=True,
                check=True,
            )
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            out_mb = (
                sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) if out.is_dir() else out.stat().st_size
            ) / 1e6
            result["output_mb"] = round(out_mb, 1)
            results.append(result)
            print(
                f"{kind:<10} {result['rows']:>8} {result['seconds']:>8} {result['rows_per_s']:>8} "
                f"{result['peak_rss_mb']:>12}  {out_mb:>9.1f}"
            )
    jsonl = next((r for r in results if r["kind"] == "jsonl"), None)
    worst = max((r["peak_rss_mb"] for r in results if r["kind"] != "baseline"), default=0)
    if jsonl:
        print(
            f"\nJSONL {jsonl['rows_per_s']:,} rows/s (target >= 20,000): "
            f"{'ok' if jsonl['rows_per_s'] >= 20_000 else 'MISSED'}"
        )
    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other work on the machine slows every row)"
    )
    print(f"highest peak RSS {worst} MB (target < 200 MB): {'ok' if worst < 200 else 'MISSED'}")


if __name__ == "__main__":
    main()

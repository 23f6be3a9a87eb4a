"""Changes export speed: `diplomatic-crawler changes` over an archive holding 10,000 changes (issue 23 target:
under 2 s).

    python bench/changes_export.py                       # builds /tmp/changes-bench.db once, then measures
    python bench/changes_export.py --changes 2000 --db /tmp/small.db --rounds 1

The archive is written through `Archive.write_articles` (captures, versions, enrichment) and
`mark_withdrawn`, as a crawl writes it: 9/10 of the changes are revisions (each article edited twice), 1/10
withdrawals. Texts are five paragraphs of 60 words. `--edit sentence` (the default): words drawn from a
Zipf-distributed vocabulary of 5,000 (as in prose: a few words very frequent, most rare), each edit rewrites
a sentence (12 words become 15 others) in the third paragraph and adds a correction paragraph.
`--edit paragraph`, the hard case: words drawn evenly from 29, each edit replaces the whole third paragraph
by 20 random words (difflib finds many short false matches) and adds a correction paragraph. Each format is timed as the
command a user runs (a fresh process, interpreter start-up included, median of the rounds) and beside a
baseline of the same run: reading every `article_versions` row with sqlite3 and writing it back as JSON,
the least an export of the revisions has to do. Figures as seconds and as a ratio to that baseline.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from export_speed import WORDS  # the same 29 words as the export bench

SITES = [f"site-{i:02d}" for i in range(10)]
EDITS = 2  # revisions per edited article


_PROSE = (
    WORDS
    + [
        f"{a}{b}{c}"
        for a in ("ka", "lo", "mi", "nu", "pe", "ri", "so", "ta", "ve", "zo")
        for b in ("ban", "cor", "dil", "fen", "gar", "hol", "jun", "mer", "nos", "pil")
        for c in (
            "a",
            "e",
            "i",
            "o",
            "u",
            "an",
            "en",
            "in",
            "on",
            "um",
            "is",
            "et",
            "ar",
            "or",
            "ul",
            "ix",
            "ad",
            "ed",
            "id",
            "od",
            "ud",
            "al",
            "el",
            "il",
            "ol",
            "ab",
            "eb",
            "ib",
            "ob",
            "ub",
            "ac",
            "ec",
            "ic",
            "oc",
            "uc",
            "ag",
            "eg",
            "ig",
            "og",
            "ug",
            "am",
            "em",
            "im",
            "om",
            "ap",
            "ep",
            "ip",
            "op",
            "up",
            "as",
        )
    ][:5000]
)
_ZIPF = [1 / (rank + 1) for rank in range(len(_PROSE))]


def _words(rnd: random.Random, count: int, edit: str) -> list[str]:
    if edit == "paragraph":
        return rnd.choices(WORDS, k=count)
    return rnd.choices(_PROSE, _ZIPF, k=count)


def _text(rnd: random.Random, edit: str) -> list[str]:
    return [" ".join(_words(rnd, 60, edit)).capitalize() + "." for _ in range(5)]


def _edited(rnd: random.Random, paragraph: str, edit: str) -> str:
    if edit == "paragraph":
        return " ".join(_words(rnd, 20, edit)).capitalize() + "."
    words = paragraph.split()
    return " ".join(words[:20] + _words(rnd, 15, edit) + words[32:])


def build(db: Path, changes: int, edit: str = "sentence") -> None:
    from diplomatic_crawler.archive import Archive
    from diplomatic_crawler.captures import Capture
    from diplomatic_crawler.withdrawals import mark_withdrawn

    rnd = random.Random(23)
    withdrawn = changes // 10
    articles = (changes - withdrawn) // EDITS
    with Archive(db) as archive:
        texts = {}
        for round_ in range(EDITS + 1):
            crawl = archive.start_crawl({"seeds": "bench"}, SITES)
            batch = []
            for i in range(articles):
                url = f"https://{SITES[i % len(SITES)]}.example/news/{i}"
                paragraphs = texts.setdefault(url, _text(rnd, edit))
                if round_:
                    paragraphs[2] = _edited(rnd, paragraphs[2], edit)
                    paragraphs.append(f"Correction {round_}: " + " ".join(_words(rnd, 12, edit)) + ".")
                text = "\n\n".join(paragraphs)
                fetched = f"2026-0{round_ + 1}-01T09:00:00+00:00"
                body = f"<html><body><h1>Statement {i}</h1><p>{text}</p></body></html>".encode()
                batch.append(
                    {
                        "url": url,
                        "canonical_url": url,
                        "site": SITES[i % len(SITES)],
                        "title": f"Statement {i}" + (" (updated)" if round_ else ""),
                        "authors": ["Press office"],
                        "published": "2025-11-01",
                        "language": "en",
                        "text": text,
                        "fetched_at": fetched,
                        "_capture": Capture(url, 200, [("Content-Type", "text/html")], body, fetched),
                    }
                )
            archive.write_articles(batch, crawl)
            archive.finish_crawl(crawl, "finished", {})
        for i in range(withdrawn):
            url = f"https://{SITES[i % len(SITES)]}.example/news/{i}"
            assert mark_withdrawn(archive, url, "HTTP 404", status=404, url=url)


def _count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        versions = conn.execute("SELECT count(*) FROM article_versions").fetchone()[0]
        events = conn.execute("SELECT count(*) FROM article_events").fetchone()[0]
    return versions + events


def _baseline_command(db: Path, out: Path) -> list[str]:
    code = (
        "import json, sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1])\n"
        "with open(sys.argv[2], 'w') as fh:\n"
        "    for (row,) in conn.execute('SELECT row FROM article_versions ORDER BY superseded_at DESC'):\n"
        "        fh.write(json.dumps(json.loads(row)) + '\\n')\n"
    )
    return [sys.executable, "-c", code, str(db), str(out)]


def _timed(command: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system) of a command; on a shared machine the CPU time is what the
    command itself costs, the wall time what others running beside it leave."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--edit", choices=("sentence", "paragraph"), default="sentence")
    parser.add_argument("--db", type=Path, help="default: changes-bench-EDIT.db in the temporary directory")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    args.db = args.db or Path(tempfile.gettempdir()) / f"changes-bench-{args.edit}.db"
    if not args.db.exists():
        start = time.perf_counter()
        build(args.db, args.changes, args.edit)
        print(f"built {args.db} in {time.perf_counter() - start:.1f} s")
    total = _count(args.db)
    print(f"archive {args.db}: {total} changes (versions + events)")
    cli = Path(sys.executable).with_name("diplomatic-crawler")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        runs = [_timed(_baseline_command(args.db, out)) for _ in range(args.rounds)]
        base, base_cpu = statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)
        print(f"baseline (sqlite3 + json, every version row): {base:.2f} s, CPU {base_cpu:.2f} s")
        for fmt in ("jsonfeed", "jsonl", "csv"):
            command = [str(cli), "changes", "--db", str(args.db), "--format", fmt, "-o", str(out)]
            runs = [_timed(command) for _ in range(args.rounds)]
            wall, cpu = statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)
            lines = sum(1 for _ in out.open(encoding="utf-8"))
            print(
                f"changes --format {fmt}: {wall:.2f} s, CPU {cpu:.2f} s ({lines} lines),"
                f" {wall / base:.2f}x the baseline (CPU {cpu / base_cpu:.2f}x)"
            )
        feed = subprocess.run([str(cli), "changes", "--db", str(args.db), "-o", "-"], check=True, capture_output=True)
        check = json.loads(feed.stdout)
        print(f"feed items: {len(check['items'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

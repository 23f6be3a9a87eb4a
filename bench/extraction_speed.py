#!/usr/bin/env python3
"""Extraction speed: median seconds per page of `extract_article` beside bare trafilatura, same pages.

    python bench/extraction_speed.py [--eval-dir ../shared/eval] [--rounds 3] [--set htmldate-dev ...]

Both run in this process over every page of the eval sets, after one untimed warm-up page, and the
figures are printed side by side with their ratio (issue 17's target: ours at most 0.8x trafilatura's median).
Pages are interleaved (ours, then trafilatura, page by page) so machine noise hits both alike.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import trafilatura

from diplomatic_crawler.extraction import extract_article
from diplomatic_crawler.extraction.prune import trafilatura_as_shipped

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 0.8
SETS = ("aeb", "fundus-dev", "htmldate-dev", "trafilatura-dev")


def bare(html: str, url: str) -> object:
    with trafilatura_as_shipped():  # importing the project speeds up trafilatura's pruning; not here
        return trafilatura.bare_extraction(html, url=url, with_metadata=True)


def ours(html: str, url: str) -> object:
    return extract_article(html, url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the pages (per-page median of rounds)")
    parser.add_argument("--set", dest="sets", action="append", choices=SETS,
                        help="only these sets (default aeb and fundus-dev)")
    args = parser.parse_args()

    import json

    pages = []
    for name in args.sets or ("aeb", "fundus-dev"):
        dataset = args.eval_dir / name
        for case in json.loads((dataset / "cases.json").read_text(encoding="utf-8")):
            pages.append(((dataset / f"{case['id']}.html").read_text(encoding="utf-8"), case.get("url") or ""))
    funcs = {"diplomatic-crawler": ours, "trafilatura (bare, with metadata)": bare}
    for func in funcs.values():
        func(*pages[0])  # warm-up: imports, caches, compiled patterns
    timings: dict[str, list[list[float]]] = {label: [[] for _ in pages] for label in funcs}
    for _ in range(args.rounds):
        for index, (html, url) in enumerate(pages):
            for label, func in funcs.items():
                start = time.perf_counter()
                func(html, url)
                timings[label][index].append(time.perf_counter() - start)

    print(f"{len(pages)} pages, {args.rounds} rounds, per-page median of rounds\n")
    print("| extractor | median s/page | mean s/page | p90 s/page | total s |")
    print("|---|---:|---:|---:|---:|")
    medians = {}
    for label, per_page in timings.items():
        values = sorted(statistics.median(t) for t in per_page)
        medians[label] = statistics.median(values)
        p90 = values[int(0.9 * (len(values) - 1))]
        print(f"| {label} | {medians[label]:.4f} | {statistics.mean(values):.4f} | {p90:.4f} | {sum(values):.2f} |")
    ratio = medians["diplomatic-crawler"] / medians["trafilatura (bare, with metadata)"]
    verdict = "ok" if ratio <= TARGET_RATIO else "ABOVE TARGET"
    print(f"\nratio of medians: {ratio:.2f}x (target <= {TARGET_RATIO}x) {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Extraction quality: `extract_article` beside bare trafilatura, in one run, on the shared eval sets.

    python bench/extraction_quality.py [--eval-dir ../shared/eval] [--limit N] [--worst 8]

Metrics are the ones of ../shared/eval/README.md (body: AEB 4-token shingle P/R/F1, macro over pages;
title: exact casefolded \\w+ token sequence; authors: per-page F1 of normalised name sets; date: same
calendar day, converted to the truth's offset). The scorer in ../shared/eval/scorer computes the same
figures; this script imports its metric functions so both always agree, and prints per-page worst cases.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {  # issue #2 acceptance figures
    "aeb": {"body_f1": 0.968},
    "fundus-dev": {"title_exact": 0.90, "author_f1": 0.90, "date_acc": 0.99},
}


def ours(html: str, url: str, fetched_at: datetime | None = None) -> dict:
    from diplomatic_crawler.extraction import extract_article

    return dataclasses.asdict(extract_article(html, url, fetched_at=fetched_at))


def trafilatura_bare(html: str, url: str, fetched_at: datetime | None = None) -> dict:
    import trafilatura

    result = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if result is None:
        return {}
    data = result.as_dict()
    return {"text": data.get("text"), "title": data.get("title"), "authors": data.get("author"),
            "published": data.get("date")}


def fetched_at_of(case: dict) -> datetime | None:
    raw = case.get("crawl_date")
    if not raw:
        return None
    value = datetime.fromisoformat(raw)
    return value if value.tzinfo else value.astimezone()


def score(scorer, func, dataset: Path, cases: list[dict]) -> list[dict]:
    """The scorer's `evaluate`, with each case's crawl date passed as `fetched_at`."""
    by_id = {c["id"]: c for c in cases}

    def bound(html: str, url: str) -> dict:
        case = by_id.get(bound.current, {})
        return func(html, url, fetched_at_of(case))

    rows = []
    for case in cases:
        bound.current = case["id"]
        rows.extend(scorer.evaluate(bound, dataset, [case], timeout=60.0))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--worst", type=int, default=8, help="worst pages to list per dataset and field")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()

    sys.path.insert(0, str(args.eval_dir / "scorer"))
    import eval_extract as scorer

    extractors = {"diplomatic-crawler": ours, "trafilatura (bare)": trafilatura_bare}
    figures: dict[str, dict[str, dict]] = {}
    for name in ("aeb", "fundus-dev"):
        dataset = args.eval_dir / name
        cases = json.loads((dataset / "cases.json").read_text(encoding="utf-8"))[: args.limit]
        truth = {c["id"]: c for c in cases}
        figures[name] = {}
        for label, func in extractors.items():
            rows = score(scorer, func, dataset, cases)
            figures[name][label] = scorer.summarise(rows)
            if label == "diplomatic-crawler":
                print_worst(name, rows, truth, args.worst)
        print_table(name, figures[name], len(cases), TARGETS.get(name, {}))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    return 0


COLUMNS = [("body_f1", "body F1"), ("body_precision", "P"), ("body_recall", "R"), ("title_exact", "title =="),
           ("author_f1", "author F1"), ("date_acc", "date =="), ("date_found", "date found"),
           ("median_s", "median s"), ("errors", "errors")]


def fmt(value) -> str:
    return "n/a" if value is None else (str(value) if isinstance(value, int) else f"{value:.3f}")


def print_table(name: str, results: dict[str, dict], pages: int, targets: dict) -> None:
    print(f"\n## {name} ({pages} pages)\n")
    print("| extractor | " + " | ".join(h for _, h in COLUMNS) + " |")
    print("|---|" + "---:|" * len(COLUMNS))
    for label, m in results.items():
        print(f"| {label} | " + " | ".join(fmt(m.get(k)) for k, _ in COLUMNS) + " |")
    ours_m, base = results["diplomatic-crawler"], results["trafilatura (bare)"]
    for key, target in targets.items():
        verdict = "ok" if (ours_m.get(key) or 0) >= target else "BELOW TARGET"
        print(f"- {key}: {fmt(ours_m.get(key))} (target >= {target}, trafilatura {fmt(base.get(key))}) {verdict}")
    if name == "fundus-dev":
        verdict = "ok" if ours_m["body_f1"] >= base["body_f1"] else "BELOW TARGET"
        print(f"- body_f1 not below trafilatura: {ours_m['body_f1']:.3f} vs {base['body_f1']:.3f} {verdict}")


def print_worst(name: str, rows: list[dict], truth: dict, count: int) -> None:
    print(f"\n### worst pages on {name}")
    for row in sorted(rows, key=lambda r: r["body_f1"])[:count]:
        print(f"- body F1 {row['body_f1']:.2f} (P {row['body_p'] or 0:.2f} R {row['body_r'] or 0:.2f}) {row['id']}")
    title_misses = [r for r in rows if r.get("title_exact") is False][:count]
    for row in title_misses:
        print(f"- title {row['id']}: got {row['title']!r}, want {truth[row['id']]['title']!r}")
    for row in [r for r in rows if r.get("author_f1", 1) < 1][:count]:
        print(f"- authors {row['id']}: got {row['authors']}, want {truth[row['id']]['authors']}")
    for row in [r for r in rows if "date_diff" in r and r["date_diff"] != 0][:count]:
        print(f"- date {row['id']}: got {row['published']}, want {truth[row['id']]['published']}")


if __name__ == "__main__":
    sys.exit(main())

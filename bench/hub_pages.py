#!/usr/bin/env python3
"""Article / hub classification: precision and recall of both classes on real page shapes.

    python bench/hub_pages.py [--eval-dir ../shared/eval] [--set NAME ...] [--limit N] [--show-lost]

Positives are the article pages of the shared eval sets (every page there is an article) and the article
fixtures of tests/fixtures/hubs/ (ministry articles with teaser boxes of their own); negatives are
the hub fixtures of tests/fixtures/hubs/ (country and topic dossiers, section fronts, tag, author and
search pages, home pages, views listings, ... see its cases.json). Each page goes through the crawl's own
`workers.analyse_page` twice over one extraction:

* `generic`: no seed, as a seed without `article_pattern` is crawled (the URL and page evidence of
  `discovery.classify_page`, then the hub rule of `extraction.page_kind`);
* `pattern`: a seed whose `article_pattern` matches every URL, so the hub rule alone decides.

The `before` mode is `classify_page` alone, the classification before the hub rule. Printed per set:
pages, kept as articles, recall (generic: and how many pages `before` kept the hub rule rejects); then
precision / recall of the article and the hub class over all sets and fixtures. `--show-lost` lists the
articles read as hubs with the rule's reason.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diplomatic_crawler.discovery import classify_page  # noqa: E402
from diplomatic_crawler.extraction.document import parse_html  # noqa: E402
from diplomatic_crawler.seeds import Seed  # noqa: E402
from diplomatic_crawler.workers import analyse_page  # noqa: E402

SETS = ("aeb", "fundus-dev", "htmldate-dev", "trafilatura-dev")
FIXTURES = ROOT / "tests" / "fixtures" / "hubs"
Row = tuple[str, str, str, str, str | None]  # id, kind before the hub rule, generic, pattern, reason
EVERY_URL = Seed(name="bench", allowed_domains=("invalid",), article_pattern=re.compile("."))
ARTICLE_RECALL_FLOOR = 0.99  # per set, the hub rule alone: no real article may be lost (issue 20, item 1)


def judge(html: bytes, url: str) -> tuple[str, str, str, str | None]:
    """(kind by `classify_page` alone, generic kind, pattern kind, the hub rule's reason) of one page."""
    page = analyse_page(html, url, EVERY_URL)
    pattern = "article" if page.hub is None else "hub"
    try:
        _, tree = parse_html(html)
        generic = classify_page(tree, url) if tree is not None else "listing"
    except Exception:
        generic = "listing"
    before = generic
    if generic == "article" and page.hub is not None:
        generic = "hub"
    return before, generic, pattern, page.hub


def positives(eval_dir: Path, sets: tuple[str, ...], limit: int | None) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    for name in sets:
        dataset = eval_dir / name
        cases = json.loads((dataset / "cases.json").read_text(encoding="utf-8"))[:limit]
        rows = []
        for case in cases:
            html = (dataset / f"{case['id']}.html").read_bytes()
            rows.append((case["id"], *judge(html, case.get("url") or "")))
        out[name] = rows
    return out


def fixtures() -> tuple[list[Row], list[Row]]:
    """(article fixtures, hub fixtures) of tests/fixtures/hubs: the articles join the positives."""
    articles, hubs = [], []
    for case in json.loads((FIXTURES / "cases.json").read_text(encoding="utf-8")):
        html = (FIXTURES / f"{case['id']}.html").read_bytes()
        (hubs if case["kind"] == "hub" else articles).append((case["id"], *judge(html, case["url"])))
    return articles, hubs


def pr(tp: int, fp: int, fn: int) -> tuple[float, float]:
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    ap.add_argument("--set", action="append", dest="sets", choices=SETS)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--show-lost", action="store_true")
    ap.add_argument("--fixtures-only", action="store_true", help="the fixtures without the eval sets")
    args = ap.parse_args(argv)
    started = time.monotonic()
    pos = {} if args.fixtures_only else positives(args.eval_dir, tuple(args.sets or SETS), args.limit)
    articles, neg = fixtures()
    pos["article fixtures"] = articles
    failed = False
    for mode, col, title in (
        ("before", 1, "classify_page alone, no article_pattern (before the hub rule)"),
        ("generic", 2, "classify_page and the hub rule, no article_pattern"),
        ("pattern", 3, "the hub rule alone (article_pattern matches every URL)"),
    ):
        print(f"\n== {mode}: {title}")
        print(f"{'set':18} {'pages':>6} {'articles':>9} {'recall':>7}")
        kept_all = total_all = 0
        for name, rows in pos.items():
            kept = sum(1 for r in rows if r[col] == "article")
            kept_all, total_all = kept_all + kept, total_all + len(rows)
            recall = kept / len(rows) if rows else 1.0
            failed |= mode == "pattern" and name in SETS and recall < ARTICLE_RECALL_FLOOR
            lost = sum(1 for r in rows if r[1] == "article" and r[col] != "article")
            failed |= mode == "generic" and name not in SETS and lost > 0
            note = f"  ({lost} that classify_page kept)" if mode == "generic" and lost else ""
            print(f"{name:18} {len(rows):6d} {kept:9d} {recall:7.3f}{note}")
        hubs = sum(1 for r in neg if r[col] != "article")
        print(f"{'hub fixtures':18} {len(neg):6d} {len(neg) - hubs:9d}  (found as non-articles: {hubs})")
        a_p, a_r = pr(kept_all, len(neg) - hubs, total_all - kept_all)
        h_p, h_r = pr(hubs, total_all - kept_all, len(neg) - hubs)
        print(f"article precision {a_p:.4f} recall {a_r:.4f} | non-article precision {h_p:.4f} recall {h_r:.4f}")
        missed = [r[0] for r in neg if r[col] == "article"]
        if missed:
            print("hubs read as articles:", ", ".join(missed))
    if args.show_lost:
        print("\narticles the hub rule rejects:")
        for name, rows in pos.items():
            for page_id, _, _, pattern, reason in rows:
                if pattern != "article":
                    print(f"  {name}/{page_id}: {reason}")
    print(f"\n{time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Extraction quality: `extract_article` beside bare trafilatura and htmldate, in one run, on the shared eval sets.

    python bench/extraction_quality.py [--eval-dir ../shared/eval] [--set NAME ...] [--ours-only]
        [--details DIR] [--compare DIR] [--worst 8] [--json FILE]

Every set of ../shared/eval is scored in one go (a change that lifts one set and lowers another fits
pages, not the web). Metrics are the scorer's own (this script imports its functions, so both agree):
body shingle F1 (aeb, fundus-dev), snippet F1 (trafilatura-dev), title exact, author F1, date same day
and wrong-day share. Anchors in the same run: bare `trafilatura.bare_extraction` (all fields) and
`htmldate.find_date(html, original_date=True)` (dates, as in htmldate's own evaluation).

`--details DIR` keeps the per-page rows; `--compare DIR` (rows of an earlier run) lists the pages whose
date, title or authors went from right to wrong, the check behind "no page whose date was right becomes
wrong". The pinned floors of the CI quality gate (tests/test_quality_gate.py) live in QUALITY_FLOOR.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = ("aeb", "fundus-dev", "htmldate-dev", "trafilatura-dev")
OURS = "diplomatic-crawler"
TRAFILATURA = "trafilatura (bare)"
HTMLDATE = "htmldate"

# Issue 17's targets: absolute figures, or (anchor, margin) = at least the anchor's figure plus margin.
TARGETS: dict[str, dict[str, float | tuple[str, float]]] = {
    "aeb": {"body_f1": 0.975},
    "fundus-dev": {"title_exact": 0.93, "author_f1": 0.93, "date_acc": 0.995, "body_f1": 0.955},
    "htmldate-dev": {"date_acc": (HTMLDATE, 0.02)},
    "trafilatura-dev": {"snippet_f1": (TRAFILATURA, 0.02), "title_exact": 0.90},
}
# Lower is better for these: ours must be at most the anchor's figure.
CEILINGS: dict[str, dict[str, str]] = {"htmldate-dev": {"date_wrong": HTMLDATE}}

# The CI quality gate's pinned figures (the project's, on each development set). Raise them in the same
# commit as each improvement; the gate fails when a figure drops below its pin by more than NOISE.
QUALITY_FLOOR: dict[str, dict[str, float]] = {  # one figure a line: each commit raises only its own
    "aeb": {
        "body_f1": 0.976,
    },
    "fundus-dev": {
        "body_f1": 0.955,
        "title_exact": 0.927,
        "author_f1": 0.934,
        "date_acc": 1.000,
    },
    "htmldate-dev": {
        "date_acc": 0.921,
    },
    "trafilatura-dev": {
        "snippet_f1": 0.945,
        "title_exact": 0.902,
        "author_f1": 0.755,
        "date_acc": 0.886,
    },
}
QUALITY_CEILING: dict[str, dict[str, float]] = {  # lower is better: the gate fails above pin + noise
    "htmldate-dev": {
        "date_wrong": 0.057,
    },
    "trafilatura-dev": {
        "date_wrong": 0.094,
    },
}
NOISE = {"body_f1": 0.005, "snippet_f1": 0.005, "title_exact": 0.01, "author_f1": 0.01, "date_acc": 0.01,
         "date_wrong": 0.01}


def ours(html: str, url: str, fetched_at: datetime | None = None) -> dict:
    from diplomatic_crawler.extraction import extract_article

    return dataclasses.asdict(extract_article(html, url, fetched_at=fetched_at))


def trafilatura_bare(html: str, url: str, fetched_at: datetime | None = None) -> dict:
    import trafilatura

    from diplomatic_crawler.extraction.prune import trafilatura_as_shipped

    with trafilatura_as_shipped():
        result = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if result is None:
        return {}
    data = result.as_dict()
    return {"text": data.get("text"), "title": data.get("title"), "authors": data.get("author"),
            "published": data.get("date")}


def htmldate_alone(html: str, url: str, fetched_at: datetime | None = None) -> dict:
    from htmldate import find_date

    return {"published": find_date(html, url=url or None, original_date=True)}


def fetched_at_of(case: dict) -> datetime | None:
    raw = case.get("crawl_date")
    if not raw:
        return None
    value = datetime.fromisoformat(raw)
    return value if value.tzinfo else value.astimezone()


def load_scorer(eval_dir: Path):
    sys.path.insert(0, str(eval_dir / "scorer"))
    import eval_extract

    return eval_extract


def score(scorer, func, dataset: Path, cases: list[dict]) -> list[dict]:
    """The scorer's `evaluate`, with each case's crawl date passed as `fetched_at`."""
    current: dict = {}

    def bound(html: str, url: str) -> dict:
        return func(html, url, fetched_at_of(current))

    rows = []
    for case in cases:
        current.clear()
        current.update(case)
        rows.extend(scorer.evaluate(bound, dataset, [case], timeout=60.0))
    return rows


def extractors_for(name: str, ours_only: bool) -> dict:
    chosen = {OURS: ours}
    if not ours_only:
        chosen[TRAFILATURA] = trafilatura_bare
        if name != "aeb":
            chosen[HTMLDATE] = htmldate_alone
    return chosen


def run(eval_dir: Path, sets: tuple[str, ...] = SETS, ours_only: bool = False, limit: int | None = None,
        ) -> tuple[dict[str, dict[str, dict]], dict[str, list[dict]], dict[str, dict]]:
    """Figures per set and extractor, our per-page rows per set, and the truth per set."""
    scorer = load_scorer(eval_dir)
    figures: dict[str, dict[str, dict]] = {}
    rows_of: dict[str, list[dict]] = {}
    truth_of: dict[str, dict] = {}
    for name in sets:
        dataset = eval_dir / name
        cases = json.loads((dataset / "cases.json").read_text(encoding="utf-8"))[:limit]
        truth_of[name] = {c["id"]: c for c in cases}
        figures[name] = {}
        for label, func in extractors_for(name, ours_only).items():
            rows = score(scorer, func, dataset, cases)
            figures[name][label] = scorer.summarise(rows)
            if label == OURS:
                rows_of[name] = rows
    return figures, rows_of, truth_of


def gate_failures(figures: dict[str, dict[str, dict]]) -> list[str]:
    """Each pinned figure the project's run fell below (or above, for ceilings) by more than its noise."""
    failures = []
    for name, pins in QUALITY_FLOOR.items():
        got = figures.get(name, {}).get(OURS)
        if got is None:
            continue
        for key, pinned in pins.items():
            if (got.get(key) or 0.0) < pinned - NOISE[key]:
                failures.append(f"{name} {key} {fmt(got.get(key))} < pinned {pinned:.3f} - {NOISE[key]}")
        for key, pinned in QUALITY_CEILING.get(name, {}).items():
            if (got.get(key) or 0.0) > pinned + NOISE[key]:
                failures.append(f"{name} {key} {fmt(got.get(key))} > pinned {pinned:.3f} + {NOISE[key]}")
    return failures


COLUMNS = [("body_f1", "body F1"), ("snippet_f1", "snippet F1"), ("title_exact", "title =="),
           ("author_f1", "author F1"), ("date_acc", "date =="), ("date_wrong", "date wrong"),
           ("date_found", "date found"), ("median_s", "median s"), ("errors", "errors")]


def fmt(value) -> str:
    return "n/a" if value is None else (str(value) if isinstance(value, int) else f"{value:.3f}")


def print_table(name: str, results: dict[str, dict]) -> None:
    pages = next(iter(results.values()))["pages"]
    print(f"\n## {name} ({pages} pages)\n")
    print("| extractor | " + " | ".join(h for _, h in COLUMNS) + " |")
    print("|---|" + "---:|" * len(COLUMNS))
    for label, m in results.items():
        cells = [fmt(m.get(k)) if not (label == HTMLDATE and k != "median_s" and not k.startswith("date"))
                 else "" for k, _ in COLUMNS]
        print(f"| {label} | " + " | ".join(cells) + " |")
    mine = results[OURS]
    for key, target in TARGETS.get(name, {}).items():
        if isinstance(target, tuple):
            anchor, margin = target
            if anchor not in results:
                continue
            want = (results[anchor].get(key) or 0.0) + margin
            what = f"{anchor} {fmt(results[anchor].get(key))} + {margin}"
        else:
            want, what = target, f"{target}"
        verdict = "ok" if (mine.get(key) or 0.0) >= want - 1e-9 else "BELOW TARGET"
        print(f"- {key}: {fmt(mine.get(key))} (target >= {what}) {verdict}")
    for key, anchor in CEILINGS.get(name, {}).items():
        if anchor in results:
            verdict = "ok" if (mine.get(key) or 0.0) <= (results[anchor].get(key) or 0.0) + 1e-9 else "ABOVE TARGET"
            print(f"- {key}: {fmt(mine.get(key))} (target <= {anchor} {fmt(results[anchor].get(key))}) {verdict}")


def print_worst(name: str, rows: list[dict], truth: dict, count: int) -> None:
    if not count:
        return
    print(f"\n### worst pages on {name}")
    body = [r for r in rows if "body_f1" in r]
    for row in sorted(body, key=lambda r: r["body_f1"])[:count]:
        print(f"- body F1 {row['body_f1']:.2f} (P {row['body_p'] or 0:.2f} R {row['body_r'] or 0:.2f}) {row['id']}")
    snippets = [r for r in rows if r.get("snippet_fp") or r.get("snippet_fn")]
    for row in sorted(snippets, key=lambda r: -(r["snippet_fp"] + r["snippet_fn"]))[:count]:
        print(f"- snippets {row['id']}: {row['snippet_fn']} missing, {row['snippet_fp']} unwanted")
    for row in [r for r in rows if r.get("title_exact") is False][:count]:
        print(f"- title {row['id']}: got {row['title']!r}, want {truth[row['id']]['title']!r}")
    for row in [r for r in rows if r.get("author_f1", 1) < 1][:count]:
        print(f"- authors {row['id']}: got {row['authors']}, want {truth[row['id']]['authors']}")
    for row in [r for r in rows if "date_diff" in r and r["date_diff"] != 0][:count]:
        print(f"- date {row['id']}: got {row['published']}, want {truth[row['id']]['published']}")


def right(row: dict, field: str) -> bool | None:
    if field == "date":
        return None if "date_diff" not in row else row["date_diff"] == 0
    if field == "title":
        return row.get("title_exact")
    return None if "author_f1" not in row else row["author_f1"] == 1.0


def print_regressions(rows_of: dict[str, list[dict]], before_dir: Path) -> int:
    """Pages whose date, title or authors were right in the earlier run and are not now."""
    lost = 0
    for name, rows in rows_of.items():
        path = before_dir / f"{name}.json"
        if not path.is_file():
            continue
        before = {r["id"]: r for r in json.loads(path.read_text(encoding="utf-8"))}
        for row in rows:
            old = before.get(row["id"])
            for field in ("date", "title", "authors"):
                if old is not None and right(old, field) and right(row, field) is False:
                    lost += 1
                    was = old.get("published" if field == "date" else field)
                    now = row.get("published" if field == "date" else field)
                    print(f"- {name} {row['id']} {field}: was {was!r}, now {now!r}")
    print(f"\n{lost} right answers lost against {before_dir}")
    return lost


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--set", dest="sets", action="append", choices=SETS, help="only these sets (default all)")
    parser.add_argument("--ours-only", action="store_true", help="skip the anchors (quick iterations only)")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--worst", type=int, default=8, help="worst pages to list per dataset and field")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--details", type=Path, help="write our per-page rows to DIR/<set>.json")
    parser.add_argument("--compare", type=Path, help="list right answers lost against DIR/<set>.json")
    args = parser.parse_args()

    figures, rows_of, truth_of = run(args.eval_dir, tuple(args.sets or SETS), args.ours_only, args.limit)
    for name, results in figures.items():
        print_worst(name, rows_of[name], truth_of[name], args.worst)
        print_table(name, results)
    failures = gate_failures(figures)
    print("\nquality gate: " + ("ok" if not failures else "; ".join(failures)))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    if args.details:
        args.details.mkdir(parents=True, exist_ok=True)
        for name, rows in rows_of.items():
            (args.details / f"{name}.json").write_text(json.dumps(rows, ensure_ascii=False, default=str))
    if args.compare:
        print_regressions(rows_of, args.compare)
    return 0


if __name__ == "__main__":
    sys.exit(main())

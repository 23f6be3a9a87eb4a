"""Enrichment quality: doc_type accuracy per type (stored cases and held-out cases) and near-duplicate cluster
precision/recall, on the test fixtures and on the real texts of ../shared/eval (reposted with edits).

    python bench/enrichment_quality.py [--eval-dir ../shared/eval]

A benchmark, not a test: it prints figures. Cluster figures are pairwise precision/recall: a pair of articles
is predicted together when they share a cluster_id, truly together when they are copies of one original.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from enrichsites import agency_copy, embassy_copy, load_releases, pairwise_scores  # noqa: E402

from diplomatic_crawler.archive import Archive  # noqa: E402
from diplomatic_crawler.enrich.doctype import DOC_TYPES, classify_doc_type  # noqa: E402


def doc_type_report(path: Path) -> None:
    total: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        lang, expected, url, title, opening = line.split("\t")
        total[expected] += 1
        hits[expected] += classify_doc_type(title, url, None, opening, lang).label == expected
    print(f"\ndoc_type accuracy, {path.name} ({sum(total.values())} cases)")
    print(f"{'type':<16} {'cases':>5} {'correct':>7} {'accuracy':>8}")
    for label in DOC_TYPES:
        if total[label]:
            print(f"{label:<16} {total[label]:>5} {hits[label]:>7} {hits[label] / total[label]:>8.2f}")
    n, ok = sum(total.values()), sum(hits.values())
    print(f"{'all':<16} {n:>5} {ok:>7} {ok / n:>8.2f}")


def light_edit(paragraphs: list[str], rng: random.Random) -> list[str]:
    """A copy edited by hand: about 5% of words dropped, one paragraph moved to the end."""
    edited = [" ".join(w for w in p.split() if rng.random() > 0.05) for p in paragraphs]
    if len(edited) > 2:
        edited.append(edited.pop(rng.randrange(len(edited))))
    return edited


def cluster_report(name: str, bases: list[tuple[str, str, list[str]]]) -> None:
    rng = random.Random(8)
    records, truth = [], {}
    for sid, title, paragraphs in bases:
        copies = [
            ("ministry", title, paragraphs),
            ("embassy", *embassy_copy(title, paragraphs)),
            ("agency", *agency_copy(title, paragraphs)),
            ("portal", title, light_edit(paragraphs, rng)),
        ]
        for site, t, p in copies:
            url = f"https://{site}.example/{sid}"
            records.append({"canonical_url": url, "url": url, "site": site, "title": t, "text": "\n\n".join(p)})
            truth[url] = sid
    rng.shuffle(records)
    with tempfile.TemporaryDirectory() as tmp, Archive(Path(tmp) / "bench.db") as archive:
        start = time.perf_counter()
        for i in range(0, len(records), 25):
            archive.write_articles(records[i : i + 25], None)
        elapsed = time.perf_counter() - start
        predicted = dict(archive.db.execute("SELECT canonical_url, cluster_id FROM articles").fetchall())
    precision, recall = pairwise_scores(predicted, truth)
    print(
        f"{name:<28} originals {len(bases):>4}  articles {len(records):>5}  precision {precision:.3f}  "
        f"recall {recall:.3f}  write+enrich {1000 * elapsed / len(records):.1f} ms/article"
    )


def eval_bases(eval_dir: Path) -> list[tuple[str, str, list[str]]]:
    bases = []
    for dataset in sorted(p for p in eval_dir.iterdir() if (p / "cases.json").exists()):
        for case in json.loads((dataset / "cases.json").read_text(encoding="utf-8")):
            paragraphs = [p for p in (case.get("body_text") or "").split("\n") if p.strip()]
            if sum(len(p.split()) for p in paragraphs) >= 40:
                bases.append((f"{dataset.name}-{case['id']}", case.get("title") or "", paragraphs))
    return bases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    args = parser.parse_args()
    fixtures = ROOT / "tests" / "fixtures" / "enrich"
    doc_type_report(fixtures / "doctype_cases.tsv")
    doc_type_report(fixtures / "doctype_heldout.tsv")
    print("\nnear-duplicate clusters (copies: original, embassy edit, agency wrap, light edit)")
    cluster_report("fixture releases", [(r["id"], r["title"], r["paragraphs"]) for r in load_releases()])
    if args.eval_dir.exists():
        cluster_report("shared/eval real texts", eval_bases(args.eval_dir))
    else:
        print(f"({args.eval_dir} not found: real-text figures skipped)")


if __name__ == "__main__":
    main()

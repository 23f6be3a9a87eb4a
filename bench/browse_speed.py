"""Browse speed: Datasette over a 100,000-article archive, through Datasette's own test client.

    python bench/browse_speed.py                        # builds /tmp/browse-bench.db once, then measures
    python bench/browse_speed.py --articles 20000 --db /tmp/small.db --rounds 5

The archive is written through the archive API (`Archive.write_articles`: migrations, enrichment, FTS
triggers, a raw capture per article, a second version for 1 in 20 articles), never by hand-written SQL.
Datasette is configured exactly as `diplomatic-crawler browse` configures it (`metadata_for`,
`settings_for`, the project's plugin). Each page is fetched once to warm SQLite's cache, then `--rounds`
times; the median is printed. A page "timed out" when Datasette reports a facet in `facets_timed_out`
or the SQL time limit interrupts the query.

Targets (issue 22, item 8): the browse page (`articles_browse`, its default facets) well under 1 s; no
facet times out; the reading page of an article under 0.2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from pathlib import Path
from typing import Any

VOCABULARY = [
    "minister", "foreign", "affairs", "delegation", "bilateral", "cooperation", "talks", "embassy", "ambassador",
    "statement", "agreement", "trade", "energy", "security", "regional", "development", "partnership", "visit",
    "consultations", "memorandum", "signed", "relations", "economic", "humanitarian", "sanctions", "negotiations",
    "summit", "council", "resolution",
]
COUNTRIES = [
    "AZ", "FR", "DE", "US", "GB", "TR", "RU", "UA", "GE", "AM",
    "KZ", "UZ", "JP", "CN", "IN", "BR", "ZA", "EG", "IL", "IR",
]
SITES = [(f"site-{i:02d}", cc) for i, cc in enumerate(COUNTRIES)]
LANGS = ["en", "fr", "ru", "ar", "es", "az", "de", "tr"]


def _record(rnd: random.Random, n: int, *, edited: bool = False) -> dict[str, Any]:
    from diplomatic_crawler.captures import Capture

    site, country = SITES[n % len(SITES)]
    url = f"https://{site}.example/news/{n}"
    paragraphs = [" ".join(rnd.choices(VOCABULARY, k=rnd.randint(20, 60))) for _ in range(rnd.randint(3, 9))]
    if edited:
        paragraphs.append("Corrected: " + " ".join(rnd.choices(VOCABULARY, k=12)))
    text = "\n\n".join(paragraphs)
    day = f"{rnd.randint(2005, 2025)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
    fetched_at = f"2026-0{1 + edited}-01T00:00:00+00:00"
    body = f"<html><body><h1>Statement {n}</h1><p>{text}</p></body></html>".encode()
    return {
        "url": url,
        "canonical_url": url,
        "site": site,
        "country": country,
        "issuer": f"Ministry {site}",
        "title": f"Statement {n} on " + " ".join(rnd.choices(VOCABULARY, k=6)),
        "authors": [f"Author {rnd.randint(1, 300)}"],
        "published": f"{day}T{rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}:00+04:00",
        "published_precision": "minute",
        "published_source": rnd.choice(["jsonld", "meta", "time", "text"]),
        "language": rnd.choice(LANGS),
        "text": text,
        "word_count": len(text.split()),
        "extractor_version": "bench",
        "fetched_at": fetched_at,
        "_capture": Capture(url, 200, [("Content-Type", "text/html; charset=utf-8")], body, fetched_at),
    }


def build(db: Path, articles: int) -> float:
    """Write `articles` synthetic articles through `Archive.write_articles` (batches of 500), and a newer
    version of 1 in 20 of them in a second crawl; return the seconds it took."""
    from diplomatic_crawler.archive import Archive

    rnd = random.Random(8)
    started = time.perf_counter()
    with Archive(db) as archive:
        for edited in (False, True):
            crawl = archive.start_crawl({"seeds": "bench"}, [s for s, _ in SITES])
            numbers = range(0, articles, 20) if edited else range(articles)
            batch: list[dict[str, Any]] = []
            for n in numbers:
                batch.append(_record(rnd, n, edited=edited))
                if len(batch) == 500:
                    archive.write_articles(batch, crawl)
                    batch = []
            if batch:
                archive.write_articles(batch, crawl)
            archive.finish_crawl(crawl, "finished", {})
    return time.perf_counter() - started


async def measure(db: Path, rounds: int) -> list[tuple[str, float, str]]:
    from datasette.app import Datasette

    from diplomatic_crawler.datasette import metadata_for, settings_for

    ds = Datasette([str(db)], metadata=metadata_for(db), settings=settings_for())
    await ds.invoke_startup()
    name = db.stem
    first = (await ds.client.get(f"/{name}/articles_browse.json?_shape=objects&_size=1")).json()["rows"][0]
    pages = {
        "database page": f"/{name}",
        "browse page (HTML, facets)": f"/{name}/articles_browse",
        "browse JSON (facets)": f"/{name}/articles_browse.json",
        "browse, language=fr": f"/{name}/articles_browse.json?language=fr",
        "browse, search 'corrected'": f"/{name}/articles_browse.json?_search=corrected",  # 5% of articles
        "browse, search 'sanctions'": f"/{name}/articles_browse.json?_search=sanctions",  # nearly all
        "articles table": f"/{name}/articles.json",
        "reading page": f"/{name}/-/article/{first['article_id']}",
    }
    results = []
    for label, path in pages.items():
        response = await ds.client.get(path)  # warm
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}: {response.text[:300]}")
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            response = await ds.client.get(path)
            times.append(time.perf_counter() - start)
        note = ""
        if path.endswith(".json") or ".json?" in path:
            data = response.json()
            timed_out = data.get("facets_timed_out") or []
            facets = sorted(data.get("facet_results") or {})
            note = f"facets {','.join(facets) or '-'}; timed out: {','.join(timed_out) or 'none'}"
        results.append((label, statistics.median(times), note))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/browse-bench.db"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="Build the archive again even if it exists.")
    args = parser.parse_args()
    if args.rebuild or not args.db.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        seconds = build(args.db, args.articles)
        print(f"built {args.db}: {args.articles:,} articles in {seconds:.0f} s")
    else:
        from diplomatic_crawler.archive import Archive

        started = time.perf_counter()
        with Archive(args.db) as archive:  # pending migrations (the indexes) applied here, as `browse` does
            print(f"using {args.db}: {archive.count('articles'):,} articles"
                  f" (opened and migrated in {time.perf_counter() - started:.1f} s)")
    for label, seconds, note in asyncio.run(measure(args.db, args.rounds)):
        print(f"{label:30} {seconds * 1000:8.1f} ms  {note}")


if __name__ == "__main__":
    main()

"""CLI commands around the enrichments: `similar` (a near-duplicate cluster) and `enrich` (back-fill).

Registered in cli/__init__.py. The library does the work (`diplomatic_crawler.enrich`); these are thin layers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..readonly import placeholders
from ..tables import format_table
from .options import db_option, json_option, site_option


def _open(db: str) -> Any:
    from ..archive import Archive

    if not Path(db).exists():
        raise click.ClickException(f"{db}: no such archive")
    return Archive(db)


def _find(archive: Any, url: str) -> dict[str, Any] | None:
    """The article row for URL: its canonical URL, the address fetched, or either with/without a final /."""
    candidates = [url, url.rstrip("/"), url.rstrip("/") + "/"]
    for column in ("canonical_url", "url"):
        for value in candidates:
            row = archive.db.execute(
                f"SELECT canonical_url, cluster_id, statement_group FROM articles WHERE {column} = ? LIMIT 1",
                [value],
            ).fetchone()
            if row:
                return {"canonical_url": row[0], "cluster_id": row[1], "statement_group": row[2]}
    return None


@click.command()
@click.argument("url")
@db_option()
@json_option("Print the cluster as JSON.")
def similar(url: str, db: str, as_json: bool) -> None:
    """List the near-duplicate cluster of URL (reposts of the same statement on other sites), with the
    estimated similarity of each copy, and the article's declared language versions.

    Example: diplomatic-crawler similar https://mfa.gov.az/en/news/no51221 --db output/archive.db
    """
    from ..enrich.clusters import ClusterIndex

    archive = _open(db)
    try:
        found = _find(archive, url)
        if found is None:
            raise click.ClickException(f"{url}: not in {db}")
        if not found["cluster_id"]:
            raise click.ClickException(f"{url}: no cluster yet; run `diplomatic-crawler enrich --db {db}`")
        index = ClusterIndex(archive.db)
        key = found["canonical_url"]
        members = []
        for row in archive.db.execute(
            "SELECT canonical_url, site, published, doc_type, content_type, title FROM articles"
            " WHERE cluster_id = ? ORDER BY published IS NULL, published, canonical_url",
            [found["cluster_id"]],
        ):
            similarity = 1.0 if row[0] == key else index.similarity(key, row[0])
            members.append(
                {
                    "canonical_url": row[0],
                    "site": row[1],
                    "published": row[2],
                    "doc_type": row[3],
                    "content_type": row[4],
                    "title": row[5],
                    "similarity": None if similarity is None else round(similarity, 3),
                }
            )
        versions = []
        if found["statement_group"]:
            versions = [
                {"canonical_url": u, "language": lang, "site": site}
                for u, lang, site in archive.db.execute(
                    "SELECT canonical_url, language, site FROM articles WHERE statement_group = ?"
                    " AND canonical_url != ? ORDER BY language, canonical_url",
                    [found["statement_group"], key],
                )
            ]
    finally:
        archive.close()
    if as_json:
        payload = {
            "canonical_url": key,
            "cluster_id": found["cluster_id"],
            "members": members,
            "statement_group": found["statement_group"],
            "language_versions": versions,
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    click.echo(f"cluster {found['cluster_id']}: {len(members)} article(s)")
    rows = [
        [
            "*" if m["canonical_url"] == key else "",
            "-" if m["similarity"] is None else f"{m['similarity']:.2f}",
            m["site"],
            (m["published"] or "")[:10],
            m["doc_type"],
            m["canonical_url"],
            m["title"],
        ]
        for m in members
    ]
    click.echo(format_table(None, rows, right={1}, min_widths=(1, 4, 19, 10, 14)))
    if versions:
        click.echo(f"language versions (statement group {found['statement_group']}):")
        rows = [[v["language"] or "??", v["site"], v["canonical_url"]] for v in versions]
        click.echo(format_table(None, rows, min_widths=(4, 19), indent="  "))


@click.command()
@db_option()
@site_option
@click.option("--all", "redo", is_flag=True, help="Recompute every row, not only rows without enrichments.")
def enrich(db: str, sites: tuple[str, ...], redo: bool) -> None:
    """Fill doc_type, countries, clusters and statement groups for articles archived before these
    enrichments existed (or, with --all, recompute them after a rule change), and the stored word summaries
    of revisions written before the archive kept them (what `changes` reads). No network access.

    Example: diplomatic-crawler enrich --db output/archive.db
    """
    from ..changes import keep_missing_summaries
    from ..enrich.hooks import ENRICHMENT_ERROR, ArchiveEnricher, enrich_record

    archive = _open(db)
    where = [] if redo else ["(doc_type IS NULL OR countries IS NULL OR cluster_id IS NULL)"]
    params: list[Any] = []
    if sites:
        where.append(f"site IN ({placeholders(len(sites))})")
        params.extend(sites)
    sql = "SELECT canonical_url FROM articles"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY first_seen, canonical_url"
    try:
        keys = [k for (k,) in archive.db.execute(sql, params)]
        enricher = ArchiveEnricher(archive.db)
        columns = ("canonical_url", "url", "title", "section", "text", "language", "alternates", "content_type")
        done = failed = 0
        first_error = None
        for start in range(0, len(keys), 200):
            chunk = keys[start : start + 200]
            with archive.db.atomic():
                for key in chunk:
                    row = archive.db.execute(
                        f"SELECT {', '.join(columns)} FROM articles WHERE canonical_url = ?", [key]
                    ).fetchone()
                    record = dict(zip(columns, row, strict=True))
                    record["alternates"] = json.loads(record["alternates"]) if record["alternates"] else []
                    enrich_record(record)
                    if error := record.pop(ENRICHMENT_ERROR, None):
                        failed += 1
                        first_error = first_error or error
                    archive.db.execute(
                        "UPDATE articles SET doc_type = ?, doc_type_reason = ?, countries = ?, content_type = ?"
                        " WHERE canonical_url = ?",
                        [
                            record.get("doc_type"),
                            record.get("doc_type_reason"),
                            None if record.get("countries") is None else json.dumps(record["countries"]),
                            record.get("content_type"),
                            key,
                        ],
                    )
                    enricher.after_write(record, "updated")
                    done += 1
        summaries = keep_missing_summaries(archive.db, sites)
        clusters = archive.db.execute("SELECT count(DISTINCT cluster_id) FROM articles").fetchone()[0]
        groups = archive.db.execute("SELECT count(DISTINCT statement_group) FROM articles").fetchone()[0]
    finally:
        archive.close()
    if failed and failed == done:
        raise click.ClickException(f"enrichment failed for all {failed} article(s): {first_error}")
    if failed:
        click.echo(f"enrichment failed for {failed} of {done} article(s): {first_error}", err=True)
    click.echo(
        f"{done - failed} article(s) enriched; {clusters} cluster(s), {groups} statement group(s) in {db}"
        + (f"; {summaries} revision summary(ies) stored" if summaries else "")
    )

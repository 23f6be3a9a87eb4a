"""Near-duplicate clusters (MinHash/LSH in the archive), and an end-to-end crawl of two sites that republish the
same releases with edits: a bilingual ministry (hreflang, a PDF release) and an embassy."""

from __future__ import annotations

import functools
import json
import sqlite3
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import run_crawl
from enrichsites import (
    EMBASSY_REPOSTS,
    agency_copy,
    build_embassy,
    build_ministry,
    embassy_copy,
    fixture_page_texts,
    load_releases,
    pairwise_scores,
)

from diplomatic_crawler.archive import Archive
from diplomatic_crawler.cli import main
from diplomatic_crawler.demo.server import SiteServer
from diplomatic_crawler.enrich.clusters import (
    ClusterIndex,
    Signature,
    band_keys,
    candidates_sql,
    cluster_id_for,
    signature,
)


def _record(url: str, site: str, title: str, paragraphs: list[str]) -> dict:
    return {
        "canonical_url": url,
        "url": url,
        "site": site,
        "title": title,
        "text": "\n\n".join(paragraphs),
        "language": "en",
    }


def _corpus() -> tuple[list[dict], dict[str, str]]:
    """Originals (the 6 releases, three pairs on one topic each, and the real fixture pages) with an embassy
    and an agency repost of each: (records in arrival order, truth url -> statement)."""
    bases = [(r["id"], r["title"], r["paragraphs"]) for r in load_releases()] + fixture_page_texts()
    records, truth = [], {}
    for n, (sid, title, paragraphs) in enumerate(bases):
        copies = [
            ("ministry", title, paragraphs),
            ("embassy", *embassy_copy(title, paragraphs)),
            ("agency", *agency_copy(title, paragraphs)),
        ]
        for site, t, p in copies[n % 3 :] + copies[: n % 3]:  # arrival order varies
            url = f"https://{site}.example/{sid}"
            records.append(_record(url, site, t, p))
            truth[url] = sid
    return records, truth


def test_cluster_precision_recall(tmp_path: Path) -> None:
    records, truth = _corpus()
    assert len(truth) >= 60
    with Archive(tmp_path / "a.db") as archive:
        for start in range(0, len(records), 7):  # several batches: the index grows incrementally
            archive.write_articles(records[start : start + 7], None)
        predicted = dict(archive.db.execute("SELECT canonical_url, cluster_id FROM articles").fetchall())
    precision, recall = pairwise_scores(predicted, truth)
    print(f"cluster pairwise precision {precision:.3f} recall {recall:.3f} over {len(truth)} articles")
    assert precision >= 0.95 and recall >= 0.9
    # different statements on the same topic never share a cluster
    for a, b in (
        ("lv-consultations", "ee-consultations"),
        ("ganja-statement", "barda-statement"),
        ("uz-call", "uz-culture"),
    ):
        assert predicted[f"https://ministry.example/{a}"] != predicted[f"https://ministry.example/{b}"]


def test_exact_repost_and_text_change(tmp_path: Path) -> None:
    release = load_releases()[0]
    text = release["paragraphs"]
    with Archive(tmp_path / "a.db") as archive:
        archive.write_articles([_record("https://a.example/1", "a", "T", text)], None)
        archive.write_articles([_record("https://b.example/1", "b", "T", text)], None)  # exact repost
        rows = dict(archive.db.execute("SELECT canonical_url, cluster_id FROM articles").fetchall())
        assert rows["https://a.example/1"] == rows["https://b.example/1"] == cluster_id_for("https://a.example/1")
        # the repost is replaced by another statement: it leaves the cluster
        other = load_releases()[5]["paragraphs"]
        archive.write_articles([_record("https://b.example/1", "b", "T2", other)], None)
        rows = dict(archive.db.execute("SELECT canonical_url, cluster_id FROM articles").fetchall())
        assert rows["https://b.example/1"] != rows["https://a.example/1"]
        assert ClusterIndex(archive.db).similarity("https://a.example/1", "https://b.example/1") < 0.2


def test_merge_when_a_copy_links_two_clusters(tmp_path: Path) -> None:
    """A and C are too different to match, B matches both: all three end in one cluster."""
    p = load_releases()[0]["paragraphs"]
    q = load_releases()[4]["paragraphs"]
    with Archive(tmp_path / "a.db") as archive:
        archive.write_articles([_record("https://a.example/1", "a", "A", p[:2])], None)
        archive.write_articles([_record("https://c.example/1", "c", "C", q[:2])], None)
        archive.write_articles([_record("https://b.example/1", "b", "B", p[:2] + q[:2])], None)
        clusters = {c for (c,) in archive.db.execute("SELECT cluster_id FROM articles")}
    assert len(clusters) == 1


@pytest.mark.parametrize("text", ["", "Short notice.", "The embassy is closed on Monday."])
def test_short_texts_are_never_matched(text: str) -> None:
    assert signature(text) is None


@functools.cache
def _every_combining_mark() -> dict[int, None]:
    return {cp: None for cp in range(sys.maxunicode + 1) if unicodedata.combining(chr(cp))}


@pytest.mark.parametrize(
    "text",
    ["Déclaration conjointe", "Ångström ﬁnal Ǆ", "Заявление МИД Казахстана", "Tiếng Việt ḱ ῷ", "한국어 ﷺ", "plain"],
)
def test_folding_deletes_exactly_the_combining_marks(text: str) -> None:
    """Shingles must not change with how marks are removed: stored signatures compare with new ones."""
    from diplomatic_crawler.enrich.clusters import _fold

    expected = unicodedata.normalize("NFKD", text.casefold()).translate(_every_combining_mark())
    assert _fold(text) == expected
    assert _fold("Déclaration") == "declaration"


def test_crawl_two_sites_bilingual_pdf(tmp_path: Path) -> None:
    releases = load_releases()
    ministry_root, embassy_root = tmp_path / "ministry", tmp_path / "embassy"
    ministry_root.mkdir()
    embassy_root.mkdir()
    ministry_paths = build_ministry(ministry_root, releases)
    embassy_paths = build_embassy(embassy_root, releases)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    db = tmp_path / "archive.db"
    with SiteServer(ministry_root) as ministry, SiteServer(embassy_root) as embassy:
        for name, server, start, extra in (
            ("ministry", ministry, "/en/", "country = 'AZ'\nissuer = 'Ministry of Foreign Affairs of Azerbaijan'\n"),
            ("embassy", embassy, "/", "country = 'AZ'\n"),
        ):
            (seeds / f"{name}.toml").write_text(
                f"name = '{name}'\nallowed_domains = ['{server.netloc}']\nstart_urls = ['{server.base_url}{start}']\n"
                f"language = 'en'\ntimezone = 'Asia/Baku'\n{extra}",
                encoding="utf-8",
            )
        result = run_crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db))
        assert result.returncode == 0, result.stderr[-3000:]
        truth = {f"{ministry.base_url}{p}": sid for p, sid in ministry_paths.items()}
        truth |= {f"{embassy.base_url}{p}": sid for p, sid in embassy_paths.items()}
        pdf_url = f"{ministry.base_url}/files/{releases[0]['id']}.pdf"
        page_url = f"{ministry.base_url}/en/news/{releases[0]['id']}.html"
        ru_url = f"{ministry.base_url}/ru/news/{releases[0]['id']}.html"

    conn = sqlite3.connect(db)
    rows = {
        r[0]: r
        for r in conn.execute(
            "SELECT canonical_url, cluster_id, statement_group, content_type, linked_from, doc_type, countries,"
            " language,"
            " published FROM articles"
        )
    }
    assert set(rows) == set(truth)
    # the embassy reposts are clustered with the ministry's originals, and nothing else is
    english_html = {u: s for u, s in truth.items() if "/ru/" not in u and not u.endswith(".pdf")}
    precision, recall = pairwise_scores({u: rows[u][1] for u in english_html}, english_html)
    assert (precision, recall) == (1.0, 1.0)
    for sid in EMBASSY_REPOSTS:
        assert (
            rows[f"{embassy.base_url}/news/{sid}-embassy.html"][1] == rows[f"{ministry.base_url}/en/news/{sid}.html"][1]
        )
    # the PDF release: archived as a pdf, linked to its page, dated by its dateline, same statement as the page
    pdf = rows[pdf_url]
    assert pdf[3] == "pdf" and pdf[4] == page_url and pdf[8] == "2021-12-07" and pdf[1] == rows[page_url][1]
    assert rows[page_url][3] == "html"
    # English and Russian versions share a statement group; other releases have none or another one
    assert rows[page_url][2] and rows[page_url][2] == rows[ru_url][2]
    assert rows[ru_url][7] == "ru"
    assert rows[f"{ministry.base_url}/en/news/ee-consultations.html"][2] is None
    # doc_type with evidence, countries from title and text
    assert rows[page_url][5] == "press_release"
    assert rows[f"{ministry.base_url}/en/news/ganja-statement.html"][5] == "statement"
    assert rows[f"{ministry.base_url}/en/news/uz-call.html"][5] == "readout"
    assert json.loads(rows[page_url][6])[:2] == ["AZ", "LV"]
    assert "AM" in json.loads(rows[f"{ministry.base_url}/en/news/ganja-statement.html"][6])
    reason = conn.execute("SELECT doc_type_reason FROM articles WHERE canonical_url = ?", [page_url]).fetchone()[0]
    assert "press release" in reason
    conn.close()

    # `diplomatic-crawler similar URL`
    runner = CliRunner()
    out = runner.invoke(main, ["similar", page_url, "--db", str(db)])
    assert out.exit_code == 0, out.output
    assert "3 article(s)" in out.output  # page, PDF, embassy repost
    assert f"{embassy.base_url}/news/{releases[0]['id']}-embassy.html" in out.output
    assert ru_url in out.output  # listed as a language version
    data = json.loads(runner.invoke(main, ["similar", page_url, "--db", str(db), "--json"]).output)
    assert {m["canonical_url"] for m in data["members"]} == {
        page_url,
        pdf_url,
        f"{embassy.base_url}/news/{releases[0]['id']}-embassy.html",
    }
    assert all(m["similarity"] >= 0.5 for m in data["members"])
    missing = runner.invoke(main, ["similar", "https://nowhere.example/x", "--db", str(db)])
    assert missing.exit_code == 1 and "not in" in missing.output

    # `diplomatic-crawler enrich` back-fills rows archived without enrichments and gives the same result
    conn = sqlite3.connect(db)
    before = dict(conn.execute("SELECT canonical_url, cluster_id FROM articles"))
    with conn:
        conn.execute("UPDATE articles SET doc_type = NULL, cluster_id = NULL, countries = NULL")
        conn.execute("DELETE FROM minhash")
        conn.execute("DELETE FROM minhash_buckets")
    conn.close()
    out = runner.invoke(main, ["enrich", "--db", str(db)])
    assert out.exit_code == 0, out.output
    assert f"{len(truth)} article(s) enriched" in out.output
    conn = sqlite3.connect(db)
    after = dict(conn.execute("SELECT canonical_url, cluster_id FROM articles"))
    assert pairwise_scores(after, before) == (1.0, 1.0)
    assert conn.execute("SELECT count(*) FROM articles WHERE doc_type IS NULL OR countries IS NULL").fetchone()[0] == 0
    conn.close()


def test_lsh_bands_are_datasketchs_optimum() -> None:
    from datasketch import MinHashLSH

    from diplomatic_crawler.enrich.clusters import LSH_BANDS, LSH_THRESHOLD, NUM_PERM

    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    assert (lsh.b, lsh.r) == LSH_BANDS


def test_worker_side_enrichment_matches_archive_side(tmp_path: Path) -> None:
    """The extraction worker computes doc_type, countries and the signature; the archive uses them as given."""
    from diplomatic_crawler.workers import analyse_page

    release = load_releases()[0]
    html = "".join(
        [
            f"<html lang='en'><head><title>{release['title']}</title>",
            "<meta property='og:type' content='article'></head>",
            f"<body><article><h1>{release['title']}</h1>",
            *(f"<p>{p}</p>" for p in release["paragraphs"]),
            "</article></body></html>",
        ]
    )
    page = analyse_page(html, "https://mfa.example/en/news/1", None)
    assert page.article is not None
    enrichment = page.enrichment
    assert enrichment["doc_type"] == "press_release" and enrichment["countries"][:2] == ["AZ", "LV"]
    assert enrichment["_minhash"]["shingles"] > 50
    from diplomatic_crawler.enrich.hooks import item_extra

    record = {
        **page.article.to_dict(),
        "canonical_url": "https://mfa.example/en/news/1",
        "site": "mfa",
        **item_extra(enrichment, None),
    }
    with Archive(tmp_path / "a.db") as archive:
        archive.write_articles([record, _record("https://b.example/1", "b", "T", release["paragraphs"])], None)
        rows = archive.db.execute("SELECT cluster_id, doc_type FROM articles ORDER BY canonical_url").fetchall()
        columns = set(archive.db["articles"].columns_dict)
    assert rows[0][0] == rows[1][0]
    assert "_minhash" not in columns


def test_candidate_lookup_searches_the_band_index(tmp_path: Path) -> None:
    """One primary-key search per bucket and per match, never a scan of the index: a scan made each
    article's lookup grow with the archive (quadratic over a crawl)."""
    with Archive(tmp_path / "a.db") as archive:
        plan = archive.db.execute("EXPLAIN QUERY PLAN " + candidates_sql(3), [1, 2, 3]).fetchall()
    details = " | ".join(row[-1] for row in plan)
    assert "SEARCH mb USING PRIMARY KEY (bucket=?)" in details, details
    assert "SEARCH m USING INTEGER PRIMARY KEY (rowid=?)" in details, details
    assert "SCAN mb" not in details and "SCAN m " not in details and not details.endswith("SCAN m"), details


def _repost_after_upgrade(
    path: Path, version: int, make_older: Callable[[Any], None]
) -> tuple[dict[str, Any], Signature]:
    """Archive a statement, turn the archive into one from before migration `version` (`make_older(db)`),
    reopen it (the migration runs) and archive a repost, which must join the statement's cluster. Returns
    what the migrated archive held before the repost, and the statement's signature."""
    text = load_releases()[0]["paragraphs"]
    with Archive(path) as archive:
        archive.write_articles([_record("https://a.example/1", "a", "T", text)], None)
        cluster = archive.db.execute("SELECT cluster_id FROM articles").fetchone()[0]
        make_older(archive.db)
        archive.db.execute("DELETE FROM migrations WHERE version = ?", [version])
        archive.db.conn.commit()
    expected = signature("\n\n".join(text))
    assert expected is not None
    with Archive(path) as archive:
        state = {
            "tables": set(archive.db.table_names()),
            "stored": archive.db.execute("SELECT signature, shingles FROM minhash").fetchone(),
            "buckets": {r[0] for r in archive.db.execute("SELECT bucket FROM minhash_buckets")},
        }
        archive.write_articles([_record("https://b.example/1", "b", "T", text)], None)
        rows = dict(archive.db.execute("SELECT canonical_url, cluster_id FROM articles").fetchall())
    assert rows == {"https://a.example/1": cluster, "https://b.example/1": cluster}
    return state, expected


def test_migration_recomputes_signatures_of_an_older_archive(tmp_path: Path) -> None:
    """Migration 41: signatures stored by the earlier (datasketch) hashing are recomputed, so a repost
    crawled after the upgrade still joins the cluster of the statement archived before it."""

    def datasketch_era(db: Any) -> None:  # other signature values
        db.execute("UPDATE minhash SET signature = zeroblob(length(signature))")
        db.execute("UPDATE minhash_buckets SET bucket = bucket + 1")

    state, expected = _repost_after_upgrade(tmp_path / "a.db", 41, datasketch_era)
    assert state["stored"] == (expected.to_blob(), expected.size)


def test_a_changed_text_leaves_no_stale_band_rows(tmp_path: Path) -> None:
    """Re-indexing after a text change removes the old band rows (found by primary key from the old
    signature): a stale row would keep offering the article as a candidate for its old text."""
    releases = load_releases()
    key = "https://a.example/1"
    with Archive(tmp_path / "a.db") as archive:
        archive.write_articles([_record(key, "a", "T", releases[0]["paragraphs"])], None)
        archive.write_articles([_record(key, "a", "T2", releases[5]["paragraphs"])], None)
        rows = archive.db.execute(
            "SELECT bucket FROM minhash_buckets JOIN minhash ON minhash.id = ref WHERE canonical_url = ?", [key]
        ).fetchall()
        total = archive.db.execute("SELECT count(*) FROM minhash_buckets").fetchone()[0]
    new = signature("\n\n".join(releases[5]["paragraphs"]))
    assert new is not None and {r[0] for r in rows} == set(band_keys(new))
    assert total == len(set(band_keys(new)))  # nothing left of the old text's buckets


def test_migration_80_compacts_the_band_index_of_an_older_archive(tmp_path: Path) -> None:
    """An archive with the URL-keyed `minhash_bands` gets `minhash_buckets` rebuilt from its signatures,
    and a repost crawled after the upgrade still joins the cluster archived before it."""

    def band_era(db: Any) -> None:  # the layout before migration 80
        rows = db.execute("SELECT canonical_url, shingles, signature FROM minhash").fetchall()
        db.execute("DROP TABLE minhash")
        db.execute("DROP TABLE minhash_buckets")
        db.execute("CREATE TABLE minhash (canonical_url TEXT PRIMARY KEY, shingles INTEGER NOT NULL, signature BLOB)")
        db.execute(
            "CREATE TABLE minhash_bands (band INTEGER NOT NULL, bucket INTEGER NOT NULL, canonical_url TEXT NOT NULL,"
            " PRIMARY KEY (band, bucket, canonical_url)) WITHOUT ROWID"
        )
        db.conn.executemany("INSERT INTO minhash VALUES (?, ?, ?)", rows)
        db.execute("INSERT INTO minhash_bands VALUES (0, 1, 'https://a.example/1')")

    state, expected = _repost_after_upgrade(tmp_path / "a.db", 80, band_era)
    assert "minhash_bands" not in state["tables"] and "minhash_buckets" in state["tables"]
    assert state["buckets"] == set(band_keys(expected))


def test_merged_signatures_get_the_archives_own_ids_and_buckets(tmp_path: Path) -> None:
    """Shards number their signatures independently: a merge re-indexes each new signature under the
    merged archive's own id, so candidates found there point at the right article."""
    from diplomatic_crawler.merge import merge_shards

    releases = load_releases()
    shards = []
    for n, release in enumerate(releases[:2]):
        shard = tmp_path / f"w{n}.db"
        with Archive(shard) as archive:
            archive.write_articles([_record(f"https://s{n}.example/1", f"s{n}", "T", release["paragraphs"])], None)
        shards.append(shard)
    merged = tmp_path / "merged.db"
    merge_shards(shards, merged)
    merge_shards(list(reversed(shards)), merged)  # again, other order: nothing added twice
    with Archive(merged) as archive:
        refs = dict(archive.db.execute("SELECT canonical_url, id FROM minhash").fetchall())
        assert len(refs) == 2 and len(set(refs.values())) == 2
        for n, release in enumerate(releases[:2]):
            sig = signature("\n\n".join(release["paragraphs"]))
            assert sig is not None
            ref = refs[f"https://s{n}.example/1"]
            rows = {r[0] for r in archive.db.execute("SELECT bucket FROM minhash_buckets WHERE ref = ?", [ref])}
            assert rows == set(band_keys(sig))
        repost = _record("https://agency.example/9", "agency", "T", releases[1]["paragraphs"])
        archive.write_articles([repost], None)
        clusters = dict(archive.db.execute("SELECT canonical_url, cluster_id FROM articles").fetchall())
    assert clusters["https://agency.example/9"] == clusters["https://s1.example/1"] != clusters["https://s0.example/1"]

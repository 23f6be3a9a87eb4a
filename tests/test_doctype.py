"""doc_type: every stored case (en, fr, ru, es: title, URL, opening) gets its expected label, with evidence."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from diplomatic_crawler.enrich.doctype import DOC_TYPES, classify_doc_type, fold

CASES = Path(__file__).resolve().parent / "fixtures" / "enrich"


def load(name: str) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for line in (CASES / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            lang, expected, url, title, opening = line.split("\t")
            rows.append((lang, expected, url, title, opening))
    return rows


DEV = load("doctype_cases.tsv")
HELDOUT = load("doctype_heldout.tsv")


def test_fixture_covers_every_language_and_type() -> None:
    per_language = Counter(lang for lang, *_ in DEV)
    assert all(per_language[lang] >= 30 for lang in ("en", "fr", "ru", "es")), per_language
    assert {expected for _, expected, *_ in DEV} == set(DOC_TYPES)


@pytest.mark.parametrize(("lang", "expected", "url", "title", "opening"), DEV, ids=[c[3][:40] for c in DEV])
def test_doc_type(lang: str, expected: str, url: str, title: str, opening: str) -> None:
    found = classify_doc_type(title, url, None, opening, lang)
    assert found.label == expected, found.reason
    assert found.reason  # the evidence is always recorded


def test_held_out_accuracy() -> None:
    """Cases written after the rules; a floor, not a per-case contract (bench/enrichment_quality.py prints
    the per-type figures)."""
    hits = sum(classify_doc_type(t, u, None, o, lang).label == e for lang, e, u, t, o in HELDOUT)
    assert hits / len(HELDOUT) >= 0.8


@pytest.mark.parametrize(
    ("title", "url", "section", "language", "label", "evidence"),
    [
        (
            "Joint Statement on the U.S.-Japan Dialogue",
            None,
            None,
            "en",
            "joint_statement",
            "title[en] «joint statement»",
        ),
        ("Untitled", "https://x.example/press-releases/2021/12/7", None, "en", "press_release", "url[en]"),
        ("Visit", None, "Statements", "en", "statement", "section[en] «statements»"),
        # French "comment" (how) is not an English comment when the page is French
        ("Passeport : comment faire une demande", None, None, "fr", "other", "title[fr] «passeport»"),
        ("Passport: comment on renewal rules", None, None, "en", "statement", "title[en]"),
        # explicit genre label beats content cues
        ("Statement by the Spokesperson on the telephone conversation", None, None, "en", "statement", "title[en]"),
        ("", None, None, None, "news_report", "default"),
    ],
)
def test_places_and_rules(title, url, section, language, label, evidence) -> None:
    found = classify_doc_type(title, url, section, None, language)
    assert found.label == label
    assert evidence in found.reason


def test_fold() -> None:
    assert fold("Communiqué CONJOINT") == "communique conjoint"
    assert fold("Приём, ёлка") == "прием, елка"

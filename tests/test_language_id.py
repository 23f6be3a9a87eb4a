"""The article's language: declared by the markup, or detected from the text where the markup declares
none or certainly the wrong one (ministry sites that declare "en" on every language version)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from diplomatic_crawler.extraction import extract_article
from diplomatic_crawler.extraction.language_id import text_language

FETCHED = datetime(2022, 6, 1, 12, 0, tzinfo=UTC)
TEXTS = {
    "uk": "Міністр закордонних справ України провів зустріч з послом, під час якої сторони обговорили питання "
          "двосторонньої співпраці, безпеки в регіоні та підтримки економічних реформ.",
    "de": "Der Bundesminister des Auswärtigen hat heute den Botschafter empfangen. Im Mittelpunkt des Gesprächs "
          "standen die bilateralen Beziehungen, die Sicherheit in der Region und wirtschaftliche Reformen.",
    "en": "The Minister of Foreign Affairs received the Ambassador today. The talks focused on bilateral "
          "relations, regional security and the support of economic reforms in the coming year.",
    "fr": "Le ministre des Affaires étrangères a reçu aujourd'hui l'ambassadeur. Les entretiens ont porté sur "
          "les relations bilatérales, la sécurité régionale et le soutien aux réformes économiques.",
}


def body(language: str, paragraphs: int = 4) -> str:
    return "".join(f"<p>{TEXTS[language]} ({i})</p>" for i in range(paragraphs))


def page(lang_attr: str, content: str, date_line: str = "") -> str:
    return (f"<html{lang_attr}><head><title>Statement</title></head><body><article><h1>Statement</h1>"
            f"<div class='date'>{date_line}</div>{content}</article></body></html>")


@pytest.mark.parametrize(
    ("lang_attr", "content", "language", "source"),
    [
        (" lang='de'", body("de"), "de", "html"),
        ("", body("uk"), "uk", "detected"),  # nothing declared
        (" lang='en'", body("uk"), "uk", "detected"),  # declared wrong, the text is certain
        (" lang='en'", body("fr"), "fr", "detected"),
        (" lang='fr'", "<p>" + TEXTS["en"][:150] + "</p>", "fr", "html"),  # too little text to overrule
        (" lang='de'", body("en", 2) + body("de", 2), "de", "html"),  # the two ends disagree: keep it
    ],
    ids=["declared-right", "undeclared", "declared-en-text-uk", "declared-en-text-fr", "short", "mixed"],
)
def test_language_and_its_source(lang_attr: str, content: str, language: str, source: str) -> None:
    found = extract_article(page(lang_attr, content), "https://mfa.example.org/news/1", fetched_at=FETCHED)
    assert (found.language, found.language_source) == (language, source)


def test_a_wrong_declaration_no_longer_hides_the_date_line() -> None:
    html = page(" lang='en'", body("uk"), "07 грудня 2021 року")
    found = extract_article(html, "https://mfa.example.ua/uk/news/1", fetched_at=FETCHED)
    assert (found.language, found.published, found.published_raw) == ("uk", "2021-12-07", "07 грудня 2021 року")


def test_text_language_without_text_keeps_the_declaration() -> None:
    assert text_language("en", "") == ("en", False)
    assert text_language(None, "short") == (None, False)


def test_a_model_that_cannot_be_loaded_switches_detection_off_not_extraction(tmp_path: Path) -> None:
    # py3langid unpacks its model into a temporary file: under a full disk (here a file-size limit) that
    # fails, and the page must still be extracted, with its declared language and one warning.
    html = page(" lang='en'", body("uk"))
    script = (
        "import resource, signal\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "import logging; logging.basicConfig(level=logging.WARNING)\n"
        "from diplomatic_crawler.extraction import extract_article\n"
        f"html = {html!r}\n"
        "for n in range(2):\n"
        "    a = extract_article(html, f'https://mfa.example.ua/uk/news/{n}')\n"
        "    print(a.language, a.language_source, len(a.text) > 200)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split("\n")[:2] == ["en html True", "en html True"]
    assert result.stderr.count("Language detection off") == 1 and "Traceback" not in result.stderr

"""countries: ISO 3166-1 alpha-2 codes named in title and text, in en, fr, ru, es, with demonyms, short
forms, Russian inflection, false friends and the Georgia rule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from diplomatic_crawler.enrich.countries import countries_mentioned, country_names


@pytest.mark.parametrize(
    ("title", "text", "language", "expected"),
    [
        # demonyms and short forms (en)
        (
            "Azerbaijani FM holds telephone conversation with Uzbek counterpart",
            "The Armenian side ignored it.",
            "en",
            ["AZ", "UZ", "AM"],
        ),
        ("", "The U.S. and the UK welcomed the talks; the USA and Britain agree.", "en", ["US", "GB"]),
        ("", "Talks with the DPRK and the Republic of Korea.", "en", ["KP", "KR"]),
        ("", "Papua New Guinea and Guinea-Bissau, not Guinea.", "en", ["PG", "GW", "GN"]),
        # Russian: names and adjectives in any case form
        (
            "",
            "Армянская сторона нарушила договорённости; в Армении и Азербайджане; с Россией и США.",
            "ru",
            ["AM", "AZ", "RU", "US"],
        ),
        (
            "",
            "Посол Китая и представители Соединенных Штатов; французской стороной; с Индией и Турцию.",
            "ru",
            ["CN", "US", "FR", "IN", "TR"],
        ),
        # French and Spanish: accents, elision, feminine/plural demonyms, abbreviations
        (
            "",
            "La partie arménienne et les autorités azerbaïdjanaises ; les États-Unis et le Royaume-Uni.",
            "fr",
            ["AM", "AZ", "US", "GB"],
        ),
        ("", "La parte armenia, EE. UU. y el Reino Unido; el canciller de Azerbaiyán.", "es", ["AM", "US", "GB", "AZ"]),
        # false friends: lower-case words, codes in capitals, continents
        ("", "We had turkey and china plates; CAN AND WILL; the Latin American and South American leaders.", "en", []),
        ("", "Chili con carne was served.", "en", []),  # the French name of Chile is not read in English
        ("", "El chile chileno.", "es", ["CL"]),  # a demonym (any case) is
        # Georgia: the country unless the text shows the US state (and nothing of the country)
        ("Georgia and Azerbaijan sign a memorandum", "The ministers met in Tbilisi.", "en", ["GE", "AZ"]),
        ("Governor signs the budget", "ATLANTA, Georgia - The Governor of Georgia signed the budget.", "en", []),
        ("", "The state of Georgia hosted the Georgian delegation from Tbilisi.", "en", ["GE"]),
        ("", "Délégation de Géorgie à Paris.", "fr", ["GE"]),
        ("", "Грузия и Армения.", "ru", ["GE", "AM"]),
        (None, None, None, []),
    ],
)
def test_countries(title, text, language, expected) -> None:
    assert countries_mentioned(title, text, language) == expected


def test_title_counts_first() -> None:
    assert countries_mentioned("France and Spain", "Italy, then France.", "en") == ["FR", "ES", "IT"]


def test_gazetteer_comes_from_the_libraries() -> None:
    names = country_names()
    assert len(names) > 2000  # CLDR names in four languages, ISO names, alternative spellings, demonyms
    assert names[("azerbaidjan",)] == "AZ"  # CLDR French
    assert names[("coree", "du", "sud")] == "KR"
    assert names[("azerbaijani",)] == "AZ"  # countryinfo demonym
    assert ("in",) not in names and ("can",) not in names  # ISO codes are never read as names


def _in_fresh_process(cache: Path, code: str) -> str:
    env = dict(os.environ, DIPLOMATIC_CRAWLER_CACHE=str(cache))
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


PROBE = """
import json, sys
from diplomatic_crawler.enrich.countries import countries_mentioned, country_names
found = countries_mentioned("Talks in Baku", "The Armenian side and the U.S. met. Переговоры с Китаем.", None)
loaded = sorted(m for m in ("babel", "pycountry", "countryinfo") if m in sys.modules)
print(json.dumps([found, len(country_names()), loaded]))
"""


def test_the_gazetteer_is_built_once_and_read_back_from_its_cache(tmp_path: Path) -> None:
    """The first process builds the gazetteer from the libraries and caches it; the next reads the cache
    (the libraries, ~30 MB, are never loaded) and finds the same countries; a damaged cache is rebuilt."""
    built = json.loads(_in_fresh_process(tmp_path, PROBE))
    assert built[0] == ["AM", "US", "CN"] and built[2] == ["babel", "countryinfo", "pycountry"]
    (cache,) = tmp_path.glob("gazetteer-*.json")
    cached = json.loads(_in_fresh_process(tmp_path, PROBE))
    assert cached[:2] == built[:2] and cached[2] == []
    cache.write_text("[[", encoding="utf-8")  # damaged
    assert json.loads(_in_fresh_process(tmp_path, PROBE)) == built
    assert json.loads(cache.read_text(encoding="utf-8"))  # rewritten whole

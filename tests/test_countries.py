"""countries: ISO 3166-1 alpha-2 codes named in title and text, in en, fr, ru, es, with demonyms, short
forms, Russian inflection, false friends and the Georgia rule."""

from __future__ import annotations

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

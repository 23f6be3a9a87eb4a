"""Month names: the built-in table of ten common languages, and any other language from dateparser's and
CLDR's data.

The built-in table (en, fr, ru, es, de, ar, tr, az, pt, it) is one precompiled regex, the fast path of
every page (`MONTH_RE`, `table_month`). A
site or page in another language ("07 грудня 2021 року", "07 դեկտեմբերի, 2021", "2021 m. gruodžio 7 d.")
gets patterns built here, once per language, from the month names dateparser ships (with the inflected
forms it knows) and babel's CLDR names (format and stand-alone, wide and abbreviated: the languages
dateparser lacks, such as Tajik). Nothing is hand-written per language.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata

logger = logging.getLogger(__name__)

MONTH_KEYS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
              "october", "november", "december")
#: Codes whose data lives under another name in dateparser ("no" is Bokmål there).
ALIASES = {"no": "nb", "iw": "he", "in": "id", "tl": "fil", "zh-tw": "zh-Hant", "zh-hk": "zh-Hant",
            "zh-cn": "zh-Hans", "sr-latn": "sr-Latn", "sr-cyrl": "sr-Cyrl"}


def fold(word: str) -> str:
    """A month word as looked up: casefolded, marks kept, dots and spacing normalised."""
    return " ".join(unicodedata.normalize("NFC", word).casefold().rstrip(".").split())


# ---------------------------------------------------------------- the built-in table (ten languages)

# Arabic: the Mashriq's, the Levant's (كانون الأول), Algeria's and Tunisia's (جانفي) and Morocco's (دجنبر) names.
_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "janvier", "janv", "enero", "ene", "januar", "jänner", "janeiro", "gennaio", "gen",
        "ocak", "oca", "yanvar", "يناير", "كانون الثاني", "جانفي"),
    2: ("february", "feb", "février", "fevrier", "févr", "fevr", "fév", "fev", "febrero", "februar",
        "fevereiro", "febbraio", "şubat", "subat", "şub", "sub", "fevral", "فبراير", "شباط", "فيفري"),
    3: ("march", "mar", "mars", "marzo", "märz", "maerz", "mär", "março", "marco", "mart", "مارس", "آذار"),
    4: ("april", "apr", "avril", "avr", "abril", "abr", "aprile", "nisan", "nis", "aprel", "ابريل", "نيسان",
        "افريل"),
    5: ("may", "mai", "mayo", "maio", "maggio", "mag", "mayis", "مايو", "ايار", "ماي"),
    6: ("june", "jun", "juin", "junio", "juni", "junho", "giugno", "giu", "haziran", "haz", "iyun", "يونيو",
        "يونيه", "حزيران", "جوان"),
    7: ("july", "jul", "juillet", "juil", "julio", "juli", "julho", "luglio", "lug", "temmuz", "tem", "iyul",
        "يوليو", "يوليه", "تموز", "جويلية", "يوليوز"),
    8: ("august", "aug", "août", "aout", "agosto", "ago", "ağustos", "agustos", "ağu", "agu", "avqust",
        "اغسطس", "آب", "اوت", "غشت"),
    9: ("september", "sep", "sept", "septembre", "septiembre", "setiembre", "setembro", "settembre", "set",
        "eylül", "eylul", "eyl", "sentyabr", "سبتمبر", "ايلول", "شتنبر"),
    10: ("october", "oct", "octobre", "octubre", "oktober", "okt", "outubro", "out", "ottobre", "ott", "ekim",
         "eki", "oktyabr", "اكتوبر", "تشرين الاول"),
    11: ("november", "nov", "novembre", "noviembre", "novembro", "kasim", "kas", "noyabr", "نوفمبر",
         "تشرين الثاني", "نونبر"),
    12: ("december", "dec", "décembre", "decembre", "déc", "diciembre", "dic", "dezember", "dez", "dezembro",
         "dicembre", "aralik", "ara", "dekabr", "ديسمبر", "كانون الاول", "دجنبر"),
}
# Russian months inflect (декабрь, декабря, декабре ...): match a stem plus any ending.
_RU_STEMS = {"янв": 1, "фев": 2, "мар": 3, "апр": 4, "июн": 6, "июл": 7, "авг": 8, "сен": 9, "окт": 10,
             "ноя": 11, "дек": 12}
_ARABIC_ALEFS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا"})


def _table_fold(word: str) -> str:
    """Normalise a month word for lookup: case, Turkish dotless i, Arabic hamza forms, spacing."""
    word = word.replace("İ", "i").lower().replace("ı", "i").replace("i̇", "i").translate(_ARABIC_ALEFS)
    return " ".join(word.rstrip(".").split())


_MONTHS: dict[str, int] = {_table_fold(name): month for month, names in _MONTH_NAMES.items() for name in names}


def table_month(word: str) -> int | None:
    """The month a word names in the built-in table (the ten common languages), or None."""
    folded = _table_fold(word)
    if folded in _MONTHS:
        return _MONTHS[folded]
    if folded.startswith("ма") and not folded.startswith("мар"):
        return 5
    return _RU_STEMS.get(folded[:3])


def _name_pattern(name: str) -> str:
    out = []
    for char in name:
        if char == "i":
            out.append("[iıİI]")
        elif char == "ا":
            out.append("[اأإآ]")
        elif char == " ":
            out.append(r"\s+")
        else:
            out.append(re.escape(char))
    return "".join(out)


MONTH_RE = (
    r"(?<![^\W\d_])(?:"
    + "|".join(_name_pattern(name) for name in sorted(_MONTHS, key=len, reverse=True))
    + r"|(?:" + "|".join(_RU_STEMS) + r")[а-яё]*|ма[йяюе]"
    + r")(?![^\W\d_])\.?"
)


# ---------------------------------------------------------------- any other language


def _dateparser_names(code: str) -> dict[int, set[str]]:
    from dateparser.languages.loader import default_loader

    try:
        info = default_loader.get_locale(code).info
    except (KeyError, ValueError):
        return {}
    return {number: {str(name) for name in info.get(key, ())} for number, key in enumerate(MONTH_KEYS, 1)}


def _cldr_names(code: str) -> dict[int, set[str]]:
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return {}
    names: dict[int, set[str]] = {}
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated"):
            for number, name in locale.months[context][width].items():
                names.setdefault(number, set()).add(name)
    return names


def _regional_names(base: str) -> list[dict[int, set[str]]]:
    """CLDR's names in every region of a language (Arabic: Morocco's "دجنبر", the Levant's "كانون الأول")."""
    from babel.localedata import locale_identifiers

    return [_cldr_names(ident) for ident in sorted(locale_identifiers()) if ident.startswith(base + "_")]


@functools.lru_cache(maxsize=128)
def month_table(language: str) -> dict[str, int]:
    """Folded month name -> month number for a language tag ("uk", "sr-Latn", "pt_BR"); {} if unknown.
    A tag without a region takes the names of all its regions; a name two sources give different months
    is dropped (never a wrong month)."""
    tag = language.strip().replace("_", "-")
    code = ALIASES.get(tag.lower(), tag)
    base = code.split("-")[0].lower()
    sources = [_dateparser_names(code), _dateparser_names(base), _cldr_names(code), _cldr_names(base)]
    if code == base:
        sources += _regional_names(base)
    table: dict[str, int] = {}
    conflicting: set[str] = set()
    for source in sources:
        for number, names in source.items():
            for name in names:
                folded = fold(name)
                # A bare number ("12", "12月") or a one-letter abbreviation is no month name; a number with
                # its word is ("tháng 12").
                letters = sum(unicodedata.category(ch)[0] in "LM" for ch in folded)
                if letters < (3 if any(ch.isdigit() for ch in folded) else 2):
                    continue
                if table.setdefault(folded, number) != number:
                    conflicting.add(folded)
    for name in conflicting:
        del table[name]
    return table


#: Names this long may carry an inflection of up to three letters ("сарын", "Aralık'ta" is not one).
INFLECTED_MIN = 4
SUFFIX = 3
#: Names this long also inflect their last two letters ("децембар" -> "децембра", the genitive a date takes).
STEM_MIN = 7


@functools.lru_cache(maxsize=128)
def month_stems(language: str) -> dict[str, int]:
    """Stems (a long name without its last two letters) that belong to one month only and are no other
    month's name: "децемб" -> 12. A stem two months share is dropped (never a wrong month)."""
    table = month_table(language)
    months: dict[str, set[int]] = {}
    for name, number in table.items():
        if len(name) >= STEM_MIN and " " not in name:
            months.setdefault(name[:-2], set()).add(number)
    return {stem: next(iter(numbers)) for stem, numbers in months.items()
            if len(numbers) == 1 and table.get(stem, next(iter(numbers))) == next(iter(numbers))
            and not any(other.startswith(stem) and number != next(iter(numbers))
                        for other, number in table.items())}


def month_alternation(language: str) -> str | None:
    """A regex of the language's month names, longest first, the longer ones with an optional inflection
    ("арван хоёрдугаар сарын") or a changed ending ("децембра"); None if the language has none."""
    table = month_table(language)
    if not table:
        return None
    names = sorted(table, key=len, reverse=True)

    def alternation(chosen: list[str]) -> str:
        return "|".join(r"\s+".join(re.escape(part) for part in name.split()) for name in chosen)

    long_names = [name for name in names if len(name) >= INFLECTED_MIN]
    inflected = rf"(?:{alternation(long_names)})[^\W\d_]{{1,{SUFFIX}}}|" if long_names else ""
    stems = sorted(month_stems(language), key=len, reverse=True)
    stemmed = rf"(?:{alternation(stems)})[^\W\d_]{{1,{SUFFIX}}}|" if stems else ""
    return f"{alternation(names)}|{inflected}{stemmed}".rstrip("|")


def month_number(language: str, word: str) -> int | None:
    """The month a word names in the language, its inflection stripped if need be."""
    table = month_table(language)
    folded = fold(word)
    if folded in table:
        return table[folded]
    for cut in range(1, SUFFIX + 1):
        stem = folded[:-cut]
        if len(stem) >= INFLECTED_MIN and stem in table:
            return table[stem]
    stems = month_stems(language)
    for cut in range(1, SUFFIX + 1):
        if (number := stems.get(folded[:-cut])) is not None:
            return number
    return None

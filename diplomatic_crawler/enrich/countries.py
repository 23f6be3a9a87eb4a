"""Countries mentioned in a title and text, as ISO 3166-1 alpha-2 codes, in en, fr, ru and es.

Where the names come from (maintained libraries, not a hand-typed country list):

* ISO 3166-1 codes and English names — `pycountry` (name, common name, official name) and its gettext
  catalogues for the official names in French, Russian and Spanish;
* everyday names in en / fr / ru / es — the Unicode CLDR through `babel` (`Locale.territories`);
* English demonyms and alternative spellings ("Azerbaijani", "American", "UK", "DPRK") — `countryinfo`
  (a demonym shared by several territories goes to the most populous: "French" -> FR, "American" -> US).

CLDR and these libraries carry no French, Russian or Spanish demonyms, so `_DEMONYMS` below supplies the
adjective of the countries that dominate diplomatic news (masculine singular; feminine and plural forms
are generated), plus a few conventional abbreviations (США, РФ, EE. UU.). Codes (alpha-2/alpha-3) are
never read as names ("IN", "CAN", "AND" are words), except "USA".

Matching: the text is split into words; the longest run of words (up to six) that names a country
wins, so "Papua New Guinea" is PG, not GN, and "Latin American" is nobody. Words are compared case-
and accent-folded; Russian words are compared by stem (case endings stripped), so "Армении",
"Арменией" and "армянской стороны" all give AM. Names must start with a capital letter in the text
("turkey" and "china" the words are not countries); fr/ru/es demonyms are lower case, as their
languages write them.

"Georgia": read as the country GE, unless the text shows that it speaks of the US state ("Atlanta",
"Savannah", "state of Georgia", "Governor of Georgia", "Georgia State", ", GA") and nothing that points to
the country ("Tbilisi", "Georgian", "Грузия", "géorgien", "Abkhazia", "South Ossetia", ...). The state is
then not counted at all (it is not a country; the text names the United States separately if it does).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .folding import fold as _fold

__all__ = ["countries_mentioned", "country_names", "fold_word"]

LANGUAGES = ("en", "fr", "ru", "es")
MAX_WORDS = 6
SOURCES = ("pycountry", "babel", "countryinfo")  # the libraries the gazetteer is built from

logger = logging.getLogger(__name__)

# code: (French, Spanish, Russian) masculine singular demonyms/adjectives; "|" separates variants.
_DEMONYMS = """
AE émirien|émirati; emiratí; эмиратский
AF afghan; afgano; афганский
AL albanais; albanés; албанский
AM arménien; armenio; армянский
AR argentin; argentino; аргентинский
AT autrichien; austriaco; австрийский
AU australien; australiano; австралийский
AZ azerbaïdjanais; azerbaiyano; азербайджанский
BE belge; belga; бельгийский
BG bulgare; búlgaro; болгарский
BR brésilien; brasileño; бразильский
BY biélorusse; bielorruso; белорусский
CA canadien; canadiense; канадский
CH suisse; suizo; швейцарский
CL chilien; chileno; чилийский
CN chinois; chino; китайский
CO colombien; colombiano; колумбийский
CU cubain; cubano; кубинский
CZ tchèque; checo; чешский
DE allemand; alemán; германский|немецкий
DK danois; danés; датский
DZ algérien; argelino; алжирский
EE estonien; estonio; эстонский
EG égyptien; egipcio; египетский
ES espagnol; español; испанский
FI finlandais; finlandés; финляндский|финский
FR français; francés; французский
GB britannique; británico; британский
GE géorgien; georgiano; грузинский
GR grec|grecque; griego; греческий
HR croate; croata; хорватский
HU hongrois; húngaro; венгерский
ID indonésien; indonesio; индонезийский
IE irlandais; irlandés; ирландский
IL israélien; israelí; израильский
IN indien; indio; индийский
IQ irakien; iraquí; иракский
IR iranien; iraní; иранский
IT italien; italiano; итальянский
JP japonais; japonés; японский
KG kirghiz|kirghize; kirguís; киргизский|кыргызский
KP nord-coréen; norcoreano; северокорейский
KR sud-coréen; surcoreano; южнокорейский
KZ kazakh|kazakhstanais; kazajo; казахстанский|казахский
LB libanais; libanés; ливанский
LT lituanien; lituano; литовский
LV letton; letón; латвийский
LY libyen; libio; ливийский
MA marocain; marroquí; марокканский
MD moldave; moldavo; молдавский|молдовский
MN mongol; mongol; монгольский
MX mexicain; mexicano; мексиканский
NG nigérian; nigeriano; нигерийский
NL néerlandais; neerlandés; нидерландский
NO norvégien; noruego; норвежский
PK pakistanais; pakistaní; пакистанский
PL polonais; polaco; польский
PS palestinien; palestino; палестинский
PT portugais; portugués; португальский
QA qatari|qatarien; catarí; катарский
RO roumain; rumano; румынский
RS serbe; serbio; сербский
RU russe; ruso; российский|русский
SA saoudien; saudí; саудовский
SE suédois; sueco; шведский
SI slovène; esloveno; словенский
SK slovaque; eslovaco; словацкий
SY syrien; sirio; сирийский
TJ tadjik; tayiko; таджикский
TM turkmène; turcomano; туркменский
TR turc|turque; turco; турецкий
UA ukrainien; ucraniano; украинский
US américain; estadounidense|norteamericano; американский
UZ ouzbek; uzbeko; узбекский
VE vénézuélien; venezolano; венесуэльский
VN vietnamien; vietnamita; вьетнамский
ZA sud-africain; sudafricano; южноафриканский
"""
# Conventional abbreviations and short forms matched exactly as written (case-sensitive).
_ABBREVIATIONS = {
    "US": "US",
    "USA": "US",
    "США": "US",
    "EEUU": "US",
    "EUA": "US",
    "UK": "GB",
    "UAE": "AE",
    "ОАЭ": "AE",
    "РФ": "RU",
    "КНР": "CN",
    "PRC": "CN",
    "КНДР": "KP",
    "DPRK": "KP",
    "ROK": "KR",
    "ФРГ": "DE",
    "ЮАР": "ZA",
    "DRC": "CD",
    "ДРК": "CD",
    "KSA": "SA",
}
# Short forms and everyday English demonyms the libraries lack (countryinfo says "Uzbekistani", "Tadzhik").
_SHORT_FORMS = {
    "en": {
        "Britain": "GB",
        "Uzbek": "UZ",
        "Uzbeks": "UZ",
        "Kazakh": "KZ",
        "Kyrgyz": "KG",
        "Tajik": "TJ",
        "Saudi": "SA",
        "Saudis": "SA",
        "Emirati": "AE",
    },
    "fr": {},
    "ru": {},
    "es": {},
}
# Word runs that contain a country word but name something else (continents, US states, oceans).
_BLOCKED = (
    "Latin America",
    "Latin American",
    "South America",
    "South American",
    "North America",
    "North American",
    "Central America",
    "Central American",
    "New Mexico",
    "New Mexican",
    "New Jersey",
    "Indian Ocean",
    "Amérique latine",
    "Amérique du Sud",
    "Amérique du Nord",
    "Amérique centrale",
    "océan Indien",
    "América Latina",
    "América del Sur",
    "América del Norte",
    "Centroamérica",
    "Sudamérica",
    "océano Índico",
    "Латинская Америка",
    "Латинской Америки",
    "Южная Америка",
    "Северная Америка",
    "Индийский океан",
)
_GEORGIA_FORMS = frozenset({"georgia", "georgie"})
_US_STATE_EVIDENCE = re.compile(
    r"\b(?:Atlanta|Savannah|Peach State|[Ss]tate of Georgia|Georgia State|Georgia Tech|Governor of Georgia"
    r"|Georgia(?:'s|’s)? [Gg]overnor|Georgia (?:Senate|House|General Assembly|legislature)|Estado de Georgia"
    r"|[ÉE]tat de G[ée]orgie|G[ée]orgie \((?:[ÉE]tats-Unis|USA)\))|, GA\b|, Ga\."
)
_COUNTRY_GEORGIA_EVIDENCE = re.compile(
    r"\b(?:Tbilisi|Tbilissi|Tiflis|Тбилиси|Batumi|Kutaisi|Abkhaz\w*|Abkhazie|Abjasia|Ossetia|Ossétie|Osetia"
    r"|Georgian|géorgien\w*|georgian[oa]s?|Грузи\w+|грузин\w*)"
)
# Russian case endings, folded like the words ("й" -> "и"), longest first.
_RU_ENDING_SOURCE = """ами ями ого его ому ему ыми ими ией ой ей ою ею ом ем ам ям ах ях ов ев ая яя ое ее ые ие ую юю
    ых их ым им ий ый ия ии ию а я о е и ы у ю й ь"""
_CYRILLIC = re.compile(r"[а-яё]", re.I)
_WORD = re.compile(r"\w+")
_DOTTED = re.compile(r"\b((?:[A-ZÉ]{1,2}\.[\s-]?){2,3})")


@dataclass
class _Entry:
    code: str | None  # None: a blocked run ("Latin American")
    kind: str  # "name" (capital letter required), "adjective" (any case), "abbr" (exact)
    exact: str = ""
    georgia: bool = False
    languages: set[str] | None = None  # languages whose texts use this form; None: any
    lower: set[str] = field(default_factory=set)  # languages that write it in lower case (demonyms)


_RU_ENDINGS = tuple(sorted({_fold(e) for e in _RU_ENDING_SOURCE.split()}, key=len, reverse=True))


@lru_cache(maxsize=200_000)
def fold_word(word: str) -> str:
    """Case- and accent-folded word; Russian words reduced to their stem (cached: words repeat)."""
    folded = _fold(word)
    if _CYRILLIC.search(folded):
        for ending in _RU_ENDINGS:
            if folded.endswith(ending) and len(folded) - len(ending) >= 3:
                return folded[: -len(ending)]
    return folded


@lru_cache(maxsize=200_000)
def _stems(word: str) -> tuple[str, ...]:
    """A folded word and, for a Russian word, every stem left by stripping one case ending: "китая" ->
    ["китая", "кит", "кита"]. Two forms of one word share at least one stem ("Китай"/"Китая": "кита")."""
    folded = _fold(word)
    if not _CYRILLIC.search(folded):
        return (folded,)
    return (folded, *(folded[: -len(e)] for e in _RU_ENDINGS if folded.endswith(e) and len(folded) - len(e) >= 3))


def _key(phrase: str) -> tuple[str, ...]:
    return tuple(fold_word(w) for w in _WORD.findall(phrase))


def _inflect(demonym: str, lang: str) -> set[str]:
    """Feminine and plural forms of a French or Spanish masculine singular demonym."""
    word = demonym
    forms = {word}
    plain = unicodedata.normalize("NFKD", word)
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    if lang == "fr":
        if plain.endswith("e"):
            forms.add(word + "s")
        elif plain.endswith(("s", "x")):
            forms |= {word + "e", word + "es"}
        else:
            forms |= {word + "s", word + "e", word + "es"}
            if plain.endswith(("en", "on")):
                forms |= {word + "ne", word + "nes"}
    elif lang == "es":
        if plain.endswith("o"):
            stem = word[:-1]
            forms |= {stem + "a", stem + "os", stem + "as"}
        elif plain.endswith("e") or plain.endswith("a"):
            forms.add(word + "s")
        elif plain.endswith(("i", "u")):
            forms |= {word + "es", word + "s"}
        else:
            forms |= {plain + "a", plain + "es", plain + "as"}
    return forms


@lru_cache(maxsize=1)
def _gazetteer() -> dict[tuple[str, ...], _Entry]:
    """Folded word runs -> entry, built from the libraries once per machine and kept in a cache file.

    Building it loads pycountry's, babel's and countryinfo's data, some 30 MB that every extraction
    worker would hold for good; the finished table is a few MB. So the first process that needs it writes
    it to `gazetteer_cache()` (JSON, keyed by this module's source and the libraries' versions) and later
    ones read that instead. Without a usable cache directory it is built in memory, as before."""
    path = gazetteer_cache()
    table = _read_gazetteer(path) if path is not None else None
    if table is None:
        table = _build_gazetteer()
        if path is not None:
            _write_gazetteer(path, table)
    return table


def gazetteer_cache() -> Path | None:
    """Where the built gazetteer is cached: $DIPLOMATIC_CRAWLER_CACHE, else $XDG_CACHE_HOME or ~/.cache, in
    `diplomatic-crawler/`; None when DIPLOMATIC_CRAWLER_CACHE is "off" or a library version is unknown."""
    from importlib import metadata

    root = os.environ.get("DIPLOMATIC_CRAWLER_CACHE")
    if root == "off":
        return None
    if not root:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(base, "diplomatic-crawler")
    try:
        versions = [f"{name}={metadata.version(name)}" for name in SOURCES]
    except metadata.PackageNotFoundError:
        return None
    digest = hashlib.sha256(_own_source() + "|".join(versions).encode()).hexdigest()[:16]
    return Path(root) / f"gazetteer-{digest}.json"


def _own_source() -> bytes:
    """This module's source, which keys the cache (a rule change rebuilds it). Read through the import
    system: installed as a zip or an egg, `__file__` names no file. Without the source (a build that ships
    only bytecode) the package version keys it."""
    from importlib import resources

    try:
        return resources.files(__package__).joinpath("countries.py").read_bytes()
    except OSError:
        from .. import __version__

        return f"diplomatic-crawler {__version__}".encode()


def _read_gazetteer(path: Path) -> dict[tuple[str, ...], _Entry] | None:
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        return {
            tuple(key): _Entry(code, kind, exact, georgia, None if langs is None else set(langs), set(lower))
            for key, code, kind, exact, georgia, langs, lower in rows
        }
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError) as exc:  # unreadable or damaged: rebuilt and rewritten
        logger.debug("ignoring the gazetteer cache %s: %s", path, exc)
        return None


def _write_gazetteer(path: Path, table: dict[tuple[str, ...], _Entry]) -> None:
    rows = [
        [list(key), e.code, e.kind, e.exact, e.georgia, None if e.languages is None else sorted(e.languages),
         sorted(e.lower)]
        for key, e in table.items()
    ]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(f".{os.getpid()}.tmp")
        temp.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        os.replace(temp, path)  # atomic: workers starting together never read half a file
    except OSError as exc:
        logger.debug("could not cache the gazetteer in %s: %s", path, exc)


def _build_gazetteer() -> dict[tuple[str, ...], _Entry]:
    """Folded word runs -> entry, from the libraries (about 0.1 s)."""
    import gettext

    import pycountry
    from babel import Locale
    from countryinfo import CountryInfo

    table: dict[tuple[str, ...], _Entry] = {}
    iso_codes = {c.alpha_2 for c in pycountry.countries} | {c.alpha_3 for c in pycountry.countries}

    def add(phrase: str, code: str | None, kind: str = "name", lang: str | None = "en") -> None:
        words = _WORD.findall(phrase)
        if len(words) == 1 and _CYRILLIC.search(words[0]):
            for stem in _stems(words[0]):
                _add((stem,), code, kind, lang)
        else:
            _add(_key(phrase), code, kind, lang)

    def _add(key: tuple[str, ...], code: str | None, kind: str, lang: str | None) -> None:
        if not key:
            return
        if key in table:
            # The first source to name a run keeps it (ISO/CLDR names before alternatives); the same
            # name in another language widens where it is read.
            entry = table[key]
            if entry.code == code and entry.languages is not None and lang:
                entry.languages.add(lang)
                if kind == "adjective":
                    entry.lower.add(lang)  # Spanish "la parte armenia": the name, lower case
            return
        georgia = code == "GE" and key in {("georgia",), ("georgie",)}
        lower = {lang} if kind == "adjective" and lang else set()
        table[key] = _Entry(code, kind, georgia=georgia, languages={lang} if lang else None, lower=lower)

    for phrase in _BLOCKED:
        add(phrase, None, lang=None)
    codes = sorted(c.alpha_2 for c in pycountry.countries)
    for country in pycountry.countries:
        for attr in ("common_name", "name", "official_name"):
            value = getattr(country, attr, None)
            if value and "," not in value:  # "Korea, Republic of" is a catalogue form, not prose
                add(value, country.alpha_2)
    for lang in LANGUAGES:
        territories = Locale.parse(lang).territories
        for code in codes:
            name = territories.get(code)
            if name:
                add(name.replace(" - ", " "), code, lang=lang)
                if "(" in name:
                    add(name.split("(")[0], code, lang=lang)
        if lang != "en":
            try:
                catalogue = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
            except OSError:
                catalogue = None
            if catalogue is not None:
                for country in pycountry.countries:
                    for attr in ("name", "official_name"):
                        value = getattr(country, attr, None)
                        if value:
                            translated = catalogue.gettext(value)
                            if translated != value and "," not in translated:
                                add(translated, country.alpha_2, lang=lang)
        for phrase, code in _SHORT_FORMS[lang].items():
            add(phrase, code, lang=lang)
    # countryinfo: alternative spellings and translations, then English demonyms.
    infos = [info for info in CountryInfo.all().values() if (info.get("ISO") or {}).get("alpha2") in codes]
    for info in infos:
        code = info["ISO"]["alpha2"]
        for spelling in info.get("altSpellings") or []:
            if spelling in iso_codes or not re.search(r"[A-Za-z]", spelling):
                continue
            if spelling.isupper() and len(spelling) <= 5:
                continue  # abbreviations are matched exactly, below
            if "," not in spelling and len(_WORD.findall(spelling)) > 1:
                # Single-word spellings are often native or historic forms that are words elsewhere
                # ("Mann" for the Isle of Man, "Island" for Iceland): only longer names are kept.
                add(spelling, code)
        for lang, name in (info.get("translations") or {}).items():
            if lang in LANGUAGES and name:
                add(name, code, lang=lang)
    by_demonym: dict[str, tuple[int, str]] = {}
    for info in infos:
        demonym = (info.get("demonym") or "").strip()
        if demonym:
            population = int(info.get("population") or 0)
            if demonym not in by_demonym or population > by_demonym[demonym][0]:
                by_demonym[demonym] = (population, info["ISO"]["alpha2"])
    for demonym, (_population, code) in by_demonym.items():
        add(demonym, code)
        add(demonym + "s", code)
    for line in _DEMONYMS.strip().splitlines():
        code, _, rest = line.partition(" ")
        french, spanish, russian = (part.strip() for part in rest.split(";"))
        for word in french.split("|"):
            for form in _inflect(word, "fr"):
                add(form, code, "adjective", lang="fr")
        for word in spanish.split("|"):
            for form in _inflect(word, "es"):
                add(form, code, "adjective", lang="es")
        for word in russian.split("|"):
            add(word, code, "adjective", lang="ru")
    for abbreviation, code in _ABBREVIATIONS.items():
        table.setdefault((fold_word(abbreviation),), _Entry(code, "abbr", exact=abbreviation))
    return table


@lru_cache(maxsize=1)
def _starts() -> frozenset[str]:
    return frozenset(key[0] for key in _gazetteer())


@lru_cache(maxsize=1)
def _name_lengths() -> dict[str, tuple[int, ...]]:
    """Folded first word -> the word counts (2 to MAX_WORDS, largest first) of the names it begins."""
    lengths: dict[str, set[int]] = {}
    for key in _gazetteer():
        if 1 < len(key) <= MAX_WORDS:
            lengths.setdefault(key[0], set()).add(len(key))
    return {word: tuple(sorted(counts, reverse=True)) for word, counts in lengths.items()}


@lru_cache(maxsize=200_000)
def _can_start(word: str) -> bool:
    """Whether a word can begin a country name (one cached look-up per distinct word)."""
    starts = _starts()
    return fold_word(word) in starts or any(stem in starts for stem in _stems(word))


def country_names() -> dict[tuple[str, ...], str | None]:
    """The gazetteer (folded word run -> alpha-2 code), for inspection and tests."""
    return {key: entry.code for key, entry in _gazetteer().items()}


def _undot(text: str) -> str:
    """ "U.S." -> "US", "EE. UU." -> "EEUU", "U.S.A." -> "USA" (same length kept irrelevant: words only)."""
    return _DOTTED.sub(lambda m: re.sub(r"[.\s-]", "", m.group(1)) + " ", text)


def countries_mentioned(title: str | None, text: str | None = None, language: str | None = None) -> list[str]:
    """ISO 3166-1 alpha-2 codes of the countries named in `title` and `text`, in order of first mention.

    Pure and cheap: one pass over the words with dictionary look-ups (the gazetteer is built once per
    process). With `language` one of en, fr, ru, es only that language's forms (and the abbreviations)
    are read, so the French "Chili" or the Spanish "Mauricio" are not found in English prose; without
    it, or for other languages, every form is.
    """
    lang = (language or "").lower()[:2]
    only = lang if lang in LANGUAGES else None
    content = "\n".join(part for part in (title, text) if part)
    if not content:
        return []
    content = _undot(content)
    table = _gazetteer()
    words = _WORD.findall(content)
    found: list[str] = []
    georgia_only = True
    # Only the positions of words that can begin a name are visited (a few in a hundred): one test per
    # distinct word, then one set look-up per word in a comprehension instead of a Python loop turn.
    starters = {word for word in set(words) if _can_start(word)}
    lengths = _name_lengths()
    i = 0  # the first word not yet part of a name
    for start in [k for k, word in enumerate(words) if word in starters]:
        if start < i:
            continue
        i = start
        # Longest name first; only the lengths of the names that begin with this word can match.
        longer = [n for n in lengths.get(fold_word(words[i]), ()) if n <= len(words) - i]
        for n in (*longer, 1):
            if n == 1:
                entry = next((table[(s,)] for s in _stems(words[i]) if (s,) in table), None)
            else:
                entry = table.get(tuple(fold_word(w) for w in words[i : i + n]))
            if entry is None:
                continue
            if only and entry.languages is not None and only not in entry.languages:
                continue
            original = words[i]
            if entry.kind == "abbr" and " ".join(words[i : i + n]) != entry.exact:
                continue
            lower_ok = bool(entry.lower) and not (only and only not in entry.lower)
            if entry.kind != "abbr" and not original[:1].isupper() and not lower_ok:
                continue  # lower case only where the language writes the form so ("arménien", "армянский")
            if entry.code == "GE" and not entry.georgia:
                georgia_only = False
            if entry.code and entry.code not in found:
                found.append(entry.code)
            i += n
            break
    if (
        "GE" in found
        and georgia_only
        and _US_STATE_EVIDENCE.search(content)
        and not _COUNTRY_GEORGIA_EVIDENCE.search(content)
    ):
        found.remove("GE")
    return found

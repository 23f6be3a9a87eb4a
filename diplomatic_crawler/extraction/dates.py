"""Reading publication dates from structured values, human-written text and URLs.

Every reader returns a `FoundDate` or None. The rules come from the product spec: never invent a date
(no evidence -> None), a day-only date stays a day, a naive time gets the site's time zone (and says so
in `timezone_assumed`), relative dates resolve against the fetch time only, and ambiguous numeric dates
without a date-order hint are refused rather than guessed.

Month-name dates, numeric dates and ISO dates are recognised by precompiled regexes and a month table
(fast, deterministic); dateparser is kept for what the table cannot cover: other wordings of a whole date
string and relative dates ("2 hours ago", "вчера"). Its parsers are cached per configuration.
"""

from __future__ import annotations

import email.utils
import functools
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateparser.data.languages_info import language_order
from dateparser.date import DateDataParser
from dateparser.timezone_parser import pop_tz_offset_from_string

from .calendars import find_calendar_date
from .date_languages import ALIASES as DATEPARSER_ALIASES
from .date_languages import MONTH_RE as _MONTH_RE
from .date_languages import month_alternation, month_number
from .date_languages import table_month as _month_number
from .hints import DATE_ORDERS, SiteHints

logger = logging.getLogger(__name__)

#: Languages tried by dateparser when the site gives none (restricting them is faster and safer
#: than dateparser's detection over all 200 locales).
COMMON_LANGUAGES: tuple[str, ...] = ("en", "fr", "ru", "es", "de", "ar", "tr", "az", "pt", "it")
MAX_TEXT_CHARS = 1000  # text()/structured() refuse longer strings: a date string is never that long
DATEPARSER_MAX_CHARS = 150  # longer strings are prose, not a date: dateparser would be slow and loose there
FIND_WINDOW = 300  # find() only looks at the start of a snippet
RAW_CHARS = 200
MIN_YEAR = 1900
MIN_FIND_YEAR = 1990  # in free text, older years are more likely history than a publication date
FUTURE_SLACK = timedelta(days=1)

_KNOWN_LANGUAGES = frozenset(language_order)


@dataclass(frozen=True)
class FoundDate:
    """A date read from one piece of evidence, with how precise it is and where it came from."""

    value: str
    raw: str
    source: str
    precision: str
    timezone_assumed: bool
    calendar: str | None = None  # the calendar the page wrote it in, when not the Gregorian one


# --------------------------------------------------------------------------- date expression regexes


def _time_re(p: str) -> str:
    """A clock time (18:30, 18:30:15, 18h30, 6:30 pm) with an optional explicit zone; groups prefixed p."""
    return (
        rf"(?P<{p}H>[0-2]?\d)(?::|\s?h\s?)(?P<{p}M>[0-5]\d)(?::(?P<{p}S>[0-5]\d)(?:[.,]\d+)?)?(?!\d)"
        rf"(?:\s?(?P<{p}ap>[ap])\.?\s?m\b\.?)?"
        rf"(?:\s*\(?\s*(?P<{p}g>GMT|UTC)(?:\s*(?P<{p}gs>[+-])\s*(?P<{p}gh>\d{{1,2}})(?::?(?P<{p}gm>\d{{2}}))?)?"
        rf"(?!\d)\s*\)?"
        rf"|\s?(?P<{p}os>[+-])(?P<{p}oh>\d{{2}}):?(?P<{p}om>\d{{2}})(?!\d)"
        rf"|(?P<{p}z>Z)(?![^\W\d_]))?"
    )


# Between a date and its time: punctuation and connector words ("at", "à", "в", "года", "a las" ...).
_CONN = (
    r"(?:[\s,،|•·–—\-]|T(?=\d)|(?<![^\W\d_])(?:at|à|a\s+las|a\s+la|às|alle|ore|um|saat|kl|в|года|г|il|"
    r"c[iıuü]|الساعة)(?![^\W\d_])\.?){0,8}"
)
_LEAD = r"(?:" + _time_re("l") + r"\s*[,|•·–—\-]?\s*)?"
_TRAIL = r"(?:" + _CONN + _time_re("t") + r")?"
_DAY = r"(?<!\w)(?P<d>[0-3]?\d)(?:st|nd|rd|th|er|º|°|\.)?"
_YEAR = r"(?P<y>\d{4})(?!\d)"

# Each date expression may carry a time before or after it. Group names: y/m/d (numbers), mon (month
# word), a/b/c (numeric parts whose order the site hint decides), l*/t* (leading/trailing time).
_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(_LEAD + body + _TRAIL, re.IGNORECASE)
    for body in (
        # 7 December 2021, 7 de diciembre de 2021, 7. Dezember 2021, 07-Dec-2021, 7 كانون الأول/ديسمبر 2021
        _DAY + r"\s*(?:-|/|de\s)?\s*(?P<mon>" + _MONTH_RE + r")(?:\s*/\s*" + _MONTH_RE + r")?"
        r"\s*(?:,|،|-|/|\bde\b|\bdel\b)?\s*" + _YEAR,
        # December 6, 2021 / Dec. 6th 2021
        r"(?P<mon>" + _MONTH_RE + r")\s*(?P<d>[0-3]?\d)(?:st|nd|rd|th)?(?!\d)\s*,?\s*" + _YEAR,
        # 2021-12-07, 2021/12/07, 2021.12.07: year first is always Y-M-D
        r"(?<![\d./-])(?P<y>\d{4})(?P<sep>[-/.])(?P<m>[01]?\d)(?P=sep)(?P<d>[0-3]?\d)(?!\d)",
        # 06.12.2021, 12/06/2021, 06-12-21: order decided by the site hint
        r"(?<![\d./-])(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{4}|\d{2})(?!\d|[./-]\d)",
        # 7. 12. 2021 (cs, sk, sr: CLDR's medium dates), 2021. 12. 7. (ko)
        r"(?<![\d./-])(?P<a>\d{1,2})(?P<sep>\.)\s(?P<b>\d{1,2})\.\s(?P<c>\d{4})(?!\d)",
        r"(?<![\d./-])(?P<y>\d{4})\.\s(?P<m>\d{1,2})\.\s(?P<d>\d{1,2})(?!\d)",
        # 2021年12月7日, 2021년 12월 7일
        r"(?P<y>\d{4})\s*[年년]\s*(?P<m>\d{1,2})\s*[月월]\s*(?P<d>\d{1,2})\s*[日일]",
    )
)

#: Languages whose pages write numeric dates in another calendar (Persian, Arabic, Thai, Chinese).
CALENDAR_LANGUAGES = frozenset({"fa", "prs", "ps", "ar", "th", "zh"})
# Scripts whose text may hold a date in another calendar: Arabic, Thai, Ethiopic, CJK.
_CALENDAR_SCRIPT = re.compile(r"[\u0590-\u05ff\u0600-\u06ff\u0e00-\u0e7f\u1200-\u137f\u3000-\u9fff]")
_HEBREW_YEAR = re.compile(r"(?<!\d)5[6-9]\d\d(?!\d)")  # "3 Tevet 5782" in Latin script
_HAS_DIGIT = re.compile(r"\d")
#: Languages whose month names are in the table above: other languages get patterns of their own.
TABLE_LANGUAGES = frozenset({"en", "fr", "es", "de", "pt", "it", "tr", "az", "ar", "ru"})
# The year may carry its word ("2021 року", "2021 г.", "2021 m.", "2021. gada"), the day its own ("7 d.",
# "7-ci"): one short word or an abbreviation with a dot, never a number.
# A letter, or any character of the Indic, Thai, Lao, Myanmar and Khmer blocks (their vowel signs are marks,
# which \w does not match: "ခုနှစ်").
_L_LETTER = r"(?:[^\W\d_]|[\u0900-\u0dff\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff])"
_L_WORD = rf"(?:(?:{_L_LETTER}{{1,8}}[’']?\.?){{1,2}})"
_L_SEP = r"[\s,،.\-/\u104a\u104b\u17d4]*"  # with Myanmar's and Khmer's sentence marks
_L_YEAR_WORD = r"(?:\s(?:[^\W\d_]{1,5}\.?)(?![^\W\d_]))?"  # "2021 року", "2021 г.", "2021 ж." before a time
_L_DAY = r"(?<!\w)(?P<d>[0-3]?\d)(?:\.|-?[^\W\d_]{1,3}\.?)?"


def _base(code: str) -> str:
    return code.replace("_", "-").split("-")[0].lower()


@functools.lru_cache(maxsize=128)
def language_patterns(language: str) -> tuple[re.Pattern[str], ...]:
    """Day-month-year, month-day-year, year-month-day and year-day-month expressions with the month in
    words in this language (dateparser's and CLDR's names, see `date_languages`); () if it has none."""
    names = month_alternation(language)
    if names is None:
        return ()
    # A month name is a whole word: no letter, nor a vowel sign of these scripts, glued to either side.
    month = rf"(?<!{_L_LETTER})(?P<mon>" + names + rf")(?!{_L_LETTER})\.?"
    bodies = (
        _L_DAY + _L_SEP + rf"(?:{_L_WORD}\s+)?" + month + _L_SEP + rf"(?:{_L_WORD}\s+)?" + _YEAR + _L_YEAR_WORD,
        month + _L_SEP + r"(?P<d>[0-3]?\d)(?!\d)" + _L_SEP + rf"(?:{_L_WORD}\s+)?" + _YEAR + _L_YEAR_WORD,
        # a word and a particle of one or two letters may stand between: "د 2021 کال د دسمبر 7" (Pashto: "of
        # 2021 year of December 7"); never two words ("2021 оны арван хоёрдугаар сарын": the twelfth month)
        r"(?<!\d)" + _YEAR + _L_SEP + rf"(?:{_L_WORD}{_L_SEP})?(?:[^\W\d_]{{1,2}}\s+)?" + month + _L_SEP
        + r"(?P<d>[0-3]?\d)(?!\d)",
        r"(?<!\d)" + _YEAR + _L_SEP + rf"(?:{_L_WORD}{_L_SEP})?" + r"(?P<d>[0-3]?\d)[.\-]?\s*" + month,
    )
    return tuple(re.compile(_LEAD + body + _TRAIL, re.IGNORECASE) for body in bodies)


_RELATIVE_RE = re.compile(
    r"\b\d{1,3}\s+(?:minutes?|mins?|hours?|hrs?|days?|weeks?)\s+ago\b"
    r"|\bil\s+y\s+a\s+\d{1,3}\s+(?:minutes?|heures?|jours?|semaines?)\b"
    r"|\b\d{1,3}\s+(?:минут[уы]?|час(?:а|ов)?|дн(?:я|ей)|день|недел[юиь])\s+назад"
    r"|\bhace\s+\d{1,3}\s+(?:minutos?|horas?|días?|semanas?)\b"
    r"|\bvor\s+\d{1,3}\s+(?:Minuten?|Stunden?|Tag(?:en)?|Wochen?)\b"
    r"|\b\d{1,3}\s+(?:dakika|saat|gün|hafta)\s+önce\b"
    r"|\b\d{1,3}\s+(?:dəqiqə|saat|gün|həftə)\s+(?:əvvəl|öncə)",
    re.IGNORECASE,
)
# "Today 11:30", "вчера, 14:30", "Publié hier": a day word opening a date line (only at its start, so
# that "yesterday" inside a sentence is never read as a date), with an optional wall-clock time.
_DAY_WORD_RE = re.compile(
    r"^[^\w]{0,3}(?:(?:published|posted|updated|опубликовано|publié|publicado|veröffentlicht)[:\s]{1,3})?"
    r"(?:today|yesterday|aujourd'hui|hier|сегодня|вчера|hoy|ayer|heute|gestern|bugün|dün|bu\s+gün|dünən)"
    r"(?:[,\s]{1,3}(?:at\s+|в\s+|à\s+|a\s+las\s+|um\s+|saat\s+)?[0-2]?\d[:.h][0-5]\d)?(?=\s*(?:$|[|·•—–,;.)\]-]))",
    re.IGNORECASE,
)
_CLOCK_RE = re.compile(
    r"(?<!\d)[0-2]?\d(?::|\s?h\s?)[0-5]\d(?::([0-5]\d))?(?!\d)|\b\d{1,2}\s?[ap]\.?m\b", re.IGNORECASE
)
# A zone abbreviation right after a time ("10:30 EST"); ambiguous ones are left to the site hint.
_TZ_ABBR_RE = re.compile(r"\s*\(?([A-Z]{3,5})\)?(?![^\W\d_])")
_AMBIGUOUS_TZ = frozenset({"AST", "BST", "CST", "ECT", "GST", "IST", "MST", "SST", "CDT", "ADT", "PKT"})
_THREE_NUMBERS_RE = re.compile(r"\d{1,4}\D{1,3}\d{1,2}\D{1,3}\d{2,4}")
_ISO_RE = re.compile(
    r"(?P<y>\d{4})(?:(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})|(?P<cm>\d{2})(?P<cd>\d{2}))"
    r"(?:(?:T\s*|\s+)(?P<H>\d{1,2}):?(?P<M>\d{2})(?::?(?P<S>\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE,
)
_EPOCH_RE = re.compile(r"(?P<s>\d{9,10})(?:\.\d+)?|(?P<ms>\d{12,13})")
_RFC2822_RE = re.compile(r"(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}")
_URL_PATTERNS = (
    # A one-digit day must end its path segment: "/2023/10/3-fragen-an" is a slug, not 3 October.
    re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>[01]?\d)/(?P<d>[0-3]\d|[1-9](?=[/.]|$))(?!\d)"),
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})[-_](?P<m>[01]\d)[-_](?P<d>[0-3]\d)(?!\d)"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?:[/_.-]|$)"),
)
# Every script's decimal digits to ASCII (Arabic-Indic, Persian, Devanagari, Bengali, Thai, Lao, Khmer,
# Myanmar, fullwidth ...: Unicode's Nd characters of the BMP, each with its digit value); bidi marks and
# odd spaces out.
_NORMALISE = str.maketrans(
    {**{cp: str(unicodedata.digit(chr(cp))) for cp in range(0x80, 0x10000) if unicodedata.category(chr(cp)) == "Nd"},
     "\u200e": None, "\u200f": None, "\u200b": None, "\u061c": None,
     "\xa0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " "}
)


# Khmer writes no space between its date words and what they name: "ថ្ងៃទី07 ខែធ្នូ ឆ្នាំ2021" (day 07,
# month December, year 2021); a space after each lets the day, month and year be read as words.
_KHMER_GLUE = re.compile(r"(ថ្ងៃទី|ឆ្នាំ)(?=\d)|(?<![\u1780-\u17ff])(ខែ)(?=[\u1780-\u17ff])")


def _clean(raw: str) -> str:
    text = raw.translate(_NORMALISE).strip()
    if "\u1781\u17c2" in text or "\u1791\u17b8" in text or "\u1786\u17d2\u1793\u17b6\u17c6" in text:
        text = _KHMER_GLUE.sub(lambda m: (m.group(1) or m.group(2)) + " ", text)
    return text


# --------------------------------------------------------------------------- dateparser configuration


@functools.lru_cache(maxsize=64)
def absolute_parser(languages: tuple[str, ...], date_order: str | None) -> DateDataParser:
    """A dateparser for whole absolute dates (day, month and year required), shared per configuration.

    Restricting the parsers to "absolute-time" keeps epochs and relative phrases out of this path.
    """
    settings: dict[str, object] = {
        "PARSERS": ["absolute-time"],
        "REQUIRE_PARTS": ["day", "month", "year"],
        "PREFER_DAY_OF_MONTH": "first",
        "PREFER_DATES_FROM": "past",
    }
    if date_order:
        settings["DATE_ORDER"] = date_order
    return DateDataParser(languages=list(languages), settings=settings)


@functools.lru_cache(maxsize=256)
def relative_parser(languages: tuple[str, ...], base: datetime) -> DateDataParser:
    """A dateparser for relative phrases, anchored on `base` (naive wall time at the site).

    TIMEZONE is UTC so the arithmetic never depends on the machine's local zone.
    """
    return DateDataParser(
        languages=list(languages),
        settings={
            "PARSERS": ["relative-time"],
            "RELATIVE_BASE": base,
            "TIMEZONE": "UTC",
            "RETURN_AS_TIMEZONE_AWARE": False,
            "PREFER_DATES_FROM": "past",
        },
    )


@functools.lru_cache(maxsize=256)
def _dateparser_languages(wanted: tuple[str, ...], site: str | None) -> tuple[str, ...]:
    """Codes dateparser knows ("en-US" -> "en"); unknown ones are dropped (warned once per site)."""
    found: list[str] = []
    for code in (DATEPARSER_ALIASES.get(c.lower(), c) for c in wanted or COMMON_LANGUAGES):
        for candidate in (code, code.replace("_", "-").split("-")[0].lower()):
            if candidate in _KNOWN_LANGUAGES:
                if candidate not in found:
                    found.append(candidate)
                break
        else:
            logger.warning("Site %s: dateparser does not know language %r", site, code)
    return tuple(found) or COMMON_LANGUAGES


@functools.lru_cache(maxsize=256)
def language_date_order(language: str) -> str | None:
    """DMY, MDY or YMD from the CLDR short date pattern of a language tag ("de", "en-GB", "pt_BR"), or
    None where the language alone does not decide it (English without a region) or is unknown."""
    from babel import Locale, UnknownLocaleError
    from babel.dates import get_date_format

    try:
        locale = Locale.parse(language.strip().replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    if locale.language == "en" and not locale.territory:
        return None
    pattern = get_date_format("short", locale=locale).pattern
    positions = {field: pattern.find(field) for field in "dMy"}
    if min(positions.values()) < 0:
        return None
    order = "".join(sorted(positions, key=positions.get)).upper()
    return order if order in DATE_ORDERS else None


@functools.lru_cache(maxsize=256)
def _site_zone(name: str | None, site: str | None) -> tzinfo:
    """The site's zone, or UTC when none is given or it is unknown (warned once per site)."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("Site %s: unknown time zone %r, assuming UTC", site, name)
        return UTC


# --------------------------------------------------------------------------- the reader


class _Rejected(Exception):
    """A candidate date was found but must not be used (ambiguous, out of range, invalid)."""


class DateReader:
    """Reads dates for one page: site hints plus the fetch time that relative dates need."""

    def __init__(self, hints: SiteHints, fetched_at: datetime | None = None,
                 page_language: str | None = None) -> None:
        self.hints = hints
        self.fetched_at = fetched_at
        order = (hints.date_order or "").upper()
        self.date_order = order if order in DATE_ORDERS else None
        declared = page_language or hints.language
        self.language_order = language_date_order(declared) if declared else None
        self.calendar_language = declared if declared and _base(declared) in CALENDAR_LANGUAGES else None
        # Languages beyond the month table get patterns of their own (the seed's, then the page's).
        wanted = [*hints.date_languages, *([page_language] if page_language else [])]
        self.extra_languages = tuple(dict.fromkeys(
            code for code in wanted if code and _base(code) not in TABLE_LANGUAGES))
        self._patterns = _PATTERNS + tuple(p for code in self.extra_languages for p in language_patterns(code))
        self.languages = _dateparser_languages(tuple(hints.date_languages), hints.name)
        self.zone = _site_zone(hints.timezone, hints.name)
        # A naive fetch time is taken as UTC (what the crawler records).
        if fetched_at is not None and fetched_at.tzinfo is None:
            fetched_at = fetched_at.replace(tzinfo=UTC)
        self._fetched = fetched_at
        self._latest = (fetched_at or datetime.now(UTC)) + FUTURE_SLACK

    @property
    def parser(self) -> DateDataParser:
        """The shared dateparser used for whole date strings (cached per languages and date order)."""
        return absolute_parser(self.languages, self.date_order)

    # ----------------------------------------------------------------- public readers

    def structured(self, raw: str, source: str) -> FoundDate | None:
        """Read a machine value (JSON-LD, meta, <time datetime>): ISO 8601, RFC 2822 or epoch.

        ISO values are never re-ordered by the site's date order; anything else goes to text().
        """
        if not isinstance(raw, str):
            return None
        s = _clean(raw)
        if not s or len(s) > MAX_TEXT_CHARS:
            return None
        try:
            if m := _ISO_RE.fullmatch(s):
                return self._from_iso(m, s, source)
            if m := _EPOCH_RE.fullmatch(s):
                return self._from_epoch(m, s, source)
            if _RFC2822_RE.match(s):
                found = self._from_rfc2822(s, source)
                if found:
                    return found
        except _Rejected:
            return None
        return self.text(s, source)

    def text(self, raw: str, source: str = "text") -> FoundDate | None:
        """Read a human-written date string ("6 декабря 2021", "12/06/2021", "2 hours ago")."""
        if not isinstance(raw, str):
            return None
        s = _clean(raw)
        if not s or len(s) > MAX_TEXT_CHARS:
            return None
        match = self._first_candidate(s)
        if match is not None:
            # The first date expression decides: a rejected one is not replaced by a guess.
            try:
                return self._from_candidate(match, s, source, MIN_YEAR)
            except _Rejected:
                return self._other_calendar(s, source)  # "7 ธันวาคม 2564": a Buddhist Era year
        if (found := self._other_calendar(s, source)) is not None:
            return found
        if len(s) > DATEPARSER_MAX_CHARS or not re.search(r"[^\W\d_]", s):
            return None  # prose, or digits and punctuation in no known pattern: nothing to read
        found = self._dateparser_absolute(s, source)
        if found is None:
            found = self._relative(s, source)
        return found

    def find(self, text: str, source: str = "text") -> FoundDate | None:
        """Search the start of a snippet (a dateline, a byline) for the first usable date expression.

        Only precompiled patterns run over the snippet; dateparser never sees the paragraph.
        """
        if not isinstance(text, str):
            return None
        window = _clean(text[: FIND_WINDOW + 50])[:FIND_WINDOW]
        if not window:
            return None
        for match in self._candidates(window):
            try:
                return self._from_candidate(match, match.group(0).strip(), source, MIN_FIND_YEAR)
            except _Rejected:
                continue
        if (found := self._other_calendar(window, source)) is not None:
            return found
        if self._fetched is not None and (rel := _RELATIVE_RE.search(window) or _DAY_WORD_RE.search(window)):
            return self._relative(rel.group(0), source)
        return None

    def _other_calendar(self, s: str, source: str) -> FoundDate | None:
        """A date in a non-Gregorian calendar (`calendars`), only looked for in text outside Latin script
        or in a language whose pages use one (Latin-script pages pay nothing)."""
        if not (_CALENDAR_SCRIPT.search(s) or (self.calendar_language and _HAS_DIGIT.search(s))
                or _HEBREW_YEAR.search(s)):
            return None
        found = find_calendar_date(s, self.calendar_language, thai_month=lambda word: month_number("th", word))
        if found is None:
            return None
        try:
            day = self._check_day(found.day.year, found.day.month, found.day.day, MIN_YEAR)
        except _Rejected:
            return None
        return FoundDate(day.isoformat(), _raw(found.raw), source, "day", False, found.calendar)

    def from_url(self, url: str) -> FoundDate | None:
        """Read a full date from the URL path (/2021/12/07/, /2021-12-07-slug, /20211207/)."""
        if not isinstance(url, str) or not url:
            return None
        try:
            path = urlsplit(url).path
        except ValueError:
            return None
        for pattern in _URL_PATTERNS:
            for m in pattern.finditer(path):
                try:
                    day = self._check_day(int(m["y"]), int(m["m"]), int(m["d"]), MIN_FIND_YEAR)
                except _Rejected:
                    continue
                return FoundDate(day.isoformat(), _raw(m.group(0).strip("/")), "url", "day", False)
        return None

    # ----------------------------------------------------------------- structured values

    def _from_iso(self, m: re.Match[str], s: str, source: str) -> FoundDate:
        if m["sep"]:
            y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
        else:
            y, mo, d = int(m["y"]), int(m["cm"]), int(m["cd"])
        day = self._check_day(y, mo, d, MIN_YEAR)
        if m["H"] is None:
            if m["tz"]:
                raise _Rejected  # "2021-12-07Z" is not a thing
            return FoundDate(day.isoformat(), _raw(s), source, "day", False)
        clock = _clock(int(m["H"]), int(m["M"]), int(m["S"] or 0))
        zone = _offset(m["tz"]) if m["tz"] else None
        precision = "second" if m["S"] else "minute"
        return self._datetime(datetime.combine(day, clock), zone, precision, s, source)

    def _from_epoch(self, m: re.Match[str], s: str, source: str) -> FoundDate:
        seconds = float(s) if m["s"] else int(m["ms"]) / 1000
        moment = datetime.fromtimestamp(seconds, UTC)
        # An epoch is an exact instant: show it in the site's zone, nothing is assumed.
        moment = moment.astimezone(self.zone)
        self._check_day(moment.year, moment.month, moment.day, MIN_YEAR)
        self._check_moment(moment)
        return FoundDate(_iso(moment), _raw(s), source, "second", False)

    def _from_rfc2822(self, s: str, source: str) -> FoundDate | None:
        try:
            moment = email.utils.parsedate_to_datetime(s)
        except (TypeError, ValueError, IndexError):
            return None
        self._check_day(moment.year, moment.month, moment.day, MIN_YEAR)
        precision = "second" if re.search(r"\d:\d{2}:\d{2}", s) else "minute"
        # A "-0000" zone means "unknown" in RFC 2822; parsedate_to_datetime returns it naive.
        zone = moment.tzinfo
        return self._datetime(moment.replace(tzinfo=None), zone, precision, s, source)

    # ----------------------------------------------------------------- text candidates

    def _candidates(self, s: str) -> list[re.Match[str]]:
        matches = [m for pattern in self._patterns for m in pattern.finditer(s)]
        matches.sort(key=lambda m: (m.start(), -m.end()))
        return matches

    def _first_candidate(self, s: str) -> re.Match[str] | None:
        best: re.Match[str] | None = None
        for pattern in self._patterns:
            m = pattern.search(s)
            if m and (best is None or (m.start(), -m.end()) < (best.start(), -best.end())):
                best = m
        return best

    def _from_candidate(self, m: re.Match[str], raw: str, source: str, min_year: int) -> FoundDate:
        groups = m.groupdict()
        if groups.get("mon"):
            month = _month_number(groups["mon"]) or self._language_month(groups["mon"])
            if month is None:
                raise _Rejected
            day = self._check_day(int(groups["y"]), month, int(groups["d"]), min_year)
        elif groups.get("a"):
            day = self._numeric_day(int(groups["a"]), int(groups["b"]), groups["c"], min_year, groups["sep"])
        else:
            day = self._check_day(int(groups["y"]), int(groups["m"]), int(groups["d"]), min_year)

        prefix = "l" if groups.get("lH") else "t" if groups.get("tH") else None
        if prefix is None:
            return FoundDate(day.isoformat(), _raw(raw), source, "day", False)
        try:
            clock = _clock_12(groups[prefix + "H"], groups[prefix + "M"], groups[prefix + "S"],
                              groups[prefix + "ap"])
        except _Rejected:
            # "99:99" is not a time; the date itself still stands.
            return FoundDate(day.isoformat(), _raw(raw), source, "day", False)
        precision = "second" if groups[prefix + "S"] else "minute"
        zone = _zone_from_groups(groups, prefix)
        if zone is None and prefix == "t":
            zone = _zone_after(m.string, m.end())
        return self._datetime(datetime.combine(day, clock), zone, precision, raw, source)

    def _language_month(self, word: str) -> int | None:
        for code in self.extra_languages:
            if (number := month_number(code, word)) is not None:
                return number
        return None

    def _numeric_day(self, a: int, b: int, c: str, min_year: int, sep: str = "/") -> date:
        """d/m/y or m/d/y by the site's date order; unhinted dates only when unambiguous.

        Without a site hint the page's language decides, by its CLDR short date pattern (de "dd.MM.yy",
        fr "dd/MM/y", en-US "M/d/yy"; English without a region decides nothing). Dots with the year last
        are day-first in every locale that writes them (de, ru, uk, pl, cs, tr, fi, lv, no, ...: CLDR
        "dd.MM.y" / "dd.MM.yy") and month-first in none, so "06.12.2021" and "06.12.21" are 6 December
        even without a language (Korean's year-first "21. 12. 6." needs its language).
        """
        order = self.date_order or self.language_order or ("DMY" if sep == "." else None)
        if len(c) == 2:
            if order is None:
                raise _Rejected  # 06/12/21 without a hint could be three different days
            if order == "YMD":
                year, month, day = self._two_digit_year(a), b, int(c)
            elif order == "DMY":
                year, month, day = self._two_digit_year(int(c)), b, a
            else:
                year, month, day = self._two_digit_year(int(c)), a, b
            return self._check_day(year, month, day, min_year)
        year = int(c)
        if order == "DMY" or (order not in ("DMY", "MDY") and (a > 12 >= b or a == b)):
            return self._check_day(year, b, a, min_year)
        if order == "MDY" or (order not in ("DMY", "MDY") and b > 12 >= a):
            return self._check_day(year, a, b, min_year)
        raise _Rejected  # both parts could be the month: never a silently wrong date

    def _two_digit_year(self, yy: int) -> int:
        limit = self._latest.year + 1
        return 2000 + yy if 2000 + yy <= limit else 1900 + yy

    # ----------------------------------------------------------------- dateparser paths

    def _dateparser_absolute(self, s: str, source: str) -> FoundDate | None:
        if self.date_order is None and _THREE_NUMBERS_RE.search(s):
            return None  # numbers only, in no known pattern: dateparser would guess the order
        try:
            data = self.parser.get_date_data(s)
        except Exception:  # dateparser raises assorted errors on odd input; a miss is fine
            logger.debug("dateparser failed on %r", s, exc_info=True)
            return None
        moment = data.date_obj
        if moment is None or not {"day", "month", "year"} <= set(data.parts or ()):
            return None
        try:
            day = self._check_day(moment.year, moment.month, moment.day, MIN_YEAR)
            clock = _CLOCK_RE.search(s)
            if clock is None or "time" not in data.parts:
                return FoundDate(day.isoformat(), _raw(s), source, "day", False)
            precision = "second" if clock.group(1) else "minute"
            zone = timezone(moment.utcoffset() or timedelta(0)) if moment.tzinfo else None
            return self._datetime(moment.replace(tzinfo=None), zone, precision, s, source)
        except _Rejected:
            return None

    def _relative(self, s: str, source: str) -> FoundDate | None:
        """Resolve "2 hours ago" / "вчера" against the fetch time; without a fetch time, nothing."""
        if self._fetched is None:
            return None
        local_fetch = self._fetched.astimezone(self.zone)
        base = local_fetch.replace(tzinfo=None, microsecond=0)
        try:
            data = relative_parser(self.languages, base).get_date_data(s)
        except Exception:
            logger.debug("dateparser failed on relative %r", s, exc_info=True)
            return None
        moment = data.date_obj
        if moment is None or data.period not in ("day", "week"):
            return None  # months/years ago are too vague
        moment = moment.replace(tzinfo=None)
        parts = data.parts or ()
        if moment > base or (moment == base and "time" in parts):
            return None  # the future is no publication date, and "just now" is the crawl time itself
        try:
            clock = _CLOCK_RE.search(s)
            if clock is not None and "time" in parts:
                # "вчера в 10:30": a wall-clock time at the site.
                precision = "second" if clock.group(1) else "minute"
                return self._datetime(moment, None, precision, s, source)
            if "time" in parts:
                # "2 hours ago": an offset from the fetch instant, whose zone is known.
                instant = (self._fetched - (base - moment)).astimezone(self.zone).replace(second=0)
                self._check_moment(instant)
                assumed = self.fetched_at is not None and self.fetched_at.tzinfo is None
                return FoundDate(_iso(instant), _raw(s), source, "minute", assumed)
            day = self._check_day(moment.year, moment.month, moment.day, MIN_YEAR)
        except _Rejected:
            return None
        return FoundDate(day.isoformat(), _raw(s), source, "day", False)

    # ----------------------------------------------------------------- checks and building

    def _check_day(self, year: int, month: int, day: int, min_year: int) -> date:
        if year < min_year:
            raise _Rejected
        try:
            result = date(year, month, day)
        except ValueError:
            raise _Rejected from None
        if result > self._latest.date():
            raise _Rejected
        return result

    def _check_moment(self, moment: datetime) -> None:
        if moment > self._latest:
            raise _Rejected

    def _datetime(
        self, naive: datetime, zone: tzinfo | None, precision: str, raw: str, source: str
    ) -> FoundDate:
        """Attach the page's zone if it gave one, else the site's (or UTC), saying it was assumed."""
        assumed = zone is None
        moment = naive.replace(tzinfo=zone or self.zone)
        self._check_moment(moment)
        return FoundDate(_iso(moment), _raw(raw), source, precision, assumed)


# --------------------------------------------------------------------------- small helpers


def _raw(s: str) -> str:
    return s.strip()[:RAW_CHARS]


def _iso(moment: datetime) -> str:
    """ISO 8601 with a numeric offset, whole seconds (whatever tzinfo class the moment carries)."""
    fixed = timezone(moment.utcoffset() or timedelta(0))
    return moment.replace(tzinfo=fixed, microsecond=0).isoformat(timespec="seconds")


def _clock(hour: int, minute: int, second: int) -> time:
    try:
        return time(hour, minute, second)
    except ValueError:
        raise _Rejected from None


def _clock_12(hour: str, minute: str, second: str | None, ampm: str | None) -> time:
    h = int(hour)
    if ampm:
        if not 1 <= h <= 12:
            raise _Rejected
        h = h % 12 + (12 if ampm.lower() == "p" else 0)
    return _clock(h, int(minute), int(second or 0))


def _offset(text: str) -> timezone:
    text = text.upper()
    if text in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 14 or minutes > 59:
        raise _Rejected
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


@functools.lru_cache(maxsize=128)
def _abbreviation_zone(abbreviation: str) -> timezone | None:
    if abbreviation in _AMBIGUOUS_TZ:
        return None
    _, zone = pop_tz_offset_from_string(f"0 {abbreviation}")
    offset = zone.utcoffset(None) if zone is not None else None
    return timezone(offset) if offset is not None else None


def _zone_after(text: str, end: int) -> timezone | None:
    m = _TZ_ABBR_RE.match(text, end)
    return _abbreviation_zone(m.group(1)) if m else None


def _zone_from_groups(groups: dict[str, str | None], p: str) -> tzinfo | None:
    if groups.get(p + "z"):
        return UTC
    if groups.get(p + "os"):
        return _offset(f"{groups[p + 'os']}{groups[p + 'oh']}{groups[p + 'om']}")
    if groups.get(p + "g"):
        if not groups.get(p + "gs"):
            return UTC
        return _offset(f"{groups[p + 'gs']}{int(groups[p + 'gh'] or 0):02d}{groups[p + 'gm'] or '00'}")
    return None

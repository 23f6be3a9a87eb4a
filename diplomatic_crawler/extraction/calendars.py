"""Dates written in the other calendars of the world's foreign ministries, converted to the Gregorian day.

- `solar_hijri` (Iran, Afghanistan): "۱۶ آذر ۱۴۰۰", "16 قوس 1400", "1400/09/16" on a Persian page;
  convertdate.persian (what dateparser's Jalali calendar uses).
- `hijri` (Umm al-Qura, the Gulf): "3 جمادى الأولى 1443 هـ", "1443/05/03 هـ"; hijridate (Umm al-Qura
  tables, what dateparser's Hijri calendar uses).
- `japanese` (eras): "令和3年12月7日", "平成元年1月8日"; japanera (era names and first days).
- `buddhist` (Thai Buddhist Era): "7 ธันวาคม 2564", "วันที่ 7 ธ.ค. พ.ศ. 2564", "7/12/2564" on a Thai page; no
  converter is needed: Thailand's solar calendar is the Gregorian one with its era 543 years ahead (since
  1941, when its year began on 1 January), so only the year changes.
- `minguo` (Taiwan): "民國110年12月7日", "110年12月7日" / "110/12/07" on a zh-TW page; dateparser's Minguo calendar.
- `ethiopian`: "ህዳር 28 ቀን 2014 ዓ.ም"; convertdate.coptic: the Ethiopian calendar is the Coptic one (13
  months, the same leap rule) counted from the Incarnation era, 276 years after the Coptic era.
- `hebrew` (Israel): "ג׳ בטבת תשפ״ב", "3 בטבת 5782", "3 Tevet 5782"; convertdate.hebrew. Days and years
  in Hebrew numerals (letters with geresh or gershayim, the year without its thousands: תשפ״ב = 5782).
  In a leap year plain "Adar" names no month by itself (Adar I or Adar II?) and gives no date.

Compared: convertdate and hijridate are what dateparser's own calendars install (`dateparser[calendars]`);
jdatetime or persiantools would be one more dependency for the same Solar Hijri days; convertdate's
arithmetic Islamic calendar starts 413 of the 612 months of 1400-1450 AH on another day than Umm al-Qura,
hence hijridate. Month names are calendar facts kept here as data; the arithmetic is the
libraries'. A converter's refusal (a day outside its tables) gives no date, never a guess.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

logger = logging.getLogger(__name__)

CALENDARS = ("solar_hijri", "hijri", "japanese", "buddhist", "minguo", "ethiopian", "hebrew")

_ALEFS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ي": "ی", "ك": "ک", "ى": "ی", "ة": "ه"})


def _fold(word: str) -> str:
    return " ".join(word.translate(_ALEFS).split())


# Solar Hijri: the Persian names (Iran), the zodiac names Afghanistan's Dari uses, and their Pashto names
# (وری ... کب, Afghanistan's other official language).
_SOLAR_HIJRI = {
    1: ("فروردین", "حمل", "وری"), 2: ("اردیبهشت", "ثور", "غویی", "غوایی"), 3: ("خرداد", "جوزا", "جوزاء", "غبرګولی"),
    4: ("تیر", "سرطان", "چنګاښ"), 5: ("مرداد", "امرداد", "اسد", "زمری"), 6: ("شهریور", "سنبله", "وږی"),
    7: ("مهر", "میزان", "تله"), 8: ("آبان", "عقرب", "لړم"), 9: ("آذر", "قوس", "لیندۍ", "لیندی"),
    10: ("دی", "جدی", "مرغومی"), 11: ("بهمن", "دلو", "سلواغه"), 12: ("اسفند", "حوت", "کب"),
}
# Hijri: hijridate's Arabic names plus the common variants (ربيع الآخر, جمادى الثانية, ذي القعدة).
_HIJRI = {
    1: ("محرم",), 2: ("صفر",), 3: ("ربيع الأول", "ربيع الاول"), 4: ("ربيع الثاني", "ربيع الآخر", "ربيع الاخر"),
    5: ("جمادى الأولى", "جمادى الاولى", "جمادي الأولى"), 6: ("جمادى الآخرة", "جمادى الثانية", "جمادى الاخرة"),
    7: ("رجب",), 8: ("شعبان",), 9: ("رمضان",), 10: ("شوال",), 11: ("ذو القعدة", "ذي القعدة"),
    12: ("ذو الحجة", "ذي الحجة"),
}
_ETHIOPIAN = {
    1: ("መስከረም",), 2: ("ጥቅምት",), 3: ("ኅዳር", "ህዳር"), 4: ("ታኅሣሥ", "ታህሳስ", "ታህሣሥ"), 5: ("ጥር",), 6: ("የካቲት",),
    7: ("መጋቢት",), 8: ("ሚያዝያ",), 9: ("ግንቦት",), 10: ("ሰኔ",), 11: ("ሐምሌ", "ሃምሌ"), 12: ("ነሐሴ", "ነሃሴ"),
    13: ("ጳጉሜ", "ጳጉሜን"),
}

# Hebrew: convertdate.hebrew's month numbers (Nisan 1 ... Adar 12, Adar II 13 in a leap year), the names in
# Hebrew script (with and without the yod/vav spellings) and their usual Latin transliterations. 0 is plain
# Adar: month 12 in a common year, no month in a leap year.
_HEBREW = {
    1: ("ניסן", "Nisan"), 2: ("אייר", "איר", "Iyar", "Iyyar"), 3: ("סיוון", "סיון", "Sivan"),
    4: ("תמוז", "Tammuz", "Tamuz"), 5: ("אב", "Av"), 6: ("אלול", "Elul"), 7: ("תשרי", "Tishrei", "Tishri"),
    8: ("חשוון", "חשון", "מרחשוון", "מרחשון", "Cheshvan", "Heshvan", "Marcheshvan"),
    9: ("כסלו", "כסליו", "Kislev"), 10: ("טבת", "Tevet", "Teveth"), 11: ("שבט", "Shevat", "Shvat"),
    0: ("אדר", "Adar"), 12: ("אדר א", "אדר א׳", "אדר א'", "Adar I", "Adar Aleph"),
    13: ("אדר ב", "אדר ב׳", "אדר ב'", "Adar II", "Adar Bet"),
}
_HEBREW_NUMERALS = {letter: value for values, letters in (
    (range(1, 10), "אבגדהוזחט"), (range(10, 100, 10), "יכלמנסעפצ"), (range(100, 500, 100), "קרשת"))
    for value, letter in zip(values, letters, strict=True)} | {"ך": 20, "ם": 40, "ן": 50, "ף": 80, "ץ": 90}
_GERESH = "׳״'\"`"
# A numeral is marked as one: gershayim before its last letter (ט״ו, תשפ״ב) or a geresh after a single
# letter (ג׳), so a Hebrew word is never read as a number.
_HEBREW_NUMBER = (r"(?:[אבגדהוזחטיכלמנסעפצקרשתךםןףץ]{1,4}[״\"][אבגדהוזחטיכלמנסעפצקרשתךםןףץ]"
                  r"|[אבגדהוזחטיכלמנסעפצקרשתךםןףץ][׳'])")


_PERSIAN_LETTERS = str.maketrans({"ی": "ي", "ک": "ك"})
_ARABIC_LETTERS = str.maketrans({"ي": "ی", "ك": "ک"})


def _names(table: dict[int, tuple[str, ...]]) -> tuple[dict[str, int], str]:
    """Folded name -> month, and a regex of the names as written with Arabic or Persian yeh and kaf."""
    lookup = {_fold(name): number for number, names in table.items() for name in names}
    written = {form for names in table.values() for name in names
               for form in (name, name.translate(_PERSIAN_LETTERS), name.translate(_ARABIC_LETTERS))}
    alternation = "|".join(r"\s+".join(map(re.escape, name.split()))
                           for name in sorted(written, key=len, reverse=True))
    return lookup, alternation


_SH_MONTHS, _SH_RE = _names(_SOLAR_HIJRI)
_HI_MONTHS, _HI_RE = _names(_HIJRI)
_ET_MONTHS, _ET_RE = _names(_ETHIOPIAN)
_HE_MONTHS = {" ".join(name.replace("׳", "'").casefold().split()): number
              for number, names in _HEBREW.items() for name in names}
_HE_RE = "|".join(r"\s*".join(map(re.escape, name.split()))
                  for name in sorted({n for names in _HEBREW.values() for n in names}, key=len, reverse=True))
_NOT_LETTER_BEFORE, _NOT_LETTER_AFTER = r"(?<![^\W\d_])", r"(?![^\W\d_])"


@dataclass(frozen=True)
class CalendarDate:
    """A Gregorian day read from a date in another calendar, with what was written and which calendar."""

    day: date
    raw: str
    calendar: str


def _solar_hijri(year: int, month: int, day: int) -> date:
    from convertdate import persian

    if not (1 <= month <= 12 and 1 <= day <= (31 if month <= 6 else 30)) or not 1300 <= year <= 1500:
        raise ValueError("not a Solar Hijri day")
    return date(*persian.to_gregorian(year, month, day))


def _hijri(year: int, month: int, day: int) -> date:
    from hijridate import Hijri

    return Hijri(year, month, day).to_gregorian()  # ValueError outside the Umm al-Qura tables


def _ethiopian(year: int, month: int, day: int) -> date:
    from convertdate import coptic

    if not (1 <= month <= 13 and 1 <= day <= (30 if month <= 12 else 6)) or not 1900 <= year <= 2200:
        raise ValueError("not an Ethiopian day")
    return date(*coptic.to_gregorian(year - 276, month, day))


def hebrew_numeral(text: str) -> int | None:
    """The value of a Hebrew numeral ("ט״ו" 15, "תשפ״ב" 782); None for anything else."""
    letters = [c for c in text if c not in _GERESH]
    if not letters or any(c not in _HEBREW_NUMERALS for c in letters):
        return None
    return sum(_HEBREW_NUMERALS[c] for c in letters)


def _hebrew(year: int, month: int, day: int) -> date:
    from convertdate import hebrew

    if year < 1000:  # written without its thousands (תשפ״ב): the sixth millennium
        year += 5000
    if not 5600 <= year <= 6000 or not 1 <= day <= 30:
        raise ValueError("not a Hebrew day")
    if month == 0:  # plain Adar: Adar of a common year; in a leap year it could be either
        if hebrew.leap(year):
            raise ValueError("Adar of a leap year: Adar I or Adar II?")
        month = 12
    with warnings.catch_warnings():  # convertdate 2.4 calls its own deprecated month_days inside
        warnings.simplefilter("ignore", DeprecationWarning)
        if month > hebrew.year_months(year) or day > hebrew.month_length(year, month):
            raise ValueError("not a Hebrew day")
        return date(*hebrew.to_gregorian(year, month, day))


def _buddhist(year: int, month: int, day: int) -> date:
    if not 2484 <= year <= 2800:  # the era with a 1 January new year
        raise ValueError("not a Buddhist Era year")
    return date(year - 543, month, day)


def _minguo(text: str) -> date:
    from dateparser.calendars.minguo import MinguoCalendar

    found = MinguoCalendar(text).get_date()
    if found is None or found.date_obj is None:
        raise ValueError("not a Minguo day")
    return found.date_obj.date()


def _japanese(era_name: str, year: str, month: int, day: int) -> date:
    import japanera

    relative = 1 if year == "元" else int(year)
    for era in japanera.ERA_DATA_GENERAL:
        if era.kanji == era_name:
            result = date(era.relative_year_to_absolute_year(relative), month, day)
            if result < era.since or (era.until is not None and result >= era.until):
                raise ValueError("outside its era")
            return result
    raise ValueError("unknown era")


_DAY = r"(?P<d>[0-3]?\d)"
_YEAR4 = r"(?P<y>\d{4})(?!\d)"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("japanese", re.compile(r"(?P<era>令和|平成|昭和|大正|明治)\s*(?P<y>元|\d{1,2})\s*年\s*(?P<m>\d{1,2})\s*月\s*"
                            + _DAY + r"\s*日")),
    ("minguo", re.compile(r"(?:中華)?民[國国]\s*(?P<y>\d{1,3})\s*年\s*(?P<m>\d{1,2})\s*月\s*" + _DAY + r"\s*日")),
    ("solar_hijri", re.compile(r"(?<!\d)" + _DAY + r"(?:مه)?\s*(?:د\s+)?" + _NOT_LETTER_BEFORE + rf"(?P<mon>{_SH_RE})"
                               + _NOT_LETTER_AFTER + r"\s*(?:ماه\s*)?(?:سال\s*)?،?\s*" + r"(?P<y>1[34]\d\d)(?!\d)")),
    # Pashto writes the year first: "د ۱۴۰۰ کال د لیندۍ ۱۶مه", "۱۴۰۰ د لیندۍ ۱۶".
    ("solar_hijri", re.compile(r"(?<!\d)(?P<y>1[34]\d\d)\s*(?:کال\s*)?(?:د\s+)?" + _NOT_LETTER_BEFORE
                               + rf"(?P<mon>{_SH_RE})" + _NOT_LETTER_AFTER + r"\s*" + _DAY + r"(?!\d)(?:مه)?")),
    ("hijri", re.compile(r"(?<!\d)" + _DAY + r"\s*(?:من\s+)?" + _NOT_LETTER_BEFORE + rf"(?P<mon>{_HI_RE})"
                         + _NOT_LETTER_AFTER + r"\s*،?\s*(?:لعام\s+|عام\s+|سنة\s+)?(?P<y>1[34]\d\d)(?!\d)")),
    # Hebrew: a day (digits or a numeral), the month with its optional "ב" ("in"), a year (5782 or תשפ״ב,
    # perhaps with ה׳ for the thousands). Latin transliterations only with a four-digit year.
    ("hebrew", re.compile(r"(?<![\w׳״'\"])(?P<d>[0-3]?\d|" + _HEBREW_NUMBER + r")\s+(?:ב-?)?"
                          rf"(?P<mon>{_HE_RE})" + r"(?![^\W\d_])\s*,?\s*(?:ה['׳]\s*)?"
                          r"(?P<y>5[6-9]\d\d|" + _HEBREW_NUMBER + r")(?![\w׳״])")),
    ("ethiopian", re.compile(_NOT_LETTER_BEFORE + rf"(?P<mon>{_ET_RE})" + r"\s*" + _DAY + r"(?!\d)\s*(?:ቀን\s*)?,?\s*"
                             + _YEAR4)),
    ("ethiopian", re.compile(r"(?<!\d)" + _DAY + r"\s*" + _NOT_LETTER_BEFORE + rf"(?P<mon>{_ET_RE})"
                             + r"\s*,?\s*" + _YEAR4)),
)
# Numeric dates in a calendar the page's language implies: year first, the year's range tells.
_NUMERIC = re.compile(r"(?<![\d/.-])(?P<y>\d{3,4})(?P<sep>[/.-])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?![\d/.-])")
_NUMERIC_DMY = re.compile(r"(?<![\d/.-])(?P<d>\d{1,2})(?P<sep>[/.-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4})(?![\d/.-])")
_MINGUO_YEAR = re.compile(r"(?<![\d民國国])(?P<y>\d{2,3})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")
_MINGUO_LANGUAGES = frozenset({"zh-tw", "zh-hant", "zh-hant-tw"})


def _thai(text: str, month_number: Callable[[str], int | None] | None) -> CalendarDate | None:
    """A Thai date with its month in words and a Buddhist Era year ("7 ธันวาคม 2564")."""
    if month_number is None:
        return None
    from .date_languages import month_alternation

    names = month_alternation("th")
    if not names:
        return None
    pattern = re.compile(r"(?<!\d)(?:วันที่\s*)?" + _DAY + r"\s*(?P<mon>" + names + r")\.?\s*"
                         r"(?:พ\.\s?ศ\.\s*|พุทธศักราช\s*)?" + _YEAR4)
    for m in pattern.finditer(text):
        month = month_number(m["mon"])
        if month is None:
            continue
        try:
            return CalendarDate(_buddhist(int(m["y"]), month, int(m["d"])), m.group(0).strip(), "buddhist")
        except ValueError:
            continue
    return None


def find_calendar_date(text: str, language: str | None = None,
                       thai_month: Callable[[str], int | None] | None = None) -> CalendarDate | None:
    """The first date of `text` written in a non-Gregorian calendar, as a Gregorian day.

    `text` has ASCII digits already (the caller normalises every script's digits). Month names decide
    the calendar by themselves; numeric dates only where the page's language implies one (Persian: Solar
    Hijri; Arabic with "هـ": Hijri; Thai: Buddhist Era; Traditional Chinese of Taiwan: Minguo).
    """
    found: list[tuple[int, CalendarDate]] = []
    for calendar, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            try:
                day = _convert(calendar, m)
            except (ValueError, OverflowError):
                continue
            found.append((m.start(), CalendarDate(day, m.group(0).strip(), calendar)))
            break
    base = (language or "").replace("_", "-").lower()
    if base.startswith("th"):
        thai = _thai(text, thai_month)
        if thai is not None:
            found.append((text.find(thai.raw), thai))
        for m in _NUMERIC_DMY.finditer(text):
            try:
                found.append((m.start(), CalendarDate(_buddhist(int(m["y"]), int(m["m"]), int(m["d"])),
                                                      m.group(0), "buddhist")))
                break
            except ValueError:
                continue
    if base in _MINGUO_LANGUAGES:
        for m in _MINGUO_YEAR.finditer(text):
            try:
                found.append((m.start(), CalendarDate(_minguo(m.group(0)), m.group(0), "minguo")))
                break
            except ValueError:
                continue
    for m in _NUMERIC.finditer(text):
        calendar = _numeric_calendar(base, text, m)
        if calendar is None:
            continue
        try:
            day = _convert_numeric(calendar, m)
        except (ValueError, OverflowError):
            continue
        found.append((m.start(), CalendarDate(day, m.group(0), calendar)))
        break
    if not found:
        return None
    return min(found, key=lambda item: item[0])[1]


def _numeric_calendar(language: str, text: str, m: re.Match[str]) -> str | None:
    year = int(m["y"])
    if language.startswith(("fa", "prs", "ps")) and 1300 <= year <= 1500:
        return "solar_hijri"
    if language.startswith("ar") and 1300 <= year <= 1500 and re.match(r"\s*ه", text[m.end():m.end() + 3]):
        return "hijri"
    if language in _MINGUO_LANGUAGES and year < 1000:
        return "minguo"
    return None


def _convert(calendar: str, m: re.Match[str]) -> date:
    if calendar == "japanese":
        return _japanese(m["era"], m["y"], int(m["m"]), int(m["d"]))
    if calendar == "minguo":
        return _minguo(m.group(0))
    if calendar == "hebrew":
        return _convert_hebrew(m)
    month_of = {"solar_hijri": _SH_MONTHS, "hijri": _HI_MONTHS, "ethiopian": _ET_MONTHS}[calendar]
    month = month_of[_fold(m["mon"])]
    convert = {"solar_hijri": _solar_hijri, "hijri": _hijri, "ethiopian": _ethiopian}[calendar]
    return convert(int(m["y"]), month, int(m["d"]))


def _convert_numeric(calendar: str, m: re.Match[str]) -> date:
    year, month, day = int(m["y"]), int(m["m"]), int(m["d"])
    if calendar == "minguo":
        return _minguo(f"{year}/{month:02d}/{day:02d}")
    return {"solar_hijri": _solar_hijri, "hijri": _hijri}[calendar](year, month, day)


def _convert_hebrew(m: re.Match[str]) -> date:
    day = int(m["d"]) if m["d"].isdigit() else hebrew_numeral(m["d"])
    written = m["y"]
    if written[0] == "ה" and written[1:2] == "ת":  # "התשפ״ב": the ה is the year's thousands (5), not 5 units
        written = written[1:]
    year = int(written) if written.isdigit() else hebrew_numeral(written)
    if year is not None and not written.isdigit() and not 600 <= year <= 999:  # years 5600-5999 only
        raise ValueError("not a Hebrew year")
    month = _HE_MONTHS.get(" ".join(m["mon"].replace("׳", "'").casefold().split()))
    latin = m["mon"].isascii()
    if day is None or year is None or month is None or (latin and year < 1000):
        raise ValueError("not a Hebrew date")
    return _hebrew(year, month, day)

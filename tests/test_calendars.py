"""Dates in the seven other calendars ministries publish in, converted to the Gregorian day with the calendar
recorded: through the reader, through `extract_article`, into the archive and out of an export."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from diplomatic_crawler.archive import Archive
from diplomatic_crawler.extraction import extract_article
from diplomatic_crawler.extraction.calendars import CALENDARS
from diplomatic_crawler.extraction.dates import DateReader
from diplomatic_crawler.extraction.hints import SiteHints
from diplomatic_crawler.migrations import MIGRATIONS

FETCHED = datetime(2022, 6, 1, 12, 0, tzinfo=UTC)

# (language, as the page writes it, Gregorian day, calendar)
CALENDAR_FORMATS: list[tuple[str, str, str, str]] = [
    ("fa", "۱۶ آذر ۱۴۰۰", "2021-12-07", "solar_hijri"),
    ("fa", "سه‌شنبه ۱۶ آذر ۱۴۰۰ - ۱۰:۳۰", "2021-12-07", "solar_hijri"),
    ("fa", "۱۴۰۰/۰۹/۱۶", "2021-12-07", "solar_hijri"),
    ("fa", "1 فروردین 1401", "2022-03-21", "solar_hijri"),
    ("fa", "۲۹ اسفند ۱۴۰۰", "2022-03-20", "solar_hijri"),
    ("prs", "16 قوس 1400", "2021-12-07", "solar_hijri"),  # Afghanistan: the zodiac month names
    ("ps", "۱۶ قوس ۱۴۰۰", "2021-12-07", "solar_hijri"),
    ("ps", "۱۴۰۰ د لیندۍ ۱۶", "2021-12-07", "solar_hijri"),  # Pashto month names, the year first
    ("ps", "د ۱۴۰۰ کال د لیندۍ ۱۶مه", "2021-12-07", "solar_hijri"),
    ("ps", "۱۶مه د لیندۍ ۱۴۰۰", "2021-12-07", "solar_hijri"),
    ("ps", "د ۱۴۰۱ کال د وری ۱مه", "2022-03-21", "solar_hijri"),
    ("ar", "3 جمادى الأولى 1443 هـ", "2021-12-07", "hijri"),
    ("ar", "1443/05/03 هـ", "2021-12-07", "hijri"),
    ("ar", "١ رمضان ١٤٤٣ هـ", "2022-04-02", "hijri"),
    ("ar", "10 ذو الحجة 1442", "2021-07-20", "hijri"),
    ("ar", "الثلاثاء 3 جمادى الأولى 1443هـ", "2021-12-07", "hijri"),
    ("ja", "令和3年12月7日", "2021-12-07", "japanese"),
    ("ja", "令和３年１２月７日", "2021-12-07", "japanese"),
    ("ja", "令和元年5月1日", "2019-05-01", "japanese"),
    ("ja", "平成31年4月30日", "2019-04-30", "japanese"),
    ("th", "7 ธันวาคม 2564", "2021-12-07", "buddhist"),
    ("th", "๗ ธันวาคม ๒๕๖๔", "2021-12-07", "buddhist"),
    ("th", "วันที่ 7 ธ.ค. พ.ศ. 2564", "2021-12-07", "buddhist"),
    ("th", "7/12/2564", "2021-12-07", "buddhist"),
    ("zh-TW", "民國110年12月7日", "2021-12-07", "minguo"),
    ("zh-TW", "中華民國110年12月7日", "2021-12-07", "minguo"),
    ("zh-TW", "110年12月7日", "2021-12-07", "minguo"),
    ("zh-TW", "110/12/07", "2021-12-07", "minguo"),
    ("am", "ህዳር 28 ቀን 2014 ዓ.ም", "2021-12-07", "ethiopian"),
    ("am", "28 ህዳር 2014", "2021-12-07", "ethiopian"),
    ("am", "መስከረም 1 ቀን 2014 ዓ.ም", "2021-09-11", "ethiopian"),
    ("he", "ג׳ בטבת תשפ״ב", "2021-12-07", "hebrew"),
    ("he", "יום שלישי, ג' טבת התשפ\"ב", "2021-12-07", "hebrew"),  # ה: the thousands, not five more years
    ("he", "3 בטבת 5782", "2021-12-07", "hebrew"),
    ("he", "ט״ו בשבט תשפ״ב", "2022-01-17", "hebrew"),
    ("he", "ז׳ באדר ב׳ תשפ״ב", "2022-03-10", "hebrew"),
    ("he", "ה׳ באייר ה׳תשפ״ב", "2022-05-06", "hebrew"),
    ("en", "3 Tevet 5782", "2021-12-07", "hebrew"),
]


def test_every_calendar_is_in_the_table() -> None:
    assert {calendar for *_, calendar in CALENDAR_FORMATS} == set(CALENDARS)


@pytest.mark.parametrize(("language", "written", "day", "calendar"), CALENDAR_FORMATS,
                         ids=[f"{c[3]}-{c[1]}" for c in CALENDAR_FORMATS])
@pytest.mark.parametrize("where", ["seed", "page"])
def test_calendar_dates(language: str, written: str, day: str, calendar: str, where: str) -> None:
    hints = SiteHints(language=language) if where == "seed" else SiteHints()
    reader = DateReader(hints, FETCHED, page_language=None if where == "seed" else language)
    found = reader.find(written)
    assert found is not None and (found.value, found.calendar, found.precision) == (day, calendar, "day")
    assert found.raw  # what the page wrote is kept


@pytest.mark.parametrize(
    ("language", "written"),
    [
        ("fa", "۳۱ مهر ۱۴۰۰"),  # Mehr has 30 days
        ("ar", "30 صفر 1600"),  # outside the Umm al-Qura tables
        ("ja", "令和40年1月1日"),  # beyond today
        ("ja", "平成32年1月1日"),  # Heisei ended in its 31st year
        ("th", "7 ธันวาคม 2700"),  # the future
        ("en", "1400/09/16"),  # a Persian year only on a Persian page
        ("de", "110/12/07"),  # a Minguo year only on a Taiwanese page
        ("he", "7 באדר תשפ״ב"),  # plain Adar in a leap year: Adar I or Adar II?
        ("he", "30 בחשוון 5782"),  # Cheshvan 5782 had 29 days
        ("he", "3 בטבת"),  # no year
        ("en", "3 Tevet 782"),  # a transliterated month wants its four-digit year
    ],
)
def test_impossible_or_unhinted_calendar_dates_give_none(language: str, written: str) -> None:
    assert DateReader(SiteHints(language=language), FETCHED).find(written) is None


def test_a_page_next_to_its_gregorian_date_keeps_the_gregorian_one() -> None:
    found = DateReader(SiteHints(language="ar"), FETCHED).find("الثلاثاء 3 جمادى الأولى 1443هـ الموافق 7 ديسمبر 2021م")
    assert (found.value, found.calendar) == ("2021-12-07", None)


@pytest.mark.parametrize(
    ("language", "written"),
    [
        ("ar", "الثلاثاء 3 جمادى الأولى 1443هـ الموافق 7 ديسمبر 2021م"),
        ("he", "יום שלישי, 7 בדצמבר 2021, ג׳ בטבת תשפ״ב"),
    ],
)
def test_a_gregorian_date_beside_the_other_calendar_is_kept(language: str, written: str) -> None:
    found = DateReader(SiteHints(language=language), FETCHED).find(written)
    assert (found.value, found.calendar) == ("2021-12-07", None)


def _page(lang: str, line: str) -> str:
    body = "".join(f"<p>Paragraph {i} of the statement, long enough to be the body text of a press release.</p>"
                   for i in range(5))
    return (f"<html lang='{lang}'><head><title>Statement</title></head><body><article><h1>Statement</h1>"
            f"<div class='date'>{line}</div>{body}</article></body></html>")


def test_extract_records_the_calendar_and_the_archive_and_export_keep_it(tmp_path: Path) -> None:
    persian = extract_article(_page("fa", "۱۶ آذر ۱۴۰۰"), "https://mfa.example.ir/fa/news/1", fetched_at=FETCHED)
    assert (persian.published, persian.published_calendar, persian.published_raw) == (
        "2021-12-07", "solar_hijri", "16 آذر 1400")
    english = extract_article(_page("en", "7 December 2021"), "https://mfa.example.org/en/news/1",
                              fetched_at=FETCHED)
    assert english.published_calendar == "gregorian"
    undated = extract_article(_page("en", ""), "https://mfa.example.org/en/news/2", fetched_at=FETCHED)
    assert undated.published is None and undated.published_calendar is None

    db = tmp_path / "archive.db"
    with Archive(db) as archive:
        rows = []
        for article in (persian, english):
            row = {k: v for k, v in article.to_dict().items() if k not in ("authors", "tags")}
            rows.append({**row, "site": "mfa-x", "fetched_at": "2022-06-01T12:00:00+00:00"})
        assert archive.write_articles(rows, None) == ["new", "new"]
    with sqlite3.connect(db) as conn:
        stored = dict(conn.execute("SELECT canonical_url, published_calendar FROM articles"))
    assert stored == {"https://mfa.example.ir/fa/news/1": "solar_hijri",
                      "https://mfa.example.org/en/news/1": "gregorian"}


def test_migration_backfills_gregorian_for_dates_archived_before(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    with Archive(db) as archive:
        archive.write_articles([{"canonical_url": "https://x.example/a", "url": "https://x.example/a", "site": "x",
                                 "published": "2021-12-07", "fetched_at": "2022-01-01T00:00:00+00:00"},
                                {"canonical_url": "https://x.example/b", "url": "https://x.example/b", "site": "x",
                                 "fetched_at": "2022-01-01T00:00:00+00:00"}], None)
    with sqlite3.connect(db) as conn:  # as an archive from before migration 90 was
        conn.execute("UPDATE articles SET published_calendar = NULL")
        conn.execute("DELETE FROM migrations WHERE version = 90")
    with Archive(db):
        pass
    with sqlite3.connect(db) as conn:
        assert dict(conn.execute("SELECT canonical_url, published_calendar FROM articles")) == {
            "https://x.example/a": "gregorian", "https://x.example/b": None}
    assert any(version == 90 for version, _, _ in MIGRATIONS)
    json.dumps(CALENDARS)

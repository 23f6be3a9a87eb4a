"""Date reading: one table of (reader, method, input) -> exact expected date, plus a few behaviours."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from diplomatic_crawler.extraction.dates import DateReader, FoundDate, absolute_parser
from diplomatic_crawler.extraction.hints import SiteHints

FETCHED = datetime(2021, 12, 7, 12, 3, 27, tzinfo=UTC)

HINTS: dict[str, SiteHints] = {
    "baku": SiteHints(name="mfa-az", language="en", timezone="Asia/Baku", date_order="DMY"),
    "az": SiteHints(language="az", timezone="Asia/Baku"),
    "moscow": SiteHints(language="ru", timezone="Europe/Moscow", date_order="DMY"),
    "ny": SiteHints(language="en", timezone="America/New_York", date_order="MDY"),
    "paris": SiteHints(language="fr", timezone="Europe/Paris"),
    "madrid": SiteHints(language="es", timezone="Europe/Madrid"),
    "berlin": SiteHints(language="de", timezone="Europe/Berlin", date_order="DMY"),
    "ankara": SiteHints(language="tr", timezone="Europe/Istanbul"),
    "ar": SiteHints(language="ar"),
    "kyiv": SiteHints(language="uk", timezone="Europe/Kyiv"),
    "plain": SiteHints(),
    "nofetch": SiteHints(language="en", timezone="Asia/Baku"),
}


def reader(key: str) -> DateReader:
    return DateReader(HINTS[key], None if key == "nofetch" else FETCHED)


DAY = "day"
MIN = "minute"
SEC = "second"

# (reader, method, input, expected (value, precision, timezone_assumed) or None)
CASES: list[tuple[str, str, str, tuple[str, str, bool] | None]] = [
    # --- text(): languages, time zones, precision
    ("baku", "text", "06 December 2021, 18:30", ("2021-12-06T18:30:00+04:00", MIN, True)),
    ("moscow", "text", "6 декабря 2021", ("2021-12-06", DAY, False)),
    ("moscow", "text", "7 декабря 2021 г., 10:15:30", ("2021-12-07T10:15:30+03:00", SEC, True)),
    ("moscow", "text", "7 ДЕКАБРЯ 2021 ГОДА", ("2021-12-07", DAY, False)),
    ("paris", "text", "Publié le 7 décembre 2021", ("2021-12-07", DAY, False)),
    ("paris", "text", "7 décembre 2021 à 18h30", ("2021-12-07T18:30:00+01:00", MIN, True)),
    ("paris", "text", "1er décembre 2021", ("2021-12-01", DAY, False)),
    ("ny", "text", "December 6, 2021 at 6:30 pm", ("2021-12-06T18:30:00-05:00", MIN, True)),
    ("ny", "text", "Dec. 6th, 2021", ("2021-12-06", DAY, False)),
    ("ny", "text", "July 4, 2021 12:15 AM", ("2021-07-04T00:15:00-04:00", MIN, True)),
    ("plain", "text", "6 December 2021 18:30", ("2021-12-06T18:30:00+00:00", MIN, True)),
    ("plain", "text", "Tuesday, 7 December 2021 - 18:30 GMT+4", ("2021-12-07T18:30:00+04:00", MIN, False)),
    ("plain", "text", "7 December 2021 10:00 UTC", ("2021-12-07T10:00:00+00:00", MIN, False)),
    ("plain", "text", "2021-12-07 10:00:00+04:00", ("2021-12-07T10:00:00+04:00", SEC, False)),
    ("ar", "text", "٧ ديسمبر ٢٠٢١", ("2021-12-07", DAY, False)),
    ("ar", "text", "7 ديسمبر 2021", ("2021-12-07", DAY, False)),
    ("ar", "text", "7 كانون الأول/ديسمبر 2021", ("2021-12-07", DAY, False)),
    ("madrid", "text", "7 de diciembre de 2021", ("2021-12-07", DAY, False)),
    ("madrid", "text", "martes, 7 de diciembre de 2021 a las 10:15", ("2021-12-07T10:15:00+01:00", MIN, True)),
    ("berlin", "text", "7. Dezember 2021", ("2021-12-07", DAY, False)),
    ("berlin", "text", "07.12.2021, 10:15 Uhr", ("2021-12-07T10:15:00+01:00", MIN, True)),
    ("ankara", "text", "7 Aralık 2021", ("2021-12-07", DAY, False)),
    ("ankara", "text", "07 ARALIK 2021", ("2021-12-07", DAY, False)),
    ("az", "text", "7 dekabr 2021", ("2021-12-07", DAY, False)),
    ("az", "text", "7 dekabr 2021-ci il, saat 10:00", ("2021-12-07T10:00:00+04:00", MIN, True)),
    ("plain", "text", "2021年12月7日", ("2021-12-07", DAY, False)),
    ("baku", "text", "10:15 07.12.2021", ("2021-12-07T10:15:00+04:00", MIN, True)),
    ("baku", "text", "Dec 7, 2021 10:30 EST", ("2021-12-07T10:30:00-05:00", MIN, False)),
    ("baku", "text", "7 December 2021 10:30 IST", ("2021-12-07T10:30:00+04:00", MIN, True)),
    ("baku", "text", "7 December 2021, 18:30 (TDI)", ("2021-12-07T18:30:00+04:00", MIN, True)),
    # --- text(): wordings left to dateparser (no regex candidate)
    ("baku", "text", "the 7th of December 2021", ("2021-12-07", DAY, False)),
    ("baku", "text", "7th of December, 2021 at 10:30", ("2021-12-07T10:30:00+04:00", MIN, True)),
    ("kyiv", "text", "7 грудня 2021 року, 10:15", ("2021-12-07T10:15:00+02:00", MIN, True)),
    ("plain", "text", "Posted: 7 December", None),
    ("baku", "text", "x" * 130 + " the 7th of December 2021", None),  # prose: not handed to dateparser
    # --- text(): numeric dates and date order
    ("baku", "text", "12/06/2021", ("2021-06-12", DAY, False)),
    ("ny", "text", "12/06/2021", ("2021-12-06", DAY, False)),
    ("plain", "text", "12/06/2021", None),
    ("plain", "text", "13/06/2021", ("2021-06-13", DAY, False)),
    ("plain", "text", "06/13/2021", ("2021-06-13", DAY, False)),
    ("plain", "text", "05.05.2021", ("2021-05-05", DAY, False)),
    ("moscow", "text", "07.12.21", ("2021-12-07", DAY, False)),
    ("plain", "text", "07.12.21", ("2021-12-07", DAY, False)),  # dots are day-first in every locale
    ("ny", "text", "07/04/21 10:00", ("2021-07-04T10:00:00-04:00", MIN, True)),
    ("plain", "text", "31/02/2021", None),
    ("plain", "text", "12 06 2021", None),
    # --- text(): relative dates resolve against fetched_at only
    ("ny", "text", "2 hours ago", ("2021-12-07T05:03:00-05:00", MIN, False)),
    ("moscow", "text", "вчера", ("2021-12-06", DAY, False)),
    ("moscow", "text", "вчера в 10:30", ("2021-12-06T10:30:00+03:00", MIN, True)),
    ("paris", "text", "il y a 3 jours", ("2021-12-04", DAY, False)),
    ("ny", "text", "yesterday", ("2021-12-06", DAY, False)),
    ("ny", "text", "1 week ago", ("2021-11-30", DAY, False)),
    ("moscow", "text", "сегодня, 10:15", ("2021-12-07T10:15:00+03:00", MIN, True)),
    ("ny", "text", "just now", None),
    ("nofetch", "text", "2 hours ago", None),
    ("nofetch", "text", "yesterday", None),
    ("ny", "text", "3 months ago", None),
    ("ny", "text", "in 2 days", None),
    # --- text(): no evidence, garbage, limits
    ("plain", "text", "garbage", None),
    ("plain", "text", "", None),
    ("plain", "text", "   ", None),
    ("plain", "text", "x" * 10_000, None),
    ("plain", "text", "7 December 2021 " + "x" * 10_000, None),
    ("plain", "text", "Monday", None),
    ("plain", "text", "December 2021", None),
    ("plain", "text", "7 December 2031", None),
    ("plain", "text", "8 December 2021", ("2021-12-08", DAY, False)),
    ("plain", "text", "9 December 2021", None),
    ("plain", "text", "1 May 1850", None),
    # --- structured(): ISO and friends, never re-ordered
    ("baku", "structured", "2021-12-07T10:00:00Z", ("2021-12-07T10:00:00+00:00", SEC, False)),
    ("baku", "structured", "2021-12-07T10:00:00+05:30", ("2021-12-07T10:00:00+05:30", SEC, False)),
    ("ny", "structured", "2021-03-04", ("2021-03-04", DAY, False)),
    ("baku", "structured", "2021-03-04", ("2021-03-04", DAY, False)),
    ("baku", "structured", "2021-12-07 10:00:00", ("2021-12-07T10:00:00+04:00", SEC, True)),
    ("ny", "structured", "2021-07-04T10:00", ("2021-07-04T10:00:00-04:00", MIN, True)),
    ("ny", "structured", "2021-12-04T10:00:00", ("2021-12-04T10:00:00-05:00", SEC, True)),
    ("plain", "structured", "2021-12-04T10:00:00", ("2021-12-04T10:00:00+00:00", SEC, True)),
    ("baku", "structured", "20211207", ("2021-12-07", DAY, False)),
    ("baku", "structured", "2021-12-07T10:00:00.123+0400", ("2021-12-07T10:00:00+04:00", SEC, False)),
    ("baku", "structured", "Tue, 07 Dec 2021 10:00:00 GMT", ("2021-12-07T10:00:00+00:00", SEC, False)),
    ("baku", "structured", "Tue, 07 Dec 2021 10:00:00 +0400", ("2021-12-07T10:00:00+04:00", SEC, False)),
    ("baku", "structured", "1638878400", ("2021-12-07T16:00:00+04:00", SEC, False)),
    ("plain", "structured", "1638878400000", ("2021-12-07T12:00:00+00:00", SEC, False)),
    ("baku", "structured", "7 December 2021", ("2021-12-07", DAY, False)),
    ("baku", "structured", "2021-13-45", None),
    ("baku", "structured", "2031-01-01", None),
    ("baku", "structured", "", None),
    ("baku", "structured", "null", None),
    # --- find(): datelines and bylines
    ("baku", "find", "Baku, 7 December 2021 (TDI): Minister met at 10:00", ("2021-12-07", DAY, False)),
    ("baku", "find", "No:512/21, 06 December 2021, 18:30", ("2021-12-06T18:30:00+04:00", MIN, True)),
    ("ny", "find", "Posted on December 6, 2021 by John", ("2021-12-06", DAY, False)),
    ("moscow", "find", "Опубликовано 6 декабря 2021 года", ("2021-12-06", DAY, False)),
    ("moscow", "find", "10:15 07.12.2021 Москва", ("2021-12-07T10:15:00+03:00", MIN, True)),
    ("paris", "find", "Mis à jour le 7 décembre 2021 à 18h30", ("2021-12-07T18:30:00+01:00", MIN, True)),
    ("az", "find", "Bakı, 7 dekabr 2021 (AZƏRTAC).", ("2021-12-07", DAY, False)),
    ("ar", "find", "الرياض، ٧ ديسمبر ٢٠٢١ (واس)", ("2021-12-07", DAY, False)),
    ("plain", "find", "Founded 1 May 1985. Updated 7 December 2021", ("2021-12-07", DAY, False)),
    ("ny", "find", "Posted 2 hours ago by John", ("2021-12-07T05:03:00-05:00", MIN, False)),
    ("nofetch", "find", "Posted 2 hours ago by John", None),
    ("plain", "find", "Ref 12/06/2021", None),
    ("plain", "find", "Today the minister met his counterpart", None),
    ("plain", "find", "Version 1.2.3 released", None),
    ("plain", "find", "x" * 400 + " 7 December 2021", None),
    # --- from_url()
    ("baku", "from_url", "https://mfa.gov.az/en/news/2021/12/07/slug", ("2021-12-07", DAY, False)),
    ("baku", "from_url", "https://x.az/news/2021-12-07-minister", ("2021-12-07", DAY, False)),
    ("baku", "from_url", "https://x.az/20211207/a.html", ("2021-12-07", DAY, False)),
    ("baku", "from_url", "https://x.az/2021/12/", None),
    ("baku", "from_url", "https://x.az/2021/12/minister-meets", None),
    ("baku", "from_url", "https://x.az/news/2021/13/45/", None),
    ("baku", "from_url", "https://x.az/news/12345678/", None),
    ("baku", "from_url", "https://x.az/2031/01/01/x", None),
    ("baku", "from_url", "", None),
]


def _id(case: tuple[str, str, str, object]) -> str:
    key, method, raw, _ = case
    return f"{method}-{key}-{raw[:40]}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_date_table(case: tuple[str, str, str, tuple[str, str, bool] | None]) -> None:
    key, method, raw, expected = case
    r = reader(key)
    found = r.structured(raw, "jsonld") if method == "structured" else getattr(r, method)(raw)
    if expected is None:
        assert found is None
        return
    assert found is not None
    assert (found.value, found.precision, found.timezone_assumed) == expected


def test_table_is_big_enough() -> None:
    assert len(CASES) >= 60


def test_source_and_raw() -> None:
    r = reader("baku")
    assert r.structured("2021-12-07T10:00:00Z", "meta").source == "meta"
    assert r.text("  7 December 2021  ").raw == "7 December 2021"
    assert r.text("7 December 2021", "time").source == "time"
    assert r.from_url("https://x.az/2021/12/07/a").source == "url"
    found = r.find("Baku, 7 December 2021 (TDI): Minister met")
    assert found == FoundDate("2021-12-07", "7 December 2021", "text", "day", False)
    long = "7 December 2021 " + "y" * 500
    assert r.text(long).raw == long[:200]


def test_non_string_input_is_none() -> None:
    r = reader("baku")
    assert r.text(None) is None  # type: ignore[arg-type]
    assert r.structured(20211207, "jsonld") is None  # type: ignore[arg-type]
    assert r.find(b"7 December 2021") is None  # type: ignore[arg-type]


def test_naive_fetched_at_is_utc_and_marks_relative_times_assumed() -> None:
    r = DateReader(HINTS["baku"], datetime(2021, 12, 7, 12, 0))
    found = r.text("2 hours ago")
    assert found is not None
    assert (found.value, found.timezone_assumed) == ("2021-12-07T14:00:00+04:00", True)


def test_unknown_timezone_falls_back_to_utc() -> None:
    r = DateReader(SiteHints(timezone="Mars/Olympus"), FETCHED)
    found = r.text("6 December 2021 18:30")
    assert found is not None
    assert (found.value, found.timezone_assumed) == ("2021-12-06T18:30:00+00:00", True)


def test_far_future_rejected_without_fetched_at() -> None:
    r = DateReader(SiteHints(), None)
    assert r.text("7 December 2999") is None
    assert r.text("7 December 2021") is not None


def test_parser_cache_is_shared_per_configuration() -> None:
    a = DateReader(SiteHints(language="ru", date_order="DMY"), FETCHED)
    b = DateReader(SiteHints(name="other", language="ru", date_order="DMY"), None)
    c = DateReader(SiteHints(language="ru", date_order="MDY"), FETCHED)
    assert a.parser is b.parser
    assert a.parser is absolute_parser(("ru",), "DMY")
    assert a.parser is not c.parser
    assert a.parser is not DateReader(SiteHints(language="fr", date_order="DMY")).parser


def test_unknown_language_is_dropped() -> None:
    r = DateReader(SiteHints(languages=("xx", "fr")), FETCHED)
    assert r.languages == ("fr",)
    assert DateReader(SiteHints(language="en-US")).languages == ("en",)
    assert DateReader(SiteHints()).languages[:3] == ("en", "fr", "ru")


def test_lowercase_date_order_is_accepted() -> None:
    r = DateReader(SiteHints(date_order="dmy"), FETCHED)
    assert r.text("12/06/2021") == FoundDate("2021-06-12", "12/06/2021", "text", "day", False)

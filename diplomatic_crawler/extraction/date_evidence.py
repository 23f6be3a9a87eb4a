"""Weighing the publication-date evidence of one page: its time zone and the date in its URL.

The cascade in `core` takes the most structured date a page offers. Two kinds of evidence sit outside
any one date string and correct it without inventing anything:

- **The publisher's time zone.** A timestamp written in UTC ("2021-11-04T23:00Z") names an instant, and
  the publisher's calendar day is the day of that instant in its own zone (5 November in Berlin). The
  zone comes from the seed when there is one, else from the other timestamps of the same page (a meta tag
  with "+01:00"), else from the host's country-code domain when every zone of that country has the same
  offset at that instant. The instant never changes: only the offset it is written with.
- **The date in the URL.** A full date in the path (/2023/11/08/) is written once, when the article is
  filed, and CMSs never rewrite it. When the chosen date falls on another day, the page's other dated
  evidence is searched for one on the URL's day; failing that, the URL's day is taken when the chosen
  date is a UTC instant that falls on the URL's day in some real offset (the publisher's evening), or is
  more than a day away (a modification or a template date). A path that names a month only
  (/2017/09/slug, WordPress's and Blogger's permalinks) narrows it less: a chosen date outside that month
  gives way to the page's own evidence inside it, where there is some (never to the URL alone).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .dates import FoundDate

#: Real UTC offsets run from -12:00 to +14:00.
_WEST, _EAST = timedelta(hours=-12), timedelta(hours=14)
_UTC_OFFSET = re.compile(r"(?:Z|UTC|GMT|[+-]00:?00)$", re.IGNORECASE)
_OFFSET = re.compile(r"[+-]\d{2}:\d{2}$")
# ccTLDs that are not the ISO 3166 code of their country.
_TLD_COUNTRY = {"uk": "GB"}
_GENERIC_TLDS = frozenset({"eu", "io", "co", "tv", "fm", "me", "ai", "ly", "to", "ws", "cc", "gg"})


def moment_of(found: FoundDate) -> datetime | None:
    """The instant of a date with a time, None for a day-only date."""
    if found.precision == "day":
        return None
    try:
        moment = datetime.fromisoformat(found.value)
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def day_of(found: FoundDate) -> date:
    return date.fromisoformat(found.value[:10])


def is_utc_instant(found: FoundDate) -> bool:
    """An instant the page itself wrote in UTC (not one whose zone was assumed)."""
    return not found.timezone_assumed and found.precision != "day" and found.value.endswith("+00:00")


def page_offset(values: Iterable[FoundDate]) -> timezone | None:
    """The one non-zero UTC offset the page's own timestamps carry, if they agree on one."""
    offsets = set()
    for found in values:
        if found.timezone_assumed or found.precision == "day" or not _OFFSET.search(found.value):
            continue
        moment = datetime.fromisoformat(found.value)
        offset = moment.utcoffset()
        if offset:
            offsets.add(offset)
    return timezone(offsets.pop()) if len(offsets) == 1 else None


@functools.lru_cache(maxsize=512)
def _country_zones(host: str) -> tuple[tzinfo, ...]:
    import pytz  # dateparser's own dependency; its zone.tab gives the zones of each country

    tld = host.rstrip(".").rsplit(".", 1)[-1].lower()
    if len(tld) != 2 or not tld.isalpha() or tld in _GENERIC_TLDS:
        return ()
    names = pytz.country_timezones.get(_TLD_COUNTRY.get(tld, tld.upper()), [])
    zones = []
    for name in names:
        try:
            zones.append(ZoneInfo(name))
        except (ZoneInfoNotFoundError, ValueError):
            return ()
    return tuple(zones)


def host_zone(url: str, moment: datetime) -> tzinfo | None:
    """The zone of the host's country at `moment`, when all of that country's zones agree on it."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return None
    zones = _country_zones(host)
    if not zones:
        return None
    offsets = {moment.astimezone(zone).utcoffset() for zone in zones}
    return zones[0] if len(offsets) == 1 else None


def localise(found: FoundDate, zone: tzinfo | None) -> FoundDate:
    """The same instant written in the publisher's zone."""
    moment = moment_of(found)
    if zone is None or moment is None:
        return found
    local = moment.astimezone(zone)
    fixed = timezone(local.utcoffset() or timedelta(0))
    value = local.replace(tzinfo=fixed).isoformat(timespec="seconds")
    return FoundDate(value, found.raw, found.source, found.precision, found.timezone_assumed)


def publisher_zone(found: FoundDate, site_zone: tzinfo | None, others: Iterable[FoundDate],
                   url: str) -> tzinfo | None:
    """The zone to write a UTC instant in: the seed's, else the page's own offset, else the host's."""
    moment = moment_of(found)
    if moment is None:
        return None
    if site_zone is not None and site_zone is not UTC:
        return site_zone
    return page_offset(others) or host_zone(url, moment)


def with_page_offset(found: FoundDate, offset: timezone | None) -> FoundDate:
    """A time the page wrote without a zone, in the zone its other timestamps carry (still assumed)."""
    if offset is None or not found.timezone_assumed or found.precision == "day":
        return found
    naive = datetime.fromisoformat(found.value).replace(tzinfo=None)
    value = naive.replace(tzinfo=offset).isoformat(timespec="seconds")
    return FoundDate(value, found.raw, found.source, found.precision, True)


def _could_be_on(moment: datetime, day: date) -> bool:
    """Whether some real UTC offset puts `moment` on `day`."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    utc = moment.astimezone(UTC)
    return start - _EAST <= utc < start + timedelta(days=1) - _WEST


def agree_with_url(chosen: FoundDate, url_date: FoundDate | None,
                   alternatives: Callable[[], Iterable[FoundDate]]) -> FoundDate:
    """The chosen date, or the evidence that agrees with the full date in the URL (see the module doc)."""
    if url_date is None or chosen.source == "url":
        return chosen
    url_day = day_of(url_date)
    if day_of(chosen) == url_day:
        return chosen
    moment = moment_of(chosen)
    evening = is_utc_instant(chosen) and moment is not None and _could_be_on(moment, url_day)
    if not evening and abs((day_of(chosen) - url_day).days) <= 1:
        return chosen  # a day apart in the publisher's own zone: an article filed the night before
    for other in alternatives():
        if day_of(other) == url_day:
            return other
    return url_date


# /2017/09/slug: a year and month segment not followed by a day segment.
_URL_MONTH = re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>0[1-9]|1[0-2])/(?!\d{1,2}(?:/|$))")


def url_month(url: str) -> tuple[int, int] | None:
    try:
        m = _URL_MONTH.search(urlsplit(url).path)
    except ValueError:
        return None
    return (int(m["y"]), int(m["m"])) if m else None


def agree_with_url_month(chosen: FoundDate, month: tuple[int, int] | None,
                         alternatives: Callable[[], Iterable[FoundDate]]) -> FoundDate:
    """The chosen date, or the page's first other date inside the month its URL names, when the chosen
    one is more than a day outside that month (a day either side: the publisher's evening in UTC)."""
    if month is None or chosen.source == "url":
        return chosen
    first = date(month[0], month[1], 1)
    after = date(month[0] + month[1] // 12, month[1] % 12 + 1, 1)
    if first - timedelta(days=1) <= day_of(chosen) <= after:
        return chosen
    for other in alternatives():
        if first <= day_of(other) < after:
            return other
    return chosen

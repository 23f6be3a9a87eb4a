"""Language versions: pages that declare each other as translations share a `statement_group`.

Two parts:

* `find_alternates(html, url)` — pure: the translations a page declares, from
  `<link rel="alternate" hreflang="..">`, `<a hreflang="..">` and language-switcher links (links inside
  an element whose class or id names a language menu, whose `lang` attribute or text is a language:
  "RU", "Русский", "Français"). Links to a site or language home page ("/", "/ru/") are not translations
  and are dropped: a switcher that only leads to home pages would otherwise tie every article together.
* `StatementGroups` — the archive side: every declared link is kept (`language_links`), and the pages
  linked directly or through each other get one group id (`statement_members`, union of the
  declarations, so it does not matter which version is crawled first or whether the others are archived
  at all). A merge that would put two different articles of one site in the same language into one
  group is refused (two articles are then not translations of each other), counted in `conflicts`.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.etree
import lxml.html

from ..readonly import placeholders

__all__ = ["Alternate", "StatementGroups", "find_alternates", "is_home_url"]

logger = logging.getLogger(__name__)

_LANG_MENU = re.compile(r"lang|wpml|polylang|i18n|locale|translat", re.I)
_CLASSES_AND_IDS = lxml.etree.XPath("//@class | //@id")
_PREFILTER = re.compile(r"hreflang|(?:class|id)\s*=\s*[\"'][^\"']*(?:lang|wpml|polylang|locale|translat)", re.I)
_LANG_SEGMENT = re.compile(r"^[a-z]{2,3}(?:[-_][a-z]{2,4})?$", re.I)
_HOME_FILES = re.compile(r"^(?:index|default|home|main)(?:\.\w{2,5})?$", re.I)


@dataclass(frozen=True)
class Alternate:
    url: str
    hreflang: str  # lower case: "ru", "en-gb", "x-default"
    source: str  # "hreflang" (link/a hreflang attribute) or "switcher" (language menu link)

    def to_dict(self) -> dict[str, str]:
        return {"url": self.url, "hreflang": self.hreflang, "source": self.source}


@lru_cache(maxsize=1)
def _language_words() -> dict[str, str]:
    """Folded language names, native names and codes -> ISO 639-1 ("русский" -> "ru", "eng" -> "en")."""
    import pycountry
    from babel import Locale

    words: dict[str, str] = {}
    for language in pycountry.languages:
        code = getattr(language, "alpha_2", None)
        if not code:
            continue
        words.setdefault(code, code)
        for attr in ("alpha_3", "bibliographic"):
            value = getattr(language, attr, None)
            if value:
                words.setdefault(value, code)
        try:
            native = _native_name(code)
            english = Locale.parse(code).get_display_name("en")
        except Exception:  # babel knows no locale for some ISO 639-1 codes
            native = english = None
        for name in (native, english):
            if name:
                words.setdefault(name.casefold().split(" (")[0], code)
    words.update({"рус": "ru", "eng": "en", "esp": "es", "fra": "fr", "deu": "de", "ua": "uk", "cn": "zh"})
    return words


def _native_name(code: str) -> str | None:
    """The language's name in itself ("русский"): `Locale.parse(code).get_display_name(code)` at half
    the cost (0.3 s less in each worker that meets a language menu), by reading the locale's own CLDR
    file without merging CLDR's root data into it. The file is read here, not with
    `localedata.load(code, merge_inherited=False)`, which would leave the unmerged data in babel's
    process-wide cache. Aliases ("tl" for "fil") and names a locale inherits ("nb" from "no") take
    babel's way."""
    import pickle

    from babel import Locale, localedata

    if localedata.exists(code):
        with open(localedata.resolve_locale_filename(code), "rb") as file:
            own = pickle.load(file).get("languages", {}).get(code)
        if own:  # the locale's own entry is what its merged data holds too
            return own
    return Locale.parse(code).get_display_name(code)


def _language_of(anchor: Any) -> str | None:
    for attr in ("hreflang", "lang", "xml:lang", "data-lang", "data-language"):
        value = (anchor.get(attr) or "").strip()
        if value:
            return value.lower()
    text = " ".join(anchor.text_content().split()).casefold().strip(" .:|/")
    if not text:
        text = (anchor.get("title") or "").casefold().strip()
    return _language_words().get(text)


def _clean(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))


def is_home_url(url: str) -> bool:
    """A site or language home page ("/", "/ru/", "/en/index.html", "/?lang=ru"), never a translation."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return True
    segments = [s for s in path.split("/") if s]
    if segments and _HOME_FILES.match(segments[-1]):
        segments = segments[:-1]
    return all(_LANG_SEGMENT.match(s) for s in segments)


def find_alternates(html: str | bytes | lxml.html.HtmlElement, url: str) -> list[Alternate]:
    """The translations `html` (fetched from `url`; HTML text or an already parsed lxml tree) declares,
    one per language (first declaration wins).

    Pure and cheap: HTML text without `hreflang` or a language menu is not even parsed.
    """
    if isinstance(html, lxml.html.HtmlElement):
        tree = html
    else:
        sample = html[:400_000] if isinstance(html, str) else html[:400_000].decode("latin-1")
        if not _PREFILTER.search(sample):
            return []
        try:
            tree = lxml.html.fromstring(html)
        except (ValueError, lxml.etree.ParserError):
            return []
    base = url
    for href in tree.xpath("//base/@href")[:1]:
        base = urljoin(url, href.strip())
    own = _clean(url)
    found: list[Alternate] = []
    seen_urls = {own}
    seen_languages: set[str] = set()

    def add(href: str | None, language: str | None, source: str) -> None:
        if not href or not language:
            return
        href = href.strip()
        if href.startswith(("#", "javascript:", "mailto:")):
            return
        target = _clean(urljoin(base, href))
        if not target.startswith(("http://", "https://")) or target in seen_urls or is_home_url(target):
            return
        language = language.lower().replace("_", "-")
        if language in seen_languages:
            return
        seen_urls.add(target)
        seen_languages.add(language)
        found.append(Alternate(target, language, source))

    for link in tree.xpath("//link[@hreflang][@href]"):
        if "alternate" in (link.get("rel") or "").lower().split():
            add(link.get("href"), link.get("hreflang"), "hreflang")
    for anchor in tree.xpath("//a[@hreflang][@href]"):
        add(anchor.get("href"), anchor.get("hreflang"), "hreflang")
    menus: list[Any] = []
    values = _CLASSES_AND_IDS(tree)  # attribute strings: cheaper than visiting every element
    if not _LANG_MENU.search("\n".join(values)):  # no language menu (the pattern cannot span a line)
        values = []
    for value in values:
        if _LANG_MENU.search(value) and (menu := value.getparent()) not in menus[-1:]:
            menus.append(menu)
    for menu in menus:
        if menu.tag in ("html", "body"):
            continue
        for anchor in menu.iter("a"):
            if anchor.get("href") and not anchor.get("hreflang"):
                add(anchor.get("href"), _language_of(anchor), "switcher")
    return found


def _group_id(urls: Iterable[str]) -> str:
    return "sg-" + hashlib.sha1(min(urls).encode()).hexdigest()[:16]


class StatementGroups:
    """Statement groups kept in the archive (tables created by migration 10); call `assign` after each
    article write, inside the same transaction."""

    def __init__(self, db: Any):
        self.db = db
        self.conflicts = 0

    def assign(self, key: str, alternates: Sequence[dict[str, str]] | None) -> str | None:
        """Record `key`'s declared translations and return its statement group (None when it has none)."""
        db = self.db
        alternates = [a for a in (alternates or []) if a.get("url") and a["url"] != key]
        for alt in alternates:
            db.execute(
                "INSERT OR IGNORE INTO language_links (url, alternate_url, hreflang, source) VALUES (?, ?, ?, ?)",
                [key, alt["url"], alt.get("hreflang"), alt.get("source")],
            )
        members = {key} | {a["url"] for a in alternates}
        marks = placeholders(len(members))
        rows = db.execute(
            f"SELECT url, statement_group FROM statement_members WHERE url IN ({marks})", list(members)
        ).fetchall()
        groups = sorted({g for _, g in rows})
        if not alternates:
            # Someone may have declared this page before it was archived.
            group = groups[0] if groups else None
            if group:
                db.execute("UPDATE articles SET statement_group = ? WHERE canonical_url = ?", [group, key])
            return group
        union = set(members)
        if groups:
            g_placeholders = placeholders(len(groups))
            union |= {
                u
                for (u,) in db.execute(
                    f"SELECT url FROM statement_members WHERE statement_group IN ({g_placeholders})", groups
                )
            }
        if self._conflict(union):
            self.conflicts += 1
            logger.debug("%s: language versions not merged (two articles of one site in one language)", key)
            own = [g for u, g in rows if u == key]
            return own[0] if own else None
        group = groups[0] if groups else _group_id(members)
        if len(groups) > 1:
            others = groups[1:]
            g_placeholders = placeholders(len(others))
            db.execute(
                f"UPDATE statement_members SET statement_group = ? WHERE statement_group IN ({g_placeholders})",
                [group, *others],
            )
            db.execute(
                f"UPDATE articles SET statement_group = ? WHERE statement_group IN ({g_placeholders})",
                [group, *others],
            )
        for url in members:
            db.execute(
                "INSERT INTO statement_members (url, statement_group) VALUES (?, ?)"
                " ON CONFLICT(url) DO UPDATE SET statement_group = excluded.statement_group",
                [url, group],
            )
        db.execute(
            f"UPDATE articles SET statement_group = ? WHERE canonical_url IN ({marks})", [group, *members]
        )
        return group

    def _conflict(self, urls: set[str]) -> bool:
        seen: dict[tuple[str, str], str] = {}
        ordered = sorted(urls)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            sql = (
                "SELECT canonical_url, site, language FROM articles WHERE language IS NOT NULL"
                f" AND canonical_url IN ({placeholders(len(chunk))})"
            )
            for url, site, language in self.db.execute(sql, chunk):
                slot = (site, language)
                if slot in seen and seen[slot] != url:
                    return True
                seen[slot] = url
        return False

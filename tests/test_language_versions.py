"""Language versions: declared translations (hreflang, switcher links) and statement groups in the archive."""

from __future__ import annotations

from pathlib import Path

import pytest

from diplomatic_crawler.archive import Archive
from diplomatic_crawler.enrich.language_versions import find_alternates, is_home_url

PAGE = "https://mfa.example/en/news/123-talks"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (  # <link rel=alternate hreflang>, relative URLs, self and x-default home dropped
            '<html><head><link rel="alternate" hreflang="en" href="/en/news/123-talks">'
            '<link rel="alternate" hreflang="ru" href="/ru/news/123-peregovory">'
            '<link rel="alternate" hreflang="fr-FR" href="https://mfa.example/fr/news/123-entretiens">'
            '<link rel="alternate" hreflang="x-default" href="https://mfa.example/"></head><body></body></html>',
            [
                ("https://mfa.example/ru/news/123-peregovory", "ru", "hreflang"),
                ("https://mfa.example/fr/news/123-entretiens", "fr-fr", "hreflang"),
            ],
        ),
        (  # a language switcher: codes and native names as link text, home pages ignored
            '<html><body><div class="language-switcher"><a href="/en/news/123-talks">EN</a>'
            '<a href="/ru/news/123">Русский</a><a href="/es/noticias/123">Español</a><a href="/fr/">FR</a>'
            '</div><p><a href="/ru/news/999">Other news</a></p></body></html>',
            [
                ("https://mfa.example/ru/news/123", "ru", "switcher"),
                ("https://mfa.example/es/noticias/123", "es", "switcher"),
            ],
        ),
        (  # <a hreflang> anywhere
            '<html><body><p>Read in <a hreflang="az" href="?lang=az&amp;id=5">Azerbaijani</a></p></body></html>',
            [("https://mfa.example/en/news/123-talks?lang=az&id=5", "az", "hreflang")],
        ),
        (  # switcher markers in any case, in the id or the class: WPML, i18n, Locale, Translations
            '<html><body><ul id="I18N-Menu"><li><a href="/ru/news/7">RU</a></li></ul>'
            '<div class="WPML-LS"><a href="/fr/news/7">Français</a></div>'
            '<nav class="site-Locale-picker"><a href="/es/news/7">ES</a></nav>'
            '<div class="x" id="translations"><a href="/de/news/7">Deutsch</a></div>'
            '<div class="slang-corner"><a href="/it/news/7">IT</a></div>'
            '<div class="menu"><a href="/pt/news/7">PT</a></div></body></html>',
            [
                ("https://mfa.example/ru/news/7", "ru", "switcher"),
                ("https://mfa.example/fr/news/7", "fr", "switcher"),
                ("https://mfa.example/es/news/7", "es", "switcher"),
                ("https://mfa.example/de/news/7", "de", "switcher"),
                ("https://mfa.example/it/news/7", "it", "switcher"),
            ],
        ),
        ("<html><body><p>No translations here.</p></body></html>", []),
        ("", []),
    ],
)
def test_find_alternates(html: str, expected: list[tuple[str, str, str]]) -> None:
    found = [(a.url, a.hreflang, a.source) for a in find_alternates(html, PAGE)]
    assert found == expected


def test_native_language_names_are_babels() -> None:
    """The language-menu vocabulary reads each locale's own file; it must say what babel says."""
    import pycountry
    from babel import Locale

    from diplomatic_crawler.enrich.language_versions import _native_name

    def babel_name(code: str) -> object:
        try:
            return Locale.parse(code).get_display_name(code)
        except Exception as exc:
            return type(exc)

    def ours(code: str) -> object:
        try:
            return _native_name(code)
        except Exception as exc:
            return type(exc)

    codes = [language.alpha_2 for language in pycountry.languages if hasattr(language, "alpha_2")]
    assert len(codes) > 150
    assert [c for c in codes if ours(c) != babel_name(c)] == []
    assert _native_name("ru") == "русский" and _native_name("nb") == babel_name("nb")


@pytest.mark.parametrize(
    ("url", "home"),
    [
        ("https://x.example/", True),
        ("https://x.example/ru/", True),
        ("https://x.example/en-gb/index.html", True),
        ("https://x.example/en/news/1", False),
        ("https://x.example/news", False),
    ],
)
def test_is_home_url(url: str, home: bool) -> None:
    assert is_home_url(url) is home


def _record(url: str, language: str, alternates: list[str], site: str = "mfa") -> dict:
    return {
        "canonical_url": url,
        "url": url,
        "site": site,
        "title": f"Release {url}",
        "language": language,
        "text": f"Text of {url} " * 5,
        "alternates": [{"url": u, "hreflang": u.split("/")[3], "source": "hreflang"} for u in alternates],
    }


def _groups(archive: Archive) -> dict[str, str | None]:
    return dict(archive.db.execute("SELECT canonical_url, statement_group FROM articles").fetchall())


EN, RU, FR = "https://m.example/en/n/1", "https://m.example/ru/n/1", "https://m.example/fr/n/1"


@pytest.mark.parametrize(
    "order",
    [
        [(EN, "en", [RU, FR]), (RU, "ru", [EN, FR]), (FR, "fr", [EN, RU])],
        [(RU, "ru", [EN]), (FR, "fr", []), (EN, "en", [FR])],  # partial declarations, joined through EN
        [(FR, "fr", []), (RU, "ru", []), (EN, "en", [RU, FR])],  # declared after the others were archived
    ],
)
def test_statement_group_any_order(tmp_path: Path, order) -> None:
    with Archive(tmp_path / "a.db") as archive:
        for url, language, alternates in order:
            archive.write_articles([_record(url, language, alternates)], None)
        groups = _groups(archive)
    assert groups[EN] and groups[EN] == groups[RU] == groups[FR]


def test_two_articles_in_one_language_are_not_translations(tmp_path: Path) -> None:
    other_en = "https://m.example/en/n/2"
    with Archive(tmp_path / "a.db") as archive:
        archive.write_articles([_record(EN, "en", [RU]), _record(RU, "ru", [EN])], None)
        # a broken page claims the Russian page as its translation too
        archive.write_articles([_record(other_en, "en", [RU])], None)
        groups = _groups(archive)
        links = archive.db.execute("SELECT count(*) FROM language_links").fetchone()[0]
    assert groups[EN] == groups[RU]
    assert groups[other_en] != groups[EN]
    assert links == 3  # every declaration is kept as evidence


def test_unrelated_pages_have_no_group(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        archive.write_articles([_record(EN, "en", [])], None)
        assert _groups(archive) == {EN: None}

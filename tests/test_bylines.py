"""Bylines in the languages of the ministries (issue 19): the byline word of each language, its joiners
(et, und, y, e, i, и, ve, و) and hCard markup, read through `extract_article` from one page shape per row."""

from __future__ import annotations

import pytest

from diplomatic_crawler.extraction import extract_article

PROSE = "".join(
    f"<p>Paragraph {i} of the statement on bilateral relations and regional security, with enough words to "
    "look like a real paragraph of a press release about the talks.</p>"
    for i in range(6)
)


def page(byline: str, lang: str) -> str:
    return (f"<html lang='{lang}'><head><meta charset='utf-8'><title>Talks</title></head><body><article>"
            f"<h1>Minister meets envoy</h1>{byline}{PROSE}</article></body></html>")


BYLINES = [
    ("fr", '<p class="auteur">Par <span class="vcard author"><span class="fn">Camille Rousseau</span></span></p>',
     ["Camille Rousseau"]),
    ("fr", '<p class="byline">Par Camille Rousseau et Jean Dupont</p>', ["Camille Rousseau", "Jean Dupont"]),
    ("de", '<p class="author">Von Anna Weber und Jonas Klein</p>', ["Anna Weber", "Jonas Klein"]),
    ("es", '<p class="autor">Por María López y Juan Pérez</p>', ["María López", "Juan Pérez"]),
    ("pt", '<p class="autor">Por Ana Souza e João Silva</p>', ["Ana Souza", "João Silva"]),
    ("it", '<p class="autore">Di Marco Rossi e Giulia Bianchi</p>', ["Marco Rossi", "Giulia Bianchi"]),
    ("it", '<p class="meta">Autore: Marco Rossi</p>', ["Marco Rossi"]),
    ("nl", '<p class="auteur">Door Pieter de Vries</p>', ["Pieter de Vries"]),
    ("no", '<p class="byline">Av Ola Nordmann</p>', ["Ola Nordmann"]),
    ("sv", '<p class="byline">Av Anna Svensson</p>', ["Anna Svensson"]),
    ("pl", '<p class="autor">Autor: Jan Kowalski i Anna Nowak</p>', ["Jan Kowalski", "Anna Nowak"]),
    ("pl", '<p class="meta">Autor: Jan Kowalski i Anna Nowak</p>', ["Jan Kowalski", "Anna Nowak"]),
    ("cs", '<p class="autor">Autor: Jan Novák</p>', ["Jan Novák"]),
    ("ru", '<p class="author">Автор: Иван Петров и Мария Иванова</p>', ["Иван Петров", "Мария Иванова"]),
    ("ru", '<p class="meta">Автор: Иван Петров и Мария Иванова</p>', ["Иван Петров", "Мария Иванова"]),
    ("uk", '<p class="author">Автор: Олена Коваленко</p>', ["Олена Коваленко"]),
    ("tr", '<p class="yazar">Yazar: Ahmet Yılmaz ve Ayşe Demir</p>', ["Ahmet Yılmaz", "Ayşe Demir"]),
    ("tr", '<p class="meta">Yazar: Ahmet Yılmaz ve Ayşe Demir</p>', ["Ahmet Yılmaz", "Ayşe Demir"]),
    ("ar", '<p class="author">بقلم محمد علي و أحمد حسن</p>', ["محمد علي", "أحمد حسن"]),
    ("zh", '<p class="author">文/王小明</p>', ["王小明"]),
    ("zh", '<p class="author">记者：李华</p>', ["李华"]),
    ("ko", '<p class="byline">홍길동 기자</p>', ["홍길동"]),
    ("en", '<p class="byline">By <span class="vcard author">Jane Doe</span> and <span class="vcard author">'
           'John Roe</span></p>', ["Jane Doe", "John Roe"]),
    # A class that only contains the word: the date line of a monthly, no byline.
    ("fr", '<div class="dates_auteurs">En kiosques : <a href="/2020/07">juillet 2020</a></div>', []),
]


@pytest.mark.parametrize(("lang", "byline", "expected"), BYLINES, ids=[f"{r[0]}-{i}" for i, r in enumerate(BYLINES)])
def test_bylines_of_the_ministries_languages(lang: str, byline: str, expected: list[str]) -> None:
    article = extract_article(page(byline, lang), f"https://www.mfa.example/{lang}/news/1")
    assert article.authors == expected


LD_FIRST_AUTHOR = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Minister meets envoy",'
                   ' "author": [{"@type": "Person", "name": "Marlene Holm"}]}</script>')
TEASERS = "".join(f'<li><h3>Other story {i}</h3><a rel="author" href="/a/{i}">Per Hansen {i}</a></li>' for i in "AB")


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        # The metadata names the first author only; the byline block beside the article names both.
        ('<div class="bylines"><address><a rel="author" href="/a/1">Ingrid Treborg</a></address>'
         '<address><a rel="author" href="/a/2">Marlene Holm</a></address></div>', ["Ingrid Treborg", "Marlene Holm"]),
        ('<div class="bylines"><span itemscope itemtype="http://schema.org/Person"><span itemprop="name">Ingrid '
         'Treborg</span></span> <span itemscope itemtype="http://schema.org/Person"><span itemprop="name">Marlene '
         'Holm</span></span></div>', ["Ingrid Treborg", "Marlene Holm"]),
        # Author links of teaser cards elsewhere are not the byline, nor a block without the metadata's author.
        (f'<p><a rel="author" href="/a/2">Marlene Holm</a></p><ul>{TEASERS}</ul>', ["Marlene Holm"]),
        ('<p class="bylines"><a rel="author" href="/a/1">Ingrid Treborg</a> <a rel="author" href="/a/3">Ola '
         'Berg</a></p>', ["Marlene Holm"]),
    ],
    ids=["rel-author-block", "schema-person-block", "teaser-authors", "other-people"],
)
def test_metadata_naming_the_first_author_only(byline: str, expected: list[str]) -> None:
    html = page(byline, "no").replace("</head>", LD_FIRST_AUTHOR + "</head>")
    assert extract_article(html, "https://www.mfa.example/no/news/1").authors == expected


def signed(closing: str, container: str = "entry-content") -> str:
    return (
        "<html lang='de'><head><meta charset='utf-8'><title>Talks</title></head><body>"
        f"<div class='{container}'><h1>Minister meets envoy</h1>{PROSE}{closing}"
        "<p>Hat Ihnen dieser Artikel gefallen? Dann unterstützen Sie uns bitte.</p></div></body></html>"
    )


@pytest.mark.parametrize(
    ("closing", "container", "expected"),
    [
        # The signature in one of the body's last two paragraphs, bold or italic only: a desk or a name.
        ("<p><em>IN-Redaktion</em></p>", "entry-content", ["IN-Redaktion"]),
        ("<p><strong>Jean-Luc Martin</strong></p>", "entry-content", ["Jean-Luc Martin"]),
        ("<p><em>IN-Redaktion</em></p>", "entry post-63076 hentry", ["IN-Redaktion"]),  # an hAtom entry
        # Emphasis that is no signature: a sentence, a label, lower-case words.
        ("<p><em>Das Gespräch führte die Redaktion am Montag in Berlin.</em></p>", "entry-content", []),
        ("<p><strong>Mehr zum Thema</strong></p>", "entry-content", []),
        ("<p><em>wird fortgesetzt</em></p>", "entry-content", []),
    ],
)
def test_a_signature_closing_the_body_is_its_byline(closing: str, container: str, expected: list[str]) -> None:
    assert extract_article(signed(closing, container), "https://news.example/de/talks").authors == expected

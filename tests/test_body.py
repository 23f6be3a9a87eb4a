"""Issue 17, body: which of trafilatura's passes is kept, where the article ends, what inside it is not the
article. Tables through `extract_article` on inline pages, and of the pure rules behind them."""

from __future__ import annotations

import json

import pytest

from diplomatic_crawler.extraction import extract_article
from diplomatic_crawler.extraction.body import _balanced_continues, trim_edges

URL = "https://mfa.example/en/news/statement"
PARTS = [
    f"Part {i} of the statement: the minister and the envoy discussed the peace process, the border "
    f"commission and the return of displaced people, and agreed to meet again before the end of the year."
    for i in range(1, 7)
]


def _page(body: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Talks on the peace process</title>"
        "<meta property='og:type' content='article'></head><body><main><article>"
        f"<h1>Talks on the peace process</h1>{body}</article></main></body></html>"
    )


def _p(text: str) -> str:
    return f"<p>{text}</p>"


HEADLINES = [f"Minister visits region {i} for talks on trade" for i in range(1, 6)]


@pytest.mark.parametrize(
    ("body", "kept", "dropped"),
    [
        # An inline "Read More" label between two parts of the article: the label goes, the article stays.
        ("".join(map(_p, PARTS[:3])) + "<p><strong>Read More</strong></p>" + "".join(map(_p, PARTS[3:])),
         PARTS, ["Read More"]),
        # A "Read more: <headline>" teaser set inside the body: dropped where it stands.
        ("".join(map(_p, PARTS[:3])) + "<p>Read more: Minister visits region 9 for talks</p>"
         + "".join(map(_p, PARTS[3:])), PARTS, ["region 9"]),
        # A related-articles heading followed by headlines: the article ends there.
        ("".join(map(_p, PARTS)) + "<h3>Related articles</h3>" + "".join(map(_p, HEADLINES)),
         PARTS, HEADLINES),
        ("".join(map(_p, PARTS)) + "<p>Auch interessant</p>" + "".join(map(_p, HEADLINES)),
         PARTS, HEADLINES),
        # A tag list ends the article.
        ("".join(map(_p, PARTS)) + "<p>Tags</p><p>border commission, peace process, Geneva talks, refugees</p>",
         PARTS, ["border commission, peace process"]),
        # Teaser lines in other languages, inside the body.
        ("".join(map(_p, PARTS[:3])) + "<p>Les også: Minister visits region 9 for talks</p>"
         + "<p>Czytaj także: Minister visits region 8 for talks</p>" + "".join(map(_p, PARTS[3:])),
         PARTS, ["region 9", "region 8"]),
        # A factbox and a recommendation widget inside the article container are not the article.
        ("".join(map(_p, PARTS[:3]))
         + "<amedia-factbox class='fact-box'><h3>Facts about the border commission</h3><ul><li>Founded in 1992 by"
           " the two governments after the ceasefire agreement was signed</li><li>Meets twice a year in the two"
           " capitals in turn</li></ul></amedia-factbox>"
         + "".join(map(_p, PARTS[3:]))
         + "<div class='article-recommendations'>" + "".join(map(_p, HEADLINES)) + "</div>",
         PARTS, ["Facts about", "Founded in 1992", *HEADLINES]),
    ],
)
def test_where_the_article_ends(body: str, kept: list[str], dropped: list[str]) -> None:
    text = extract_article(_page(body), URL).text
    assert all(part in text for part in kept)
    assert not any(snippet in text for snippet in dropped)


def test_a_body_split_into_containers_is_read_whole() -> None:
    """Ads and newsletter boxes between containers of one class: every part is the article."""
    chunk = "<div class='grid'><div class='article-text body__container'>{}</div></div>"
    body = (chunk.format("".join(map(_p, PARTS[:2]))) + "<div class='ad'>Advertisement</div>"
            + chunk.format("".join(map(_p, PARTS[2:4]))) + "<div class='newsletter'><p>Sign up</p></div>"
            + chunk.format("".join(map(_p, PARTS[4:]))))
    text = extract_article(_page(f"<div class='article__chunks'>{body}</div>"), URL).text
    assert all(part in text for part in PARTS)
    assert text.index(PARTS[1]) < text.index(PARTS[2]) < text.index(PARTS[4])


def _shell(head: str = "", scripts: str = "") -> str:
    """A page rendered in the browser: a shell in the HTML, the article in data."""
    return (
        f"<!doctype html><html lang='en'><head><title>Talks on the peace process</title>{head}</head><body>"
        f"<div id='__next'><h1>Talks on the peace process</h1><p>Loading…</p></div>{scripts}</body></html>"
    )


def _next_data(article: dict) -> str:
    data = {"props": {"pageProps": {"article": article, "menu": [{"label": "Home", "href": "/"}]}}, "page": "/[slug]"}
    return f"<script id='__NEXT_DATA__' type='application/json'>{json.dumps(data)}</script>"


@pytest.mark.parametrize(
    "page",
    [
        _shell(scripts=_next_data({"title": "Talks", "body": "".join(map(_p, PARTS)), "teaser": "Talks."})),
        _shell(scripts=_next_data({"title": "Talks", "content": {"text": "\n\n".join(PARTS)}})),
        _shell(head="<script type='application/ld+json'>"
                    + json.dumps({"@type": "NewsArticle", "headline": "Talks", "articleBody": "\n".join(PARTS)})
                    + "</script>"),
    ],
)
def test_a_body_held_only_as_data_is_read(page: str) -> None:
    text = extract_article(page, URL).text
    assert all(part in text for part in PARTS)
    assert "Loading" not in text and "Home" not in text


def test_data_without_prose_is_not_a_body() -> None:
    blob = "x" * 5000
    text = extract_article(_shell(scripts=_next_data({"title": "Talks", "hash": blob})), URL).text
    assert blob not in text


LEAD = "\n".join(PARTS[:2])
OTHER_STORY = [
    f"Comment {i}: I ordered twice this year and the delivery was quick, the packaging was fine and the"
    f" service answered every question I had within a day, so I will certainly come back again."
    for i in range(1, 7)
]
CAPTION = "Photo: the delegations in Geneva"


@pytest.mark.parametrize(
    ("precise", "balanced", "continues"),
    [
        # Precision stopped at an ad slot: the balanced run holds it and goes on with the article.
        (LEAD, "\n".join([*PARTS[:2], "Advertisement", *PARTS[2:]]), True),
        (f"{LEAD}\n{CAPTION}", "\n".join([*PARTS[:2], CAPTION, *PARTS[2:]]), True),
        # Not much longer: the precision run stays.
        (LEAD, "\n".join(PARTS[:3]), False),
        # Longer, but with teasers and chrome (short lines) or the same text twice.
        (LEAD, "\n".join([*PARTS[:2], *(h for h in HEADLINES * 4)]), False),
        (LEAD, "\n".join([*PARTS[:2], *PARTS[:2], *PARTS[:2], PARTS[2]]), False),
        # Another part of the page, not a continuation of the precision run.
        (LEAD, "\n".join(OTHER_STORY), False),
        # The same text with its table laid out another way: still the article, and it goes on.
        (f"{LEAD}\n| Delegation | Seats |\n| Geneva talks | 12 |",
         "\n".join([*PARTS[:2], "Delegation", "Seats", "Geneva talks", "12", *PARTS[2:]]), True),
        # Reader comments above the article: the longer run is not its continuation.
        (LEAD, "\n".join([*OTHER_STORY, *PARTS[:2], PARTS[2]]), False),
    ],
)
def test_balanced_pass_kept_when_it_continues_the_article(precise: str, balanced: str, continues: bool) -> None:
    assert _balanced_continues(precise, balanced) is continues


JOINER_PAGES = [
    ("fa", "وزیر امور خارجه گفت که روابط دو کشور می\u200cتواند گسترش یابد و همکاری\u200cها ادامه خواهد داشت.",
     "می\u200cتواند"),
    ("hi", "विदेश मंत्री ने कहा कि दोनों देशों के बीच सहयोग क्\u200dष बढ़ेगा और बातचीत जारी रहेगी।", "क्\u200dष"),
]


@pytest.mark.parametrize(("lang", "sentence", "word"), JOINER_PAGES, ids=[p[0] for p in JOINER_PAGES])
def test_zero_width_joiners_inside_words_are_kept(lang: str, sentence: str, word: str) -> None:
    """trafilatura drops the non-printable ZWNJ / ZWJ; the body keeps them, so "می‌تواند" keeps its spelling."""
    page = (f"<html lang='{lang}'><head><meta charset='utf-8'><title>t</title></head><body><article><h1>t</h1>"
            + "".join(f"<p>{sentence} {i}</p>" for i in range(6)) + "</article></body></html>")
    text = extract_article(page, f"https://mfa.example/{lang}/news/1").text
    assert word in text
    assert "\u2050" not in text and "\u2051" not in text  # no stand-in left behind


def test_a_page_holding_the_stand_ins_keeps_them_as_written() -> None:
    sentence = "وزیر گفت که روابط می\u200cتواند گسترش یابد و این نشانه \u2050 در متن آمده است و همکاری ادامه دارد."
    page = ("<html lang='fa'><head><meta charset='utf-8'><title>t</title></head><body><article><h1>t</h1>"
            + "".join(f"<p>{sentence} {i}</p>" for i in range(6)) + "</article></body></html>")
    text = extract_article(page, "https://mfa.example/fa/news/1").text
    assert "\u2050" in text and "\u200c" not in text  # trafilatura's own behaviour, nothing turned into a joiner


@pytest.mark.parametrize(("first", "dropped"), [
    ("Talks on the peace process", True),  # the headline repeated
    ("Diplomacy Talks on the peace process", True),  # its kicker in front (a roofline span in the <h1>)
    ("Thema Verbraucherschutz Talks on the peace process", True),
    ("The ministers met in Geneva and agreed on a new round of Talks on the peace process", False),  # prose
])
def test_the_headline_with_its_kicker_is_not_the_body(first: str, dropped: bool) -> None:
    kept = trim_edges([first, *PARTS], title="Talks on the peace process", authors=[])
    assert kept == (PARTS if dropped else [first, *PARTS])


@pytest.mark.parametrize(
    ("closing", "dropped"),
    [
        # Said to the reader at the end of the page's text: follow, subscribe, comment, picture credits.
        ("Follow The Gleaner on Twitter and Instagram @JamaicaGleaner and on Facebook @GleanerJamaica.", True),
        ("Zum Newsletter anmelden", True),
        ("¡Mira lo que tiene nuestro canal de YouTube!", True),
        ("Suivez-nous sur Facebook et Twitter", True),
        ("Do you want to be informed of our actions? Sign up here", True),
        ("Keine Kommentare (Kommentare erscheinen erst nach unserer Freigabe)", True),
        ("Verraten Sie gerne in den Kommentaren: Was bedeutet der Preis für Sie?", True),
        ("Beitragsbild: Titelseite der Zeitung vom 2.4.2019, Ausriss.", True),
        ("(Credit: Clayton Aldern / Grist)", True),
        # The article's own last sentence, about networks or pictures, stays.
        ("The ministry's YouTube channel broadcast the ceremony live.", False),
        ("The minister said Twitter had removed the account of the embassy.", False),
        ("La crisis sigue en Twitter y en las calles.", False),
        ("Photos of the meeting are available on the ministry's website.", False),
        ("No comment was available from the embassy.", False),
        # Long: a paragraph of the article, whatever it mentions.
        ("Follow-up talks on the border commission will be held in Geneva next month, the ministers said, and"
         " the two delegations will report on them to their parliaments; the statement was also posted on"
         " Twitter and Facebook by both ministries, which invited journalists to follow us there.", False),
    ],
)
def test_reader_addressed_closing_lines_are_not_the_article(closing: str, dropped: bool) -> None:
    kept = trim_edges([*PARTS, closing], title="Talks on the peace process", authors=[])
    assert kept == (PARTS if dropped else [*PARTS, closing])


@pytest.mark.parametrize(
    ("opening", "dropped"),
    [
        ("Anzeige, enthält Affiliate Links", True),
        ("We recommend the best products through an independent review process, and advertisers do not"
         " influence our picks.", True),
        ("Werbung", True),
        ("Die Werbung für Tabak wird verboten, sagte die Ministerin am Montag in Berlin.", False),
    ],
)
def test_a_disclosure_over_the_article_is_not_the_article(opening: str, dropped: bool) -> None:
    kept = trim_edges([opening, *PARTS], title="Talks on the peace process", authors=[])
    assert kept == (PARTS if dropped else [opening, *PARTS])


@pytest.mark.parametrize("empty", ["<em></em>", "<i></i>", "<b></b>", "<q></q>", "<em id='anchor'></em>"])
def test_text_after_an_empty_element_is_kept(empty: str) -> None:
    """trafilatura's precision mode drops an empty element with the text that follows it."""
    body = "".join(map(_p, PARTS[:2])) + f"<p>{empty}{PARTS[2]}</p><h2>{empty}Where the talks go next</h2>" \
        + "".join(map(_p, PARTS[3:]))
    text = extract_article(_page(body), URL).text
    assert all(part in text for part in PARTS)
    assert "Where the talks go next" in text


@pytest.mark.parametrize(
    ("line", "dropped"),
    [
        # Inside the article, between two of its parts: credits, captions with their copyright, short calls,
        # and a teaser's headline after its label, in several languages.
        ("(Credit: Clayton Aldern / Grist)", True),
        ("Foto: dpa / Michael Kappeler", True),
        ("Marco Odermatt, Ski-Star aus der Schweiz. © AFP / MARCO BERTORELLO", True),
        ("Zum Newsletter anmelden", True),
        ("Subscribe to our newsletter", True),
        ("Le puede interesar: JEP abrirá tres nuevos macrocasos: Farc y fuerza pública", True),
        ("Dowiedz się więcej: Kto jak głosował ws. unijnych funduszy?", True),
        ("Zobacz też: Minister spraw zagranicznych w Kijowie", True),
        ("Voir aussi : le ministre reçoit son homologue", True),
        # The article's own sentences stay.
        ("The minister said the newsletter of the embassy would be published in three languages from May.", False),
        ("Photographs taken at the border, the minister said, show the damage to the crossing point.", False),
        ("The report, © the ministry since 1998, was updated on Monday with figures for the last three years"
         " of the programme and a new chapter on the return of displaced people to the border region.", False),
        ("Le puede interesar saber que el ministro viajará a Ginebra la próxima semana.", False),
    ],
)
def test_lines_inside_the_article_that_are_not_its_text(line: str, dropped: bool) -> None:
    paragraphs = [*PARTS[:3], line, *PARTS[3:]]
    kept = trim_edges(paragraphs, title="Talks on the peace process", authors=[])
    assert kept == (PARTS if dropped else paragraphs)


@pytest.mark.parametrize("heading", [
    "Weitere aktuelle Themen aus der Arbeitswelt", "Beiträge aus dem Forum", "Interessante Links",
])
def test_headings_of_other_articles_end_the_body(heading: str) -> None:
    kept = trim_edges([*PARTS, heading, *HEADLINES], title="Talks on the peace process", authors=[])
    assert kept == PARTS


def test_a_closing_request_for_letters_is_not_the_article() -> None:
    closing = ("We want to hear what you think about this article. Submit a letter to the editor or write to"
               " letters@example.com.")
    assert trim_edges([*PARTS, closing], title="Talks on the peace process", authors=[]) == PARTS


@pytest.mark.parametrize(("first", "date_line"), [
    ("18 Kindersitze im Test: Vier Modelle fallen durch", "23.10.2018"),
    ("Statement by the Spokesperson", "Published 7 December 2021"),
])
def test_a_date_line_under_a_first_line_is_not_the_text(first: str, date_line: str) -> None:
    from diplomatic_crawler.extraction.dates import DateReader
    from diplomatic_crawler.extraction.hints import SiteHints
    from diplomatic_crawler.extraction.page_dates import is_date_line

    reader = DateReader(SiteHints.from_seed(None), None, page_language="de")
    kept = trim_edges([first, date_line, *PARTS], title="Talks on the peace process", authors=[],
                      is_date_line=lambda line: is_date_line(line, reader))
    assert kept == [first, *PARTS]


@pytest.mark.parametrize(("closing", "dropped"), [
    ("stunnel_rsync.html - Created 03-10-2004 2:20pm - Last Modified: 03-10-2004 2:20pm", True),
    ("Letzte Aktualisierung am 2.02.2022", True),
    ("The entry-level model was last updated in July, while higher-end models were refreshed in May.", False),
])
def test_a_closing_last_modified_line_is_not_the_article(closing: str, dropped: bool) -> None:
    kept = trim_edges([*PARTS, closing], title="Talks on the peace process", authors=[])
    assert kept == (PARTS if dropped else [*PARTS, closing])


def test_a_topics_label_ends_the_body() -> None:
    kept = trim_edges([*PARTS, "Themen", "Über diese Reihe", "Die Stiftung ist in rund 110 Ländern vertreten."],
                      title="Talks on the peace process", authors=[])
    assert kept == PARTS


@pytest.mark.parametrize(("line", "dropped"), [
    ("Informationsschreiben vom 14. Oktober 2021PDF | 38 KB | Datei ist nicht barrierefrei", True),
    ("Download the statement (PDF, 120 KB)", True),
    ("The PDF of 38 pages was released on Monday with the full text of the agreement.", False),
])
def test_a_file_to_download_is_not_the_text(line: str, dropped: bool) -> None:
    paragraphs = [*PARTS[:3], line, *PARTS[3:]]
    kept = trim_edges(paragraphs, title="Talks on the peace process", authors=[])
    assert kept == (PARTS if dropped else paragraphs)


@pytest.mark.parametrize(("closing", "dropped"), [
    (["Sie sind aktuell nicht eingeloggt.", "Um einen Kommentar zu hinterlassen, loggen Sie sich bitte ein.",
      "Beim absenden Ihres Kommentar ist ein Fehler aufgetreten.", "Ihr Kommentar ist zu lang."], True),
    (["You must be logged in to post a comment."], True),
    (["Your email address will not be published. Required fields are marked *"], True),
    (["The comments of the minister were an error, the spokesman said."], False),
    (["Candice Sealey is the Founder & Principal Consultant at Ignite!, a marketing and PR consultancy."], True),
    (["Anna Weber ist Redakteurin im Ressort Politik."], True),
    (["The Minister is the author of the plan, which the cabinet adopted on Monday."], False),
])
def test_the_comment_form_and_the_author_bio_are_not_the_article(closing: list[str], dropped: bool) -> None:
    kept = trim_edges([*PARTS, *closing], title="Talks on the peace process", authors=[])
    assert kept == (PARTS if dropped else [*PARTS, *closing])


def test_the_headline_under_a_date_glued_to_it_is_not_the_body() -> None:
    kept = trim_edges(["27.01.2022MineralölINFO November 2021 (Mineralölabsatz)", *PARTS],
                      title="MineralölINFO November 2021 (Mineralölabsatz)", authors=[])
    assert kept == PARTS

"""Author names: from JSON-LD, meta tags and visible bylines, normalised to one name per entry.

Raw bylines mix names with everything around them ("By Jane Doe and John Smith, Staff Writers",
"Capital Von Jemima Kelly", "You, Xiaoying", "홍길동 기자", e-mail addresses, profile URLs).
`normalise_authors` turns any of those into clean names; the sources are tried from most to least
structured. A person's name is preferred; a desk or agency byline ("Redaktion", "BR24 Redaktion",
"Staff Writer", "SDA", "Deutsche Presse-Agentur") is the byline where no person is named, and stays
beside the people of the same byline ("Jean Dupont et AFP").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

from lxml import etree
from lxml.html import HtmlElement

from .metadata import PageMeta, clean_text, names_of

# Words that introduce a byline, in the languages of the sites ("Par", "Von", "Por", "Di", "Door", "Av",
# "Autor:", "Автор:", "بقلم"); a name follows them.
BYLINE_WORDS = (
    r"written\s+by|posted\s+by|reported\s+by|words\s+by|story\s+by|text\s+by|text\s+von|blog\s+beitrag\s+von|"
    r"ein\s+beitrag\s+von|by|vom|von|par|por|di|av|door|af|från|автор(?:ы)?|авторы|text|texte|autor(?:in|en|zy)?|"
    r"auteur(?:s|e)?|author(?:s)?|redacción|escrito\s+por|publié\s+par|yazar|müəllif|from|na|بقلم|كتب"
)
BYLINE_PREFIX = re.compile(rf"^(?:{BYLINE_WORDS})\s*[:\-]?\s+", re.I)
# Inside a string only a capitalised byline word counts ("Capital Von Jemima Kelly"): lower case "von",
# "di", "av" are particles of names ("Christoph von Ritter").
BYLINE_INSIDE = re.compile(
    r"^.*?\b(?-i:By|BY|Von|VON|Par|PAR|Por|POR|Door|DOOR|Written by)\s*:?\s+"
    r"|^(?:.*\b)?(?:eingestellt|geschrieben|verfasst|veröffentlicht|erstellt|artikel|beiträge|alles|mehr|posted|"
    r"written|published|articles|stories|more|publié|écrit|publicado|escrito)\s+(?:von|by|par|por|de)\s+",
    re.I | re.U,
)
ONLY_BYLINE_WORD = re.compile(rf"^(?:{BYLINE_WORDS})\s*:?$|^.*\s(?:von|by|par|por|door)$", re.I)
SPLIT = re.compile(
    r"\s*(?:[;|/&\n]|,(?!\s*(?:jr|sr)\b)|\s[-–—]\s"
    r"|\s(?:and|und|et|avec|y|e|i|og|och|en|ve|и|і|та|و|im\s+gespräch\s+mit)\s)\s*",
    re.I,
)
ROLE_WORDS = {
    "staff", "writer", "writers", "correspondent", "correspondents", "editor", "editors", "reporter", "reporters",
    "contributor", "contributors", "photographer", "photographers", "columnist", "senior", "chief", "desk",
    "news", "newsroom", "bureau", "intern", "producer", "analyst", "associate", "special", "political",
    "deputy", "managing", "guest", "author", "authors", "redaktion", "redakteur", "redakteurin", "journalist",
    "journaliste", "correspondant", "envoyé", "envoyée", "rédaction", "updated", "published", "photo", "photos",
    "video", "source", "sources", "image", "images", "follow", "twitter", "email", "mail", "profile", "more",
    "articles", "view", "all", "posts", "read", "share", "comments", "min", "phd", "md", "mba", "alle", "artikel",
    "beiträge",
    "기자", "특파원", "논설위원", "记者", "記者", "編集委員", "корреспондент", "репортер", "muhabir",
}
# A byline of a desk or an agency rather than a person: kept where no person is named.
DESK_WORDS = {
    "redaktion", "redaction", "rédaction", "redacción", "redazione", "redactie", "redakcja", "redação", "редакция",
    "red", "staff", "newsroom", "desk", "team", "editorial", "agenturen", "agencies", "agency", "wires",
    "pressestelle", "presseabteilung", "nachrichtenagentur", "presse-agentur", "news service",
}
AGENCIES = {
    "afp", "ap", "dpa", "reuters", "sda", "sda-ats", "keystone-sda", "ats", "apa", "ansa", "efe", "kna", "epd",
    "kathpress", "tass", "xinhua", "yonhap", "aa", "anadolu ajansı", "belga", "anp", "ntb", "tt", "ritzau", "pap",
    "čtk", "mti", "bernama", "pti", "ians", "ani", "agence france-presse", "associated press",
    "deutsche presse-agentur", "upi", "kyodo", "europa press", "lusa", "sid", "afp/dpa",
}
WEEKDAYS = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "montag", "dienstag",
    "mittwoch", "donnerstag", "freitag", "samstag", "sonntag", "lundi", "mardi", "mercredi", "jeudi", "vendredi",
    "samedi", "dimanche", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo",
}
MONTHS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "januar", "februar", "märz", "juni", "juli", "oktober", "dezember", "janvier", "février", "mars",
    "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre", "enero", "febrero",
    "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
}
CREDIT = re.compile(r"^(?:photo(?:graph)?|foto|image|bild(?:er)?|illustration|grafik|video|picture|credit)s?\b", re.I)
# Where a date follows a name, the name has ended ("Redaktion 1. November 2023", "… am Samstag").
DATE_TAIL = re.compile(
    r"\s+(?:\d|(?-i:am|on|le|el|il|den|der|vom)\s+(?:" + "|".join(sorted(WEEKDAYS)) + r")\b).*$", re.I
)
# Whole entries that are never a name.
NOT_NAMES = {"admin", "administrator", "editor", "unknown", "anonymous", "guest", "webmaster", "null", "none",
             "n/a", "user", "by", "von", "par", "por"}
EMAIL = re.compile(r"\S+@\S+")
URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
DOMAIN = re.compile(r"\b\S+\.(?:com|org|net|gov|int|ru|az|fr|de|uk|at|ch|tr)\b(?:/\S*)?", re.I)
DIGITS = re.compile(r"\d")
PLACE_SUFFIX = re.compile(r"\s+(?:in|from|à|en|aus|в|из)\s+[A-ZА-Я][\w-]+(?:\s+[A-ZА-Я][\w-]+)?$")
MAX_NAME_WORDS = 6
MAX_NAME_CHARS = 60
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
MAX_CJK_NAME = 12  # a name in Chinese, Japanese or Korean script is a few characters
MAX_AUTHORS = 12
GUESSES = 4  # find_authors' sources from the fifth on guess from class names and text
# Every class pattern but "byline" contains "author": testing that first spares libxml2 eight `contains()`
# per element on most elements (the expression took ~2 ms a page, about a tenth of the extraction).
BYLINE_XPATH = (
    './/*[@rel="author" or @itemprop="author" or contains(@class, "byline") or (contains(@class, "author") and ('
    'contains(@class, "author-name") or contains(@class, "author__name") or contains(@class, "article-author")'
    ' or contains(@class, "post-author") or contains(@class, "entry-author") or contains(@class, "authors__")'
    ' or contains(@class, "__author")))]'
    ' | .//a[contains(@href, "/author/") or contains(@href, "/autoren/") or contains(@href, "/journalist/")]'
)
CHROME_TAGS = {"footer", "nav", "aside"}
_BYLINE_CLASSES = ("author-name", "author__name", "article-author", "post-author", "entry-author", "authors__",
                   "__author")
_AUTHOR_HREFS = ("/author/", "/autoren/", "/journalist/")
MAX_BYLINE_CHARS = 120
_BYLINE_TAGS = {"byline", "author"}


def _is_byline_node(el: HtmlElement) -> bool:
    get = el.get
    cls = get("class")
    return (
        get("rel") == "author"
        or get("itemprop") == "author"
        or (cls is not None and ("byline" in cls or ("author" in cls and any(c in cls for c in _BYLINE_CLASSES))))
        or (el.tag == "a" and any(h in (get("href") or "") for h in _AUTHOR_HREFS))
    )


# "author" in other languages, as the start of a class or id: autor/autore/autorin, auteur, yazar, verfasser,
# firma (where the word only appears inside a class, "dates_auteurs" holds the date line).
_AUTHOR_CLASS_WORDS = ("autor", "auteur", "yazar", "verfasser", "firma")


def _is_loose_byline_node(el: HtmlElement) -> bool:
    """Class, id or (custom) tag name speak of an author, a writer or a byline."""
    get = el.get
    for value in (get("class"), get("id")):
        if value is not None:
            low = value.lower()
            if ("author" in low or "writer" in low or "byl" in low or "posted-by" in low or "submitted-by" in low
                    or "journalist" in low or any(t.startswith(_AUTHOR_CLASS_WORDS) for t in low.split())):
                return True
    tag = el.tag  # <byline>, <author>, <news-byline>: elements a CMS named for the byline
    return tag in _BYLINE_TAGS or ("-" in tag and ("author" in tag or "byline" in tag))


def byline_nodes(tree: HtmlElement) -> Iterator[HtmlElement]:
    """The elements BYLINE_XPATH selects, in document order, from one walk over the tree: the XPath (two
    walks, a dozen substring tests an element in libxml2) cost about three times as much, 1-2 ms on a
    real page."""
    return filter(_is_byline_node, tree.iterdescendants(etree.Element))


@dataclass
class _Walk:
    """What the later author sources look for in the tree, gathered in one walk: the body containers, the
    elements of the looser byline signals and those whose own text starts like a byline."""

    bodies: list[HtmlElement] = field(default_factory=list)
    loose: list[HtmlElement] = field(default_factory=list)
    texts: list[HtmlElement] = field(default_factory=list)


_TEXT_TAGS = {"p", "span", "div", "li", "em", "strong", "small", "address", "b", "i", "a", "font", "dd", "td",
              "h3", "h4", "h5", "h6", "section", "header", "footer", "figcaption", "time", *{"byline", "author"}}
_TEXT_STARTS = ("written by", "text von", "blog beitrag", "ein beitrag", "by ", "by:", "von ", "von:", "par ", "par:",
                "por ", "por:", "door ", "door:", "autor", "auteur", "author ", "author:", "authors", "автор", "yazar",
                "بقلم")


def _walk(tree: HtmlElement, limit: int = 12) -> _Walk:
    found = _Walk()
    bodies, loose, texts = found.bodies, found.loose, found.texts
    for el in tree.iterdescendants(etree.Element):
        get, tag = el.get, el.tag
        cls, ident = get("class"), get("id")
        # Substring tests before any closer look (a regular expression on every class cost four times as much).
        if cls is not None and ("uthor" in cls or "byl" in cls or "riter" in cls or "-by" in cls or "ournalist" in cls
                                or "content" in cls or "body" in cls or "utor" in cls or "uteur" in cls
                                or "yazar" in cls or "erfasser" in cls or "firma" in cls or "hentry" in cls):
            if len(bodies) < 4 and any(c in cls for c in _BODY_CLASSES):
                bodies.append(el)
            if len(loose) < limit and _is_loose_byline_node(el):
                loose.append(el)
        elif (ident is not None or "-" in tag or tag in _BYLINE_TAGS) and len(loose) < limit \
                and _is_loose_byline_node(el):
            loose.append(el)
        if len(bodies) < 4 and get("itemprop") == "articleBody" and (not bodies or bodies[-1] is not el):
            bodies.append(el)
        if tag in _TEXT_TAGS and len(texts) < limit:
            text = el.text
            if text and len(text) <= MAX_TEXT_BYLINE_CHARS and \
                    (text.lstrip(" \t\n\r-–—_:·|").lower() + " ").startswith(_TEXT_STARTS):
                texts.append(el)
    return found


def _in_chrome(node: HtmlElement) -> bool:
    """Inside comments, or inside a page footer, navigation or aside that is not part of an <article>."""
    chrome = False
    for anc in node.iterancestors():
        marks = f"{anc.get('class') or ''} {anc.get('id') or ''}".lower()
        if "comment" in marks:
            return True
        if anc.tag in CHROME_TAGS:
            chrome = True
        elif anc.tag == "article":
            return False
    return chrome


def _fold(text: str) -> str:
    return " ".join(re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold()))


def _strip_noise(value: str) -> str:
    """E-mails, URLs and bracketed notes ("(AFP)", "(Image: Getty)") go before any splitting."""
    value = EMAIL.sub(" ", value)
    value = URL.sub(" ", value)
    return re.sub(r"[\(\[][^)\]]*[\)\]]?", " ", value)


PERSON, DESK = "person", "desk"


def _is_desk(entry: str) -> bool:
    folded = entry.casefold()
    if folded in AGENCIES or _fold(entry) in AGENCIES:
        return True
    tokens = set(_fold(entry).split())
    return bool(tokens & DESK_WORDS) or any(word in folded for word in DESK_WORDS if " " in word or "-" in word)


def _clean_one(entry: str) -> tuple[str, str] | None:
    """One entry of a byline as (name, PERSON or DESK), or None for what is no name at all."""
    initial = re.search(r"(?:^|\s)\w\.$", entry.rstrip())  # "R. R." keeps the point of its last initial
    entry = entry.strip(" \t-–—:·•,.\"'“”‘’«»")
    if BYLINE_PREFIX.match(entry):
        entry = BYLINE_PREFIX.sub("", entry, count=1)
    elif BYLINE_INSIDE.match(entry):
        entry = BYLINE_INSIDE.sub("", entry, count=1)
    entry = PLACE_SUFFIX.sub("", entry).strip(" \t-–—:·•,.\"'“”‘’«»")
    if initial and entry:
        entry += "."
    if (not entry or entry.startswith("@") or ONLY_BYLINE_WORD.match(entry) or entry.casefold() in NOT_NAMES
            or CREDIT.match(entry) or len(entry) > MAX_NAME_CHARS or (CJK.search(entry) and len(entry) > MAX_CJK_NAME)):
        return None
    entry = DATE_TAIL.sub("", entry) or entry
    if _is_desk(entry):  # "BR24 Redaktion", "Redaktion hessenschau.de", "SDA"
        return (" ".join(entry.split()), DESK) if len(entry.split()) <= MAX_NAME_WORDS else None
    if DOMAIN.fullmatch(entry):  # "ORF.at", "ntv.com.tr": the site as the byline
        return entry, DESK
    entry = DOMAIN.sub(" ", entry)
    tokens = entry.split()
    folded = [_fold(t) for t in tokens]
    while len(tokens) > 1 and folded[0] in ROLE_WORDS:  # "Reporter Jane Doe"
        tokens, folded = tokens[1:], folded[1:]
    while len(tokens) > 1 and folded[-1] in ROLE_WORDS:  # "홍길동 기자"
        tokens, folded = tokens[:-1], folded[:-1]
    if len(tokens) == 1 and tokens[0].islower() and len(entry.split()) > 1:
        return None  # "israel news": an account named for the site, no person
    if not tokens or DIGITS.search(entry) or len(tokens) > MAX_NAME_WORDS:
        return None
    if all(t in ROLE_WORDS for t in folded) or (len(folded) == 1 and (folded[0] in WEEKDAYS or folded[0] in MONTHS)):
        return None
    return " ".join(tokens), PERSON


def _swap_inverted(values: list[str]) -> list[str]:
    """"You, Xiaoying" (citation style Last, First) -> "Xiaoying You"."""
    out = []
    for value in values:
        parts = [p.strip() for p in value.split(",")]
        if len(parts) == 2 and all(len(p.split()) == 1 and p[:1].isupper() for p in parts):
            value = f"{parts[1]} {parts[0]}"
        out.append(value)
    return out


# Chinese and Japanese bylines write their word before a slash or colon: "文/王小明", "记者：李华".
CJK_BYLINE_PREFIX = re.compile(r"^\s*(?:文|撰文|文字|记者|記者|作者|编辑|編集)\s*[/／:：]\s*")


def _entries(raw: list[str], orgs: set[str] = frozenset()) -> list[tuple[str, str]]:
    """Split, clean and de-duplicate raw author strings (order kept), each entry with its kind."""
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for value in _swap_inverted([CJK_BYLINE_PREFIX.sub("", _strip_noise(clean_text(v))) for v in raw if v]):
        parts = SPLIT.split(value)
        if len(parts) > 1 and orgs and _is_organisation(parts[0], orgs):
            parts = parts[:1]  # "Site, City, Country": the places after the site's name are no authors
        person_before = False
        for part in parts:
            cleaned = _clean_one(part)
            if not cleaned or (person_before and cleaned[1] == DESK and _is_generic(cleaned[0])):
                continue  # "Jane Doe, Staff Writers": the role of the names before it
            person_before = person_before or cleaned[1] == PERSON
            key = _fold(cleaned[0])
            if key and key not in seen:
                seen.add(key)
                found.append(cleaned)
    return found[:MAX_AUTHORS]


def _is_generic(name: str) -> bool:
    """A desk named by role words only ("Staff Writers", "Redaktion"), not by a name ("BR24 Redaktion")."""
    return all(token in ROLE_WORDS or token in DESK_WORDS for token in _fold(name).split())


def _byline(entries: list[tuple[str, str]], people: list[str]) -> list[str]:
    """The people of a byline with the desks and agencies beside them ("Jean Dupont et AFP")."""
    return [n for n, kind in entries if n in people or kind == DESK]


def normalise_authors(raw: list[str], *, site_name: str | None = None) -> list[str]:
    """Split, clean and de-duplicate raw author strings (order kept)."""
    entries = _entries(raw)
    people = [name for name, kind in entries if kind == PERSON]
    names = _byline(entries, people) if people else [name for name, _ in entries]
    site_key = _fold(site_name) if site_name else None
    if site_key and len(names) > 1:  # the site itself listed beside its journalists
        names = [n for n in names if _fold(n) != site_key and _fold(n) not in site_key] or names
    return names[:MAX_AUTHORS]


def _visible_bylines(nodes: list[HtmlElement]) -> list[str]:
    """Byline elements of the article: the first one found and those beside it, not teaser cards below."""
    found: list[str] = []
    first_parent = None
    for node in nodes:
        if _in_chrome(node):
            continue
        parent = node.getparent()
        if first_parent is None:
            first_parent = parent
        elif parent is not first_parent and first_parent not in node.iterancestors():
            continue
        text = clean_text(" ".join(node.itertext()))
        if text and len(text) <= MAX_BYLINE_CHARS:
            found.append(text)
    return found


def _organisations(meta: PageMeta) -> set[str]:
    """Folded names that denote the publisher rather than a person."""
    orgs = {_fold(meta.site_name)} if meta.site_name else set()
    for key in ("author", "publisher", "creator"):
        value = meta.article_value(key)
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, dict):
                continue
            kind = str(item.get("@type", "")).lower()
            account = f"{item.get('@id', '')} {item.get('url', '')}".lower()
            # An organisation, or a CMS account such as /author/admin/ that names no person.
            if "organization" in kind or "organisation" in kind or "/admin" in account:
                orgs.update(_fold(n) for n in names_of(item))
    host, _, path = meta.url.split("//", 1)[-1].partition("/")
    orgs.add(_fold(host.removeprefix("www.").split(".")[0]))
    # The sections of the URL's path ("/capital/…"): a byline "capital" names the section, not a person.
    orgs.update(key for key in (_fold(part) for part in path.split("?", 1)[0].split("/")[:-1]) if key.count(" ") < 2)
    return orgs - {""}


def _is_organisation(name: str, orgs: set[str]) -> bool:
    key = _fold(name)
    compact = key.replace(" ", "")
    # "Deutsche Welle" on dw.com: the initials of a name of capitalised words are the site's short name.
    capitals = [w for w in name.split() if w[:1].isupper()]
    initials = "".join(w[0] for w in capitals).casefold() if len(capitals) >= 2 else ""
    for org in orgs:
        if initials and org == initials:
            return True
        org_compact = org.replace(" ", "")
        shorter, longer = sorted((compact, org_compact), key=len)
        if shorter and shorter in longer and len(shorter) >= 0.6 * len(longer):
            return True
    return False


BODY_CONTAINERS = (  # `@class and (...)`: elements without a class skip the eight tests
    './/*[@itemprop="articleBody" or (@class and (contains(@class, "entry-content") or contains(@class, "post-content")'
    ' or contains(@class, "post_content") or contains(@class, "article-body") or contains(@class, "article-content")'
    ' or contains(@class, "article__body") or contains(@class, "story-body") or contains(@class, "hentry")))]'
)
_BODY_CLASSES = ("entry-content", "post-content", "post_content", "article-body", "article-content",
                 "article__body", "story-body", "hentry")


def body_containers(tree: HtmlElement) -> Iterator[HtmlElement]:
    """The elements BODY_CONTAINERS selects, in document order, from one walk (see `byline_nodes`)."""
    for el in tree.iterdescendants(etree.Element):
        cls = el.get("class")
        if el.get("itemprop") == "articleBody" or (cls is not None and any(c in cls for c in _BODY_CLASSES)):
            yield el


LEAD_BYLINE = re.compile(r"^[^\W\d_][\w.'’-]*(?:\s+[^\W\d_][\w.'’-]*){1,3}(?:\s*(?:/|,|&|\band\b)\s*"
                         r"[^\W\d_][\w.'’-]*(?:\s+[^\W\d_][\w.'’-]*){1,3})*$")


LEAD_MARKUP = "./strong | ./b | ./em | ./i"


def _lead_byline(containers: list[HtmlElement]) -> list[str]:
    """A byline written as one of the first paragraphs of the article body, bold or italic only
    ("<p><strong>Jane Doe</strong></p>"), or as its signature: one of its last two paragraphs, a desk or
    a name of capitalised words only ("… the end of the statement.</p><p><em>IN-Redaktion</em></p>").

    Small CMS sites often type the reporter's name there instead of filling in the author field.
    """
    for container in containers:
        for paragraph in container.xpath(".//p[position() <= 4]"):
            text = _marked_line(paragraph)
            if text and (LEAD_BYLINE.match(text) or (len(text.split()) <= 3 and _is_desk(text))):
                return [text]
        paragraphs = container.xpath(".//p")
        for paragraph in paragraphs[max(4, len(paragraphs) - 2):]:
            text = _marked_line(paragraph)
            if text and len(text) <= MAX_SIGNATURE_CHARS and (
                    (len(text.split()) <= 3 and _is_desk(text)) or SIGNATURE.match(text)):
                return [text]
    return []


MAX_SIGNATURE_CHARS = 60
# A signature: two to four words, each capitalised ("Jane Doe", "Jean-Luc Martin"); no sentence, no label.
SIGNATURE = re.compile(r"^[A-ZÀ-ÞА-ЯΑ-Ω][\w'’.-]+(?:\s+[A-ZÀ-ÞА-ЯΑ-Ω][\w'’.-]+){1,3}$")


def _marked_line(paragraph: HtmlElement) -> str | None:
    """The paragraph's text where all of it is bold or italic and it is no longer than a byline."""
    text = clean_text(paragraph.text_content())
    marked = clean_text(" ".join(" ".join(b.itertext()) for b in paragraph.xpath(LEAD_MARKUP)))
    return text if text and text == marked and len(text) <= 80 else None


# A short text that says who wrote the page: "Von Anna Müller am 7.8.", "Auteur : Jean Dupont",
# "Autoren Jelko Djuren und Jutta Klaukien", "—— by Kenneth Surin".
TEXT_BYLINE = re.compile(
    r"^[\W_]*(?:written\s+by|text\s+von|blog\s+beitrag\s+von|ein\s+beitrag\s+von|by|von|par|por|door|"
    r"autor(?:/in|in|en|e|i)?(?:\s*/\s*autor(?:in)?)?|auteur(?:e|s)?|author(?:s)?|автор(?:ы)?|yazar|بقلم)"
    r"\s*:?\s+(?P<names>\S.*)$",
    re.I | re.S,
)
_NAME_TOKEN = re.compile(r"^(?:[^\W\d_][.]|[^\W\d_]\.[^\W\d_]\.?|[A-ZÀ-ÞА-ЯΑ-Ω][\w'’.-]*)$")
_NAME_JOINERS = {"und", "and", "et", "y", "e", "i", "ve", "и", "og", "och", "&", ",", "von", "van", "de", "der",
                 "den", "di", "da", "du", "le", "la", "del", "bin", "ibn", "al"}
_NOT_NAME_WORDS = {"illustration", "illustrationen", "fotos", "foto", "bilder", "grafik", "video", "am", "on",
                   "le", "the", "und", "and"}
MAX_TEXT_BYLINE_CHARS = 100
_NOT_TEXT_TAGS = {"script", "style", "title", "option", "textarea"}


def _names_in(rest: str) -> str:
    """The run of name-like words at the start of `rest` ("R. R. am 7.8.2013" -> "R. R.")."""
    kept: list[str] = []
    for token in re.findall(r"[\w'’.-]+|[,&]", rest):
        name_like = _NAME_TOKEN.match(token) and token.casefold() not in _NOT_NAME_WORDS
        if name_like or (token.casefold() in _NAME_JOINERS and kept):
            kept.append(token)
        else:
            break
    while kept and kept[-1].casefold() in _NAME_JOINERS:
        kept.pop()
    return " ".join(kept).replace(" ,", ",")


def _text_bylines(candidates: list[HtmlElement]) -> list[str]:
    """The first short element of the page that reads as a byline, outside comments and page chrome; a
    label element ("<b>Autor/in</b> Roman Goncharenko") is read with the text after it."""
    for el in candidates:
        full = clean_text(el.text_content())
        match = TEXT_BYLINE.match(full)
        if not match and el.tail and el.tail.strip():
            full = clean_text(f"{full} {el.tail}")
            match = TEXT_BYLINE.match(full)
        if match and len(full) <= MAX_TEXT_BYLINE_CHARS and not _in_chrome(el):
            names = _names_in(match.group("names"))
            if names and names[:1].isupper():
                return [names]
    return []


def _twitter_byline(meta: PageMeta) -> list[str]:
    """Yoast's twitter:label1 "Written by" / "Verfasst von" / "Écrit par" with the name in twitter:data1."""
    label, data = meta.get("twitter:label1"), meta.get("twitter:data1")
    if label and data and not DIGITS.search(data) and re.search(r"\b(?:by|von|par|por|door|av|di)\b", label, re.I):
        return [data]
    return []


_AUTHOR_LINKS = etree.XPath(
    './/a[@rel="author"] | .//*[contains(@itemtype, "schema.org/Person")]//*[@itemprop="name"]'
)
BYLINE_BLOCK_CHARS = 200  # a block of author links with no more text than this is one byline


def _link_name(node: HtmlElement) -> str:
    return clean_text(" ".join(node.itertext()))


def _visible_superset(found: list[str], tree: HtmlElement, orgs: set[str]) -> list[str]:
    """Metadata often names the first author only: when the author links (`rel="author"`, a schema.org
    Person's name) of the byline block that holds a metadata author name every author the metadata gives
    and more people beside them ("Ingrid Treborg", "Marlene Lundberg Holm" against JSON-LD's "Marlene
    Lundberg Holm"), they are the byline. The block is the largest ancestor of that link holding no more
    than a byline's text, so teaser cards and author lists elsewhere on the page never count."""
    keys = {_fold(n) for n in found}
    anchor = next((n for n in _AUTHOR_LINKS(tree) if _fold(_link_name(n)) in keys and not _in_chrome(n)), None)
    if anchor is None:
        return found
    block = anchor
    for parent in islice(anchor.iterancestors(), 6):
        if len(clean_text(" ".join(parent.itertext()))) > BYLINE_BLOCK_CHARS:
            break
        block = parent
    texts = [_link_name(n) for n in islice(_AUTHOR_LINKS(block), MAX_AUTHORS)] if block is not anchor else []
    entries = _entries([t for t in texts if t and len(t) <= MAX_NAME_CHARS], orgs)
    people = [n for n, kind in entries if kind == PERSON and not _is_organisation(n, orgs)]
    if len(people) <= len(found) or not keys <= {_fold(n) for n in people}:
        return found
    return people


def find_authors(tree: HtmlElement, meta: PageMeta) -> list[str]:
    """Person bylines from the most structured source that has them, with the desks and agencies of the
    same byline; where no source names a person, the first desk or organisation byline."""
    orgs = _organisations(meta)
    walked: list[_Walk] = []

    def walk() -> _Walk:  # one walk over the tree, only once the bylines have named no person
        if not walked:
            walked.append(_walk(tree))
        return walked[0]

    structured = names_of(meta.article_value("author")) or names_of(meta.article_value("creator"))
    sources = (
        lambda: structured,
        lambda: meta.all("author", "article:author", "dc.creator", "citation_author", "parsely-author",
                         "sailthru.author", "byl", "article:author_name") + _twitter_byline(meta),
        lambda: _visible_bylines(list(islice(byline_nodes(tree), 12))),
        lambda: _lead_byline(walk().bodies),
        lambda: _visible_bylines(walk().loose),
        lambda: _text_bylines(walk().texts),
    )
    fallback: list[str] = []
    for index, source in enumerate(sources):  # the first GUESSES sources are markup meant as bylines
        entries = _entries(source(), orgs)
        people = [n for n, kind in entries if kind == PERSON and not _is_organisation(n, orgs)]
        if people:
            found = _byline(entries, people)
            return _visible_superset(found, tree, orgs) if index < 2 else found
        fallback = fallback or [n for n, _ in entries]
        agencies = [n for n, kind in entries if kind == DESK and _fold(n) in AGENCIES]
        desks = agencies or [n for n, kind in entries if kind == DESK and not _is_organisation(n, orgs)]
        if desks and index < GUESSES:  # a desk or agency byline in markup is the byline: no guessing on
            return agencies or fallback
    return fallback

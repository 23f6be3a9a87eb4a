"""The article body: trafilatura's main-content extraction, then a pass that removes what it keeps.

trafilatura finds the main content well, but at the edges of that content it keeps the repeated
headline, "By ..." bylines, date lines, share/follow bars and author bios that sit inside the article
container on many CMS templates. Those edges are trimmed here with the page's own metadata (its
title, its authors), which trafilatura does not use for this.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Callable
from copy import copy

import trafilatura
from lxml.html import HtmlElement, fragment_fromstring
from trafilatura.settings import Extractor
from trafilatura.xpaths import BODY_XPATH

from .metadata import nested_deeper
from .prune import CachedPattern

# Class names of blocks that are page chrome wherever they appear inside the article container.
# One regex over each element's class attribute is several times faster than the equivalent XPath.
CHROME_CLASS = re.compile(
    r"wp-caption-text|share|social|breadcrumb|cookie|author-box|author-bio|authorbox|about-author|td-author"
    r"|author-info|related|recommend|fact-?box|fakta|info-?box|infokasten",
    re.I,
)
KEEP_TAGS = {"html", "body", "main", "article"}
# Answers remembered per class string (see prune.CachedPattern: class strings recur on a page and a site).
_chrome_class = CachedPattern(CHROME_CLASS).search
EDGE_NOISE = re.compile(
    r"^(?:follow us|share(?: this)?(?: article| post| story)?|most popular|most read|related(?: posts| articles"
    r"| news| stories)?|read (?:more|also)|see also|tags?|print|e-?mail|subscribe.*|advertisement|"
    r"comments?|leave a (?:reply|comment)|you may also like|recommended|more from .*|sign up.*|"
    r"suivez-nous|partager|lire aussi|à lire aussi|читайте также|поделиться|compartir|teilen|"
    r"image|photo|source|credit|copyright.*|©.*)\s*:?$",
    re.I,
)
# Headings of the lists of other articles that follow an article: nothing after them belongs to it.
END_HEADINGS = re.compile(
    r"^(?:other news|more news|latest news|related (?:news|posts|articles|stories|content|coverage)|"
    r"most (?:popular|read)|you (?:may|might) also like|more from .{1,40}|more on this (?:topic|story)|"
    r"recommended(?: for you| reading)?|further reading|autres actualités|sur le même sujet|другие новости|"
    r"последние новости|otras noticias|noticias relacionadas|notas relacionadas|más sobre .{1,40}|"
    r"weitere nachrichten|(?:das(?: thema)?|diese (?:artikel|beiträge|themen)) könnten? (?:sie|dich|euch) auch "
    r"interessieren|you (?:may|might) also be interested in|"
    r"(?:ces articles )?pourrai(?:en)?t (?:aussi |également )?vous intéresser|"
    r"(?:ti|vi) potrebbe(?:ro)? (?:anche )?interessare|potrebbe interessarti(?: anche)?|"
    r"weitere (?:\w+ )?(?:artikel|beiträge|themen)(?: zum thema| aus .{1,40})?|beiträge aus dem forum|"
    r"interessante links|top-themen(?: .{1,40})?|meistgelesen|kommentierte artikel|"
    r"diğer haberler|ilgili haberler|digər xəbərlər|أخبار ذات صلة|"
    r"tags|topics|themen|thèmes|schlagw(?:ö|oe)rter|schlagworte|etiquetas|mots-clés|теги|тэги)\s*:?$",
    re.I,
)
# Labels of a teaser slot, found after an article and inside one ("Read More" between two of its parts):
# they end the article only where teasers follow them (see `_cut_teasers`).
TEASER_LABELS = re.compile(
    r"^(?:read (?:more|also|next)|see also|à lire aussi|lire aussi|читайте также|(?:le|te) puede interesar|"
    r"(?:vea|lea) también|leia também|mehr (?:zum thema|themen|dazu)|lesen sie (?:auch|mehr)|auch interessant|"
    r"les også|läs också|lees ook|leggi anche|(?:prze)?czytaj (?:także|też|również))"
    r"\s*:?$",
    re.I,
)
# A label with a teaser's headline on one line ("Read more: Looted colonial art"): a link to another
# article set inside the body, dropped where it stands (the article goes on after it).
TEASER_LINE = re.compile(
    r"^(?:read (?:more|also)|see also|related|more|lesen sie (?:auch|mehr)|mehr zum thema|lire aussi|"
    r"à lire aussi|(?:vea|lea|leia) também|(?:vea|lea) también|читайте также|les også|"
    r"läs också|lees ook|leggi anche|(?:prze)?czytaj (?:także|też|również)|(?:también )?(?:le|te) puede interesar|"
    r"le recomendamos|dowiedz się więcej|zobacz (?:też|także|również)|lire également|voir aussi|veja também|"
    r"auch interessant|das könnte (?:sie|dich) auch interessieren)\s*[:|»›>–—-]\s*\S.{0,150}$",
    re.I,
)


# Lines addressed to the reader that close a page's text, not the article: follow / subscribe calls
# ("Follow The Gleaner on Twitter and Instagram …", "Zum Newsletter anmelden", "¡Mira lo que tiene
# nuestro canal de YouTube!"), invitations to comment, the comment count, and picture credits
# ("Beitragsbild: …", "(Credit: …)"). Only read at the end of the body, and only in short lines.
SOCIAL = re.compile(
    r"facebook|twitter|instagram|youtube|telegram|whatsapp|linkedin|tiktok|mastodon|bluesky|newsletter", re.I
)
# ... said to the reader: imperatives and "us"/"our" (not a sentence of the article about a network).
CALL_TO_ACTION = re.compile(
    r"\b(?:follow us|follow \S+(?: \S+){0,3} on|folg(?:en sie|e|t) uns|suivez|s[íi]guenos|s[íi]ganos|seguir a|"
    r"sign up|subscribe|anmelden|abonnier(?:en sie|e|t)|abonnez|suscr[ií]b|join us|rejoignez|únete|подпишитесь|"
    r"(?:our|unser(?:em|en)?|nuestro|notre) (?:\S+ )?(?:channel|kanal|canal|chaîne|newsletter))",
    re.I,
)
CLOSING_NOISE = re.compile(
    r"^(?:(?:no|keine|aucun|sin|nessun)\s+(?:comments|kommentare|commentaires?|comentarios|commenti)\b"
    r"|.{0,80}\b(?:in the comments|in den kommentaren|dans les commentaires|en los comentarios)\b"
    r"|.{0,120}\b(?:sign up|subscribe|register) here\b"
    r"|.{0,40}\b(?:we (?:want|would like|'d like|'d love) to hear|tell us what you think|let us know what you think)\b"
    # the comment form: log in to comment, the comment is too long, you are not logged in
    r"|.{0,150}\b(?:(?:kommentar|comment|commentaire|comentario)\w*\b.{0,80}\b(?:einlogg|eingeloggt|loggen|anmeld"
    r"|log(?:ged)? in|connect|zeichen|characters|caractères|caracteres)|(?:log(?:ged)? in|einloggen|connecté)\b"
    r".{0,80}\b(?:kommentar|comment|commentaire|comentario)"
    r"|(?:ihr(?:es|en)?|your|votre|tu) (?:kommentar|comment|commentaire|comentario))"
    r"|(?:you are|sie sind|vous n'êtes)(?: \w+)? (?:not|nicht|pas) (?:\w+ )?"
    r"(?:logged in|eingeloggt|angemeldet|connecté)"
    r"|your email address will not be published|ihre e-mail-adresse wird nicht veröffentlicht"
    r"|.{0,120}\b(?:last modified|last updated|zuletzt (?:aktualisiert|geändert)|letzte (?:aktualisierung|änderung)"
    r"|dernière mise à jour|última actualización)\s*(?::|am|on|le|el)\s*\d"
    r"|\(?(?:photos?|fotos?|bild(?:er)?|beitragsbild|titelbild|headerbild|bildquelle|images?(?: illustratives?)?"
    r"|(?:photo |picture |image )?credits?|crédits?(?: photo)?|crédito|picture)\s*:)",
    re.I,
)
MAX_CLOSING_CHARS = 250
# A disclosure over the article ("Anzeige, enthält Affiliate Links"): not its text.
OPENING_NOISE = re.compile(
    r"affiliate[- ]?links?|advertisers do not influence|^(?:anzeige|werbung|sponsored|gesponsert)\b.{0,50}$", re.I
)
MAX_OPENING_CHARS = 250


# Lines that are not the article wherever they stand in it: a picture's credit ("(Credit: Clayton Aldern /
# Grist)", "Foto: dpa"), a caption that ends with its copyright ("Marco Odermatt. © AFP / MARCO BERTORELLO"),
# and a short call to follow or subscribe between two parts ("Zum Newsletter anmelden").
CREDIT_LINE = re.compile(
    r"^\(?(?:photos?|fotos?|bild(?:er)?|bildquelle|(?:photo |picture |image )?credits?|crédits?(?: photo)?|crédito)"
    r"\s*:\s*\S.{0,80}$"
    r"|^.{0,200}©\s*(?:\S+\s*){1,6}$",
    re.I,
)
MAX_INLINE_CALL_CHARS = 60
# A file to download listed with its type and size ("Informationsschreiben vom 14. Oktober 2021PDF | 38 KB").
FILE_LINE = re.compile(
    r"^.{0,150}(?<![A-Za-z])(?:PDF|DOCX?|XLSX?|ODT|PPTX?|ZIP)\b\W{0,5}\d+(?:[.,]\d+)?\s?(?:[kKMG]i?B|[kK]o|Mo)\b.{0,80}$"
)


def _call_to_follow(line: str) -> bool:
    """Asked to follow or subscribe on a network or to a newsletter (see SOCIAL and CALL_TO_ACTION)."""
    return bool(SOCIAL.search(line) and CALL_TO_ACTION.search(line))


def _inline_noise(line: str) -> bool:
    return bool(CREDIT_LINE.match(line)) or bool(FILE_LINE.match(line)) or (
        len(line) <= MAX_INLINE_CALL_CHARS and _call_to_follow(line))


def _closing_noise(line: str) -> bool:
    """A short closing line addressed to the reader (see CLOSING_NOISE)."""
    if len(line) > MAX_CLOSING_CHARS:
        return False
    return bool(CLOSING_NOISE.match(line)) or _call_to_follow(line)


# Numbers and letters are separate words: inline elements joined without a space glue a date to the headline
# ("27.01.2022MineralölINFO November 2021"), which is still the headline under its date.
WORD_PART = re.compile(r"\d+|[^\W\d]+")


def _words(text: str) -> list[str]:
    return WORD_PART.findall(unicodedata.normalize("NFKC", text).casefold())


LAYOUT_TABLE_XPATH = "//table[.//td//p or .//td//div or .//td//h1 or .//td//h2 or .//td//table]"


def unwrap_layout_tables(tree: HtmlElement) -> None:
    """Turn tables used for page layout (cells holding paragraphs, headings, other tables) into divs.

    Old government and news portals lay out whole pages with tables; extracted as tables, the article
    would come out as one "| cell | cell |" row. Data tables (cells holding only text) are kept.
    """
    for table in tree.xpath(LAYOUT_TABLE_XPATH):
        for node in table.iter("table", "tbody", "thead", "tfoot", "tr", "td", "th"):
            node.tag = "div"


def remove_chrome(tree: HtmlElement) -> None:
    """Drop captions, share bars, breadcrumbs, author boxes and related blocks before extraction."""
    doomed = [node for node in tree.iter("figcaption")]
    doomed += [node for node in tree.xpath("//*[@class]")
               if node.tag not in KEEP_TAGS and _chrome_class(node.get("class", ""))]
    for node in doomed:
        if node.getparent() is None:
            continue
        if len(node.text_content()) > 5000:  # a wrapper that merely has a matching class name
            continue
        node.drop_tree()


# trafilatura's precision mode deletes empty elements together with their tails (`prune_html`), so the text
# after an empty `<em></em>` or `<div></div>` inside a paragraph is lost ("Wieso sind Autobank-Kredite …"
# gone from a heading after an empty anchor box). The balanced mode keeps those tails; empty elements are
# dropped here the balanced way, before either run.
EMPTY_DROPPABLE = frozenset(getattr(trafilatura.settings, "CUT_EMPTY_ELEMS", ())) or frozenset(
    {"b", "blockquote", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6", "i", "li", "p", "q", "section", "span",
     "strong"})


def drop_empty_keeping_tails(tree: HtmlElement) -> None:
    """Remove elements with neither text nor children, keeping the text that follows them."""
    empty = [n for n in tree.iter(*EMPTY_DROPPABLE) if n.text is None and len(n) == 0 and n.tail and n.tail.strip()]
    for node in empty:
        if node.getparent() is not None:
            node.drop_tag()


def join_split_body(tree: HtmlElement) -> None:
    """Join an article body split into several containers of the same class (between them: ads, images,
    newsletter boxes) into the first one, which is the one trafilatura reads: it takes the first element
    its main body expression finds and leaves the other parts of the article out. Only containers near
    the first (a common ancestor at most three levels up) that hold paragraphs count as parts."""
    if not _split_paragraph_containers(tree):
        return
    first = next(iter(BODY_XPATH[0](tree)), None)
    cls = first.get("class") if first is not None else None
    if not cls:
        return
    scope = first
    for _ in range(3):
        if scope.getparent() is None:
            break
        scope = scope.getparent()
    ancestors = set(first.iterancestors())
    after = False
    for el in list(scope.iter(first.tag)):
        if el is first:
            after = True
            continue
        if not after or el.get("class") != cls or el in ancestors or _inside(el, first):
            continue
        if sum(len(p.text_content()) for p in el.iter("p")) < 100:
            continue
        first.extend(list(el))
        el.drop_tree()


def _split_paragraph_containers(tree: HtmlElement) -> bool:
    """Whether two or more elements of one tag and class each hold 150 characters of paragraphs (one walk
    over the <p>s: the test in front of trafilatura's main body expression, whose regex tests cost a
    Python call per element, which most pages would pay for nothing)."""
    chars: dict[tuple[str, str], dict[HtmlElement, int]] = {}
    for paragraph in tree.iter("p"):
        parent = paragraph.getparent()
        cls = parent.get("class") if parent is not None else None
        if cls:
            group = chars.setdefault((parent.tag, cls), {})
            group[parent] = group.get(parent, 0) + len(paragraph.text or "")
    return any(sum(n >= 150 for n in group.values()) >= 2 for group in chars.values())


def _inside(el: HtmlElement, container: HtmlElement) -> bool:
    return any(a is container for a in el.iterancestors())


SHORT_BODY_CHARS = 600
# trafilatura's fallback (a second opinion from readability and jusText) roughly doubles its cost per
# page. A first run without it that already keeps this much text is kept: on the shared eval sets the
# result is the same (aeb body F1 0.971, fundus-dev 0.949, with or without this shortcut) while the
# median page is ~25% faster; shorter results, where the fallback does help, get the full run.
FAST_TEXT_CHARS = 2000


def _trafilatura_text(tree: HtmlElement, url: str, *, precise: bool, fast: bool = False) -> str:
    result = trafilatura.bare_extraction(tree, options=_options(url, precise=precise, fast=fast))
    return (result.text or "") if result is not None else ""


@functools.cache
def _mode(precise: bool, fast: bool) -> Extractor:
    """trafilatura's options for one mode, built once: `Extractor()` reads nine settings through
    configparser, ~0.1 ms a call, i.e. a twentieth of the fast extraction it configures."""
    return Extractor(
        output_format="python", fast=fast, precision=precise, comments=False, tables=True, dedup=False,
        with_metadata=False,
    )


def _options(url: str, *, precise: bool, fast: bool) -> Extractor:
    """`bare_extraction(url=..., include_comments=False, favor_precision=..., fast=...)`'s options: the
    mode's, with this page's URL (trafilatura joins relative links with it and names it in its logs)."""
    options = copy(_mode(precise, fast))
    options.url = url
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")
    return options


# trafilatura drops every character Python does not call printable, and with them the zero-width
# non-joiner and joiner that Persian, Kurdish, Urdu and the Indic scripts write inside words ("می‌تواند":
# without it, another spelling). They travel through it as printable stand-ins (two rare punctuation
# marks, used only on pages that hold neither) and are put back after.
_JOINER_STAND_INS = {"\u200c": "\u2050", "\u200d": "\u2051"}
_JOINERS_IN = str.maketrans(_JOINER_STAND_INS)
_JOINERS_OUT = str.maketrans({v: k for k, v in _JOINER_STAND_INS.items()})


def joiners_to_keep(decoded: str) -> bool:
    """Whether the page writes zero-width joiners that can travel through trafilatura as stand-ins."""
    return ("\u200c" in decoded or "\u200d" in decoded) and not any(c in decoded for c in _JOINER_STAND_INS.values())


def protect_joiners(tree: HtmlElement) -> None:
    for node in tree.iter():
        if node.text and ("\u200c" in node.text or "\u200d" in node.text):
            node.text = node.text.translate(_JOINERS_IN)
        if node.tail and ("\u200c" in node.tail or "\u200d" in node.tail):
            node.tail = node.tail.translate(_JOINERS_IN)


def restore_joiners(text: str) -> str:
    return text.translate(_JOINERS_OUT)


def run_trafilatura(tree: HtmlElement, url: str, fresh_tree: Callable[[], HtmlElement]) -> str:
    """Precision mode first (cleaner edges), without trafilatura's fallback unless the result is short
    (FAST_TEXT_CHARS); a short result is checked against a balanced run, kept when it continues the
    precision text (see `_balanced_continues`).

    Precision mode sometimes stops at an ad slot or a teaser and keeps only the lead of a long article;
    the balanced run costs time only on those short results, so the median page pays for one run
    (trafilatura prunes the tree it is given, hence `fresh_tree` for the other runs).
    """
    text = _trafilatura_text(tree, url, precise=True, fast=True)
    if len(text) >= FAST_TEXT_CHARS:
        return text
    text = _trafilatura_text(fresh_tree(), url, precise=True)
    if len(text) < FAST_TEXT_CHARS:
        balanced = _trafilatura_text(fresh_tree(), url, precise=False)
        if len(text) < SHORT_BODY_CHARS and len(balanced) > 2 * len(text) + 200:
            return balanced
        if _balanced_continues(text, balanced):
            return balanced
    return text


def _is_prose(paragraph: str) -> bool:
    """A paragraph of running text: eight words or more (40 characters in unspaced scripts)."""
    return paragraph.count(" ") >= 7 or (len(paragraph) >= 40 and not paragraph.isascii() and " " not in paragraph)


def _shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    tokens = _words(text)
    return {tuple(tokens[i: i + n]) for i in range(max(0, len(tokens) - n + 1))}


def _balanced_continues(precise: str, balanced: str) -> bool:
    """Whether the balanced run is the same article, longer: at least twice as long, holding (nearly) all
    of the precision run's words, adding mostly prose (four fifths of the added characters) and mostly
    after the precision run's start (reader comments and reviews above the article are not its
    continuation), and not repeating itself (a run that takes in teasers and page chrome holds
    paragraphs twice).

    The precision run's text is looked for by its 4-word shingles, not by paragraph: the two runs lay
    out tables and lists differently ("| 5.000 € | 36 Monate |" against one cell a line)."""
    if len(balanced) < 2 * len(precise) + 200:
        return False
    ours = _shingles(precise)
    if ours and len(ours & _shingles(balanced)) < 0.8 * len(ours):
        return False
    kept, found = body_paragraphs(precise), body_paragraphs(balanced)
    kept_set, seen = set(kept), set()
    repeated = added = added_prose = ahead = 0
    started = not ours
    for paragraph in found:
        if paragraph in seen:
            repeated += len(paragraph)
        seen.add(paragraph)
        started = started or paragraph in kept_set or bool(_shingles(paragraph) & ours)
        if paragraph not in kept_set:
            added += len(paragraph)
            added_prose += len(paragraph) if _is_prose(paragraph) else 0
            ahead += 0 if started else len(paragraph)
    return repeated <= 0.05 * len(balanced) and added_prose >= 0.8 * added and ahead <= 0.5 * added


HTML_PARAGRAPH = re.compile(r"<p[\s>]", re.I)
FRAGMENT_BLOCKS = ("p", "h2", "h3", "h4", "li", "blockquote")


def structured_body(tree: HtmlElement, article_body: object = None) -> str:
    """The body a page holds only as data: JSON-LD `articleBody`, or the longest text of a Next.js page's
    `__NEXT_DATA__` (pages rendered in the browser send the article there and a shell in the HTML).
    Strings of HTML give their paragraphs; "" when no string holds prose."""
    strings = [article_body] if isinstance(article_body, str) else []
    for script in tree.iter("script"):
        raw = script.text or ""
        if script.get("id") == "__NEXT_DATA__" and raw and not nested_deeper(raw):
            try:
                strings.extend(_strings(json.loads(raw)))
            except ValueError:
                continue
    best = ""
    for value in sorted(strings, key=len, reverse=True)[:5]:
        text = _fragment_text(value) if HTML_PARAGRAPH.search(value) else value
        paragraphs = body_paragraphs(text)
        prose = sum(len(p) for p in paragraphs if _is_prose(p))
        if prose >= 0.8 * sum(len(p) for p in paragraphs) and len(text) > len(best):
            best = "\n".join(paragraphs)
    return best


def _strings(data: object) -> list[str]:
    """The string values of a JSON document of 200 characters or more, without recursion."""
    found, stack = [], [data]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if len(node) >= 200:
                found.append(node)
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _fragment_text(html: str) -> str:
    try:
        root = fragment_fromstring(html, create_parent="div")
    except Exception:  # lxml raises several types on broken fragments; such a string is no body
        return ""
    return "\n".join(" ".join(el.text_content().split()) for el in root.iter(*FRAGMENT_BLOCKS))


def _is_byline(line: str, authors: list[str]) -> bool:
    words = _words(line)
    if not words or len(words) > 14:
        return False
    if words[0] in {"by", "von", "par", "por", "автор"}:
        return True
    author_words = {w for a in authors for w in _words(a)}
    return bool(author_words) and sum(w in author_words for w in words) >= max(2, len(words) // 2)


MAX_KICKER_WORDS = 6


def _is_headline(words: list[str], title_words: list[str]) -> bool:
    """The headline, or the headline with its kicker in front ("Ernährung sichern Schulze: Deutschland
    steht ...": a roofline span inside the <h1>)."""
    extra = len(words) - len(title_words)
    return words == title_words or (0 < extra <= MAX_KICKER_WORDS and len(title_words) >= 3
                                    and words[extra:] == title_words)


# The author's bio closing the page: a name, then what the person is ("Candice Sealey is the Founder & Principal
# Consultant at …", "Anna Weber ist Redakteurin …"), in one short paragraph.
AUTHOR_BIO = re.compile(
    r"^(?!(?:The|Der|Die|Das|Le|La|Les|El|Il)\b)[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){1,3},? (?:is|was|ist|war|est|es|è) "
    r"(?:(?:an?|the|der|die|ein|eine|un|une|el|la|il) )?(?:[\w&-]+ ){0,4}?"
    r"(?i:founder|co-founder|journalist|correspondent|editor|writer|author|reporter|professor|director|consultant|"
    r"researcher|fellow|analyst|columnist|contributor|gründer(?:in)?|redakteur(?:in)?|journalist(?:in)?|autor(?:in)?|"
    r"korrespondent(?:in)?|journaliste|rédact(?:eur|rice)|periodista|redactora?)\b"
)
MAX_BIO_CHARS = 600
TOP_LINES = 3  # date lines among the first lines of the body are the page's, wherever they stand


def trim_edges(
    paragraphs: list[str],
    *,
    title: str | None,
    authors: list[str],
    is_date_line: Callable[[str], bool] = lambda line: False,
) -> list[str]:
    """Remove the headline, bylines, date lines and chrome lines at the start and end of the body."""
    title_words = _words(title) if title else None
    start = 0
    # The headline repeated near the top: drop it and the short label/kicker/date lines above it.
    if title_words:
        for index, line in enumerate(paragraphs[:5]):
            if _is_headline(_words(line), title_words):
                if all(len(_words(above)) <= 15 for above in paragraphs[:index]):
                    start = index + 1
                break
    while start < len(paragraphs) and start < 4:
        line = paragraphs[start]
        words = _words(line)
        if not words or (title_words and _is_headline(words, title_words)) or _is_byline(line, authors) \
                or EDGE_NOISE.match(line.strip()) or is_date_line(line) \
                or (len(line) <= MAX_OPENING_CHARS and OPENING_NOISE.search(line)):
            start += 1
            continue
        break
    end = len(paragraphs)
    while end > start + 1:
        line = paragraphs[end - 1]
        if not _words(line) or EDGE_NOISE.match(line.strip()) or _is_byline(line, authors) \
                or _closing_noise(line.strip()):
            end -= 1
            continue
        break
    kept = _cut_teasers(paragraphs[start:end])
    # A date line under a first line that is not the headline (a kicker, a headline worded otherwise).
    kept = [line for index, line in enumerate(kept) if index >= TOP_LINES or not is_date_line(line)] or kept
    # An author box at the end: the author's name on its own line, then a short bio.
    if authors:
        author_keys = {" ".join(_words(a)) for a in authors}
        for i in range(max(0, len(kept) - 4), len(kept)):
            if " ".join(_words(kept[i])) in author_keys and i > 0:
                kept = kept[:i]
                break
    if len(kept) > 2 and len(kept[-1]) <= MAX_BIO_CHARS and AUTHOR_BIO.match(kept[-1]):
        kept = kept[:-1]
    return kept


def _cut_teasers(paragraphs: list[str]) -> list[str]:
    """Drop teaser lines; end the body at the heading of a list of other articles ("Other news"), or at a
    teaser label ("Read more") followed by teasers: headlines and short summaries, not the running text
    of the article. Such a label inside the body (an inline "Read More" or "Auch interessant" between
    two parts of the article) is followed by long paragraphs, and is dropped alone."""
    kept: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        line = paragraph.strip()
        if index and END_HEADINGS.match(line):
            break
        if index and TEASER_LABELS.match(line):
            if not _running_text(paragraphs[index + 1:]):
                break
        elif not (index and TEASER_LINE.match(line)) and not _inline_noise(line):
            kept.append(paragraph)
    return kept


def _running_text(paragraphs: list[str]) -> bool:
    """Whether at least half of the characters of `paragraphs` are in paragraphs of 25 words or more
    (200 characters in unspaced scripts): an article's running text, not a list of teasers."""
    total = sum(len(p) for p in paragraphs)
    long = sum(len(p) for p in paragraphs if p.count(" ") >= 24 or (len(p) >= 200 and p.count(" ") < 5))
    return total > 0 and long >= 0.5 * total


def body_paragraphs(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]

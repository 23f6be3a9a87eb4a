"""The headline: a vote among structured and visible title candidates, with site-name segments removed.

Publishers disagree with themselves: `<title>` carries " | Site" (or "Site » Section » Headline"),
og:title and the JSON-LD headline are sometimes a shorter social or SEO headline, the first <h1> is
sometimes a logo, a menu label or a kicker glued to the headline. No single source is right everywhere,
so every candidate is cleaned and the sources vote:

- site names are recognised from og:site_name, the host name, and the segments that sources share
  (a segment two candidates end with, an <h1> that is one end segment of <title>);
- an <h1> that shares few words with the page's other candidates (a logo, "Navigation") votes weakly;
  an <h1> that is one segment of <title> gains that vote;
- the headline most sources agree on wins (ties: JSON-LD, og:title, <h1>), and a visible <h1> that is
  the winner with a kicker or a tail more or less (an edge of it, word for word) is the page's own
  headline and replaces it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from .metadata import PageMeta, clean_text, first_value

_CJK = "\u3000-\u30ff\u3400-\u9fff\uac00-\ud7af\uff01-\uff60"
SEPARATORS = re.compile(
    r"\s+(?:\||-|–|—|::|·|»|›|•|/|~)\s+"  # spaced ASCII and typographic separators
    r"|\s*[｜：|ㅣ]\s*(?=\S)|\s+--\s*(?=\S)"  # separators that need no spaces
    rf"|(?<=[{_CJK}])\s*[-_–—]\s*(?=\S)"  # a dash right after CJK text ("…城！-新华网")
    r"|,\s+(?=[^,]*\d{2}\.\d{2}\.\d{4}$)"
)
CJK_NAME = re.compile(rf"[{_CJK}]{{2,6}}")
GLUED_SITE = re.compile(r"^(.{12,}?\w)\s?[-–—|]\s?([^\W\d_][\w.]{2,30})$")
# A comma only separates a site name when a date follows it ("Title, Tageszeitung junge Welt, 26.04.2024").
WORD = re.compile(r"\w+")
DATE_SEGMENT = re.compile(r"^\s*\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\s*$")
# Candidate source -> (vote weight, tie-break rank: lower wins).
SOURCES = {"jsonld": (1.0, 0), "og": (1.0, 1), "h1": (1.0, 2), "h1-kicker": (1.0, 2), "twitter": (0.5, 3),
           "html": (0.5, 4)}
ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…)$")
WEAK_H1 = 0.3  # an <h1> that shares few words with the other candidates: a logo or a menu label
RELATED = 0.6  # share of an <h1>'s words found in another candidate for it to count as related
MAX_TITLE_CHARS = 400
KICKER_TAGS = {"span", "div", "small", "strong", "b", "em", "i", "p", "mark"}
MAX_KICKER_WORDS = 8

Key = tuple[str, ...]


@lru_cache(maxsize=8192)
def words(text: str) -> Key:
    # "ㅣ" separates (NFKC would make it a Hangul vowel, a letter of the word before it).
    return tuple(WORD.findall(unicodedata.normalize("NFKC", text.replace("ㅣ", " ")).casefold()))


@lru_cache(maxsize=256)
def _host(url: str) -> str:
    """The page's host; for a Wayback Machine copy, the archived page's."""
    if "web.archive.org/web/" in url:
        archived = re.search(r"/web/[^/]*/(https?://.*)", url)
        url = archived.group(1) if archived else url
    return urlsplit(url).hostname or ""


@lru_cache(maxsize=256)
def _tokens_of(url: str, site_name: str | None) -> frozenset[str]:
    tokens: set[str] = set()
    if site_name:  # "Site - the long slogan of the site": the name only
        name = words(site_name)
        tokens.update(name if len(name) <= 6 else words(SEPARATORS.split(site_name)[0]))
    tokens.update(part for part in _host(url).split(".") if len(part) > 3 and part not in {"www", "news"})
    return frozenset(tokens)


def _site_tokens(meta: PageMeta) -> frozenset[str]:
    return _tokens_of(meta.url, meta.site_name)


@lru_cache(maxsize=256)
def _host_names(url: str) -> frozenset[str]:
    """The host's main label and the registrable name, letters and digits only ("time4talks", "jangrosserde")."""
    labels = [label for label in _host(url).removeprefix("www.").split(".") if label]
    names = {re.sub(r"\W|_", "", label) for label in labels[:-1] if len(label) > 3}
    if len(labels) >= 2:
        names.add(re.sub(r"\W|_", "", "".join(labels[-2:])))
    return frozenset(names - {""})


# Host labels that are no organisation's initials.
GENERIC_LABELS = frozenset({"www", "gov", "gob", "gouv", "govt", "gv", "go", "gc", "com", "org", "net", "edu", "int",
                            "co", "ac", "or", "ne", "news", "web", "en", "fr", "de", "es", "ru", "ar", "m"})
# Words an organisation's initials leave out ("Ministry of Foreign Affairs": MFA).
NAME_STOPWORDS = frozenset({"of", "for", "the", "and", "on", "für", "und", "des", "der", "die", "de", "la", "le",
                            "du", "et", "y", "e", "del", "da", "do", "dos", "di", "s"})


@lru_cache(maxsize=256)
def _host_acronyms(url: str) -> frozenset[str]:
    """Short host labels that may be an organisation's initials ("pmo.gov.example", "mfa.gov.az")."""
    labels = _host(url).split(".")[:-1]
    return frozenset(label for label in labels if 2 <= len(label) <= 6 and label.isalpha()
                     and label not in GENERIC_LABELS)


def _is_acronym_of(segment: str, url: str) -> bool:
    """The segment is the organisation the host is named by its initials ("Prime Minister's Office" on pmo.…)."""
    name = [w for w in words(segment) if w not in NAME_STOPWORDS]
    return 2 <= len(name) <= 8 and "".join(w[0] for w in name) in _host_acronyms(url)


def _is_site_segment(segment: str, site_tokens: frozenset[str], site_keys: frozenset[Key] = frozenset()) -> bool:
    seg_words = words(segment)
    if not seg_words or seg_words in site_keys:
        return True
    if CJK_NAME.fullmatch(segment.strip()):  # "…城！-新华网": a short name in CJK script after the headline
        return True
    if DATE_SEGMENT.match(segment) or re.search(r"\.\w{2,4}$", segment.strip()):
        return True
    joined = "".join(seg_words)
    if any(token in joined for token in site_tokens if len(token) > 3):
        return len(seg_words) <= 6
    initials = "".join(w[0] for w in seg_words) if 3 <= len(seg_words) <= 6 else ""
    for token in site_tokens:  # host "leichtathletik-berlin": "Berliner Leichtathletik Verband e.V."
        parts = [part for part in token.split("-") if len(part) > 2]
        if len(parts) >= 2 and len(seg_words) <= 6 and all(any(w.startswith(p) for w in seg_words) for p in parts):
            return True
        if initials and len(parts[:1][0] if parts else "") >= 3 and initials.startswith(parts[0]):
            return True  # host "dzs-clan": "deutsche zocker schinken e.V."
    return bool(site_tokens) and sum(w in site_tokens for w in seg_words) >= max(1, len(seg_words) // 2)


def _names_site(segment: str, meta: PageMeta, site_keys: frozenset[Key]) -> bool:
    """The segment is the site's name itself, its host or a date (not a phrase that mentions them)."""
    key = words(segment)
    return (not key or key in site_keys or "".join(key) in _host_names(meta.url) or bool(DATE_SEGMENT.match(segment))
            or _is_acronym_of(segment, meta.url)
            or (len(key) <= 2 and bool(re.search(r"\.\w{2,4}$", segment.strip()))))


def strip_site_name(title: str, meta: PageMeta, site_keys: frozenset[Key] = frozenset(), *,
                    breadcrumb: bool = True) -> str:
    """Remove trailing (or leading) segments naming the site, its domain or a date: the one that is the
    name itself first, then one that mentions it; never down to the site's name alone.

    What is left of a breadcrumb ("Site » Blog » Headline", "Headline | Section | Forum | Site": the
    same separator throughout) is its segment at the other end from the site name."""
    site_tokens = _site_tokens(meta)
    removed: str | None = None  # the end that lost a segment
    separator = ""  # the first separator removed
    for _ in range(3):
        parts = SEPARATORS.split(title)
        if len(parts) < 2:
            break
        matches = list(SEPARATORS.finditer(title))
        head, tail = title[: matches[-1].start()].strip(), title[matches[0].end():].strip()
        # Once one end lost a segment, only that end loses more.
        cut_end = ((head, (matches[-1].group().strip(), "end"))
                   if (len(parts) > 2 or not _names_site(head, meta, site_keys)) and removed in (None, "end")
                   else None)
        cut_start = ((tail, (matches[0].group().strip(), "start"))
                     if (len(parts) > 2 or not _names_site(tail, meta, site_keys)) and removed in (None, "start")
                     else None)
        if cut_end and _names_site(parts[-1], meta, site_keys):
            title, how = cut_end
        elif cut_start and _names_site(parts[0], meta, site_keys):
            title, how = cut_start
        elif cut_end and _is_site_segment(parts[-1], site_tokens, site_keys):
            title, how = cut_end
        elif cut_start and _is_site_segment(parts[0], site_tokens, site_keys):
            title, how = cut_start
        else:
            break
        separator, removed = (separator, removed) if removed else how
    if removed is None and (glued := GLUED_SITE.match(title)) and "".join(words(glued.group(2))) in _host_names(
            meta.url):
        return glued.group(1).strip()  # "Minister meets envoy-Xinhua": a dash without spaces before the host's name
    if removed and separator and breadcrumb:
        matches = list(SEPARATORS.finditer(title))
        if matches and all(m.group().strip() == separator for m in matches):
            title = title[: matches[0].start()] if removed == "end" else title[matches[-1].end():]
        elif removed == "start" and len(matches) == 1 and len(words(title[: matches[0].start()])) <= 2:
            title = title[matches[0].end():]  # "Site - Section » Headline"
    return title.strip()


def _kicker_split(node: HtmlElement) -> tuple[str, bool] | None:
    """The headline of an <h1> that opens with a kicker element ("<span class=overline>Brexit</span>Talks …"),
    and whether the kicker is set apart by its look alone (no colon of its own)."""
    element = node
    while len(element) == 1 and not (element.text or "").strip() and not (element[0].tail or "").strip():
        element = element[0]
    if (element.text or "").strip() or len(element) < 1:
        return None
    first = element[0]
    if first.tag not in KICKER_TAGS:
        return None
    kicker_text = clean_text(first.text_content())
    rest = [first.tail or ""]
    for sibling in first.itersiblings():
        if isinstance(sibling.tag, str):
            rest.append(sibling.text_content())
        rest.append(sibling.tail or "")
    headline = clean_text(" ".join(rest))
    kicker = words(kicker_text)
    if headline[:1] in ":|-–—" or not kicker or len(kicker) > MAX_KICKER_WORDS or len(words(headline)) < 2:
        return None
    return headline, kicker_text[-1:] not in {":", "："}


def _visible_headings(tree: HtmlElement) -> list[tuple[str, str]]:
    """The first three distinct <h1> texts, as ("h1", text), or ("h1-kicker", headline) for an <h1> whose
    kicker is an element of its own, set apart by its look alone."""
    found: list[tuple[str, str]] = []
    for node in tree.iter("h1"):
        split = _kicker_split(node)
        text = split[0] if split else clean_text(node.text_content())
        if text and len(text) <= MAX_TITLE_CHARS and text not in (t for _, t in found):
            found.append(("h1-kicker" if split and split[1] else "h1", text))
        if len(found) == 3:
            break
    return found


def candidates(tree: HtmlElement, meta: PageMeta) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    headline = first_value(meta.article_value("headline")) or first_value(meta.article_value("name"))
    if isinstance(headline, str):
        found.append(("jsonld", clean_text(headline)))
    for source, key in (("og", "og:title"), ("twitter", "twitter:title")):
        value = meta.get(key)
        if value:
            found.append((source, value))
    found.extend(_visible_headings(tree))
    title_node = tree.find(".//title")
    if title_node is not None:
        found.append(("html", clean_text(title_node.text_content())))
    return [(source, text) for source, text in found if text and len(text) <= MAX_TITLE_CHARS]


@lru_cache(maxsize=2048)
def _segments(text: str) -> tuple[Key, ...]:
    return tuple(key for key in (words(part) for part in SEPARATORS.split(text)) if key)


def _shared_site_keys(found: list[tuple[str, str]], meta: PageMeta) -> frozenset[Key]:
    """Segments that name the site: og:site_name, and a last segment that two titles with different
    headlines before it share (never one an <h1> contains)."""
    name = meta.site_name
    keys: set[Key] = {words(name), words(SEPARATORS.split(name)[0])} if name else set()
    heads: dict[Key, list[Key]] = {}
    for _, text in found:
        parts = _segments(text)
        if len(parts) >= 2:
            heads.setdefault(parts[-1], []).append(tuple(w for p in parts[:-1] for w in p))
    headings = [words(text) for source, text in found if source.startswith("h1")]
    for end, before in heads.items():
        different = any(not (_edge(a, b) or _edge(b, a) or a == b) for a in before for b in before)
        if different and len(end) <= 6 and not any(_contains(heading, end) for heading in headings):
            keys.add(end)
    return frozenset(keys - {()})


def _edge(short: Key, long: Key) -> bool:
    n = len(short)
    return 0 < n < len(long) and (long[:n] == short or long[-n:] == short)


def _contains(key: Key, part: Key) -> bool:
    n = len(part)
    return any(key[i: i + n] == part for i in range(len(key) - n + 1))


def _path_sections(meta: PageMeta) -> set[Key]:
    """The directories of the page's URL path ("/presse/pressemitteilungen/artikel/…"): a title that is
    one of them names a section, not the article."""
    path = urlsplit(meta.url).path.strip("/").split("/")
    sections = {words(part.replace("-", " ").replace("_", " ")) for part in path[:-1]}
    return {key for key in sections if 0 < len(key) <= 3}  # not the slug of the article before its id


def _site_name_test(found: list[tuple[str, str]], meta: PageMeta, site_keys: frozenset[Key]):
    """A test for candidates that are the site itself: its name, its host, a section of the URL, or the
    end segments that another title loses as the site's name."""
    sections = _path_sections(meta)
    hosts = _host_names(meta.url)
    losses: list[tuple[set[Key], Key]] = []  # per title: its end runs, and what is left without the site
    for _, text in found:
        parts = _segments(text)
        if len(parts) >= 2:
            # An end segment, or a run of them to the end ("Salsa-Figuren - Rueda in Berlin" of "Enchufla -
            # Salsa-Figuren - Rueda in Berlin").
            ends = {parts[0]} | {tuple(w for p in parts[i:] for w in p) for i in range(1, len(parts))}
            losses.append((ends, words(strip_site_name(text, meta, site_keys, breadcrumb=False))))

    def is_site_name(key: Key) -> bool:
        if key in site_keys or key in sections or "".join(key) in hosts:
            return True
        return any(key in ends and not _contains(left, key) for ends, left in losses)

    return is_site_name


def _strip_against(title: str, others: list[str]) -> str:
    """"A | Site" becomes "A" when another candidate is "A" (word for word) and a separator follows."""
    for other in others:
        key = words(other)
        if other == title or len(other) < 10 or not key:
            continue
        for match in SEPARATORS.finditer(title):
            if words(title[: match.start()]) == key:
                if len(words(title[match.end():])) <= 6:
                    return title[: match.start()].strip()
                break
    return title


@dataclass
class _Candidate:
    source: str
    raw: str  # as the page gives it
    text: str  # site name removed
    key: Key  # the words it votes for
    weight: float = 0.0
    visible: bool = False  # an <h1>

    def __post_init__(self) -> None:
        self.visible = self.source.startswith("h1")


def _editors_headline(found: list[tuple[str, str]], meta: PageMeta) -> str | None:
    """A JSON-LD headline written beside an `alternativeHeadline` was chosen by an editor for this page;
    it stands unless truncated (a prefix of another candidate) or about something else."""
    structured = next((text for source, text in found if source == "jsonld"), None)
    if not structured or not meta.article_value("alternativeHeadline") or not words(structured):
        return None
    others = [words(strip_site_name(text, meta)) for source, text in found if source != "jsonld"]
    others = [other for other in others if other]
    key = words(structured)
    truncated = bool(ELLIPSIS.search(structured))
    unrelated = bool(others) and not any(set(key) & set(o) for o in others)
    return None if truncated or unrelated else strip_site_name(structured, meta)


def _cleaned(found: list[tuple[str, str]], meta: PageMeta) -> list[_Candidate]:
    """Candidates without the site's name, those that are the site dropped, each with its vote weight."""
    site_keys = _shared_site_keys(found, meta)
    is_site_name = _site_name_test(found, meta, site_keys)
    found = [(s, t) for s, t in found if not is_site_name(words(t))] or found
    raw_texts = [text for _, text in found]
    cands = []
    for source, raw in found:
        text = strip_site_name(_strip_against(raw, raw_texts), meta, site_keys)
        cands.append(_Candidate(source, raw, text, words(text)))
    for cand in cands:  # "A headline cut sho…" votes for the whole one
        if ELLIPSIS.search(cand.text):
            cut = words(ELLIPSIS.sub("", cand.text))
            cand.key = next((c.key for c in cands if len(c.key) > len(cut) and c.key[: len(cut)] == cut), cand.key)
    other_words = [set(words(c.raw)) for c in cands if not c.visible]
    headings = {c.key for c in cands if c.visible}
    # <h1> is in doubt where the page has several or structured titles to compare it with.
    doubtful = len(headings) > 1 or any(c.source not in {"h1", "h1-kicker", "html"} for c in cands)
    for cand in cands:
        cand.weight = SOURCES[cand.source][0] if cand.key else 0.0
        if cand.visible and cand.key and other_words and doubtful:
            share = max(sum(w in other for w in cand.key) / len(cand.key) for other in other_words)
            if share < RELATED:
                cand.weight = WEAK_H1
    return cands


def choose_title(tree: HtmlElement, meta: PageMeta) -> str | None:
    found = candidates(tree, meta)
    if not found:
        return None
    editors = _editors_headline(found, meta)
    if editors:
        return editors
    cands = _cleaned(found, meta)
    votes: dict[Key, list] = {}  # key -> [votes, best rank, text]
    for cand in cands:
        if not cand.key:
            continue
        rank = SOURCES[cand.source][1]
        entry = votes.setdefault(cand.key, [0.0, rank, cand.text])
        entry[0] += cand.weight
        if rank < entry[1] or ELLIPSIS.search(entry[2]):
            entry[1], entry[2] = rank, cand.text
    if not votes:
        return None
    # An <h1> that is one segment of another title gets that title's vote as well.
    for cand in cands:
        if cand.visible and cand.weight >= 1.0 and len(cand.key) >= 2:
            for other in cands:
                if not other.visible and other.key != cand.key and cand.key in _segments(other.raw):
                    votes[cand.key][0] += SOURCES[other.source][0]
    best_key, best = max(votes.items(), key=lambda item: (item[1][0], -item[1][1], len(item[0])))
    # The visible headline that is the winner with a kicker more or a tail less is the page's own;
    # so is the headline of an <h1> that sets its kicker apart, where the winner adds that kicker.
    m = len(best_key)
    for cand in cands:
        n = len(cand.key)
        if not cand.visible or cand.weight < 1.0 or n < 2 or cand.key == best_key:
            continue
        if (n > m and (cand.key[-m:] == best_key or cand.key[:m] == best_key)) or (n < m and best_key[:n] == cand.key):
            return cand.text
        if cand.source == "h1-kicker" and n < m and best_key[-n:] == cand.key:
            return cand.text
    return best[2]

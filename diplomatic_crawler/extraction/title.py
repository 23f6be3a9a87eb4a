"""The headline: a vote among structured and visible title candidates, with site-name suffixes removed.

Publishers disagree with themselves: `<title>` carries " | Site", og:title is sometimes a shorter
social headline, the first <h1> is sometimes a logo or "Log In". No single source is right everywhere,
so structured data comes first: the JSON-LD headline of the main article, unless it is truncated
(a prefix of a longer candidate) or shares no word with any other candidate (the wrong object).
Otherwise each candidate is cleaned and the headline most sources agree on wins; ties go to og:title,
then the visible <h1>.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from .metadata import PageMeta, clean_text, first_value

SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|»|•|/|~)\s+|\s*[｜：|]\s*(?=\S)|,\s+(?=[^,]*\d{2}\.\d{2}\.\d{4}$)")
# A comma only separates a site name when a date follows it ("Title, Tageszeitung junge Welt, 26.04.2024").
WORD = re.compile(r"\w+")
DATE_SEGMENT = re.compile(r"^\s*\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\s*$")
# Candidate source -> (vote weight, tie-break rank: lower wins).
SOURCES = {"jsonld": (1.0, 0), "og": (1.0, 1), "h1": (1.0, 2), "twitter": (0.5, 3), "html": (0.5, 4)}
MAX_TITLE_CHARS = 400


def words(text: str) -> tuple[str, ...]:
    return tuple(WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def _site_tokens(meta: PageMeta) -> set[str]:
    tokens: set[str] = set()
    if meta.site_name:
        tokens.update(words(meta.site_name))
    host = urlsplit(meta.url).hostname or ""
    tokens.update(part for part in host.split(".") if len(part) > 3 and part not in {"www", "news"})
    return tokens


def _is_site_segment(segment: str, site_tokens: set[str]) -> bool:
    seg_words = words(segment)
    if not seg_words:
        return True
    if DATE_SEGMENT.match(segment) or re.search(r"\.\w{2,4}$", segment.strip()):
        return True
    joined = "".join(seg_words)
    if any(token in joined for token in site_tokens if len(token) > 3):
        return len(seg_words) <= 6
    return bool(site_tokens) and sum(w in site_tokens for w in seg_words) >= max(1, len(seg_words) // 2)


def strip_site_name(title: str, meta: PageMeta) -> str:
    """Remove trailing (or leading) segments naming the site, its domain or a date."""
    site_tokens = _site_tokens(meta)
    for _ in range(3):
        parts = SEPARATORS.split(title)
        if len(parts) < 2:
            break
        if _is_site_segment(parts[-1], site_tokens):
            match = list(SEPARATORS.finditer(title))[-1]
            title = title[: match.start()].strip()
        elif _is_site_segment(parts[0], site_tokens) and len(words(parts[0])) <= 4:
            match = next(SEPARATORS.finditer(title))
            title = title[match.end():].strip()
        else:
            break
    return title


def _visible_headings(tree: HtmlElement) -> list[str]:
    found = []
    for node in tree.iter("h1"):
        text = clean_text(node.text_content())
        if text and len(text) <= MAX_TITLE_CHARS:
            found.append(text)
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
    found.extend(("h1", text) for text in _visible_headings(tree))
    title_node = tree.find(".//title")
    if title_node is not None:
        found.append(("html", clean_text(title_node.text_content())))
    return [(source, text) for source, text in found if text and len(text) <= MAX_TITLE_CHARS]


def _strip_against(title: str, others: list[str]) -> str:
    """"A | Site" becomes "A" when another candidate is exactly "A" plus nothing but a separator."""
    for other in others:
        if other != title and len(other) >= 10 and title.startswith(other):
            rest = title[len(other):]
            short = len(words(rest)) <= 6
            if short and (SEPARATORS.match(rest) or rest.strip()[:1] in {"|", "-", "–", "—", "｜", "："}):
                return other
    return title


def choose_title(tree: HtmlElement, meta: PageMeta) -> str | None:
    found = candidates(tree, meta)
    if not found:
        return None
    raw_texts = [text for _, text in found]
    cleaned = [(source, strip_site_name(_strip_against(text, raw_texts), meta)) for source, text in found]
    structured = next((text for source, text in cleaned if source == "jsonld"), None)
    if structured and words(structured):
        others = [words(text) for source, text in cleaned if source != "jsonld" and words(text)]
        key = words(structured)
        truncated = any(len(o) > len(key) and o[: len(key)] == key for o in others)
        unrelated = bool(others) and not any(set(key) & set(o) for o in others)
        if not truncated and not unrelated:
            return structured
    votes: dict[tuple[str, ...], list] = {}
    for source, text in cleaned:
        key = words(text)
        if not key:
            continue
        weight, rank = SOURCES[source]
        entry = votes.setdefault(key, [0.0, rank, text])
        entry[0] += weight
        if rank < entry[1]:
            entry[1], entry[2] = rank, text
    if not votes:
        return None
    best = max(votes.values(), key=lambda entry: (entry[0], -entry[1]))
    return best[2]

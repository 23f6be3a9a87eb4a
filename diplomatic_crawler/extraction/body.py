"""The article body: trafilatura's main-content extraction, then a pass that removes what it keeps.

trafilatura finds the main content well, but at the edges of that content it keeps the repeated
headline, "By ..." bylines, date lines, share/follow bars and author bios that sit inside the article
container on many CMS templates. Those edges are trimmed here with the page's own metadata (its
title, its authors), which trafilatura does not use for this.
"""

from __future__ import annotations

import re
import unicodedata

import trafilatura
from lxml.html import HtmlElement

# Blocks that are page chrome wherever they appear inside the article container.
CHROME_XPATH = (
    "//figcaption | //*[contains(concat(' ', normalize-space(@class), ' '), ' wp-caption-text ')]"
    " | //*[contains(@class, 'share') and not(self::body) and not(self::article)]"
    " | //*[contains(@class, 'social') and not(self::body) and not(self::article)]"
    " | //*[contains(@class, 'breadcrumb')] | //*[contains(@class, 'cookie')]"
    " | //*[contains(@class, 'author-box') or contains(@class, 'author-bio') or contains(@class, 'authorbox')"
    " or contains(@class, 'about-author') or contains(@class, 'td-author') or contains(@class, 'author-info')]"
    " | //*[contains(@class, 'related') and not(self::body) and not(self::article)]"
)
EDGE_NOISE = re.compile(
    r"^(?:follow us|share(?: this)?(?: article| post| story)?|most popular|most read|related(?: posts| articles"
    r"| news| stories)?|read (?:more|also)|see also|tags?|print|e-?mail|subscribe.*|advertisement|"
    r"comments?|leave a (?:reply|comment)|you may also like|recommended|more from .*|sign up.*|"
    r"suivez-nous|partager|lire aussi|à lire aussi|читайте также|поделиться|compartir|teilen|"
    r"image|photo|source|credit|copyright.*|©.*)\s*:?$",
    re.I,
)
WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def remove_chrome(tree: HtmlElement) -> None:
    """Drop captions, share bars, breadcrumbs, author boxes and related blocks before extraction."""
    for node in tree.xpath(CHROME_XPATH):
        parent = node.getparent()
        if parent is None or node.tag in ("html", "body", "main"):
            continue
        if len(node.text_content()) > 5000:  # a wrapper that merely has a matching class name
            continue
        node.drop_tree()


def run_trafilatura(tree: HtmlElement, url: str) -> str:
    result = trafilatura.bare_extraction(
        tree, url=url, with_metadata=False, include_comments=False, include_tables=True,
        favor_precision=True, deduplicate=False,
    )
    if result is None:
        return ""
    return result.text or ""


def _is_byline(line: str, authors: list[str]) -> bool:
    words = _words(line)
    if not words or len(words) > 14:
        return False
    if words[0] in {"by", "von", "par", "por", "автор"}:
        return True
    author_words = {w for a in authors for w in _words(a)}
    return bool(author_words) and sum(w in author_words for w in words) >= max(2, len(words) // 2)


def trim_edges(paragraphs: list[str], *, title: str | None, authors: list[str]) -> list[str]:
    """Remove the headline, bylines and chrome lines at the start and end of the body."""
    title_words = _words(title) if title else None
    start = 0
    while start < len(paragraphs) and start < 4:
        line = paragraphs[start]
        words = _words(line)
        if not words or (title_words and words == title_words) or _is_byline(line, authors) \
                or EDGE_NOISE.match(line.strip()):
            start += 1
            continue
        break
    end = len(paragraphs)
    while end > start + 1:
        line = paragraphs[end - 1]
        if not _words(line) or EDGE_NOISE.match(line.strip()) or _is_byline(line, authors):
            end -= 1
            continue
        break
    kept = paragraphs[start:end]
    # An author box at the end: the author's name on its own line, then a short bio.
    if authors:
        author_keys = {" ".join(_words(a)) for a in authors}
        for i in range(max(0, len(kept) - 4), len(kept)):
            if " ".join(_words(kept[i])) in author_keys and i > 0:
                kept = kept[:i]
                break
    return kept


def body_paragraphs(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]

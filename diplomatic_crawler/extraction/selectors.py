"""Per-site selectors from seed files, for sites where generic extraction fails.

A selector is CSS by default (as Scrapy's `response.css()` reads it, `::text` and `::attr(name)` included);
one starting with "/" or "(" is XPath. A selector that is invalid or
matches nothing returns nothing, so generic extraction takes over.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from cssselect import GenericTranslator, SelectorError
from lxml import etree
from lxml.html import HtmlElement

from .metadata import clean_text

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _translator() -> GenericTranslator:
    """parsel's CSS translator (Scrapy's own): `::text` and `::attr(name)` work as in `response.css()`.
    Imported on first use: only seeds with selectors need it."""
    from parsel.csstranslator import HTMLTranslator

    return HTMLTranslator()


def _compile(selector: str) -> etree.XPath:
    expression = selector if selector.startswith(("/", "(")) else _translator().css_to_xpath(selector)
    return etree.XPath(expression)


# XPath 1.0's functions and node tests: lxml compiles a call to any other name and fails only when a page
# reaches it, so a seed's XPath is checked against this list.
_XPATH_FUNCTIONS = frozenset(
    {
        "last", "position", "count", "id", "local-name", "namespace-uri", "name", "string", "concat", "starts-with",
        "contains", "substring-before", "substring-after", "substring", "string-length", "normalize-space", "translate",
        "boolean", "not", "true", "false", "lang", "number", "sum", "floor", "ceiling", "round", "text", "node",
        "comment", "processing-instruction",
    }
)
_XPATH_OPERATORS = frozenset({"and", "or", "div", "mod"})
_CALL = re.compile(r"""("[^"]*"|'[^']*')|([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)\s*\(""")


def selector_error(selector: str) -> str | None:
    """Why `selector` cannot be used (invalid CSS, invalid XPath, or an XPath calling a function XPath 1.0
    does not have), or None: seeds are checked with it when they are loaded."""
    xpath = selector.startswith(("/", "("))
    kind = "XPath" if xpath else "CSS"
    try:
        _compile(selector)(etree.fromstring("<html><body><p>x</p></body></html>"))
    except (SelectorError, etree.XPathError) as exc:
        return f"invalid {kind} selector {selector!r}: {exc}"
    if xpath:
        for match in _CALL.finditer(selector):
            name = match.group(2)
            if name and name not in _XPATH_FUNCTIONS and name not in _XPATH_OPERATORS:
                return f"invalid XPath selector {selector!r}: unknown function {name}()"
    return None


@lru_cache(maxsize=256)
def to_xpath(selector: str) -> etree.XPath | None:
    """Compile once per selector string (seeds reuse the same few selectors on every page)."""
    try:
        return _compile(selector)
    except (SelectorError, etree.XPathSyntaxError) as exc:
        logger.warning("invalid selector %r ignored: %s", selector, exc)
        return None


def _nodes(tree: HtmlElement, selector: str | None) -> list:
    if not selector:
        return []
    xpath = to_xpath(selector)
    if xpath is None:
        return []
    try:
        result = xpath(tree)
    except etree.XPathEvalError:
        return []
    return result if isinstance(result, list) else [result]


def select_texts(tree: HtmlElement, selector: str | None) -> list[str]:
    texts = []
    for node in _nodes(tree, selector):
        text = clean_text(node.text_content() if hasattr(node, "text_content") else str(node))
        if text:
            texts.append(text)
    return texts


def select_text(tree: HtmlElement, selector: str | None) -> str | None:
    texts = select_texts(tree, selector)
    return texts[0] if texts else None


def apply_remove(tree: HtmlElement, selector: str | None) -> None:
    for node in _nodes(tree, selector):
        if hasattr(node, "drop_tree") and node.getparent() is not None:
            node.drop_tree()

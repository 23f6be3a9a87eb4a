"""Per-site selectors from seed files, for sites where generic extraction fails.

A selector is CSS by default; one starting with "/" or "(" is XPath. A selector that is invalid or
matches nothing returns nothing, so generic extraction takes over.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from cssselect import GenericTranslator, SelectorError
from lxml import etree
from lxml.html import HtmlElement

from .metadata import clean_text

logger = logging.getLogger(__name__)


@lru_cache(maxsize=256)
def to_xpath(selector: str) -> etree.XPath | None:
    """Compile once per selector string (seeds reuse the same few selectors on every page)."""
    try:
        expression = selector if selector.startswith(("/", "(")) else GenericTranslator().css_to_xpath(selector)
        return etree.XPath(expression)
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

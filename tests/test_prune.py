"""The selectors that stand in for trafilatura's pruning XPaths select exactly what the XPaths select."""

from __future__ import annotations

import copy
import os
from datetime import datetime
from pathlib import Path

import pytest
import trafilatura
from lxml import etree
from trafilatura import xpaths
from trafilatura.htmlprocessing import convert_tags, tree_cleaning
from trafilatura.settings import Extractor

from diplomatic_crawler.compat import install_speedups
from diplomatic_crawler.demo.sitegen import SiteSpec, _article_html, sample_articles
from diplomatic_crawler.extraction import prune
from diplomatic_crawler.extraction.document import parse_html

ROOT = Path(__file__).resolve().parent.parent
install_speedups()  # the selectors, as every extraction installs them
EVAL_DIR = Path(os.environ.get("DIPLOMATIC_EVAL_DIR", ROOT.parent / "shared" / "eval"))

EDGE_CASES = """<html><body>
<div id="comments" class="x">c1</div><div class="comment-list">c2</div><div class="commentary">kept</div>
<section id="Comments-box">c3</section><details class="post-comments">c4</details>
<ol class="comment-list"><li>o1</li></ol><ul id="disqus_thread"><li>kept: a list needs the short id</li></ul>
<ul id="comol"><li>o2</li></ul>
<div class="mvp-post-add-box"><h1>next article</h1></div><div id="infinite-scroll"><h1>kept</h1></div>
<section class="infinitescroll"><p>no headline: pruned</p></section>
<aside class="elementor-share-buttons x">s</aside>
<div id="" class="cookie-banner">first attribute is the empty id</div>
<div class="cookie-banner" id="">class first: pruned</div>
<span class="x" id="cookie">id is second</span><p id="cookie" class="x">id is first</p>
<div role="Navigation">nav</div><div data-component="MostPopularStories">pop</div>
<div data-lp-replacement-content="">lp</div><div class="shareBar">kept: no token</div>
<div class="social-links">social</div><div id="sidebar-1">side</div><p class="byline">by</p>
<div class="comments-title">t</div><div class="comments-title x">kept here</div>
<div id="reply-3" class="x">r</div><div class="reply-form" id="y">id first: kept</div>
<div style="display:none">h1</div><div style="display: none">h2</div><div id="x" style="hidden">h3</div>
<div style="visibility:hidden" id="">empty id first</div><div aria-hidden="true">a</div>
<div class="hide-on-print">hp</div><div id="akismet-1">ak</div>
<div class="bottom-links">b</div><div class="link">l</div><div style="border:1px">border</div>
<div id="Teaser-1">t1</div><div class="bigTeaser">t2</div><div class="caption-text">cap</div>
<p id="fig-caption">cap2</p>
<!-- a comment --><?pi x?>
<div><div><div class="newsletter"><span class="footer">deep</span></div></div></div>
</body></html>"""


def _paths(tree: etree._Element, elements: list[etree._Element]) -> list[str]:
    root = tree.getroottree()
    return [root.getpath(el) for el in elements]


def _trees(html: bytes | str) -> list[etree._Element]:
    """The raw page tree and trafilatura's converted tree (list/item/head tags), as the prunes see them."""
    tree = parse_html(html.encode() if isinstance(html, str) else html)[1]
    options = Extractor()
    return [tree, convert_tags(tree_cleaning(copy.deepcopy(tree), options), options)]


def _assert_same(html: bytes | str, label: str) -> int:
    selected = 0
    for tree in _trees(html):
        for name, index, selector in prune.installed():
            expected = _paths(tree, selector.xpath(tree))
            assert _paths(tree, selector(tree)) == expected, f"{label}: {name}[{index}]"
            selected += len(expected)
    return selected


def test_every_expression_of_this_trafilatura_is_replaced() -> None:
    # A new trafilatura that changes an expression's structure keeps its XPath (correct, slower): this test
    # says which one, so its selector can be brought up to date.
    replaced = {(name, index) for name, index, _ in prune.installed()}
    assert len(replaced) == len(prune.EQUIVALENTS), (trafilatura.__version__, sorted(replaced))
    assert all(not isinstance(getattr(xpaths, name)[index], etree.XPath) for name, index in replaced)


def test_edge_cases_select_the_same_elements() -> None:
    assert _assert_same(EDGE_CASES, "edge cases") > 40


def test_fixture_and_demo_pages_select_the_same_elements() -> None:
    pages = [(p.read_bytes(), str(p)) for p in sorted((ROOT / "tests" / "fixtures" / "pages").rglob("*.html"))]
    spec = SiteSpec("demo", "Ministry of Foreign Affairs", "MFA")
    articles = sample_articles(3, 12, datetime(2021, 12, 6))
    pages += [(_article_html(spec, article).encode(), f"demo {article}") for article in articles]
    assert len(pages) > 20
    assert sum(_assert_same(html, label) for html, label in pages) > 100


@pytest.mark.skipif(not EVAL_DIR.is_dir(), reason="the shared eval sets are not on this machine")
def test_eval_pages_select_the_same_elements() -> None:
    pages = sorted(EVAL_DIR.glob("*/*.html"))
    assert len(pages) > 100
    assert sum(_assert_same(page.read_bytes(), page.name) for page in pages) > 10_000


def test_a_changed_expression_keeps_its_xpath() -> None:
    equivalent = prune.EQUIVALENTS[3]  # comment containers
    path = next(s.path for n, _, s in prune.installed() if n == "REMOVE_COMMENTS_XPATH")
    assert equivalent.match(path) is not None
    assert equivalent.match(path.replace("self::details", "self::article")) is None
    assert equivalent.match(path.replace("re:test(@id", "re:test(@title")) is None
    # a pattern that matches the empty string would select elements without the attribute: not replaced
    assert prune._overall_hidden("x?", "a", "b") is None
    assert prune._comments("^c", "(?:^|x)") is None


def test_trafilatura_as_shipped_restores_and_reinstalls() -> None:
    html = "<html><body><article><p>" + "Text of the statement. " * 40 + "</p></article>" \
        "<div class='social-links'>Share on X</div></body></html>"
    ours = trafilatura.extract(html, fast=True)
    with prune.trafilatura_as_shipped():
        assert isinstance(xpaths.OVERALL_DISCARD_XPATH[0], etree.XPath)
        assert trafilatura.extract(html, fast=True) == ours
    assert not isinstance(xpaths.OVERALL_DISCARD_XPATH[0], etree.XPath)
    assert "Share on X" not in (ours or "") and "Text of the statement." in (ours or "")

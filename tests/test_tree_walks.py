"""The one-walk selectors of the extractor select exactly what their XPath expressions select."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from diplomatic_crawler.demo.sitegen import SiteSpec, _article_html, sample_articles
from diplomatic_crawler.extraction import authors, page_dates
from diplomatic_crawler.extraction.document import parse_html

ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = Path(os.environ.get("DIPLOMATIC_EVAL_DIR", ROOT.parent / "shared" / "eval"))

PAIRS: list[tuple[str, Callable[[etree._Element], Iterable[etree._Element]]]] = [
    (authors.BYLINE_XPATH, authors.byline_nodes),
    (authors.BODY_CONTAINERS, authors.body_containers),
    (page_dates.DATE_ELEMENT_XPATH, page_dates.date_line_nodes),
]

EDGE_CASES = """<html><body>
<a rel="author" href="/x">rel author</a><a rel="author nofollow" href="/y">not exact</a>
<span itemprop="author">ip</span><div class="byline-wrap">by</div><div class="author">plain author: no</div>
<div class="author post-author">post author</div><p class="the__author x">bem</p><a href="/autoren/k">k</a>
<a>no href</a><a href="https://x.org/journalist/j">j</a><div class="">empty class</div>
<div itemprop="articleBody"><p>b</p></div><section class="entry-content wide"><p>c</p></section>
<div class="story-body__inner">d</div><article class="post hentry">e</article>
<div class="x" id="article-body">id only: no</div>
<time>no class</time><span class="date">7 December 2021</span><div id="update-date">u</div>
<div class="meta"><b>1</b><b>2</b><b>3</b><b>4</b><!-- c --><!-- c --></div>
<div class="meta"><b>1</b><b>2</b><b>3</b><b>4</b><b>5</b></div><li class="posted-on">p</li>
<small class="Date">case matters</small><p id="x" class="published">pub</p>
</body></html>"""


def _assert_same(html: bytes | str, label: str) -> int:
    tree = parse_html(html.encode() if isinstance(html, str) else html)[1]
    selected = 0
    for xpath, walk in PAIRS:
        expected = tree.xpath(xpath)
        assert list(walk(tree)) == expected, f"{label}: {xpath[:60]}"
        selected += len(expected)
    return selected


def test_edge_cases_select_the_same_elements() -> None:
    assert _assert_same(EDGE_CASES, "edge cases") >= 15


def test_fixture_and_demo_pages_select_the_same_elements() -> None:
    pages = [(p.read_bytes(), str(p)) for p in sorted((ROOT / "tests" / "fixtures" / "pages").rglob("*.html"))]
    spec = SiteSpec("demo", "Ministry of Foreign Affairs", "MFA")
    pages += [(_article_html(spec, a).encode(), f"demo {a}") for a in sample_articles(5, 8, datetime(2021, 12, 6))]
    assert sum(_assert_same(html, label) for html, label in pages) > 20


@pytest.mark.skipif(not EVAL_DIR.is_dir(), reason="the shared eval sets are not on this machine")
def test_eval_pages_select_the_same_elements() -> None:
    pages = sorted(EVAL_DIR.glob("*/*.html"))
    assert sum(_assert_same(page.read_bytes(), page.name) for page in pages) > 1000


def test_comment_children_do_not_count_as_elements() -> None:
    """`not(*[5])` counts element children only; trees parsed elsewhere keep comments."""
    import lxml.html

    tree = lxml.html.fromstring(
        "<html><body><div class='meta'><b>1</b><b>2</b><b>3</b><b>4</b><!-- a --><!-- b --></div>"
        "<div class='meta'><b>1</b><b>2</b><b>3</b><b>4</b><b>5</b></div></body></html>"
    )
    expected = tree.xpath(page_dates.DATE_ELEMENT_XPATH)
    assert len(expected) == 1 and list(page_dates.date_line_nodes(tree)) == expected

"""The one plain-text table (`diplomatic_crawler.tables`): the crawl's closing summary, `stats`, `health`,
`reextract`, `seeds list`, `similar` and `frontier status` print through it."""

from __future__ import annotations

import pytest

from diplomatic_crawler.tables import format_table


def test_header_rule_alignment_and_no_trailing_spaces() -> None:
    text = format_table(("site", "articles", "status"), [("mfa-az", 7, "ok"), ("au-int", 1200, None)], right={1})
    assert text.splitlines() == [
        "site    articles  status",
        "------  --------  ------",
        "mfa-az         7  ok",
        "au-int      1200",
    ]


def test_footer_gets_its_own_rule_and_none_without_rows() -> None:
    total = [("TOTAL", 3)]
    assert format_table(("site", "n"), [("a", 1), ("bb", 2)], right={1}, footer=total).splitlines() == [
        "site   n",
        "-----  -",
        "a      1",
        "bb     2",
        "-----  -",
        "TOTAL  3",
    ]
    assert format_table(("site", "n"), [], right={1}, footer=total).splitlines() == ["site   n", "-----  -", "TOTAL  3"]


@pytest.mark.parametrize(
    ("options", "lines"),
    [
        ({"rules": False}, ["x   y", "aa  1"]),
        ({"min_widths": (4,)}, ["x     y", "----  -", "aa    1"]),
        ({"gap": " ", "indent": "  "}, ["  x  y", "  -- -", "  aa 1"]),
    ],
    ids=["no-rules", "min-widths", "gap-and-indent"],
)
def test_options(options: dict, lines: list[str]) -> None:
    assert format_table(("x", "y"), [("aa", 1)], **options).splitlines() == lines


def test_without_header_and_ragged_rows() -> None:
    assert format_table(None, [("a", "bbb", "c"), ("dd", "e")], min_widths=(3,)).splitlines() == [
        "a    bbb  c",
        "dd   e",
    ]
    assert format_table(None, []) == ""

"""The one plain-text table of the project: the crawl's closing summary and the tables of `stats`, `health`,
`reextract`, `seeds list`, `similar` and `frontier status`.

A library module, not part of `cli/`: pure and free of click, so that the crawl's log, the library's
`format_*` functions and the CLI print their tables the same way without importing the CLI (whose package
registers every command on import).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence


def format_table(
    header: Sequence[object] | None,
    rows: Sequence[Sequence[object]],
    *,
    right: Collection[int] = (),
    footer: Sequence[Sequence[object]] = (),
    rules: bool = True,
    gap: str = "  ",
    min_widths: Sequence[int] = (),
    indent: str = "",
) -> str:
    """Columns `gap` apart, each as wide as its widest cell (or `min_widths`), right-aligned where its index
    is in `right`; a rule of dashes under the header and between the rows and the `footer` rows (a TOTAL)
    unless not `rules`; each line after `indent`, none with trailing spaces. Cells are `str()`-ed; `None` is
    an empty cell."""
    head = [] if header is None else [[_cell(c) for c in header]]
    body = [[_cell(c) for c in row] for row in rows]
    foot = [[_cell(c) for c in row] for row in footer]
    table = [*head, *body, *foot]
    if not table:
        return ""
    count = max(len(row) for row in table)
    widths = [max([*(len(r[i]) for r in table if i < len(r)), *min_widths[i : i + 1]]) for i in range(count)]

    def line(row: list[str]) -> str:
        cells = [c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(row)]
        return indent + gap.join(cells).rstrip()

    rule = indent + gap.join("-" * w for w in widths)
    lines = [line(r) for r in head]
    if head and rules:
        lines.append(rule)
    lines += [line(r) for r in body]
    if foot and body and rules:
        lines.append(rule)
    lines += [line(r) for r in foot]
    return "\n".join(lines)


def _cell(value: object) -> str:
    return "" if value is None else str(value)

"""What the probe writes: the draft seed TOML (each value under the comment lines saying what it rests on,
undecided fields commented out) and the suggested first test crawl of the draft."""

from __future__ import annotations

import json
import textwrap
import tomllib
from typing import Any
from urllib.parse import urlsplit

from ...security import NetworkPolicy, suggested_allow_value
from ...seeds import SeedError, parse_seed
from .report import ProbeError, ProbeReport


def toml_str(value: str) -> str:
    if "'" not in value and "\n" not in value and all(ord(c) >= 32 for c in value):
        return "'" + value + "'"
    return json.dumps(value, ensure_ascii=False)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} to TOML")


FIELD_ORDER = (
    "name",
    "allowed_domains",
    "aliases",
    "start_urls",
    "sitemaps",
    "feeds",
    "article_pattern",
    "follow_pattern",
    "language",
    "languages",
    "timezone",
    "date_order",
    "country",
    "issuer",
    "max_pages",
)


def _wrap(line: str, width: int = 100) -> list[str]:
    indent = " " * (len(line) - len(line.lstrip(" ")))
    return textwrap.wrap(line, width, subsequent_indent=indent + "  ", break_long_words=False) or [""]


def render_toml(report: ProbeReport) -> str:
    """The draft seed: a header, then each field with its comment lines above it; fields the probe could
    not decide are written commented out with what was seen."""
    out = [f"# {line}".rstrip() for line in report.header for line in _wrap(line)]
    for key in FIELD_ORDER:
        notes = report.notes.get(key, [])
        value = report.fields.get(key)
        present = value not in (None, [], "")
        if not present and not notes and key not in report.suggestions:
            continue
        out.append("")
        out.extend(f"# {part}".rstrip() for line in notes for part in _wrap(line))
        if present:
            rendered = toml_str(value) if key in ("article_pattern", "follow_pattern") else toml_value(value)
            out.append(f"{key} = {rendered}")
        elif key in report.suggestions:
            out.append(f"# {key} = {report.suggestions[key]}")
        elif key in ("start_urls", "sitemaps", "feeds"):
            out.append(f"{key} = []")
    return "\n".join(out).lstrip("\n") + "\n"


def draft_seed(report: ProbeReport) -> str:
    """Render the draft and check it the way `seeds validate` will; a draft that would not load is a bug
    of the probe, reported as ProbeError rather than written."""
    text = render_toml(report)
    try:
        parse_seed(tomllib.loads(text), source=f"{report.name}.toml", expected_name=report.name)
    except (SeedError, tomllib.TOMLDecodeError) as exc:
        raise ProbeError(f"the draft seed does not validate (please report this): {exc}\n{text}") from exc
    return text


def suggested_test_crawl(report: ProbeReport, seed_path: str) -> str:
    """The suggested first crawl of the draft, with a page cap, and with the `ALLOW_PRIVATE_NETWORKS`
    value its host needs when the site is a private or loopback one (the crawl refuses it otherwise)."""
    command = f"scrapy crawl news -a seeds={seed_path} -s SITE_MAX_PAGES=50 -s ARCHIVE_DB=/tmp/{report.name}.db"
    host = urlsplit(report.url).hostname or ""
    if host and NetworkPolicy().url_reason(report.url) is not None:
        command += f" -s ALLOW_PRIVATE_NETWORKS={suggested_allow_value(host)}"
    return command

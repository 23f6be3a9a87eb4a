"""Atom 1.0 (RFC 4287) for feed readers, beside JSON Feed, streamed entry by entry.

Feed: `id` (the `feed_url` when given, else a `urn:uuid:` derived from the filters, so the same export
keeps its id), `title`, `subtitle` (description), `updated` (when the feed was generated), `author`,
`generator`, `link rel="self"` (feed URL) and `rel="alternate"` (home page) when given.

Entry mapping: `id` = canonical URL (the archive key: stable when the article is edited), `title` (the URL
when the page had none: Atom requires one), `link rel="alternate"` = canonical URL, `published` and
`updated` in RFC 3339 (`updated` = modified, else published, else first seen; a day-only date becomes
midnight UTC of that day, as in JSON Feed, and the exact archived value stays in the extension), `author`
per named author (an unsigned article: the issuer, else the site's name: the publisher wrote it), `summary`
(description), `content type="text"` (the plain-text body: never HTML), `category` per tag, `xml:lang`.

Everything else is in the `dip:` extension namespace (`EXTENSION_NS`, ignored by readers that do not know it),
one element per field, as the JSON Feed's `_diplomatic` object: `dip:article_id`, `dip:site`,
`dip:published` (exactly as archived), `dip:published_utc`, `dip:crawl_id`, ...; lists as `dip:value`
children, objects (`alternates`) as `dip:item` children with one element per key. Characters XML 1.0 cannot
hold are dropped.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from .. import __version__
from .base import Writer
from .schema import rfc3339

__all__ = ["ATOM_NS", "EXTENSION_NS", "NOT_XML", "AtomWriter", "xml_text"]

ATOM_NS = "http://www.w3.org/2005/Atom"
EXTENSION_NS = "https://github.com/diplomatic-crawler/diplomatic-crawler#atom"
GENERATOR_URI = "https://github.com/diplomatic-crawler/diplomatic-crawler"
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # not XML 1.0 characters
# Record fields that map onto Atom's own elements; the others go into the extension namespace.
_MAPPED = frozenset({"title", "text", "description", "authors", "tags", "language"})


def xml_text(value: Any) -> str:
    """Text content for XML 1.0: escaped, without the characters XML cannot hold; a carriage return as a
    character reference, so that a parser gives it back (XML reads a bare CR or CRLF as one line feed)."""
    return escape(NOT_XML.sub("", str(value))).replace("\r", "&#13;")


def _attr(value: Any) -> str:
    return quoteattr(NOT_XML.sub("", str(value)))


def _element(name: str, value: Any) -> str:
    return f"<{name}>{xml_text(value)}</{name}>"


def _extension(name: str, value: Any) -> str:
    """One record field as a `dip:` element (lists as `dip:value`, objects as `dip:item` children)."""
    tag = f"dip:{name}"
    if isinstance(value, bool):
        return _element(tag, "true" if value else "false")
    if isinstance(value, list | tuple):
        parts = []
        for item in value:
            if isinstance(item, Mapping):
                keys = "".join(_element(f"dip:{k}", v) for k, v in item.items() if v is not None)
                parts.append(f"<dip:item>{keys}</dip:item>")
            elif item is not None:
                parts.append(_element("dip:value", item))
        return f"<{tag}>{''.join(parts)}</{tag}>"
    return _element(tag, value)


def _person(name: str) -> str:
    return f"<author>{_element('name', name)}</author>"


def atom_entry(record: dict[str, Any]) -> str:
    """One `<entry>` from an export record."""
    url = record.get("canonical_url") or record.get("url") or ""
    lang = f" xml:lang={_attr(record['language'])}" if record.get("language") else ""
    parts = [f"<entry{lang}>", _element("id", url), _element("title", record.get("title") or url)]
    parts.append(f'<link rel="alternate" href={_attr(url)}/>')
    published = rfc3339(record.get("published"))
    updated = rfc3339(record.get("modified")) or published or rfc3339(record.get("first_seen"))
    updated = updated or rfc3339(record.get("fetched_at")) or _now()
    parts.append(_element("updated", updated))
    if published:
        parts.append(_element("published", published))
    authors = [a for a in record.get("authors") or [] if a]
    publisher = record.get("issuer") or record.get("site_name") or record.get("site")
    parts += [_person(a) for a in authors] or ([_person(publisher)] if publisher else [])
    parts += [f"<category term={_attr(tag)}/>" for tag in record.get("tags") or [] if tag]
    if record.get("description"):
        parts.append(_element("summary", record["description"]))
    parts.append(f'<content type="text">{xml_text(record.get("text") or "")}</content>')
    parts += [_extension(k, v) for k, v in record.items() if k not in _MAPPED and v is not None]
    parts.append("</entry>")
    return "".join(parts)


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class AtomWriter(Writer):
    """Options as the JSON Feed's: `title`, `feed_url`, `home_page_url`, `description`, `filters` (recorded
    in the feed and its default id)."""

    extension = "atom"
    media_type = "application/atom+xml"

    def start(self) -> None:
        title = self.options.get("title") or "Diplomatic news archive"
        filters = self.options.get("filters") or {}
        feed_url = self.options.get("feed_url")
        feed_id = feed_url or "urn:uuid:" + str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"{GENERATOR_URI}#feed?{json.dumps(filters, sort_keys=True)}")
        )
        head = [
            '<?xml version="1.0" encoding="utf-8"?>\n',
            f'<feed xmlns="{ATOM_NS}" xmlns:dip="{EXTENSION_NS}">\n',
            _element("id", feed_id),
            _element("title", title),
        ]
        if self.options.get("description"):
            head.append(_element("subtitle", self.options["description"]))
        head.append(_element("updated", _now()))
        head.append(_person(title))  # entries name their own authors; this covers the feed itself
        generator = f"<generator uri={_attr(GENERATOR_URI)} version={_attr(__version__)}>diplomatic-crawler</generator>"
        head.append(generator)
        if feed_url:
            head.append(f'<link rel="self" type="application/atom+xml" href={_attr(feed_url)}/>')
        if self.options.get("home_page_url"):
            head.append(f'<link rel="alternate" href={_attr(self.options["home_page_url"])}/>')
        head.append(_extension("filters", json.dumps(filters, sort_keys=True)))
        self.stream.write("".join(head).encode("utf-8"))

    def write(self, record: dict[str, Any]) -> None:
        self.stream.write(b"\n" + atom_entry(record).encode("utf-8"))
        self.count += 1

    def finish(self) -> int:
        self.stream.write(b"\n</feed>\n")
        return super().finish()

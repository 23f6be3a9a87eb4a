"""Turn raw page input (bytes or str) into clean text and an lxml tree.

Charset rule, as browsers do (WHATWG "encoding sniffing"): a byte-order mark wins, then a
`<meta charset>` / `http-equiv` declaration in the first 4 kB, then content-based detection
(charset-normalizer). A declared charset that cannot decode the bytes falls back to detection, so a
mis-declared page still decodes instead of becoming mojibake.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from .errors import ExtractionError

BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.I)
# C0 controls except tab/newline/carriage return: lxml rejects or truncates on them (NUL above all).
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# Latin-1 is what servers claim when they mean cp1252; decode with the superset, as browsers do.
CHARSET_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252"}


def decode_html(data: bytes | str) -> str:
    """Bytes to text by BOM, then meta declaration, then detection. Text input passes through."""
    if isinstance(data, str):
        return data
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    match = META_CHARSET.search(data[:4096])
    if match:
        declared = match.group(1).decode("ascii", "ignore").lower()
        declared = CHARSET_ALIASES.get(declared, declared)
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        best = from_bytes(data[:200_000]).best()
        encoding = best.encoding if best else "cp1252"
        return data.decode(encoding, errors="replace")


def clean_markup(html: str) -> str:
    """Drop control characters and a leading XML declaration (lxml refuses both in str input)."""
    html = CONTROL_CHARS.sub("", html)
    return XML_DECLARATION.sub("", html, count=1)


def parse_html(html: bytes | str) -> tuple[str, HtmlElement]:
    """Decode and parse; an input that is not HTML at all raises `ExtractionError`."""
    text = clean_markup(decode_html(html))
    if not text.strip():
        raise ExtractionError("empty page")
    if "<" not in text[:5000]:
        raise ExtractionError("not HTML: no markup found")
    tree = load_html(text)
    if tree is None or (tree.find(".//body") is None and len(tree) < 1):
        raise ExtractionError("not HTML: the page could not be parsed")
    return text, tree

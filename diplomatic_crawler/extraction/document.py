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
from lxml.etree import ElementDefaultClassLookup
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HTMLParser, HtmlProcessingInstruction, fromstring
from trafilatura.utils import DOCTYPE_TAG, FAULTY_HTML, is_dubious_html

from .errors import ExtractionError

BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.I)
# C0 controls except tab/newline/carriage return, DEL and the noncharacters U+FFFE/U+FFFF: lxml rejects or
# truncates on them (NUL above all). A superset of trafilatura's INVALID_XML_CHARS (see `_load_tree`).
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
# trafilatura's parser options, with lxml's element class lookup done in C: lxml.html's own lookup is a
# Python method called each time Python touches an element (~1,200 times a page, ~0.4 us each). Form
# elements are then plain HtmlElements: nothing here or in trafilatura uses lxml's form helpers (the
# crawl's analyses of 505 bench and eval pages are identical either way).
HTML_PARSER = HTMLParser(
    collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True, remove_pis=True
)
HTML_PARSER.set_element_class_lookup(
    ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
)
_CONTROLS = tuple(chr(c) for c in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0xFFFE, 0xFFFF))
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
    if _may_hold_controls(html):
        html = CONTROL_CHARS.sub("", html)
    return XML_DECLARATION.sub("", html, count=1)


def _may_hold_controls(text: str) -> bool:
    """Whether `text` holds one of CONTROL_CHARS: one `in` test per character, each a vectorised scan in C,
    cost together a third of the regex's scan and half of a test on the page's UTF-8 bytes (which first
    has to encode it); pages almost never hold one."""
    return any(char in text for char in _CONTROLS)


def _load_tree(text: str) -> HtmlElement | None:
    """`trafilatura.utils.load_html` for text that `clean_markup` has cleaned: its repairs (a DOCTYPE that
    trips libxml2, a self-closing <html/>), parser and rejection test, without its second scan of the page
    for invalid characters (~0.4 ms per 100 kB page, a tenth of the extraction's own time)."""
    beginning = text[:50].lower()
    if "doctype" in beginning:  # libxml2 bug 1955915
        first, newline, rest = text.partition("\n")
        text = DOCTYPE_TAG.sub("", first, count=1) + newline + rest
    for line in text[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            text = FAULTY_HTML.sub(r"\1>", text, count=1)
            break
    fallback = False
    try:
        tree = fromstring(text, parser=HTML_PARSER)
    except ValueError:  # a str with an encoding declaration
        tree, fallback = _from_bytes(text), True
    except Exception:
        tree = None
    if (tree is None or len(tree) < 1) and not fallback:
        tree = _from_bytes(text)
    if tree is not None and is_dubious_html(beginning) and len(tree) < 2:
        return None
    return tree


def _from_bytes(text: str) -> HtmlElement | None:
    try:
        return fromstring(text.encode("utf-8", "surrogatepass"), parser=HTML_PARSER)
    except Exception:
        return None


def parse_html(html: bytes | str) -> tuple[str, HtmlElement]:
    """Decode and parse; an input that is not HTML at all raises `ExtractionError`."""
    text = clean_markup(decode_html(html))
    if not text.strip():
        raise ExtractionError("empty page")
    if "<" not in text[:5000]:
        raise ExtractionError("not HTML: no markup found")
    tree = _load_tree(text)
    if tree is None or (tree.find(".//body") is None and len(tree) < 1):
        raise ExtractionError("not HTML: the page could not be parsed")
    return text, tree

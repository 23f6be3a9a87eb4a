"""Turn raw page input (bytes or str) into clean text and an lxml tree.

Charset rule, as browsers do (WHATWG Encoding, "determine the character encoding"): a byte-order mark
wins over everything, then the HTTP Content-Type charset, then a `<meta charset>` / `http-equiv`
declaration found by the prescan (w3lib.encoding does the BOM, the header, the prescan and WHATWG's label
aliases: latin-1 and ascii mean windows-1252, ...); a meta declaration of UTF-16 means UTF-8 (WHATWG: the
prescan found it in bytes that are not UTF-16). A declared encoding decodes the page with U+FFFD for the
bytes it cannot read, so a UTF-8 page with a few bad bytes stays UTF-8. Two departures from the browser,
where the page's bytes contradict its declaration beyond doubt (see `decode_html`), and content-based
detection (charset-normalizer) where nothing is declared and the bytes are not UTF-8.
"""

from __future__ import annotations

import re

from charset_normalizer import from_bytes
from lxml.etree import ElementDefaultClassLookup
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HTMLParser, HtmlProcessingInstruction, fromstring
from trafilatura.utils import DOCTYPE_TAG, FAULTY_HTML, is_dubious_html
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, to_unicode

from .errors import ExtractionError

# Encodings a meta declaration cannot mean (WHATWG prescan: UTF-16 labels become UTF-8; UTF-32 is no
# WHATWG encoding, so its label is no declaration at all). Names as w3lib's resolve_encoding gives them.
META_MEANS_UTF8 = frozenset({"utf-16", "utf-16-le", "utf-16-be"})
NOT_A_DECLARATION = frozenset({"utf-32", "utf-32-le", "utf-32-be"})
WIDE = META_MEANS_UTF8 | NOT_A_DECLARATION
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


def declared_encoding(data: bytes, content_type: str | None = None) -> str | None:
    """The encoding the HTTP header, else the page's own prescan, declares (Python codec name), or None."""
    declared = http_content_type_encoding(content_type)
    if declared == "utf-16":  # the WHATWG label "utf-16" is UTF-16LE (w3lib would read it big-endian)
        return "utf-16-le"
    if declared in NOT_A_DECLARATION:
        declared = None
    if declared is None:
        declared = html_body_declared_encoding(data)
        if declared in META_MEANS_UTF8:
            return "utf-8"
        if declared in NOT_A_DECLARATION:
            return None
    return declared


def decode_html(data: bytes | str, content_type: str | None = None) -> str:
    """Bytes to text by BOM, then the `content_type` header's charset, then the meta declaration, then
    detection. Text input passes through.

    Two rules go beyond the browser's, each where the bytes prove the declaration wrong:
    - bytes that hold non-ASCII and are valid UTF-8 are UTF-8 whatever legacy encoding is declared (a CMS
      template or a server default saying iso-8859-1 over UTF-8 content is common; legacy text with
      accents is virtually never valid UTF-8), so a browser's mojibake is not archived;
    - a UTF-8 declaration over bytes of which under a fifth of the non-ASCII sequences are valid UTF-8 is
      a legacy page mislabelled (cp1251 text declared UTF-8 has almost no valid sequence), which goes to
      detection; a UTF-8 page with a few bad bytes keeps UTF-8, with U+FFFD for those bytes.
    """
    if isinstance(data, str):
        return data
    bom_encoding, bom = read_bom(data)
    if bom_encoding is not None and bom is not None:
        return to_unicode(data[len(bom):], bom_encoding)
    declared = declared_encoding(data, content_type)
    if declared in WIDE:
        return to_unicode(data, declared)
    ascii_only = data.isascii()
    if not ascii_only or declared in (None, "utf-8"):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    if declared == "utf-8":
        text = data.decode("utf-8", errors="replace")
        if _mostly_utf8(data, text):
            return text
    elif declared is not None:
        return to_unicode(data, declared)
    best = from_bytes(data[:200_000]).best()
    return to_unicode(data, best.encoding if best else "cp1252")


def _mostly_utf8(data: bytes, text: str) -> bool:
    """Whether at least a fifth of the non-ASCII sequences of `data` (decoded with replacement to `text`)
    are valid UTF-8."""
    replaced = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    return (non_ascii - replaced) * 4 >= replaced


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


def parse_html(html: bytes | str, content_type: str | None = None) -> tuple[str, HtmlElement]:
    """Decode (`content_type`: the HTTP header, whose charset comes after a BOM and before the page's own
    declaration) and parse; an input that is not HTML at all raises `ExtractionError`."""
    text = clean_markup(decode_html(html, content_type))
    if not text.strip():
        raise ExtractionError("empty page")
    if "<" not in text[:5000]:
        raise ExtractionError("not HTML: no markup found")
    tree = _load_tree(text)
    if tree is None or (tree.find(".//body") is None and len(tree) < 1):
        raise ExtractionError("not HTML: the page could not be parsed")
    return text, tree

"""PDF statements: links to PDF files found on article and listing pages, and their text (pypdf).

* `pdf_links(tree_or_html, url)` — pure: the PDF links of a page (`href` ending in `.pdf`, or
  `type="application/pdf"`), resolved, fragments dropped, each once.
* `is_pdf(body, content_type)` — a response is a PDF by its Content-Type or its `%PDF-` signature
  (servers often send PDFs as `application/octet-stream`).
* `extract_pdf(body, url, seed=..., fetched_at=...)` — pure: an `Article` record for the archive, with
  the text of every page (at most `MAX_PAGES`), paragraphs rebuilt from the lines, words hyphenated at
  line ends joined again. Title: the document's /Title unless it is a file name or a word-processor
  label ("Microsoft Word - note.docx"), else the first line of text. Date, in this order: a date in
  the opening lines (the dateline of the release, read like HTML datelines), the PDF's /CreationDate
  (`published_source = "pdf_meta"`: when the file was made, usually the day of the release), a date
  in the URL. Never the fetch time. Raises `ExtractionError` for a file that is not a readable PDF.

The spider fetches PDF links on allowed domains with a size cap (`PDF_MAX_SIZE`, default 20 MiB) and
stores the record with `content_type = "pdf"` and `linked_from` = the page that linked it.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.etree
import lxml.html

from ..extraction import Article, ExtractionError
from ..extraction.hints import SiteHints

if TYPE_CHECKING:
    from ..extraction.dates import DateReader

__all__ = ["MAX_PAGES", "extract_pdf", "is_pdf", "pdf_links"]

logger = logging.getLogger(__name__)

MAX_PAGES = 200
_PDF_HREF = re.compile(r"\.pdf(?:$|[?#])", re.I)
_ANCHOR_HREFS_AND_TYPES = lxml.etree.XPath("//a/@href | //a/@type")
# Whether any anchor's href or type holds "pdf" in any case, answered inside libxml2: the attribute values
# above are "smart" strings, each holding its element, 60 MB for a page of 400,000 links (issue 21, item 6).
_ANY_PDF_ANCHOR = lxml.etree.XPath(
    "boolean(//a[contains(translate(@href, 'PDF', 'pdf'), 'pdf') or contains(translate(@type, 'PDF', 'pdf'), 'pdf')])"
)
_SENTENCE_END = re.compile(r"[.!?:;»\"”)]$")
_WORD = re.compile(r"\w+")
_LANG_SEGMENT = re.compile(r"/(en|fr|ru|es|de|ar|tr|az|pt|it|zh|uk|ka|hy|kk|uz)(?:/|$)", re.I)
_PDF_DATE = re.compile(
    r"D:(?P<y>\d{4})(?P<m>\d{2})?(?P<d>\d{2})?(?P<H>\d{2})?(?P<M>\d{2})?(?P<S>\d{2})?"
    r"(?P<tz>[Zz]|[+-]\d{2}'?\d{2}'?)?"
)
_JUNK_TITLE = re.compile(r"^(?:microsoft (?:word|powerpoint)|untitled|document\d*|\S+\.(?:docx?|pdf|rtf|odt))", re.I)


def is_pdf(body: bytes, content_type: bytes | str | None = None) -> bool:
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1", "replace")
    if content_type and "application/pdf" in content_type.lower():
        return True
    return body[:1024].lstrip().startswith(b"%PDF-")


def _pdf_anchors(page: Any) -> list[Any]:
    """Anchors whose href looks like a PDF or whose type says so, in document order. Testing attribute
    strings costs about half of visiting every anchor element from Python (menus hold hundreds)."""
    found: list[Any] = []
    if not _ANY_PDF_ANCHOR(page):  # most pages link no PDF: one test instead of one per link
        return found
    values = _ANCHOR_HREFS_AND_TYPES(page)
    for value in values:
        wanted = _PDF_HREF.search(value) if value.attrname == "href" else "application/pdf" in value.lower()
        if wanted and (anchor := value.getparent()) not in found[-1:]:
            found.append(anchor)
    return found


def pdf_links(page: Any, url: str) -> list[str]:
    """PDF links of a page (an lxml tree, or HTML as str/bytes)."""
    if isinstance(page, str | bytes):
        if not page:
            return []
        try:
            page = lxml.html.fromstring(page)
        except (ValueError, lxml.etree.ParserError):
            return []
    if page is None:
        return []
    found: list[str] = []
    for anchor in _pdf_anchors(page):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        if not (_PDF_HREF.search(href) or "application/pdf" in (anchor.get("type") or "").lower()):
            continue
        parts = urlsplit(urljoin(url, href))
        if parts.scheme not in ("http", "https"):
            continue
        target = urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
        if target not in found:
            found.append(target)
    return found


def _paragraphs(page_texts: list[str]) -> str:
    """Lines -> paragraphs: a line ending a sentence before a capitalised line (or a blank line) closes
    a paragraph; other lines are joined, "diplo-\\nmatic" becomes "diplomatic"."""
    paragraphs: list[str] = []
    current = ""
    for page_text in page_texts:
        raw_lines = page_text.splitlines()
        width = max((len(" ".join(r.split())) for r in raw_lines), default=0)
        previous = ""
        for raw in raw_lines:
            line = " ".join(raw.split())
            short = bool(previous) and len(previous) < 0.6 * width  # a heading, a dateline, a paragraph end
            previous = line
            if not line:
                if current:
                    paragraphs.append(current)
                    current = ""
                continue
            if re.fullmatch(r"(?:page )?\d{1,4}(?: (?:of|/|sur|из|de) \d{1,4})?", line, re.I):
                continue  # page numbers
            if not current:
                current = line
            elif current.endswith("-") and line[:1].islower():
                current = current[:-1] + line
            elif (short or _SENTENCE_END.search(current)) and (
                line[:1].isupper() or line[:1].isdigit() or line[:1] in '•–-—«"'
            ):
                paragraphs.append(current)
                current = line
            else:
                current += " " + line
        if current and _SENTENCE_END.search(current):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs)


def _pdf_date(value: Any) -> str | None:
    """A PDF date ("D:20211207103000+04'00'") as ISO 8601; day precision when the time is missing."""
    if not isinstance(value, str):
        return None
    m = _PDF_DATE.match(value.strip())
    if not m or not m.group("m") or not m.group("d"):
        return None
    try:
        day = datetime(int(m["y"]), int(m["m"]), int(m["d"]))
        if not m.group("H"):
            return day.date().isoformat()
        moment = day.replace(hour=int(m["H"]), minute=int(m["M"] or 0), second=int(m["S"] or 0))
    except ValueError:
        return None
    tz = m.group("tz")
    if not tz:
        return None  # a clock time of unknown zone: not a usable instant, and the day may be off
    if tz in ("Z", "z"):
        return moment.replace(tzinfo=UTC).isoformat()
    digits = tz.replace("'", "")
    offset = timedelta(hours=int(digits[1:3]), minutes=int(digits[3:5] or 0))
    return moment.replace(tzinfo=timezone(offset if digits[0] == "+" else -offset)).isoformat()


def _date_line(line: str, reader: DateReader) -> bool:
    found = reader.find(line[:120], "text") if len(line) <= 80 else None
    return found is not None and len(found.raw) >= 0.4 * len(line)


def _language(url: str, hints: SiteHints) -> str | None:
    m = _LANG_SEGMENT.search(urlsplit(url).path)
    return m.group(1).lower() if m else hints.language


def _version() -> str:
    from importlib.metadata import version

    from .. import __version__

    return f"diplomatic-crawler/{__version__} pypdf/{version('pypdf')} dateparser/{version('dateparser')}"


def extract_pdf(
    body: bytes,
    url: str,
    seed: object | None = None,
    *,
    fetched_at: datetime | None = None,
    max_pages: int = MAX_PAGES,
) -> Article:
    """Text and metadata of a PDF statement as an `Article` (see the module docstring)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    hints = SiteHints.from_seed(seed)
    try:
        reader = PdfReader(io.BytesIO(body), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionError("encrypted PDF")
        texts = []
        for page in reader.pages[:max_pages]:
            try:
                texts.append(page.extract_text() or "")
            except Exception as exc:  # one broken page must not lose the others
                logger.debug("%s: unreadable PDF page: %s", url, exc)
        meta = reader.metadata or {}
    except ExtractionError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ExtractionError(f"not a readable PDF: {exc}") from exc
    text = unicodedata.normalize("NFC", _paragraphs(texts)).strip()
    lines = [line for line in text.split("\n\n") if line.strip()]
    from ..extraction.dates import DateReader  # dateparser: loaded in the extraction worker only

    reader_dates = DateReader(hints, fetched_at)
    title = str(meta.get("/Title") or "").strip()
    if not title or _JUNK_TITLE.match(title) or len(title) > 300:
        # the first line that is not just a date ("Paris, le 7 décembre 2021")
        title = next(
            (line[:300] for line in lines[:5] if not _date_line(line, reader_dates)), lines[0][:300] if lines else ""
        )
    published = raw = source = precision = calendar = None
    assumed = None
    for line in lines[:4]:
        found = reader_dates.find(line[:200], "text")
        if found:
            published, raw, source, precision, assumed = (
                found.value,
                found.raw,
                "text",
                found.precision,
                found.timezone_assumed,
            )
            calendar = found.calendar
            break
    if published is None:
        created = meta.get("/CreationDate")
        value = _pdf_date(created)
        latest = (fetched_at or datetime.now(UTC)) + timedelta(days=1)
        if value and datetime.fromisoformat(value[:10]).date() <= latest.date():
            published, raw, source = value, str(created), "pdf_meta"
            precision = "day" if len(value) == 10 else "second"
            assumed = False
    if published is None and (found := reader_dates.from_url(url)):
        published, raw, source, precision, assumed = (
            found.value,
            found.raw,
            "url",
            found.precision,
            found.timezone_assumed,
        )
    normalised = " ".join(text.split())
    return Article(
        url=url,
        canonical_url=url,
        title=title or None,
        published=published,
        published_raw=raw,
        published_source=source,
        published_precision=precision,
        published_calendar=(calendar or "gregorian") if published else None,
        timezone_assumed=assumed,
        language=_language(url, hints),
        text=text,
        word_count=len(_WORD.findall(text)),
        content_hash=hashlib.sha256(normalised.encode("utf-8")).hexdigest(),
        extractor_version=_version(),
    )

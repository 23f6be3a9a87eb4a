"""PDF statements: link discovery, text extraction with pypdf, dates and titles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from enrichsites import make_pdf

from diplomatic_crawler.enrich.pdf import extract_pdf, is_pdf, pdf_links
from diplomatic_crawler.extraction import ExtractionError

NOW = datetime(2022, 1, 10, tzinfo=UTC)
LINES = [
    "Paris, le 7 décembre 2021",
    "Communiqué de presse",
    "Le ministre de l'Europe et des affaires étrangères s'est entretenu ce jour avec son homologue "
    "ghanéenne. Ils ont évoqué la situation au Sahel et la coopération économique entre la France et le Ghana.",
    "Les deux ministres sont convenus de se revoir prochainement à Accra.",
]


def test_extract_pdf_text_title_date() -> None:
    body = make_pdf(LINES, title="Microsoft Word - cp_ghana.docx", created="D:20211208120000+01'00'")
    article = extract_pdf(
        body, "https://www.diplomatie.example/fr/files/cp-ghana.pdf", {"language": "fr"}, fetched_at=NOW
    )
    assert article.title == "Communiqué de presse"  # not the word-processor /Title, not the dateline
    assert article.published == "2021-12-07" and article.published_source == "text"  # the dateline, not /CreationDate
    assert article.language == "fr"
    assert "homologue ghanéenne. Ils ont évoqué" in article.text  # wrapped lines joined into one paragraph
    assert "Accra." in article.text and article.word_count > 40
    assert article.extractor_version.startswith("diplomatic-crawler/") and "pypdf/" in article.extractor_version


def test_pdf_metadata_date_and_title() -> None:
    body = make_pdf(
        ["The Ministry welcomes the agreement reached today."] * 3,
        title="Statement on the agreement",
        created="D:20211207093000+04'00'",
    )
    article = extract_pdf(body, "https://mfa.example/files/statement.pdf", fetched_at=NOW)
    assert article.title == "Statement on the agreement"
    assert article.published == "2021-12-07T09:30:00+04:00" and article.published_source == "pdf_meta"


def test_future_creation_date_is_not_a_publication_date() -> None:
    body = make_pdf(["Some text of the release without any date."] * 3, created="D:20300101000000Z")
    article = extract_pdf(body, "https://mfa.example/files/x.pdf", fetched_at=NOW)
    assert article.published is None


def test_many_pages() -> None:
    body = make_pdf([f"Paragraph number {i} of the long transcript." for i in range(120)], per_page=40)
    article = extract_pdf(body, "https://mfa.example/t.pdf", fetched_at=NOW)
    assert "Paragraph number 0 of" in article.text and "Paragraph number 119 of" in article.text
    assert extract_pdf(body, "https://mfa.example/t.pdf", fetched_at=NOW, max_pages=1).word_count < article.word_count


@pytest.mark.parametrize("body", [b"<html>not a pdf</html>", b"%PDF-1.4\ngarbage", b""])
def test_not_a_pdf(body: bytes) -> None:
    with pytest.raises(ExtractionError):
        extract_pdf(body, "https://mfa.example/x.pdf")


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b"%PDF-1.7 ...", None, True),
        (b"...", b"application/pdf", True),
        (b"  %PDF-1.4", "application/octet-stream", True),
        (b"<html>", b"text/html", False),
    ],
)
def test_is_pdf(body: bytes, content_type, expected: bool) -> None:
    assert is_pdf(body, content_type) is expected


def test_pdf_links() -> None:
    html = (
        '<html><body><a href="/files/a.pdf">A</a><a href="/files/a.pdf#page=2">A again</a>'
        '<a href="https://cdn.example/B.PDF?v=2">B</a><a href="/download?id=3" type="application/pdf">C</a>'
        '<a href="/files/a.docx">doc</a><a href="mailto:x@y.pdf">mail</a><a href="/files/pdf-guide.html">g</a>'
        '<a href="/files/a.pdfx">x</a><A HREF="/files/C.Pdf#p=1">upper</A><a type="APPLICATION/PDF" href="/d/4">D</a>'
        "</body></html>"
    )
    assert pdf_links(html, "https://mfa.example/en/news/1") == [
        "https://mfa.example/files/a.pdf",
        "https://cdn.example/B.PDF?v=2",
        "https://mfa.example/download?id=3",
        "https://mfa.example/files/C.Pdf",
        "https://mfa.example/d/4",
    ]

"""The report in HTML, PDF, DOCX and XLSX: same sections, real structure, and only public quotes."""

import io

import pytest

PRIVATE_MARKER = "QUIETPRIVATEMARKER"  # as in conftest.py

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

HEADINGS = [
    "The process and participation",
    "Achievements",
    "Emerging digital trends",
    "Challenges",
    "WSIS Action Lines and SDGs",
    "Methods and caveats",
]


def test_it_renders_html_with_every_section_chart_and_table(rendered):
    html = rendered["html"].decode()
    for heading in HEADINGS:
        assert heading in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="report-chart"') >= 5
    assert 'id="heatmap"' in html and "<table" in html and "<desc" in html
    assert 'dir="ltr"' in html


def test_it_writes_arabic_html_right_to_left(rendered):
    html = rendered["html-ar"].decode()
    assert '<html lang="ar" dir="rtl">' in html


def test_it_quotes_only_consented_contributions_yet_counts_every_response(rendered):
    bundle = rendered["bundle"]
    assert bundle.received == 12 and bundle.report.methods.n_documents == 12
    assert bundle.quotes, "the published contributions give quotes"
    html = rendered["html"].decode()
    assert "«" in html and "/contributions/" in html
    for fmt in ("html", "html-ar"):
        assert PRIVATE_MARKER not in rendered[fmt].decode()
    from docx import Document

    docx_text = "\n".join(p.text for p in Document(io.BytesIO(rendered["docx"])).paragraphs)
    assert PRIVATE_MARKER not in docx_text
    assert (
        PRIVATE_MARKER.encode() not in rendered["xlsx"]
    )  # shared strings are stored as plain XML text
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(rendered["xlsx"]))
    texts = [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value]
    assert not any(PRIVATE_MARKER in t for t in texts)


def test_it_renders_a_pdf_with_headings_and_pages(rendered, tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(rendered["pdf"])
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    for heading in HEADINGS:
        assert heading in text
    assert PRIVATE_MARKER not in text
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    assert len(document) >= 3
    for number in range(3):  # each of the first pages renders, with ink on it
        image = document[number].render(scale=50 / 72).to_pil().convert("L")
        inked = sum(count for level, count in enumerate(image.histogram()) if level < 128)
        assert inked > 500, f"page {number + 1} looks blank"


def test_it_renders_an_editable_docx_with_headings_tables_and_figures(rendered):
    from docx import Document

    doc = Document(io.BytesIO(rendered["docx"]))
    headings = [
        (p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")
    ]
    level_one = [text for style, text in headings if style == "Heading 1"]
    for heading in HEADINGS:
        assert heading in level_one
    assert any(style == "Heading 2" for style, _ in headings)
    assert len(doc.tables) >= 8
    assert len(doc.inline_shapes) >= 5
    descriptions = [s._inline.docPr.get("descr") for s in doc.inline_shapes]
    assert all(descriptions)


def test_it_renders_an_xlsx_with_one_sheet_per_table_and_numeric_counts(rendered):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(rendered["xlsx"]))
    for name in (
        "participation",
        "achievements",
        "challenges",
        "trends",
        "sdgs",
        "breakdowns",
        "heatmap",
        "methods",
        "quotes",
    ):
        assert name in book.sheetnames
    sheet = book["participation"]
    assert [c.value for c in sheet[1]] == ["dimension", "group", "label", "count", "share"]
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    counts = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert counts and all(isinstance(c, int) for c in counts)
    assert (
        sum(
            c
            for row, c in zip(sheet.iter_rows(min_row=2, values_only=True), counts, strict=True)
            if row[0] == "stakeholder_type"
        )
        == 12
    )
    heatmap = book["heatmap"]
    assert all(
        isinstance(v, int)
        for row in heatmap.iter_rows(min_row=2, min_col=2, values_only=True)
        for v in row
    )
    quotes = list(book["quotes"].iter_rows(min_row=2, values_only=True))
    assert quotes and all(
        url.startswith("http") and "/contributions/" in url for *_x, url, _t in quotes
    )

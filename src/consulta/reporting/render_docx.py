"""The report as a Word document a secretariat can edit: real headings, tables and figures.

Headings use Word's built-in Heading 1–3 styles (so the navigation pane and a table of contents work),
tables are Word tables, charts are PNG pictures with their text alternative, and quotes link to the
public contribution. Arabic paragraphs are marked right-to-left (``w:bidi``, ``w:rtl``).
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from consulta.reporting.charts import chart_png
from consulta.reporting.document import ReportDocument, SectionView, Table

LATIN, ARABIC, CJK = "Noto Sans", "Noto Sans Arabic", "Noto Sans CJK SC"


def _fonts(style, language: str) -> None:
    style.font.name = LATIN
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:ascii"), LATIN)
    fonts.set(qn("w:hAnsi"), LATIN)
    fonts.set(qn("w:eastAsia"), CJK)
    fonts.set(qn("w:cs"), ARABIC)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), {"zh": "zh-CN", "ar": "ar-SA"}.get(language, language))
    lang.set(qn("w:eastAsia"), "zh-CN")
    lang.set(qn("w:bidi"), "ar-SA")
    style.element.get_or_add_rPr().append(lang)


def _rtl(paragraph) -> None:
    """Mark a paragraph and its runs right-to-left."""
    ppr = paragraph._p.get_or_add_pPr()
    if ppr.find(qn("w:bidi")) is None:
        ppr.insert(0, OxmlElement("w:bidi"))
    for run in paragraph.runs:
        rpr = run._r.get_or_add_rPr()
        if rpr.find(qn("w:rtl")) is None:
            rpr.append(OxmlElement("w:rtl"))


def _hyperlink(paragraph, url: str, text: str) -> None:
    part = paragraph.part
    rel = part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel)
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    rpr.append(style)
    color = OxmlElement("w:color")
    color.set(qn("w:val"), "0B4F8A")
    rpr.append(color)
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    rpr.append(underline)
    run.append(rpr)
    node = OxmlElement("w:t")
    node.text = text
    node.set(qn("xml:space"), "preserve")
    run.append(node)
    link.append(run)
    paragraph._p.append(link)


class _Writer:
    def __init__(self, document: ReportDocument):
        self.report = document
        self.doc = Document()
        self.rtl = document.rtl
        self.figures = 0
        for name in ("Normal", "Heading 1", "Heading 2", "Heading 3", "Title", "Caption"):
            try:
                _fonts(self.doc.styles[name], document.language)
            except KeyError:
                continue
        self.doc.styles["Normal"].font.size = Pt(10)
        section = self.doc.sections[0]
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2)
        if self.rtl:
            bidi = OxmlElement("w:bidi")
            section._sectPr.append(bidi)
        props = self.doc.core_properties
        props.title = document.title
        props.language = document.django_language
        props.author = "Consulta"
        props.created = props.modified = document.generated_at.replace(microsecond=0)
        props.revision = 1

    def _p(self, paragraph):
        if self.rtl:
            _rtl(paragraph)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        return paragraph

    def heading(self, text: str, level: int):
        return self._p(self.doc.add_heading(text, level=level))

    def para(self, text: str = "", style: str | None = None):
        return self._p(self.doc.add_paragraph(text, style=style))

    def table(self, table: Table) -> None:
        caption = self.para(table.caption, style="Caption")
        caption.paragraph_format.keep_with_next = True
        rows = table.display_rows(self.report.language)
        grid = self.doc.add_table(rows=1 + len(rows), cols=len(table.headers))
        grid.style = "Table Grid"
        if self.rtl:
            tbl_pr = grid._tbl.tblPr
            tbl_pr.append(OxmlElement("w:bidiVisual"))
        for i, header in enumerate(table.headers):
            cell = grid.rows[0].cells[i]
            cell.text = str(header)
            for run in cell.paragraphs[0].runs:
                run.bold = True
            self._p(cell.paragraphs[0])
        header_row = grid.rows[0]._tr.get_or_add_trPr()
        header_row.append(OxmlElement("w:tblHeader"))
        for r, row in enumerate(rows, start=1):
            for c, (text, numeric) in enumerate(row):
                cell = grid.rows[r].cells[c]
                cell.text = text
                paragraph = self._p(cell.paragraphs[0])
                if numeric:
                    paragraph.alignment = (
                        WD_ALIGN_PARAGRAPH.LEFT if self.rtl else WD_ALIGN_PARAGRAPH.RIGHT
                    )
        self.para()

    def chart(self, chart) -> None:
        self.figures += 1
        png = chart_png(chart, rtl=self.rtl)
        self.doc.add_picture(io.BytesIO(png), width=Cm(16))
        picture = self.doc.paragraphs[-1]
        picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
        picture.paragraph_format.keep_with_next = True
        # The picture's text alternative (Word's "Alt Text"): the chart's description.
        for doc_pr in picture._p.iter(qn("wp:docPr")):
            doc_pr.set("descr", chart.desc)
            doc_pr.set("title", chart.title)
        self.para(chart.title, style="Caption")
        self.table(chart.table)

    def section(self, section: SectionView, level: int) -> None:
        self.heading(section.title, level)
        for text in section.paragraphs:
            self.para(text)
        for chart in section.charts:
            self.chart(chart)
        for finding in section.findings:
            self.heading(finding.label, min(level + 1, 9))
            line = finding.summary + (f" · {finding.kinds}" if finding.kinds else "")
            summary = self.para(line)
            for run in summary.runs:
                run.font.color.rgb = RGBColor(0x4A, 0x55, 0x60)
            for quote in finding.quotes:
                paragraph = (
                    self.doc.add_paragraph(style="Quote")
                    if "Quote" in self.doc.styles
                    else self.doc.add_paragraph()
                )
                paragraph.add_run(f"«{quote.text}» — ")
                _hyperlink(
                    paragraph,
                    quote.url,
                    self.report.labels["quote_from"] % {"reference": quote.reference},
                )
                if quote.rtl or self.rtl:
                    _rtl(paragraph)
        for table in section.tables:
            self.table(table)
        if section.items:
            self.heading(self.report.labels["caveats"], min(level + 1, 9))
            for item in section.items:
                self.para(item, style="List Bullet")
        for sub in section.subsections:
            self.section(sub, level + 1)

    def write(self) -> bytes:
        self.doc.add_heading(self.report.title, level=0)
        self._p(self.doc.paragraphs[-1])
        self.para(self.report.subtitle)
        self.para(self.report.labels["private_note"])
        for section in self.report.sections:
            self.section(section, 1)
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


def render_docx(document: ReportDocument) -> bytes:
    return _Writer(document).write()

"""The report as HTML: a page of the site, or a standalone file (also the source of the PDF)."""

from __future__ import annotations

import base64
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from consulta.reporting.charts import chart_png, chart_svg, escape
from consulta.reporting.document import ReportDocument, SectionView

CSS = Path(__file__).parent / "static" / "reporting" / "report.css"


def _png_img(chart) -> str:
    data = base64.b64encode(chart_png(chart, rtl=True)).decode("ascii")
    return (
        f'<img class="report-chart" src="data:image/png;base64,{data}" alt="{escape(chart.desc)}" '
        f'title="{escape(chart.title)}">'
    )


def prepare(document: ReportDocument, *, for_print: bool = False) -> ReportDocument:
    """Draw the charts and format the tables' cells for reading.

    Charts are SVG, except in a right-to-left PDF: WeasyPrint's SVG text is not shaped, so Arabic
    charts are embedded there as PNG (drawn by Pillow with Raqm), with the same text alternative.
    """

    def walk(section: SectionView):
        for chart in section.charts:
            drawn = (
                _png_img(chart)
                if (for_print and document.rtl)
                else chart_svg(chart, rtl=document.rtl)
            )
            chart.svg = mark_safe(drawn)  # noqa: S308 - every text in it is escaped
            chart.table.cells = chart.table.display_rows(document.language)
        for table in section.tables:
            table.cells = table.display_rows(document.language)
        for sub in section.subsections:
            walk(sub)

    for section in document.sections:
        walk(section)
    return document


def _context(document: ReportDocument, *, for_print: bool = False, **extra) -> dict:
    return {"document": prepare(document, for_print=for_print), "report_css": "", **extra}


def render_standalone(document: ReportDocument, *, for_print: bool = False) -> str:
    """A complete HTML document with its styles inside (for download and for WeasyPrint)."""
    from consulta.reporting.render_pdf import PRINT_CSS

    css = CSS.read_text(encoding="utf-8") + (PRINT_CSS if for_print else "")
    with translation.override(document.django_language):
        return render_to_string(
            "reporting/standalone.html",
            {
                **_context(document, for_print=for_print),
                "report_css": mark_safe(css),  # noqa: S308 - our own stylesheet
                "for_print": for_print,
            },
        )


def render_page(
    request: HttpRequest, document: ReportDocument, *, downloads: str, url_args: list, **extra
) -> HttpResponse:
    return render(
        request,
        "reporting/page.html",
        {
            **_context(document),
            "downloads": downloads,
            "url_args": url_args,
            "formats": ("pdf", "docx", "xlsx", "html"),
            **extra,
        },
    )

"""The report as PDF, through WeasyPrint, from the standalone HTML with print rules.

Fonts are the system's Noto families (fonts-noto-core, fonts-noto-cjk); nothing is fetched: links in the
document are absolute (``CONSULTA_BASE_URL``) and any other URL a stylesheet might name is refused.
"""

from __future__ import annotations

import logging

from consulta.reporting.document import ReportDocument

PRINT_CSS = """
@page { size: A4; margin: 18mm 16mm 20mm 16mm;
  @bottom-center { content: counter(page) " / " counter(pages); font-size: 8pt; color: #4a5560; } }
body.print { margin: 0; max-width: none; padding: 0; font-size: 9.5pt; }
.print .report h1 { font-size: 18pt; }
.print .report h2 { font-size: 14pt; break-before: page; break-after: avoid; }
.print .report h3, .print .report h4 { break-after: avoid; }
.print .report-contents { break-after: page; }
.print .report-contents h2 { break-before: avoid; }
.print .report-quote, .print .report-table tr, .print .chart-box { break-inside: avoid; }
.print .report-figure { margin: .5rem 0 1rem; }
.print .report-figure figcaption { break-before: avoid; }
.print .report-chart { width: 80%; height: auto; }
.print .report-table { font-size: 8pt; width: 100%; }
.print .chart-box, .print .table-box { overflow: visible; }
.print a { color: #0b4f8a; }
"""


# WeasyPrint reports each layout step at INFO level: that is noise in a server's or a command's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _fetcher():
    """Only ``data:`` URLs (the charts of an Arabic report): the report fetches nothing else."""
    try:
        from weasyprint.urls import URLFetcher  # WeasyPrint 67 and later
    except ImportError:
        from weasyprint import default_url_fetcher

        def fetch(url, *args, **kwargs):
            if not url.startswith("data:"):
                raise ValueError(f"the report fetches nothing: {url}")
            return default_url_fetcher(url, *args, **kwargs)

        return fetch
    return URLFetcher(allowed_protocols=("data",))


def render_pdf(document: ReportDocument) -> bytes:
    from weasyprint import HTML

    from consulta.reporting.render_html import render_standalone

    html = render_standalone(document, for_print=True)
    return HTML(string=html, url_fetcher=_fetcher(), base_url="about:blank").write_pdf()

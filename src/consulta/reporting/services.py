"""Render a Preliminary Results report, and publish one (secretariat only)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from consulta import languages
from consulta.analysis.models import AnalysisRun
from consulta.analysis.report import ReportBundle
from consulta.calls.models import Call
from consulta.reporting.models import PublishedReport

FORMATS = ("html", "pdf", "docx", "xlsx")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def report_render(*, bundle: ReportBundle, fmt: str, language: str | None = None) -> bytes:
    """The report as a file in ``fmt``; ``language`` is a UN code (defaults to the bundle's)."""
    from consulta.reporting.document import document_build

    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")
    document = document_build(bundle, languages.to_un(language or bundle.report.language))
    if fmt == "html":
        from consulta.reporting.render_html import render_standalone

        return render_standalone(document).encode("utf-8")
    if fmt == "pdf":
        from consulta.reporting.render_pdf import render_pdf

        return render_pdf(document)
    if fmt == "docx":
        from consulta.reporting.render_docx import render_docx

        return render_docx(document)
    from consulta.reporting.render_xlsx import render_xlsx

    return render_xlsx(document)


def report_for(*, run: AnalysisRun, fmt: str, language: str) -> bytes:
    """Build the bundle of ``run`` in ``language`` (UN code) and render it."""
    from consulta.analysis.report import report_bundle

    language = languages.to_un(language)
    return report_render(
        bundle=report_bundle(run=run, language=language), fmt=fmt, language=language
    )


@transaction.atomic
def report_publish(*, actor, run: AnalysisRun) -> PublishedReport:
    """Make ``run``'s report the call's public Preliminary Results (the secretariat's decision)."""
    if (
        actor is None
        or not getattr(actor, "is_active", False)
        or not actor.has_perm("reporting.add_publishedreport")
    ):
        raise PermissionDenied(_("Only the secretariat can publish the report."))
    if run.status != AnalysisRun.Status.DONE:
        raise ValidationError(_("Only a finished analysis run can be published."))
    return PublishedReport.objects.create(
        call=run.call, run=run, published_by=actor if actor.pk else None
    )


def published_report(call: Call) -> PublishedReport | None:
    return PublishedReport.objects.filter(call=call).select_related("run").first()

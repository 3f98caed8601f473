"""Render a Preliminary Results report, and publish one (secretariat only)."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
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


CACHE_SECONDS = 24 * 3600
logger = logging.getLogger(__name__)


def _state_key(run: AnalysisRun) -> str:
    """Changes whenever what the report says can change: an analyst's edit or a publication change."""
    from consulta.analysis.models import AuditEvent
    from consulta.publication.models import Contribution

    last_edit = AuditEvent.objects.filter(run=run).aggregate(m=Max("pk"))["m"] or 0
    last_public = Contribution.objects.filter(call_id=run.call_id).aggregate(m=Max("updated_at"))["m"]
    return f"{run.pk}:{last_edit}:{last_public.timestamp() if last_public else 0}"


def _cached(key: str, build):
    """Reports take seconds to build; keep each rendering until the reviewed state changes."""
    value = cache.get(key)
    if value is None:
        value = build()
        try:
            cache.set(key, value, CACHE_SECONDS)
        except Exception:  # noqa: BLE001 - an unpicklable or oversized value is simply not cached
            logger.warning("report not cached: %s", key, exc_info=True)
    return value


def document_for(*, run: AnalysisRun, language: str):
    """The laid-out report of ``run`` in ``language`` (UN code), cached."""
    from consulta.analysis.report import report_bundle
    from consulta.reporting.document import document_build

    language = languages.to_un(language)
    return _cached(
        f"report-document:{language}:{_state_key(run)}",
        lambda: document_build(report_bundle(run=run, language=language), language),
    )


def report_for(*, run: AnalysisRun, fmt: str, language: str) -> bytes:
    """Build the bundle of ``run`` in ``language`` (UN code) and render it (cached)."""
    from consulta.analysis.report import report_bundle

    language = languages.to_un(language)
    return _cached(
        f"report-file:{fmt}:{language}:{_state_key(run)}",
        lambda: report_render(bundle=report_bundle(run=run, language=language), fmt=fmt, language=language),
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

"""The Preliminary Results: a public page once published, and a staff preview of any finished run."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consulta import languages
from consulta.analysis.models import AnalysisRun
from consulta.calls.selectors import calls_visible_to
from consulta.reporting import services
from consulta.reporting.render_html import render_page


def _language(request: HttpRequest) -> str:
    return languages.to_un(getattr(request, "LANGUAGE_CODE", None))


def _download(run: AnalysisRun, fmt: str, language: str, stem: str) -> HttpResponse:
    if fmt not in services.FORMATS:
        raise Http404("No such format")
    data = services.report_for(run=run, fmt=fmt, language=language)
    response = HttpResponse(data, content_type=services.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{stem}-{language}.{fmt}"'
    return response


def _staff_run(request: HttpRequest, run_id: int) -> AnalysisRun | HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.has_perm("analysis.view_analysisrun"):
        raise PermissionDenied
    return get_object_or_404(
        AnalysisRun.objects.select_related("call"), pk=run_id, status=AnalysisRun.Status.DONE
    )


def public_report(request: HttpRequest, slug: str) -> HttpResponse:
    call = get_object_or_404(calls_visible_to(request.user), slug=slug)
    published = services.published_report(call)
    if published is None:
        raise Http404("The Preliminary Results are not published yet.")
    language = _language(request)
    document = services.document_for(run=published.run, language=language)
    return render_page(
        request,
        document,
        downloads="preliminary-results-download",
        url_args=[call.slug],
        published=published,
    )


def public_report_download(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    call = get_object_or_404(calls_visible_to(request.user), slug=slug)
    published = services.published_report(call)
    if published is None:
        raise Http404("The Preliminary Results are not published yet.")
    return _download(published.run, fmt, _language(request), f"{call.slug}-preliminary-results")


def run_report(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _staff_run(request, run_id)
    if isinstance(run, HttpResponse):
        return run
    language = _language(request)
    document = services.document_for(run=run, language=language)
    return render_page(
        request,
        document,
        downloads="run-report-download",
        url_args=[run.pk],
        preview=True,
        published=services.published_report(run.call),
        can_publish=request.user.has_perm("reporting.add_publishedreport"),
    )


def run_report_download(request: HttpRequest, run_id: int, fmt: str) -> HttpResponse:
    run = _staff_run(request, run_id)
    if isinstance(run, HttpResponse):
        return run
    return _download(
        run, fmt, _language(request), f"{run.call.slug}-run-{run.pk}-preliminary-results"
    )


@require_POST
def run_report_publish(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _staff_run(request, run_id)
    if isinstance(run, HttpResponse):
        return run
    try:
        services.report_publish(actor=request.user, run=run)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("run-report", run_id=run.pk)
    messages.success(request, _("The Preliminary Results are now public."))
    return redirect("preliminary-results", slug=run.call.slug)

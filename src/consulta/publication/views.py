"""Public pages of published contributions."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from consulta import regions
from consulta.calls.selectors import calls_visible_to
from consulta.calls.templatetags.call_tags import country_names, language_name
from consulta.publication import search
from consulta.publication.selectors import (
    FILTERS,
    contribution_page,
    facet_counts,
    public_contribution,
)
from consulta.submissions.models import Attachment, StakeholderType
from consulta.submissions.receipts import answers_by_section


def contribution_list(request: HttpRequest, slug: str) -> HttpResponse:
    call = get_object_or_404(calls_visible_to(request.user), slug=slug)
    filters = {key: request.GET.get(key, "") for key in FILTERS}
    page = contribution_page(
        call=call,
        filters=filters,
        query=request.GET.get("q", ""),
        sort=request.GET.get("sort", "date"),
        cursor=request.GET.get("after"),
    )
    region_labels = {r: regions.region_label(r, _un_language(request)) for r in regions.REGIONS}
    params = request.GET.copy()
    params.pop("after", None)
    next_query = None
    if page.next_cursor:
        params["after"] = page.next_cursor
        next_query = params.urlencode()
    return render(
        request,
        "publication/contribution_list.html",
        {
            "call": call,
            "page": page,
            "menus": _filter_menus(facet_counts(call), filters, region_labels),
            "stakeholder_types": dict(StakeholderType.choices),
            "region_labels": region_labels,
            "next_query": next_query,
            "selected": filters,
            "candidates": search.CANDIDATES,
        },
    )


def _filter_menus(facets, selected: dict[str, str], region_labels: dict[str, str]) -> dict[str, str]:
    """The <option>s of each filter menu, labelled in the reader's language with their counts. Built in
    one pass each: through the template, 200 country options cost more than the rest of the page."""
    labels = {
        "stakeholder_type": dict(StakeholderType.choices),
        "region": region_labels,
        "country": country_names(translation.get_language() or "en"),
    }
    menus = {}
    for key, counts in facets.items():
        chosen = selected.get(key, "")
        if key == "country":
            chosen = chosen.upper()
        names = labels.get(key, {})
        menus[key] = format_html_join(
            "",
            "<option value=\"{}\"{}>{} ({})</option>",
            (
                (
                    value,
                    mark_safe(" selected") if value == chosen else "",  # noqa: S308 - a constant
                    (language_name(value) if key == "language" else names.get(value)) or value,
                    n,
                )
                for value, n in counts
            ),
        )
    return menus


def _un_language(request) -> str:
    from consulta.languages import to_un

    return to_un(getattr(request, "LANGUAGE_CODE", "en"))


def _visible_contribution(request: HttpRequest, reference: str):
    """A published contribution of a call this visitor may see; the same 404 otherwise."""
    contribution = public_contribution(reference=reference)
    if not calls_visible_to(request.user).filter(pk=contribution.call_id).exists():
        raise Http404("No such contribution")
    return contribution


def contribution_detail(request: HttpRequest, reference: str) -> HttpResponse:
    contribution = _visible_contribution(request, reference)
    call = contribution.call
    attachments = Attachment.objects.filter(pk__in=contribution.attachment_ids)
    return render(
        request,
        "publication/contribution_detail.html",
        {
            "call": call,
            "contribution": contribution,
            "sections": answers_by_section(contribution.answers, call),
            "attachments": attachments,
            "stakeholder_type": dict(StakeholderType.choices).get(contribution.stakeholder_type, ""),
            "region_label": regions.region_label(contribution.region, _un_language(request)) if contribution.region else "",
            "permalink": request.build_absolute_uri(),
        },
    )


def contribution_file(request: HttpRequest, reference: str, attachment_id: int) -> FileResponse:
    contribution = _visible_contribution(request, reference)
    if attachment_id not in contribution.attachment_ids:
        raise Http404("No such file")
    attachment = get_object_or_404(Attachment, pk=attachment_id)
    if not attachment.file:
        raise Http404("No such file")
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

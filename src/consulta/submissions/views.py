"""The respondent's pages: the form, the review before submitting, the receipt, and coming back.

Views stay thin: they translate HTTP into calls of ``services`` and render what comes back.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from consulta import languages
from consulta.calls.models import Call
from consulta.calls.selectors import calls_visible_to
from consulta.submissions import services
from consulta.submissions.attachments import AttachmentRejected
from consulta.submissions.forms import ContributionForm
from consulta.submissions.links import submission_from_token
from consulta.submissions.models import Attachment, Consent, Submission
from consulta.submissions.receipts import receipt_context, version_sections
from consulta.submissions.tasks import send_resume_links

SESSION_KEY = "consulta_submissions"


def rate_limited(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "submissions/rate_limited.html", status=429)


def _owned(request: HttpRequest, call: Call) -> Submission | None:
    reference = request.session.get(SESSION_KEY, {}).get(call.slug)
    if not reference:
        return None
    return (
        Submission.objects.select_related("call", "respondent", "current_version")
        .filter(call=call, reference=reference)
        .first()
    )


def _own(request: HttpRequest, submission: Submission) -> None:
    owned = dict(request.session.get(SESSION_KEY, {}))
    owned[submission.call.slug] = submission.reference
    request.session[SESSION_KEY] = owned


def _open_call(request: HttpRequest, slug: str) -> Call:
    return get_object_or_404(calls_visible_to(request.user), slug=slug)


def _as_querydict(values: dict[str, Any]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in values.items():
        if isinstance(value, list):
            data.setlist(key, [str(v) for v in value])
        elif isinstance(value, bool):
            data[key] = "yes" if value else "no"
        elif value is not None:
            data[key] = str(value)
    return data


_BLANK_SECTIONS: dict[tuple, str] = {}
BLANK_SECTIONS_KEPT = 64  # calls x languages


def _blank_sections(form) -> str:
    """The questions of an empty form as HTML, rendered once per questionnaire and language in
    this process: at a deadline most requests are newcomers opening the form, and its questions
    (the country list alone has 200 options) were most of that page's cost. Only a fresh form
    comes here; one with answers, errors or files is rendered each time."""
    key = (form.questionnaire, languages.current(), settings.CONSULTA_MAX_FILE_BYTES)
    html = _BLANK_SECTIONS.get(key)
    if html is None:
        context = {"form": form, "attachments": [], "max_file_mb": _max_file_mb()}
        html = render_to_string("submissions/_form_sections.html", context)
        if len(_BLANK_SECTIONS) >= BLANK_SECTIONS_KEPT:
            _BLANK_SECTIONS.clear()
        _BLANK_SECTIONS[key] = html = mark_safe(html)  # noqa: S308 (rendered by the template engine)
    return html


def forget_blank_sections() -> None:
    """For tests, whose rolled-back rows may come back with the same ids and frozen times."""
    _BLANK_SECTIONS.clear()


def _max_file_mb() -> int:
    return settings.CONSULTA_MAX_FILE_BYTES // (1024 * 1024)


def _render_form(
    request, call, submission, form, *, status=200, notice: str = "", blank: bool = False
) -> HttpResponse:
    in_draft = []
    if submission is not None:
        ids = submission.draft_attachment_ids or []
        found = {a.pk: a for a in submission.attachments.filter(pk__in=ids)}
        in_draft = [found[i] for i in ids if i in found]
    context = {
        "call": call,
        "submission": submission,
        "form": form,
        "attachments": in_draft,
        "notice": notice,
        "editing": submission is not None and submission.status == Submission.Status.SUBMITTED,
        "max_file_mb": _max_file_mb(),
        "draft_key": submission.draft_key
        if submission is not None and submission.draft_key
        else uuid.uuid4(),
        "blank_sections": _blank_sections(form) if blank else "",
    }
    return render(request, "submissions/respond.html", context, status=status)


@ratelimit(key="ip", rate="60/m", method="POST", block=True)
@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, slug: str) -> HttpResponse:
    call = _open_call(request, slug)
    submission = _owned(request, call)
    if submission is not None and not submission.editable_now():
        return redirect("submission-view", reference=submission.reference)
    if submission is None and not call.timeliness(timezone.now()).accepted:
        return render(request, "submissions/closed.html", {"call": call, "status": call.status()})

    if request.method == "GET":
        if submission is None:
            form = ContributionForm(call, initial={"language": languages.current()})
            return _render_form(request, call, None, form, blank=True)
        if submission.status == Submission.Status.SUBMITTED:
            submission = services.submission_edit_start(submission=submission)
        form = ContributionForm(call, data=_as_querydict(submission.draft_answers or {}))
        form.check(
            require_complete=False, attachment_count=len(submission.draft_attachment_ids or [])
        )
        return _render_form(request, call, submission, form)

    form = ContributionForm(call, data=request.POST, files=request.FILES)
    if form.honeypot_filled:
        return render(request, "submissions/thanks_generic.html", {"call": call})
    try:
        if submission is None:
            submission = services.submission_start(
                call=call, language=languages.current(), draft_key=request.POST.get("draft_key")
            )
            _own(request, submission)
        file_errors = _handle_files(request, form, submission)
        services.submission_save_draft(submission=submission, data=form.data)
    except services.SubmissionClosed as exc:
        return render(
            request, "submissions/closed.html", {"call": call, "message": str(exc)}, status=409
        )
    submission.refresh_from_db()
    attachment_count = len(submission.draft_attachment_ids or [])
    action = request.POST.get("action", "save")

    if action == "review":
        result = form.check(
            require_complete=True, attachment_count=attachment_count, file_errors=file_errors
        )
        if result.ok and not file_errors:
            return redirect("submission-review", slug=call.slug)
        return _render_form(request, call, submission, form, status=400)

    form.check(require_complete=False, attachment_count=attachment_count, file_errors=file_errors)
    notice = ""
    if action == "save":
        notice = _("Your draft was saved at %(time)s.") % {
            "time": timezone.localtime(submission.draft_updated_at, call.zone).strftime("%H:%M")
        }
    return _render_form(
        request, call, submission, form, notice=notice, status=400 if file_errors else 200
    )


def _handle_files(
    request: HttpRequest, form: ContributionForm, submission: Submission
) -> list[str]:
    """Store new uploads and removals first, so nothing uploaded is lost to another field's error."""
    errors: list[str] = []
    remove = request.POST.get("remove_attachment")
    if remove and remove.isdigit():
        services.submission_detach(submission=submission, attachment_id=int(remove))
    for question in form.questions:
        if question.type != "file":
            continue
        for upload in request.FILES.getlist(question.key):
            try:
                services.submission_attach(
                    submission=submission, stream=upload, filename=upload.name
                )
            except AttachmentRejected as exc:
                errors.append(_localised(exc))
    return errors


def _localised(exc: AttachmentRejected) -> str:
    """The rejection in the reader's language (its English template is in our translation files)."""
    params = dict(exc.params)
    if "kinds" in params:
        labels = {
            "pdf": _("PDF"),
            "docx": _("Word (.docx)"),
            "odt": _("OpenDocument text (.odt)"),
            "txt": _("plain text (.txt)"),
        }
        params["allowed"] = ", ".join(str(labels.get(kind, kind)) for kind in params["kinds"])
    try:
        return _(exc.template) % params
    except (KeyError, TypeError, ValueError):
        return exc.message


@ratelimit(key="ip", rate="240/m", method="POST", block=True)
@require_POST
def autosave(request: HttpRequest, slug: str) -> JsonResponse:
    """Called by the page's script every few seconds; the same as "Save draft" without a reload."""
    call = _open_call(request, slug)
    submission = _owned(request, call)
    try:
        if submission is None:
            if not any(
                v.strip()
                for k, v in request.POST.items()
                if k not in ("csrfmiddlewaretoken", "action")
            ):
                return JsonResponse({"saved": False})
            submission = services.submission_start(
                call=call, language=languages.current(), draft_key=request.POST.get("draft_key")
            )
            _own(request, submission)
        services.submission_save_draft(submission=submission, data=request.POST)
    except services.SubmissionClosed as exc:
        return JsonResponse({"saved": False, "error": str(exc)}, status=409)
    submission.refresh_from_db()
    saved_at = timezone.localtime(submission.draft_updated_at, call.zone).strftime("%H:%M:%S")
    return JsonResponse(
        {
            "saved": True,
            "at": saved_at,
            "message": _("Draft saved at %(time)s.") % {"time": saved_at},
        }
    )


def _public_preview(submission: Submission, cleaned_consent: str) -> dict[str, Any]:
    respondent = submission.respondent
    return {
        "consent": cleaned_consent,
        "shows_name": cleaned_consent == Consent.PUBLISH_NAMED,
        "published": cleaned_consent in (Consent.PUBLISH_NAMED, Consent.PUBLISH_ANONYMOUS),
        "respondent": respondent,
    }


@ratelimit(key="ip", rate="60/m", method="POST", block=True)
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, slug: str) -> HttpResponse:
    """Show exactly what would be stored and what would be public, then submit on confirmation."""
    call = _open_call(request, slug)
    submission = _owned(request, call)
    if submission is None:
        return redirect("submission-respond", slug=call.slug)
    form = ContributionForm(call, data=_as_querydict(submission.draft_answers or {}))
    result = form.check(
        require_complete=True, attachment_count=len(submission.draft_attachment_ids or [])
    )
    if not result.ok:
        return redirect("submission-respond", slug=call.slug)

    if request.method == "POST":
        try:
            outcome = services.submission_submit(
                submission=submission,
                idempotency_key=request.POST.get("idempotency_key", ""),
                base_version=int(request.POST.get("base_version", "-1")),
            )
        except (ValueError, TypeError):
            messages.error(request, _("The form was incomplete; please review and confirm again."))
            return redirect("submission-review", slug=call.slug)
        except services.StaleEdit as stale:
            return _conflict(request, call, submission, stale)
        except services.IncompleteSubmission:
            return redirect("submission-respond", slug=call.slug)
        except services.SubmissionClosed as exc:
            return render(
                request, "submissions/closed.html", {"call": call, "message": str(exc)}, status=409
            )
        return redirect(
            "submission-receipt",
            reference=outcome.version.submission.reference,
            number=outcome.version.number,
        )

    attachments = list(submission.attachments.filter(pk__in=submission.draft_attachment_ids or []))
    answers_view = _draft_sections(form)
    context = {
        "call": call,
        "submission": submission,
        "sections": answers_view,
        "respondent": result.respondent,
        "attachments": attachments,
        "preview": _public_preview(submission, result.consent),
        "consent_label": dict(Consent.choices).get(result.consent, ""),
        "idempotency_key": uuid.uuid4(),
        "base_version": submission.version_count,
    }
    return render(request, "submissions/review.html", context)


def _draft_sections(form: ContributionForm) -> list[dict[str, Any]]:
    """Answers as the respondent will see them on the review page (choice labels, not codes)."""
    answers = form.result.answers if form.result else {}
    sections = []
    for section, bound_fields in form.sections():
        items = []
        for bound in bound_fields:
            if bound.name not in answers:
                continue
            value = answers[bound.name]
            choices = dict(getattr(bound.field.widget, "choices", []) or [])
            shown = (
                ", ".join(str(choices.get(v, v)) for v in value)
                if isinstance(value, list)
                else choices.get(value, value)
            )
            items.append({"prompt": bound.label, "value": shown})
        if items:
            sections.append({"title": section.translated("title").text, "items": items})
    return sections


def _conflict(request, call, submission, stale: services.StaleEdit) -> HttpResponse:
    current = stale.current
    form = ContributionForm(call, data=_as_querydict(submission.draft_answers or {}))
    form.check(require_complete=False, attachment_count=len(submission.draft_attachment_ids or []))
    context = {
        "call": call,
        "submission": submission,
        "stored_sections": version_sections(current, call) if current else [],
        "stored": current,
        "mine": _draft_sections(form),
        "idempotency_key": uuid.uuid4(),
        "base_version": submission.version_count,
    }
    return render(request, "submissions/conflict.html", context, status=409)


def _submission_for_reader(request: HttpRequest, reference: str) -> Submission:
    submission = get_object_or_404(
        Submission.objects.select_related("call", "respondent"), reference=reference
    )
    owned = request.session.get(SESSION_KEY, {}).get(submission.call.slug) == reference
    if not owned and not request.user.has_perm("submissions.view_submission"):
        raise Http404("No such submission")  # never confirm that a reference exists
    return submission


def receipt(request: HttpRequest, reference: str, number: int) -> HttpResponse:
    submission = _submission_for_reader(request, reference)
    version = get_object_or_404(submission.versions.all(), number=number)
    context = receipt_context(version) | {"email_sent_to": submission.respondent.email}
    return render(request, "submissions/receipt.html", context)


def view_submission(request: HttpRequest, reference: str) -> HttpResponse:
    submission = _submission_for_reader(request, reference)
    version = submission.current_version
    if version is None:
        return redirect("submission-respond", slug=submission.call.slug)
    context = receipt_context(version) | {
        "editable": submission.editable_now(),
        "read_only_view": True,
    }
    return render(request, "submissions/view.html", context)


def resume(request: HttpRequest, token: str) -> HttpResponse:
    submission = submission_from_token(token)
    if submission is None:
        return render(request, "submissions/link_invalid.html", status=410)
    _own(request, submission)
    if submission.editable_now():
        return redirect("submission-respond", slug=submission.call.slug)
    return redirect("submission-view", reference=submission.reference)


@ratelimit(key="ip", rate="10/m", method="POST", block=True)
@ratelimit(key="post:email", rate="5/h", method="POST", block=True)
@require_http_methods(["GET", "POST"])
def request_link(request: HttpRequest, slug: str) -> HttpResponse:
    """Ask for a link by e-mail; the answer is the same whether or not the address is known."""
    call = _open_call(request, slug)
    if request.method == "POST":
        email = (request.POST.get("email") or "").strip()
        if "@" not in email or len(email) > 254:
            return render(
                request,
                "submissions/request_link.html",
                {"call": call, "error": True, "email": email},
                status=400,
            )
        send_resume_links.enqueue(call.pk, email, languages.current())
        return render(request, "submissions/link_sent.html", {"call": call})
    return render(request, "submissions/request_link.html", {"call": call})


def attachment_download(request: HttpRequest, reference: str, attachment_id: int) -> FileResponse:
    submission = _submission_for_reader(request, reference)
    attachment = get_object_or_404(Attachment, pk=attachment_id, submission=submission)
    if not attachment.file:
        raise Http404("File erased")
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
def withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    submission = _submission_for_reader(request, reference)
    if request.session.get(SESSION_KEY, {}).get(submission.call.slug) != reference:
        raise PermissionDenied
    services.submission_withdraw(submission=submission)
    messages.success(request, _("Your contribution was withdrawn. It will not be published."))
    return redirect("call-detail", slug=submission.call.slug)


@require_POST
def new_contribution(request: HttpRequest, slug: str) -> HttpResponse:
    """Start afresh in this browser (e.g. a second contribution from another organisation)."""
    call = _open_call(request, slug)
    owned = dict(request.session.get(SESSION_KEY, {}))
    owned.pop(call.slug, None)
    request.session[SESSION_KEY] = owned
    return redirect(reverse("submission-respond", args=[call.slug]))

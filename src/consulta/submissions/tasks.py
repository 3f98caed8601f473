"""Background jobs of submissions (django-tasks): receipts and resume links by e-mail."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task

from consulta.languages import to_django
from consulta.submissions.links import resume_path
from consulta.submissions.models import Submission, SubmissionVersion
from consulta.submissions.receipts import receipt_context, receipt_pdf


def _absolute(path: str) -> str:
    return settings.CONSULTA_BASE_URL.rstrip("/") + path


@task()
def send_receipt(version_id: int) -> None:
    version = SubmissionVersion.objects.select_related(
        "submission__call", "submission__respondent"
    ).get(pk=version_id)
    submission = version.submission
    email = submission.respondent.email
    if not email:
        return
    with translation.override(to_django(version.language or "en")):
        context = receipt_context(version) | {
            "link": _absolute(resume_path(submission, version.language))
        }
        subject = render_to_string("submissions/email/receipt_subject.txt", context).strip()
        body = render_to_string("submissions/email/receipt.txt", context)
        message = EmailMultiAlternatives(subject=subject, body=body, to=[email])
        message.attach(f"{submission.reference}.pdf", receipt_pdf(version), "application/pdf")
        message.send()


@task()
def send_resume_links(call_id: int, email: str, language: str) -> None:
    """Mail every link this address may use for this call; say nothing to the requester either way."""
    submissions = list(
        Submission.objects.filter(call_id=call_id, respondent__email=email.strip().lower())
        .exclude(status=Submission.Status.WITHDRAWN)
        .select_related("call")
    )
    if not submissions:
        return
    with translation.override(to_django(language or "en")):
        links = [(s, _absolute(resume_path(s, language))) for s in submissions]
        context = {
            "call": submissions[0].call,
            "links": links,
            "days": settings.CONSULTA_RESUME_LINK_DAYS,
        }
        subject = render_to_string("submissions/email/links_subject.txt", context).strip()
        body = render_to_string("submissions/email/links.txt", context)
        EmailMultiAlternatives(subject=subject, body=body, to=[email]).send()

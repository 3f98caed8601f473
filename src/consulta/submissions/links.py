"""Signed, expiring, single-purpose links that let a respondent come back to a draft or a submission.

The link carries the submission's current nonce: rotating the nonce (after erasure, or on request)
makes every earlier link useless.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from consulta.languages import to_django
from consulta.submissions.models import Submission

RESUME_SALT = "consulta.submissions.resume.v1"


def resume_token(submission: Submission) -> str:
    return signing.dumps(
        {"s": submission.pk, "n": submission.resume_nonce}, salt=RESUME_SALT, compress=True
    )


def submission_from_token(token: str) -> Submission | None:
    try:
        data = signing.loads(
            token, salt=RESUME_SALT, max_age=settings.CONSULTA_RESUME_LINK_DAYS * 86400
        )
    except signing.BadSignature:  # includes SignatureExpired
        return None
    submission = (
        Submission.objects.select_related("call", "respondent").filter(pk=data.get("s")).first()
    )
    if submission is None or submission.resume_nonce != data.get("n"):
        return None
    return submission


def resume_path(submission: Submission, language: str | None = None) -> str:
    from django.utils import translation

    with translation.override(to_django(language or submission.language or "en")):
        return reverse("submission-resume", args=[resume_token(submission)])

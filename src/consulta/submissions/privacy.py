"""A respondent's rights over their data: everything we hold about them, and erasure.

Erasure removes names, e-mail addresses, organisations, answers and files, and keeps what statistics
need (stakeholder type, country, region, language, consent, dates): counts stay right, nobody is
identifiable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from consulta.submissions.models import Attachment, Submission, SubmissionVersion
from consulta.submissions.signals import submission_changed

ERASED = "[erased]"


@dataclass(frozen=True)
class ErasureResult:
    submissions: int
    files: int


def _submissions_of(email: str):
    return Submission.objects.filter(respondent__email=email.strip().lower()).select_related(
        "call", "respondent"
    )


def respondent_export(*, email: str) -> dict[str, Any]:
    """All data held about the person who gave this address, as one JSON-ready document."""
    submissions = []
    for submission in _submissions_of(email).prefetch_related("versions__attachments"):
        submissions.append(
            {
                "call": submission.call.slug,
                "reference": submission.reference,
                "status": submission.status,
                "consent": submission.consent,
                "respondent": submission.respondent.snapshot(),
                "draft_answers": submission.draft_answers,
                "versions": [
                    {
                        "number": v.number,
                        "received_at": v.received_at.isoformat(),
                        "content_hash": v.content_hash,
                        "consent": v.consent,
                        "answers": v.answers,
                        "respondent": v.respondent,
                        "attachments": [
                            {"name": a.name, "sha256": a.sha256, "size": a.size}
                            for a in v.attachments.all()
                        ],
                    }
                    for v in submission.versions.all()
                ],
            }
        )
    return {
        "email": email.strip().lower(),
        "exported_at": timezone.now().isoformat(),
        "submissions": submissions,
    }


@transaction.atomic
def respondent_erase(*, email: str) -> ErasureResult:
    submissions = list(_submissions_of(email).select_for_update(of=("self",)))
    files = 0
    now = timezone.now()
    for submission in submissions:
        respondent = submission.respondent
        respondent.name = ""
        respondent.email = ""
        respondent.organisation = ""
        respondent.erased_at = now
        respondent.save()
        for attachment in Attachment.objects.filter(submission=submission):
            if attachment.file:
                attachment.file.delete(save=False)
                files += 1
            attachment.original_name = ERASED
            attachment.name = ERASED
            attachment.text = ""
            attachment.save()
        for version in SubmissionVersion.objects.filter(submission=submission):
            version.answers = {}
            kept = {
                k: version.respondent.get(k, "")
                for k in ("stakeholder_type", "country", "region", "language")
            }
            version.respondent = {**kept, "erased": True}
            version.save(allow_erasure=True)
        submission.draft_answers = {}
        submission.draft_attachment_ids = []
        submission.rotate_links()
        submission.history.all().delete()
        submission._change_reason = "personal data erased"
        submission.save()
        transaction.on_commit(lambda s=submission: submission_changed.send(sender=Submission, submission=s))
    return ErasureResult(submissions=len(submissions), files=files)

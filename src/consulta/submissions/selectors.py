"""Reads of submissions for pages, statistics and staff screens."""

from __future__ import annotations

from django.db.models import QuerySet

from consulta.calls.models import Call
from consulta.submissions.models import Submission


def submissions_received(call: Call) -> QuerySet[Submission]:
    """Acknowledged and kept (private ones included: they count, they are never shown)."""
    return Submission.objects.filter(call=call, status=Submission.Status.SUBMITTED).exclude(
        late_review=Submission.LateReview.REJECTED
    )


def submissions_received_count(call: Call) -> int:
    return submissions_received(call).count()

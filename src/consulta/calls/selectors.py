"""Reads of calls for public pages and staff screens."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from consulta.calls.models import Call, DeadlineExtension, Question, Section, TimelineEvent


def calls_visible_to(user) -> QuerySet[Call]:
    """Published calls for everyone; staff who may view calls also see those being prepared."""
    calls = Call.objects.all()
    if (
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.has_perm("calls.view_call")
    ):
        return calls
    return calls.filter(published=True)


def call_page(*, slug: str, user=None) -> Call:
    """One call with everything its public page shows, in a fixed number of queries."""
    queryset = calls_visible_to(user).prefetch_related(
        Prefetch("sections", queryset=Section.objects.order_by("order", "pk")),
        Prefetch(
            "questions",
            queryset=Question.objects.select_related("section").prefetch_related("choices"),
        ),
        Prefetch("timeline", queryset=TimelineEvent.objects.prefetch_related("links")),
        Prefetch("extensions", queryset=DeadlineExtension.objects.order_by("announced_at", "pk")),
    )
    try:
        return queryset.get(slug=slug)
    except Call.DoesNotExist:
        raise Http404("No such call") from None


def questions_by_section(call: Call) -> list[tuple[Section, list[Question]]]:
    questions = list(call.questions.all())
    return [
        (section, [q for q in questions if q.section_id == section.pk])
        for section in call.sections.all()
    ]

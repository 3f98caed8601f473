"""Public pages of calls: the list of calls and one call's page."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone

from consulta.calls.models import CallStatus
from consulta.calls.selectors import call_page, calls_visible_to, questions_by_section
from consulta.submissions.selectors import submissions_received_count


def home(request):
    now = timezone.now()
    calls = [
        (call, call.status(now))
        for call in calls_visible_to(request.user).prefetch_related("extensions")
    ]
    return render(request, "calls/home.html", {"calls": calls, "CallStatus": CallStatus})


def call_detail(request, slug: str):
    call = call_page(slug=slug, user=request.user)
    return render(
        request,
        "calls/call_detail.html",
        {
            "call": call,
            "status": call.status(),
            "CallStatus": CallStatus,
            "sections": questions_by_section(call),
            "submissions_received": submissions_received_count(call),
        },
    )

"""The receipt of a submitted version: what the page, the e-mail and the PDF copy all say."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from consulta.calls.models import Call
from consulta.submissions.answers import questions as call_questions
from consulta.submissions.models import SubmissionVersion


def version_sections(version: SubmissionVersion, call: Call) -> list[dict[str, Any]]:
    return answers_by_section(version.answers, call)


def answers_by_section(answers: dict[str, Any], call: Call) -> list[dict[str, Any]]:
    """Answers grouped as the questionnaire groups them, with choice labels in the reader's language."""
    questions = call_questions(call)
    sections: dict[int, dict[str, Any]] = {}
    for question in questions:
        if question.key not in answers:
            continue
        value = answers[question.key]
        labels = {c.value: c.translated("label").text for c in question.choices.all()}
        if isinstance(value, list):
            shown = ", ".join(labels.get(v, v) for v in value)
        else:
            shown = labels.get(value, value)
        section = sections.setdefault(
            question.section_id, {"title": question.section.translated("title").text, "items": []}
        )
        section["items"].append(
            {"key": question.key, "prompt": question.translated("prompt").text, "value": shown}
        )
    return list(sections.values())


def receipt_context(version: SubmissionVersion) -> dict[str, Any]:
    submission = version.submission
    call = submission.call
    return {
        "call": call,
        "submission": submission,
        "version": version,
        "received_local": call.local(version.received_at),
        "sections": version_sections(version, call),
        "attachments": list(version.attachments.all()),
    }


def receipt_pdf(version: SubmissionVersion) -> bytes:
    """A PDF copy of the submission, rendered from HTML so every script (Arabic, Chinese) shapes right."""
    from weasyprint import HTML

    html = render_to_string("submissions/receipt_pdf.html", receipt_context(version))
    return HTML(string=html).write_pdf()

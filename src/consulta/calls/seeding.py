"""Loading a call from a seed file (``seed/<slug>.yaml``): questions, timeline and deadline history.

Seeding is idempotent: a call that already exists is left exactly as it is, so that running the
command twice, or after the secretariat edited the call, changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from consulta.accounts.actors import SYSTEM
from consulta.calls import services
from consulta.calls.models import Call, DeadlineExtension

SEEDS = ("wsis20", "practice")

PRACTICE_TITLE = {
    "ar": "دعوة تجريبية: جرّب استمارة المساهمة",
    "zh": "练习征集：试用投稿表单",
    "en": "Practice call: try the contribution form",
    "fr": "Appel d’essai : essayez le formulaire de contribution",
    "ru": "Пробный сбор материалов: попробуйте форму",
    "es": "Convocatoria de prueba: pruebe el formulario de contribución",
}
PRACTICE_SUMMARY = {
    "ar": "تستخدم هذه الدعوة التجريبية استبيان استعراض القمة العالمية لمجتمع المعلومات بعد عشرين عاماً لكي تتمكن من تجربة الاستمارة. المساهمات المقدمة فيها بيانات تجريبية ولا تدخل في أي استعراض.",
    "zh": "本练习征集使用信息社会世界峰会二十周年审查的问卷，供您试用表单。此处提交的内容仅为演示数据，不纳入任何审查。",
    "en": "This practice call uses the WSIS+20 review questionnaire so that you can try the form. Contributions to it are demonstration data and are not part of any review.",
    "fr": "Cet appel d’essai reprend le questionnaire de l’examen SMSI+20 pour que vous puissiez essayer le formulaire. Les contributions envoyées ici sont des données de démonstration et ne font partie d’aucun examen.",
    "ru": "В этом пробном сборе используется анкета обзора ВВУИО+20, чтобы вы могли опробовать форму. Присланные сюда материалы являются демонстрационными и ни в какой обзор не входят.",
    "es": "Esta convocatoria de prueba utiliza el cuestionario del examen CMSI+20 para que pueda probar el formulario. Las contribuciones enviadas aquí son datos de demostración y no forman parte de ningún examen.",
}


@dataclass(frozen=True)
class SeedResult:
    call: Call
    created: bool


PRACTICE_OPENS = {
    "ar": "فتح الاستمارة",
    "zh": "表单开放",
    "en": "The form opens",
    "fr": "Ouverture du formulaire",
    "ru": "Открытие формы",
    "es": "Apertura del formulario",
}
PRACTICE_DEADLINE = {
    "ar": "الموعد النهائي لتقديم المساهمات",
    "zh": "投稿截止",
    "en": "Deadline for contributions",
    "fr": "Date limite des contributions",
    "ru": "Крайний срок подачи материалов",
    "es": "Plazo para las contribuciones",
}


def load_seed_spec(slug: str, *, now: datetime | None = None) -> dict[str, Any]:
    if slug not in SEEDS:
        raise ValidationError(f"Unknown seed “{slug}”. Known seeds: {', '.join(SEEDS)}.")
    if slug == "practice":
        return _practice_spec(now or timezone.now())
    text = (
        resources.files("consulta.calls")
        .joinpath("seed", f"{slug}.yaml")
        .read_text(encoding="utf-8")
    )
    return yaml.safe_load(text)


def _practice_spec(now: datetime) -> dict[str, Any]:
    """The WSIS+20 questionnaire as an open call, opened a week ago and closing a month from today."""
    spec = load_seed_spec("wsis20")
    zone = ZoneInfo(spec["time_zone"])
    today = now.astimezone(zone).date()
    opens = datetime.combine(today - timedelta(days=7), time(0, 0), tzinfo=zone)
    closes = datetime.combine(today + timedelta(days=30), time(23, 59, 59), tzinfo=zone)
    spec.update(
        slug="practice",
        title=PRACTICE_TITLE,
        summary=PRACTICE_SUMMARY,
        opens_at=opens,
        closes_at=closes,
        body=None,
        extensions=[],
        timeline=[
            {"kind": "form_opens", "starts_at": opens, "title": PRACTICE_OPENS},
            {"kind": "deadline", "starts_at": closes, "title": PRACTICE_DEADLINE},
        ],
    )
    return spec


def _instant(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValidationError(f"Seed time {value!r} has no UTC offset.")
    return parsed


@transaction.atomic
def call_seed(*, slug: str) -> SeedResult:
    existing = Call.objects.filter(slug=slug).first()
    if existing is not None:
        return SeedResult(existing, created=False)
    spec = load_seed_spec(slug)
    call = services.call_create(
        actor=SYSTEM,
        slug=spec["slug"],
        owner=spec["owner"],
        title=spec["title"],
        summary=spec.get("summary"),
        body=spec.get("body"),
        time_zone=spec["time_zone"],
        opens_at=_instant(spec["opens_at"]),
        closes_at=_instant(spec["closes_at"]),
        grace_period=timedelta(minutes=spec.get("grace_minutes", 0)),
        late_policy=spec.get("late_policy", "accept_flagged"),
        published=True,
    )
    for order, section in enumerate(spec["sections"]):
        services.call_add_section(
            actor=SYSTEM,
            call=call,
            key=section["key"],
            title=section["title"],
            description=section.get("description"),
            order=order,
        )
    for question in spec["questions"]:
        services.call_add_question(
            actor=SYSTEM,
            call=call,
            key=question["key"],
            section_key=question["section"],
            type=question["type"],
            prompt=question["prompt"],
            help=question.get("help"),
            required=question.get("required", False),
            max_length=question.get("max_length"),
            choices=[(c["value"], c["label"]) for c in question.get("choices") or ()],
        )
    for event in spec.get("timeline", ()):
        services.call_add_timeline_event(
            actor=SYSTEM,
            call=call,
            kind=event["kind"],
            starts_at=_instant(event["starts_at"]),
            ends_at=_instant(event.get("ends_at")),
            title=event["title"],
            place=event.get("place"),
            description=event.get("description"),
            links=[(link["url"], link["label"]) for link in event.get("links") or ()],
        )
    # The extension history is a record of what was announced at the time, not a change made now, so it
    # is written as history rather than through call_extend_deadline (which judges "past" by today).
    for extension in spec.get("extensions", ()):
        call.refresh_from_db()
        new_deadline = _instant(extension["new_deadline"])
        record = DeadlineExtension(
            call=call,
            kind=DeadlineExtension.Kind.EXTENSION,
            previous_deadline=call.closes_at,
            new_deadline=new_deadline,
            announced_at=_instant(extension["announced_at"]),
        )
        services.set_translations(record, "reason", extension.get("reason"))
        record.full_clean()
        record.save()
        Call.objects.filter(pk=call.pk).update(closes_at=new_deadline)
    call.refresh_from_db()
    return SeedResult(call, created=True)

"""What the secretariat does to a call: create it, shape its questionnaire, move its deadline.

Every function checks the actor's permission itself, so the admin, commands and any future API share
one set of rules. Translated values are mappings from UN language codes to text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consulta import languages
from consulta.accounts.actors import person
from consulta.calls.models import (
    Call,
    DeadlineExtension,
    LatePolicy,
    Question,
    QuestionChoice,
    QuestionType,
    Section,
    TimelineEvent,
    TimelineLink,
)
from consulta.calls.receivers import touch_call

Translations = Mapping[str, str]
CALL_EDITABLE_FIELDS = frozenset(
    {
        "owner",
        "title",
        "summary",
        "body",
        "time_zone",
        "opens_at",
        "grace_period",
        "late_policy",
        "published",
    }
)
TRANSLATED_CALL_FIELDS = frozenset({"owner", "title", "summary", "body"})


def _require(actor, permission: str) -> None:
    if actor is None or not getattr(actor, "is_active", False) or not actor.has_perm(permission):
        raise PermissionDenied(_("Only the secretariat can change calls."))


def set_translations(obj, field: str, values: Translations | str | None) -> None:
    if values is None:
        return
    if isinstance(values, str):
        values = {"en": values}
    unknown = set(values) - set(languages.UN_LANGUAGES)
    if unknown:
        raise ValidationError(
            {
                field: _("Unknown language code(s): %(codes)s.")
                % {"codes": ", ".join(sorted(unknown))}
            }
        )
    for code, text in values.items():
        setattr(obj, f"{field}_{languages.field_suffix(code)}", (text or "").strip())


def _aware(value: datetime, name: str) -> datetime:
    if timezone.is_naive(value):
        raise ValidationError({name: _("Give the time with its time zone.")})
    return value


@transaction.atomic
def call_create(
    *,
    actor,
    slug: str,
    owner: Translations | str,
    title: Translations | str,
    opens_at: datetime,
    closes_at: datetime,
    time_zone: str = "Europe/Zurich",
    summary: Translations | str | None = None,
    body: Translations | str | None = None,
    grace_period: timedelta = timedelta(0),
    late_policy: str = LatePolicy.ACCEPT_FLAGGED,
    published: bool = False,
) -> Call:
    _require(actor, "calls.add_call")
    call = Call(
        slug=slug,
        time_zone=time_zone,
        opens_at=_aware(opens_at, "opens_at"),
        closes_at=_aware(closes_at, "closes_at"),
        grace_period=grace_period,
        late_policy=late_policy,
        published=published,
    )
    for field, values in (("owner", owner), ("title", title), ("summary", summary), ("body", body)):
        set_translations(call, field, values)
    call.full_clean()
    call.save()
    return call


@transaction.atomic
def call_update(*, actor, call: Call, **changes) -> Call:
    _require(actor, "calls.change_call")
    if "closes_at" in changes:
        raise ValidationError(
            {"closes_at": _("Change the deadline with an extension, so that its history is kept.")}
        )
    unknown = set(changes) - CALL_EDITABLE_FIELDS
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed: %(f)s.") % {"f": ", ".join(sorted(unknown))}
        )
    for field, value in changes.items():
        if field in TRANSLATED_CALL_FIELDS:
            set_translations(call, field, value)
        else:
            setattr(call, field, value)
    call.full_clean()
    call.save()
    return call


@transaction.atomic
def call_add_section(
    *,
    actor,
    call: Call,
    key: str,
    title: Translations | str,
    description: Translations | str | None = None,
    order: int | None = None,
) -> Section:
    _require(actor, "calls.change_call")
    if order is None:
        order = call.sections.count()
    section = Section(call=call, key=key, order=order)
    set_translations(section, "title", title)
    set_translations(section, "description", description)
    section.full_clean()
    section.save()
    return section


@transaction.atomic
def call_add_question(
    *,
    actor,
    call: Call,
    key: str,
    section_key: str,
    type: str,
    prompt: Translations | str,
    help: Translations | str | None = None,
    required: bool = False,
    max_length: int | None = None,
    choices: Sequence[tuple[str, Translations | str]] = (),
    order: int | None = None,
) -> Question:
    _require(actor, "calls.change_call")
    try:
        section = call.sections.get(key=section_key)
    except Section.DoesNotExist:
        raise ValidationError(
            {"section": _("This call has no section “%(k)s”.") % {"k": section_key}}
        ) from None
    if order is None:
        order = section.questions.count()
    question = Question(
        call=call,
        section=section,
        key=key,
        type=type,
        required=required,
        max_length=max_length,
        order=order,
    )
    set_translations(question, "prompt", prompt)
    set_translations(question, "help", help)
    question.full_clean()
    if question.has_choices and not choices and type != QuestionType.CONSENT:
        raise ValidationError({"choices": _("A choice question needs at least one choice.")})
    if choices and not question.has_choices:
        raise ValidationError({"choices": _("Only choice questions have choices.")})
    question.save()
    for position, (value, label) in enumerate(choices):
        choice = QuestionChoice(question=question, value=value, order=position)
        set_translations(choice, "label", label)
        choice.full_clean()
        choice.save()
    return question


@transaction.atomic
def call_reorder_questions(*, actor, call: Call, keys: Sequence[str]) -> None:
    """Put a section's (or the whole call's) questions in the given order; each key once, none missing."""
    _require(actor, "calls.change_call")
    questions = {q.key: q for q in call.questions.select_for_update().filter(key__in=keys)}
    missing = [k for k in keys if k not in questions]
    if missing:
        raise ValidationError(_("Unknown question key(s): %(k)s.") % {"k": ", ".join(missing)})
    if len(set(keys)) != len(keys):
        raise ValidationError(_("Each question may appear only once in the new order."))
    sections = {q.section_id for q in questions.values()}
    expected = set(call.questions.filter(section_id__in=sections).values_list("key", flat=True))
    if expected != set(keys):
        left_out = sorted(expected - set(keys))
        raise ValidationError(
            _("The new order leaves out question(s) of the same section: %(k)s.")
            % {"k": ", ".join(left_out)}
        )
    for position, key in enumerate(keys):
        Question.objects.filter(pk=questions[key].pk).update(order=position)
    touch_call(call.pk)  # .update() sends no signal, and cached questionnaires must see the new order


@transaction.atomic
def call_extend_deadline(
    *,
    actor,
    call: Call,
    new_deadline: datetime,
    reason: Translations | str | None = None,
    announced_at: datetime | None = None,
    force: bool = False,
) -> DeadlineExtension:
    """Move the deadline, keeping the change as public history.

    A change that brings the deadline forward, or sets it in the past, is refused unless the secretariat
    forces it and says why: both surprise respondents who planned around the announced date.
    """
    _require(actor, "calls.change_call")
    call = Call.objects.select_for_update().get(pk=call.pk)
    new_deadline = _aware(new_deadline, "new_deadline").replace(microsecond=0)
    now = timezone.now()
    announced_at = announced_at or now
    previous = call.closes_at
    has_reason = bool(
        reason if isinstance(reason, str) else reason and any(v.strip() for v in reason.values())
    )

    if new_deadline <= call.opens_at:
        raise ValidationError({"new_deadline": _("The deadline must come after the call opens.")})
    if new_deadline == previous:
        raise ValidationError({"new_deadline": _("That is already the deadline.")})
    problems = []
    if new_deadline < previous:
        problems.append(_("it brings the deadline forward"))
    if new_deadline < now:
        problems.append(_("it lies in the past"))
    if problems and not (force and has_reason):
        raise ValidationError(
            {
                "new_deadline": _(
                    "This change is refused because %(problems)s. Give a reason and confirm to force it."
                )
                % {"problems": _(" and ").join(problems)}
            }
        )

    kind = (
        DeadlineExtension.Kind.EXTENSION
        if new_deadline > previous
        else DeadlineExtension.Kind.SHORTENING
    )
    extension = DeadlineExtension(
        call=call,
        kind=kind,
        previous_deadline=previous,
        new_deadline=new_deadline,
        announced_at=announced_at,
        forced=bool(problems),
        created_by=person(actor),
    )
    set_translations(extension, "reason", reason)
    extension.save()
    Call.objects.filter(pk=call.pk).update(closes_at=new_deadline, updated_at=now)
    return extension


@transaction.atomic
def call_close_early(*, actor, call: Call, reason: Translations | str) -> DeadlineExtension:
    """Close an open call now; the early closure is recorded like any deadline change."""
    _require(actor, "calls.change_call")
    call = Call.objects.select_for_update().get(pk=call.pk)
    now = timezone.now().replace(microsecond=0)
    last_accepted_second = now - timedelta(seconds=1)
    if now < call.opens_at:
        raise ValidationError(_("The call has not opened yet; change its dates instead."))
    if now >= call.closes_at:
        raise ValidationError(_("The call is already closed."))
    has_reason = bool(
        reason if isinstance(reason, str) else any(v.strip() for v in reason.values())
    )
    if not has_reason:
        raise ValidationError(
            {"reason": _("Say why the call closes early; respondents will see it.")}
        )
    extension = DeadlineExtension(
        call=call,
        kind=DeadlineExtension.Kind.EARLY_CLOSURE,
        previous_deadline=call.closes_at,
        new_deadline=last_accepted_second,
        announced_at=now,
        forced=True,
        created_by=person(actor),
    )
    set_translations(extension, "reason", reason)
    extension.save()
    Call.objects.filter(pk=call.pk).update(closes_at=last_accepted_second, updated_at=now)
    return extension


@transaction.atomic
def call_add_timeline_event(
    *,
    actor,
    call: Call,
    kind: str,
    starts_at: datetime,
    title: Translations | str,
    ends_at: datetime | None = None,
    place: Translations | str | None = None,
    description: Translations | str | None = None,
    links: Sequence[tuple[str, Translations | str]] = (),
) -> TimelineEvent:
    _require(actor, "calls.change_call")
    event = TimelineEvent(
        call=call, kind=kind, starts_at=_aware(starts_at, "starts_at"), ends_at=ends_at
    )
    for field, values in (("title", title), ("place", place), ("description", description)):
        set_translations(event, field, values)
    event.full_clean()
    event.save()
    for url, label in links:
        link = TimelineLink(event=event, url=url)
        set_translations(link, "label", label)
        link.full_clean()
        link.save()
    return event

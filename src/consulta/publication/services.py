"""Publication workflows: follow each submission's consent, moderate, redact, unpublish.

Consent always wins: a submission whose author chose ``private``, or withdrew it, loses its public
rendering at once, without waiting for anyone. Everything a moderator does is logged with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consulta.accounts.actors import person
from consulta.publication import search
from consulta.publication.models import (
    Contribution,
    ContributionCode,
    ModerationEvent,
    PublicationPolicy,
)
from consulta.publication.pii import find_personal_data
from consulta.submissions.models import Consent, Submission, SubmissionVersion

PUBLIC_CONSENTS = frozenset({Consent.PUBLISH_NAMED, Consent.PUBLISH_ANONYMOUS})
REDACTED = "[…]"


def _require_moderator(actor) -> None:
    if actor is None or not getattr(actor, "is_active", False) or not actor.has_perm("publication.change_contribution"):
        raise PermissionDenied(_("Only the secretariat can moderate publication."))


def policy_for(call) -> PublicationPolicy:
    policy, _created = PublicationPolicy.objects.get_or_create(call=call)
    return policy


def _apply_redactions(answers: Mapping, redactions: Mapping[str, Sequence[Sequence[int]]]) -> dict:
    public = {}
    for key, value in answers.items():
        spans = sorted(redactions.get(key, ()), reverse=True)
        if isinstance(value, str) and spans:
            for start, end in spans:
                value = value[:start] + REDACTED + value[end:]
        public[key] = value
    return public


def _render(contribution: Contribution, version: SubmissionVersion) -> None:
    """Copy the public parts of a version onto the contribution (redactions applied)."""
    submission = contribution.submission
    respondent = version.respondent
    named = version.consent == Consent.PUBLISH_NAMED
    contribution.published_version = version
    contribution.consent = version.consent
    contribution.author_name = respondent.get("name", "") if named else ""
    contribution.author_organisation = respondent.get("organisation", "") if named else ""
    contribution.stakeholder_type = respondent.get("stakeholder_type", "")
    contribution.country = respondent.get("country", "")
    contribution.region = respondent.get("region", "")
    contribution.language = version.language
    contribution.received_at = version.received_at
    contribution.answers = _apply_redactions(version.answers, contribution.redactions or {})
    contribution.attachment_ids = [a.pk for a in version.attachments.all()] if submission.pk else []
    contribution.search_document = _index_text(contribution)


def _index_text(contribution: Contribution) -> str:
    """What full-text search may match: only what the public sees (never an anonymous author's name)."""
    texts = [v if isinstance(v, str) else " ".join(v) for v in contribution.answers.values()]
    return search.search_document([contribution.author_name, contribution.author_organisation, *texts])


def _flags(version: SubmissionVersion) -> list[dict]:
    flags = []
    for key, value in version.answers.items():
        if isinstance(value, str):
            flags.extend(flag.as_dict() for flag in find_personal_data(key, value))
    return flags


def _withdraw(contribution: Contribution, reason: str) -> None:
    """Remove every public trace of a contribution, keeping the row and its audit trail."""
    contribution.state = Contribution.State.WITHDRAWN
    contribution.published_version = None
    contribution.pending_version = None
    contribution.answers = {}
    contribution.attachment_ids = []
    contribution.author_name = contribution.author_organisation = ""
    contribution.search_document = ""
    contribution.save()
    ContributionCode.objects.filter(contribution=contribution).delete()
    ModerationEvent.objects.create(contribution=contribution, action=ModerationEvent.Action.UNPUBLISHED, reason=reason)


@transaction.atomic
def contribution_sync(*, submission: Submission, approved_by=None, note: str = "") -> Contribution | None:
    """Bring the public side in line with a submission after it changed.

    ``approved_by`` publishes the current version at once in that moderator's name (bulk approval of
    inputs the secretariat already vetted, e.g. the demo data); otherwise the call's policy decides.
    """
    submission = Submission.objects.select_related("call", "current_version", "respondent").get(pk=submission.pk)
    contribution = Contribution.objects.select_for_update().filter(submission=submission).first()
    version = submission.current_version
    consented = (
        version is not None
        and submission.is_received
        and version.consent in PUBLIC_CONSENTS
        and submission.respondent.erased_at is None
    )
    if not consented:
        if contribution is not None and contribution.state != Contribution.State.WITHDRAWN:
            _withdraw(contribution, reason="consent withdrawn, submission withdrawn, rejected or erased")
            search.index_update([contribution.pk])
        return contribution

    policy = policy_for(submission.call)
    if contribution is None:
        contribution = Contribution(call=submission.call, submission=submission, reference=submission.reference)
    if contribution.published_version_id == version.pk or (
        contribution.pending_version_id == version.pk and approved_by is None
    ):
        return contribution
    contribution.flags = _flags(version)
    auto = policy.moderation == PublicationPolicy.Moderation.AFTER
    if approved_by is not None:
        _require_moderator(approved_by)
    if auto or approved_by is not None:
        _render(contribution, version)
        contribution.pending_version = None
        contribution.state = Contribution.State.PUBLISHED
        contribution.published_at = contribution.published_at or timezone.now()
        if approved_by is not None:
            contribution.moderated_by = person(approved_by)
            contribution.moderated_at = contribution.published_at
            contribution.moderation_note = note
        contribution.save()
        ModerationEvent.objects.create(
            contribution=contribution,
            action=ModerationEvent.Action.APPROVED if approved_by is not None else ModerationEvent.Action.AUTO_PUBLISHED,
            actor=person(approved_by),
            reason=note,
        )
    else:
        contribution.pending_version = version
        if contribution.state in (Contribution.State.WITHDRAWN, Contribution.State.REJECTED) or not contribution.pk:
            contribution.state = Contribution.State.PENDING
        if contribution.published_version_id and contribution.published_version.consent != version.consent:
            # A changed consent (named ↔ anonymous) applies at once to what is already public.
            _render(contribution, contribution.published_version)
            contribution.consent = version.consent
            named = version.consent == Consent.PUBLISH_NAMED
            contribution.author_name = version.respondent.get("name", "") if named else ""
            contribution.author_organisation = version.respondent.get("organisation", "") if named else ""
            contribution.search_document = _index_text(contribution)
        contribution.save()
        ModerationEvent.objects.create(contribution=contribution, action=ModerationEvent.Action.QUEUED)
    search.index_update([contribution.pk])
    return contribution


@transaction.atomic
def contribution_approve(*, actor, contribution: Contribution, note: str = "") -> Contribution:
    _require_moderator(actor)
    contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
    version = contribution.pending_version or contribution.published_version
    if version is None:
        raise ValidationError(_("Nothing is waiting for approval."))
    _render(contribution, version)
    contribution.pending_version = None
    contribution.state = Contribution.State.PUBLISHED
    contribution.moderated_by = person(actor)
    contribution.moderated_at = timezone.now()
    contribution.moderation_note = note
    contribution.published_at = contribution.published_at or contribution.moderated_at
    contribution.save()
    ModerationEvent.objects.create(
        contribution=contribution, action=ModerationEvent.Action.APPROVED, actor=person(actor), reason=note,
        details={"version": version.number},
    )
    search.index_update([contribution.pk])
    return contribution


@transaction.atomic
def contribution_reject(*, actor, contribution: Contribution, reason: str) -> Contribution:
    _require_moderator(actor)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why this contribution is not published; it is kept in the audit log.")})
    contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
    contribution.state = Contribution.State.REJECTED
    contribution.pending_version = None
    contribution.moderated_by = person(actor)
    contribution.moderated_at = timezone.now()
    contribution.moderation_note = reason
    contribution.save()
    ModerationEvent.objects.create(
        contribution=contribution, action=ModerationEvent.Action.REJECTED, actor=person(actor), reason=reason
    )
    search.index_update([contribution.pk])
    return contribution


@transaction.atomic
def contribution_redact(
    *, actor, contribution: Contribution, redactions: Mapping[str, Sequence[Sequence[int]]], reason: str
) -> Contribution:
    """Hide spans of the public rendering; the stored submission keeps the original text."""
    _require_moderator(actor)
    contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
    version = contribution.pending_version or contribution.published_version
    if version is None:
        raise ValidationError(_("There is no text to redact."))
    cleaned: dict[str, list[list[int]]] = {}
    for key, spans in redactions.items():
        text = version.answers.get(key)
        if not isinstance(text, str):
            raise ValidationError(_("“%(key)s” is not a text answer of this contribution.") % {"key": key})
        merged: list[list[int]] = []
        for start, end in sorted((int(a), int(b)) for a, b in spans):
            if not 0 <= start < end <= len(text):
                raise ValidationError(_("A redaction falls outside the answer “%(key)s”.") % {"key": key})
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        cleaned[key] = merged
    contribution.redactions = cleaned
    if contribution.published_version_id:
        _render(contribution, contribution.published_version)
    contribution.save()
    ModerationEvent.objects.create(
        contribution=contribution, action=ModerationEvent.Action.REDACTED, actor=person(actor), reason=reason,
        details={"redactions": cleaned},
    )
    search.index_update([contribution.pk])
    return contribution


def contribution_codes_replace(*, contribution: Contribution, codes: Iterable[str]) -> None:
    """The stable interface through which analysis results feed the public code filters."""
    wanted = sorted(set(codes))
    with transaction.atomic():
        ContributionCode.objects.filter(contribution=contribution).exclude(code__in=wanted).delete()
        existing = set(ContributionCode.objects.filter(contribution=contribution).values_list("code", flat=True))
        ContributionCode.objects.bulk_create(
            [ContributionCode(contribution=contribution, code=code) for code in wanted if code not in existing]
        )


def contributions_sync_call(*, references: Iterable[str]) -> int:
    count = 0
    for submission in Submission.objects.filter(reference__in=list(references)).iterator():
        contribution_sync(submission=submission)
        count += 1
    return count

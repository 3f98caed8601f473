"""What respondents and the secretariat do to submissions.

Every write is one transaction. A submit locks the submission row, so a double click, a re-sent POST
or a second tab can never make two versions out of one intention, and a stale tab is told, not obeyed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consulta.calls.models import Call, QuestionType, Timeliness
from consulta.submissions import attachments as files
from consulta.submissions.answers import CleanedAnswers, clean_answers, questionnaire
from consulta.submissions.models import (
    Attachment,
    Respondent,
    Source,
    Submission,
    SubmissionVersion,
    canonical_hash,
    new_reference,
)
from consulta.submissions.signals import submission_changed


class SubmissionClosed(Exception):
    """The call does not accept this write now (closed, not open yet, or edits have ended)."""


class StaleEdit(Exception):
    """The respondent edited an older version than the one now stored."""

    def __init__(self, current: SubmissionVersion | None):
        super().__init__("A newer version exists")
        self.current = current


class IncompleteSubmission(ValidationError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.field_errors = errors


@dataclass(frozen=True)
class SubmitResult:
    version: SubmissionVersion
    created: bool


def _create_with_reference(call: Call, **fields) -> Submission:
    """Insert with a fresh random reference; the unique constraint still guards the one-in-a-trillion race."""
    for _attempt in range(5):
        reference = new_reference(call)
        if not Submission.objects.filter(reference=reference).exists():
            return Submission.objects.create(call=call, reference=reference, **fields)
    raise IntegrityError("Could not allocate a unique reference")


def submission_start(
    *,
    call: Call,
    language: str = "",
    source: str = Source.FORM,
    draft_key: str | uuid.UUID | None = None,
) -> Submission:
    """Start a draft; requests carrying the same ``draft_key`` (a page's save and its autosave) share it."""
    if not call.timeliness(timezone.now()).accepted:
        raise SubmissionClosed(_("This call is not accepting contributions."))
    try:
        key = uuid.UUID(str(draft_key)) if draft_key else None
    except ValueError:
        key = None
    if key is not None:
        existing = Submission.objects.filter(call=call, draft_key=key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            respondent = Respondent.objects.create(language=language)
            return _create_with_reference(
                call, respondent=respondent, language=language, source=source, draft_key=key
            )
    except IntegrityError:
        existing = Submission.objects.filter(call=call, draft_key=key).first() if key else None
        if existing is None:
            raise
        return existing


def _attachments_in_draft(submission: Submission) -> list[Attachment]:
    ids = submission.draft_attachment_ids or []
    found = {a.pk: a for a in submission.attachments.filter(pk__in=ids)}
    return [found[i] for i in ids if i in found]


@transaction.atomic
def submission_save_draft(*, submission: Submission, data: Mapping[str, Any]) -> CleanedAnswers:
    """Keep what the respondent typed, even half-done; report malformed answers without losing them."""
    submission = (
        Submission.objects.select_for_update()
        .select_related("call", "respondent")
        .get(pk=submission.pk)
    )
    if not submission.editable_now():
        raise SubmissionClosed(
            _("The deadline has passed; this contribution can no longer be changed.")
        )
    specs = questionnaire(submission.call)
    keys = {spec.key for spec in specs if spec.type != QuestionType.FILE}
    kept = {key: data[key] for key in keys if key in data}
    submission.draft_answers = {**(submission.draft_answers or {}), **kept}
    submission.draft_updated_at = timezone.now()
    submission.save(update_fields=["draft_answers", "draft_updated_at", "updated_at"])
    cleaned = clean_answers(
        specs,
        submission.draft_answers,
        require_complete=False,
        attachment_count=len(submission.draft_attachment_ids or []),
    )
    # Keep the address with the draft so that "e-mail me a link" finds drafts too.
    email = cleaned.respondent.get("email")
    if email and "email" not in cleaned.errors and submission.respondent.email != email:
        submission.respondent.email = email
        submission.respondent.save(update_fields=["email"])
    return cleaned


@transaction.atomic
def submission_attach(*, submission: Submission, stream: BinaryIO, filename: str) -> Attachment:
    """Store an uploaded file with the draft at once, so a validation error elsewhere never loses it."""
    submission = Submission.objects.select_for_update().select_related("call").get(pk=submission.pk)
    if not submission.editable_now():
        raise SubmissionClosed(
            _("The deadline has passed; this contribution can no longer be changed.")
        )
    in_draft = _attachments_in_draft(submission)
    if len(in_draft) >= settings.CONSULTA_MAX_FILES_PER_SUBMISSION:
        raise files.AttachmentRejected(
            "too_many",
            _("A contribution can have at most %(n)s files; remove one first.")
            % {"n": settings.CONSULTA_MAX_FILES_PER_SUBMISSION},
        )
    inspected = files.inspect_upload(
        stream,
        filename=filename,
        max_bytes=settings.CONSULTA_MAX_FILE_BYTES,
        allowed_kinds=settings.CONSULTA_ATTACHMENT_KINDS,
    )
    total = sum(a.size for a in in_draft) + inspected.size
    if total > settings.CONSULTA_MAX_SUBMISSION_BYTES:
        raise files.AttachmentRejected(
            "too_large",
            _("Together the files would exceed %(limit)s for one contribution.")
            % {"limit": files.human_size(settings.CONSULTA_MAX_SUBMISSION_BYTES)},
        )
    stream.seek(0)
    attachment = Attachment.of_inspected(inspected, original_name=filename, submission=submission)
    attachment.file.save(
        f"{uuid.uuid4().hex}.{inspected.kind}", ContentFile(stream.read()), save=False
    )
    attachment.save()
    submission.draft_attachment_ids = [*(submission.draft_attachment_ids or []), attachment.pk]
    submission.save(update_fields=["draft_attachment_ids", "updated_at"])
    return attachment


@transaction.atomic
def submission_detach(*, submission: Submission, attachment_id: int) -> None:
    submission = Submission.objects.select_for_update().select_related("call").get(pk=submission.pk)
    if not submission.editable_now():
        raise SubmissionClosed(
            _("The deadline has passed; this contribution can no longer be changed.")
        )
    submission.draft_attachment_ids = [
        i for i in submission.draft_attachment_ids or [] if i != attachment_id
    ]
    submission.save(update_fields=["draft_attachment_ids", "updated_at"])


def _apply_respondent(respondent: Respondent, values: Mapping[str, Any]) -> None:
    for key, value in values.items():
        setattr(respondent, key, value)
    respondent.full_clean()
    respondent.save()


@transaction.atomic
def submission_submit(
    *,
    submission: Submission,
    idempotency_key: str | uuid.UUID,
    base_version: int,
    now: datetime | None = None,
) -> SubmitResult:
    """Freeze the draft as a new version, once per idempotency key.

    ``base_version`` is the version the respondent was editing; if someone (another tab) has submitted
    since, the edit is refused with StaleEdit rather than silently overwriting the newer version.
    """
    key = uuid.UUID(str(idempotency_key))
    submission = (
        Submission.objects.select_for_update()
        .select_related("call", "respondent")
        .get(pk=submission.pk)
    )
    # Checked after taking the lock: a concurrent duplicate waits here, then finds the first one's version.
    previous = SubmissionVersion.objects.filter(idempotency_key=key).first()
    if previous is not None:
        if previous.submission_id != submission.pk:
            raise PermissionDenied("This form token belongs to another contribution.")
        return SubmitResult(previous, created=False)
    if submission.version_count != base_version:
        raise StaleEdit(submission.current_version)

    now = now or timezone.now()
    call = submission.call
    timeliness = call.timeliness(now)
    if submission.status == Submission.Status.WITHDRAWN:
        raise SubmissionClosed(_("This contribution was withdrawn."))
    if submission.status == Submission.Status.SUBMITTED and timeliness != Timeliness.ON_TIME:
        raise SubmissionClosed(
            _("The deadline has passed; this contribution can no longer be changed.")
        )
    if not timeliness.accepted:
        raise SubmissionClosed(_("This call is not accepting contributions."))

    in_draft = _attachments_in_draft(submission)
    cleaned = clean_answers(
        questionnaire(call),
        submission.draft_answers or {},
        require_complete=True,
        attachment_count=len(in_draft),
    )
    if not cleaned.ok:
        raise IncompleteSubmission(cleaned.errors)

    _apply_respondent(submission.respondent, cleaned.respondent)
    version = _freeze_version(
        submission=submission,
        cleaned=cleaned,
        attachments=in_draft,
        received_at=now,
        timeliness=timeliness,
        idempotency_key=key,
    )
    if _tasks_share_the_transaction():
        _queue_receipt(version.pk)  # the receipt's job commits with the version, or neither does
    else:
        transaction.on_commit(lambda: _queue_receipt(version.pk))
    _announce(submission)
    return SubmitResult(version, created=True)


def _freeze_version(
    *,
    submission: Submission,
    cleaned: CleanedAnswers,
    attachments: list[Attachment],
    received_at: datetime,
    timeliness: Timeliness,
    idempotency_key: uuid.UUID | None,
) -> SubmissionVersion:
    respondent = submission.respondent.snapshot()
    language = (
        cleaned.respondent.get("language")
        or submission.language
        or respondent.get("language")
        or ""
    )
    digests = SubmissionVersion.digests_of(attachments)
    payload = SubmissionVersion.hash_payload(
        answers=cleaned.answers,
        respondent=respondent,
        consent=cleaned.consent,
        language=language,
        attachment_digests=digests,
    )
    version = SubmissionVersion.objects.create(
        submission=submission,
        number=submission.version_count + 1,
        answers=cleaned.answers,
        respondent=respondent,
        consent=cleaned.consent,
        language=language,
        attachment_digests=digests,
        content_hash=canonical_hash(payload),
        received_at=received_at,
        timeliness=timeliness,
        idempotency_key=idempotency_key,
    )
    if attachments:
        version.attachments.set(attachments)
    first = submission.status != Submission.Status.SUBMITTED
    submission.status = Submission.Status.SUBMITTED
    submission.current_version = version
    submission.version_count = version.number
    submission.consent = cleaned.consent
    submission.language = language
    submission.last_submitted_at = received_at
    if first:
        submission.first_submitted_at = received_at
        if timeliness == Timeliness.LATE_FLAGGED:
            submission.late_review = Submission.LateReview.PENDING
        elif timeliness == Timeliness.LATE_ACCEPTED:
            submission.late_review = Submission.LateReview.ACCEPTED
    submission.save()
    return version


def _announce(submission: Submission) -> None:
    """Tell later stages, once the change is committed, that this submission changed."""
    transaction.on_commit(lambda: submission_changed.send(sender=Submission, submission=submission))


def _tasks_share_the_transaction() -> bool:
    """True when jobs are rows of this database, so enqueuing inside a transaction is atomic with it.
    (A crash between COMMIT and an on-commit hook would otherwise leave a version whose receipt is never
    sent; other backends, which may run the job at once, still wait for the commit.)"""
    from django_tasks import task_backends
    from django_tasks_db import DatabaseBackend

    from consulta.submissions.tasks import send_receipt

    # The backend itself: ``default_task_backend`` is a proxy, which isinstance() never recognises.
    return isinstance(task_backends[send_receipt.backend], DatabaseBackend)


def _queue_receipt(version_id: int) -> None:
    from consulta.submissions.tasks import send_receipt

    send_receipt.enqueue(version_id)


def submission_edit_start(*, submission: Submission) -> Submission:
    """Open a submitted contribution for editing: the draft starts from the current version."""
    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update()
            .select_related("call", "respondent")
            .get(pk=submission.pk)
        )
        if not submission.editable_now():
            raise SubmissionClosed(
                _("The deadline has passed; this contribution can no longer be changed.")
            )
        version = submission.current_version
        if version is not None and not submission.draft_updated_at:
            submission.draft_answers = draft_from_version(version)
            submission.draft_attachment_ids = list(version.attachments.values_list("pk", flat=True))
            submission.save(update_fields=["draft_answers", "draft_attachment_ids", "updated_at"])
        return submission


def draft_from_version(version: SubmissionVersion) -> dict[str, Any]:
    respondent = dict(version.respondent)
    respondent.pop("region", None)
    behalf = respondent.get("on_behalf_of_organisation")
    respondent["on_behalf_of_organisation"] = "yes" if behalf else "no"
    return {**version.answers, **respondent, "consent": version.consent}


@transaction.atomic
def submission_decide_late(
    *, actor, submission: Submission, accept: bool, reason: str
) -> Submission:
    if not actor.has_perm("submissions.change_submission"):
        raise PermissionDenied(_("Only the secretariat can decide on late submissions."))
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if not submission.is_late:
        raise ValidationError(_("This submission was on time."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason; it is kept in the audit trail.")})
    submission.late_review = (
        Submission.LateReview.ACCEPTED if accept else Submission.LateReview.REJECTED
    )
    submission.late_reason = reason.strip()
    submission.late_reviewed_by = actor
    submission.late_reviewed_at = timezone.now()
    submission._change_reason = reason.strip()
    submission._history_user = actor
    submission.save()
    _announce(submission)
    return submission


@transaction.atomic
def submission_withdraw(*, submission: Submission) -> Submission:
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.status != Submission.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted contribution can be withdrawn."))
    submission.status = Submission.Status.WITHDRAWN
    submission._change_reason = "withdrawn by the author"
    submission.save()
    _announce(submission)
    return submission

"""Respondent and secretariat workflows on submissions, with frozen time for deadlines."""

import io
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from consulta.calls.models import LatePolicy, Timeliness
from consulta.submissions import services
from consulta.submissions.models import Submission, SubmissionVersion

from .conftest import CLOSES, DURING

pytestmark = pytest.mark.django_db


@pytest.fixture
def during():
    with time_machine.travel(DURING, tick=False):
        yield


def draft_with(call, answers):
    submission = services.submission_start(call=call, language="fr")
    services.submission_save_draft(submission=submission, data=answers)
    return submission


def test_it_submits_a_complete_draft_as_version_one_with_a_verifiable_hash(
    open_call, complete_answers, during
):
    submission = draft_with(open_call, complete_answers)
    result = services.submission_submit(
        submission=submission, idempotency_key=uuid.uuid4(), base_version=0
    )
    assert result.created and result.version.number == 1
    version = SubmissionVersion.objects.get(pk=result.version.pk)
    assert version.content_hash == version.recompute_hash() and len(version.content_hash) == 64
    assert version.answers == {
        "achievements": "Les centres communautaires ont connecté 40 villages.\n\nLe coût reste un obstacle.",
        "topics": ["funding", "ai"],
    }
    submission.refresh_from_db()
    assert (
        submission.status == Submission.Status.SUBMITTED
        and submission.consent == "publish_anonymous"
    )
    assert submission.respondent.email == "amina@example.org"
    assert submission.respondent.region == "africa"
    assert (
        submission.reference.startswith("CONNECT-")
        and len(submission.reference) == len("CONNECT-") + 8
    )


def test_it_refuses_an_incomplete_submission_naming_each_missing_answer(open_call, during):
    submission = draft_with(open_call, {"name": "Only a name"})
    with pytest.raises(services.IncompleteSubmission) as refused:
        services.submission_submit(
            submission=submission, idempotency_key=uuid.uuid4(), base_version=0
        )
    assert set(refused.value.field_errors) == {
        "email",
        "stakeholder_type",
        "country",
        "achievements",
        "consent",
    }
    assert not SubmissionVersion.objects.exists()


def test_it_makes_one_version_from_a_repeated_submit(open_call, complete_answers, during):
    submission = draft_with(open_call, complete_answers)
    key = uuid.uuid4()
    first = services.submission_submit(submission=submission, idempotency_key=key, base_version=0)
    again = services.submission_submit(submission=submission, idempotency_key=key, base_version=0)
    assert not again.created and again.version.pk == first.version.pk
    assert SubmissionVersion.objects.count() == 1


def test_it_refuses_a_stale_edit_instead_of_overwriting(open_call, complete_answers, during):
    submission = draft_with(open_call, complete_answers)
    services.submission_submit(submission=submission, idempotency_key=uuid.uuid4(), base_version=0)
    services.submission_save_draft(
        submission=submission, data={"achievements": "Second tab's text."}
    )
    services.submission_submit(submission=submission, idempotency_key=uuid.uuid4(), base_version=1)
    # A third tab, still on version 1, tries to submit.
    with pytest.raises(services.StaleEdit) as stale:
        services.submission_submit(
            submission=submission, idempotency_key=uuid.uuid4(), base_version=1
        )
    assert stale.value.current.number == 2
    assert submission.versions.count() == 2


def test_it_keeps_every_version_and_tracks_the_current_one(open_call, complete_answers, during):
    submission = draft_with(open_call, complete_answers)
    services.submission_submit(submission=submission, idempotency_key=uuid.uuid4(), base_version=0)
    services.submission_save_draft(submission=submission, data={"consent": "private"})
    second = services.submission_submit(
        submission=submission, idempotency_key=uuid.uuid4(), base_version=1
    )
    submission.refresh_from_db()
    assert submission.current_version == second.version and submission.consent == "private"
    assert [v.consent for v in submission.versions.all()] == ["publish_anonymous", "private"]
    with pytest.raises(ValidationError):
        second.version.answers = {}
        second.version.save()


def test_it_allows_edits_until_the_deadline_and_not_one_second_after(open_call, complete_answers):
    with time_machine.travel(DURING, tick=False):
        submission = draft_with(open_call, complete_answers)
        services.submission_submit(
            submission=submission, idempotency_key=uuid.uuid4(), base_version=0
        )
    with time_machine.travel(CLOSES, tick=False):
        services.submission_save_draft(
            submission=submission, data={"achievements": "Last-second edit."}
        )
        services.submission_submit(
            submission=submission, idempotency_key=uuid.uuid4(), base_version=1
        )
    with time_machine.travel(CLOSES + timedelta(seconds=1), tick=False):
        submission.refresh_from_db()
        assert not submission.editable_now()
        with pytest.raises(services.SubmissionClosed):
            services.submission_save_draft(
                submission=submission, data={"achievements": "Too late."}
            )
    assert submission.versions.count() == 2


def test_it_flags_a_late_first_submission_for_the_secretariat(
    open_call, complete_answers, secretariat, outsider
):
    with time_machine.travel(DURING, tick=False):
        submission = draft_with(open_call, complete_answers)
    with time_machine.travel(CLOSES + timedelta(hours=2), tick=False):
        result = services.submission_submit(
            submission=submission, idempotency_key=uuid.uuid4(), base_version=0
        )
    assert result.version.timeliness == Timeliness.LATE_FLAGGED
    submission.refresh_from_db()
    assert submission.late_review == Submission.LateReview.PENDING

    with pytest.raises(PermissionDenied):
        services.submission_decide_late(
            actor=outsider, submission=submission, accept=True, reason="why not"
        )
    with pytest.raises(ValidationError):
        services.submission_decide_late(
            actor=secretariat, submission=submission, accept=False, reason=" "
        )
    services.submission_decide_late(
        actor=secretariat,
        submission=submission,
        accept=False,
        reason="Arrived after the analysis started.",
    )
    submission.refresh_from_db()
    assert submission.late_review == Submission.LateReview.REJECTED and not submission.is_received
    audit = submission.history.latest()
    assert audit.history_user == secretariat
    assert audit.history_change_reason == "Arrived after the analysis started."


def test_it_refuses_a_late_submission_when_the_call_rejects_them(open_call, complete_answers):
    open_call.late_policy = LatePolicy.REJECT
    open_call.save()
    with time_machine.travel(DURING, tick=False):
        submission = draft_with(open_call, complete_answers)
    with (
        time_machine.travel(CLOSES + timedelta(seconds=1), tick=False),
        pytest.raises(services.SubmissionClosed),
    ):
        services.submission_submit(
            submission=submission, idempotency_key=uuid.uuid4(), base_version=0
        )
    assert not SubmissionVersion.objects.exists()


def test_it_keeps_an_uploaded_file_with_the_draft_and_in_the_version(
    open_call, complete_answers, during
):
    submission = draft_with(open_call, {"name": "A"})
    attachment = services.submission_attach(
        submission=submission,
        stream=io.BytesIO(b"Texte du document.\n"),
        filename="../../notes.pdf",
    )
    assert attachment.kind == "txt" and attachment.name == "notes.txt"
    assert attachment.text.strip() == "Texte du document."
    services.submission_save_draft(submission=submission, data=complete_answers)
    version = services.submission_submit(
        submission=submission, idempotency_key=uuid.uuid4(), base_version=0
    ).version
    assert list(version.attachments.all()) == [attachment]
    assert version.attachment_digests == [{"name": "notes.txt", "sha256": attachment.sha256}]
    assert version.recompute_hash() == version.content_hash


def test_it_refuses_more_files_than_allowed(open_call, settings, during):
    from consulta.submissions.attachments import AttachmentRejected

    settings.CONSULTA_MAX_FILES_PER_SUBMISSION = 1
    submission = draft_with(open_call, {"name": "A"})
    services.submission_attach(submission=submission, stream=io.BytesIO(b"one\n"), filename="a.txt")
    with pytest.raises(AttachmentRejected):
        services.submission_attach(
            submission=submission, stream=io.BytesIO(b"two\n"), filename="b.txt"
        )


def test_it_refuses_to_start_a_draft_before_the_call_opens(open_call):
    with (
        time_machine.travel(open_call.opens_at - timedelta(seconds=1), tick=False),
        pytest.raises(services.SubmissionClosed),
    ):
        services.submission_start(call=open_call)


def test_it_lets_the_author_withdraw_a_submission(open_call, complete_answers, during):
    submission = draft_with(open_call, complete_answers)
    services.submission_submit(submission=submission, idempotency_key=uuid.uuid4(), base_version=0)
    services.submission_withdraw(submission=submission)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.WITHDRAWN and not submission.is_received
    with pytest.raises(services.SubmissionClosed):
        services.submission_submit(
            submission=submission, idempotency_key=uuid.uuid4(), base_version=1
        )


def test_it_queues_the_receipt_in_the_same_transaction_as_the_version(open_call, complete_answers, during, settings):
    """On the database task backend a crash can never leave a stored version whose receipt is not queued."""
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    submission = draft_with(open_call, complete_answers)
    receipts = DBTaskResult.objects.filter(task_path="consulta.submissions.tasks.send_receipt")
    with pytest.raises(RuntimeError), transaction.atomic():
        result = services.submission_submit(submission=submission, idempotency_key=uuid.uuid4(), base_version=0)
        assert receipts.get().args_kwargs["args"] == [result.version.pk]  # queued before any commit
        raise RuntimeError("the process dies before COMMIT")
    assert not SubmissionVersion.objects.exists() and not receipts.exists()
    result = services.submission_submit(submission=submission, idempotency_key=uuid.uuid4(), base_version=0)
    assert receipts.get().args_kwargs["args"] == [result.version.pk]

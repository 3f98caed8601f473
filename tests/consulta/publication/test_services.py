"""Publication follows consent; moderation approves, refuses and redacts, and logs who did it."""

import uuid

import pytest
import time_machine

from consulta.publication import services
from consulta.publication.models import Contribution, ModerationEvent, PublicationPolicy
from consulta.submissions import services as submission_services
from consulta.submissions.models import Submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_one(wsis20_published):
    return Submission.objects.filter(call=wsis20_published, consent="private").first()


def test_it_publishes_only_consented_submissions(wsis20_published):
    assert Contribution.objects.filter(state="published").count() == 82
    private = Submission.objects.filter(call=wsis20_published, consent="private")
    assert private.count() == 14
    assert not Contribution.objects.filter(submission__in=private).exists()


def test_it_hides_names_of_anonymous_contributions(wsis20_published):
    anonymous = Contribution.objects.filter(consent="publish_anonymous", state="published").first()
    assert anonymous.author_name == "" and anonymous.author_organisation == ""
    named = Contribution.objects.filter(consent="publish_named", state="published").first()
    assert named.author_name == named.submission.respondent.name


def test_it_queues_a_new_submission_until_the_secretariat_approves(wsis20_published, secretariat):
    submission = Submission.objects.filter(call=wsis20_published, consent="publish_named").first()
    contribution = submission.contribution
    contribution.state = Contribution.State.WITHDRAWN
    contribution.published_version = None
    contribution.save()
    services.contribution_sync(submission=submission)
    contribution.refresh_from_db()
    assert contribution.state == Contribution.State.PENDING and not contribution.is_public
    services.contribution_approve(actor=secretariat, contribution=contribution, note="checked")
    contribution.refresh_from_db()
    assert contribution.is_public and contribution.moderated_by == secretariat
    assert contribution.events.filter(
        action=ModerationEvent.Action.APPROVED, actor=secretariat
    ).exists()


def test_it_refuses_moderation_to_anyone_but_the_secretariat(wsis20_published, analyst, outsider):
    contribution = Contribution.objects.filter(state="published").first()
    for persona in (analyst, outsider):
        with pytest.raises(services.PermissionDenied):
            services.contribution_reject(actor=persona, contribution=contribution, reason="no")
        with pytest.raises(services.PermissionDenied):
            services.contribution_redact(
                actor=persona, contribution=contribution, redactions={}, reason="x"
            )


def test_it_redacts_the_public_copy_and_keeps_the_original(wsis20_published, secretariat):
    contribution = Contribution.objects.filter(state="published").first()
    key, text = next(
        (k, v) for k, v in contribution.published_version.answers.items() if isinstance(v, str)
    )
    services.contribution_redact(
        actor=secretariat,
        contribution=contribution,
        redactions={key: [[0, 10]]},
        reason="a phone number",
    )
    contribution.refresh_from_db()
    assert contribution.answers[key] == "[…]" + text[10:]
    assert contribution.published_version.answers[key] == text  # the stored original is untouched
    event = contribution.events.get(action=ModerationEvent.Action.REDACTED)
    assert event.actor == secretariat and event.reason == "a phone number"
    with pytest.raises(services.ValidationError):
        services.contribution_redact(
            actor=secretariat, contribution=contribution, redactions={key: [[0, 10**6]]}, reason="x"
        )


def test_it_unpublishes_at_once_when_the_author_makes_it_private(wsis20_published):
    contribution = Contribution.objects.filter(state="published", consent="publish_named").first()
    submission = contribution.submission
    call = wsis20_published
    with time_machine.travel(call.closes_at.timestamp() - 3600, tick=False):
        submission_services.submission_edit_start(submission=submission)
        submission_services.submission_save_draft(
            submission=submission, data={"consent": "private"}
        )
        submission_services.submission_submit(
            submission=submission,
            idempotency_key=uuid.uuid4(),
            base_version=submission.version_count,
        )
    services.contribution_sync(
        submission=submission
    )  # the signal runs it after commit in production
    contribution.refresh_from_db()
    assert contribution.state == Contribution.State.WITHDRAWN
    assert (
        contribution.answers == {}
        and contribution.search_document == ""
        and contribution.author_name == ""
    )
    assert contribution.events.filter(action=ModerationEvent.Action.UNPUBLISHED).exists()


def test_it_publishes_at_once_when_the_call_moderates_afterwards(
    open_call_published_after, complete_submission
):
    contribution = Contribution.objects.get(submission=complete_submission)
    assert contribution.state == Contribution.State.PUBLISHED
    assert contribution.events.filter(action=ModerationEvent.Action.AUTO_PUBLISHED).exists()


@pytest.fixture
def open_call_published_after(wsis20_published):
    from consulta.calls.seeding import call_seed

    call = call_seed(slug="practice").call
    PublicationPolicy.objects.create(call=call, moderation=PublicationPolicy.Moderation.AFTER)
    return call


@pytest.fixture
def complete_submission(open_call_published_after, django_capture_on_commit_callbacks):
    call = open_call_published_after
    submission = submission_services.submission_start(call=call)
    submission_services.submission_save_draft(
        submission=submission,
        data={
            "name": "Kofi Mensah",
            "email": "kofi@example.org",
            "stakeholder_type": "academia",
            "country": "GH",
            "language": "en",
            "on_behalf_of_organisation": "no",
            "achievements_challenges": "Community networks connected twelve villages.",
            "consent": "publish_named",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        submission_services.submission_submit(
            submission=submission, idempotency_key=uuid.uuid4(), base_version=0
        )
    return submission


def test_it_flags_likely_personal_data_for_the_moderator(
    open_call_published_after, django_capture_on_commit_callbacks
):
    call = open_call_published_after
    submission = submission_services.submission_start(call=call)
    submission_services.submission_save_draft(
        submission=submission,
        data={
            "name": "A",
            "email": "a@example.org",
            "stakeholder_type": "other",
            "country": "FR",
            "language": "fr",
            "on_behalf_of_organisation": "no",
            "consent": "publish_anonymous",
            "achievements_challenges": "Écrivez-moi à jean.dupont@example.fr ou au +33 6 12 34 56 78, 12 rue de la Paix.",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        submission_services.submission_submit(
            submission=submission, idempotency_key=uuid.uuid4(), base_version=0
        )
    kinds = sorted(flag["kind"] for flag in Contribution.objects.get(submission=submission).flags)
    assert kinds == ["address", "email", "phone"]

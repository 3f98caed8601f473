"""The secretariat's workflows on a call, and who may run them."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from consulta.calls import services
from consulta.calls.models import CallStatus, DeadlineExtension

GENEVA = ZoneInfo("Europe/Zurich")
pytestmark = pytest.mark.django_db


@pytest.fixture
def during_the_call():
    with time_machine.travel(datetime(2025, 2, 1, 12, 0, tzinfo=GENEVA), tick=False):
        yield


def test_it_extends_the_deadline_and_keeps_the_history(make_call, secretariat, during_the_call):
    call = make_call(closes=datetime(2025, 1, 31, 23, 59, 59, tzinfo=GENEVA))
    services.call_extend_deadline(
        actor=secretariat,
        call=call,
        new_deadline=datetime(2025, 3, 14, 23, 59, 59, tzinfo=GENEVA),
        reason={
            "en": "At the request of several regional groups.",
            "fr": "À la demande de groupes régionaux.",
        },
    )
    call.refresh_from_db()
    assert call.closes_at == datetime(2025, 3, 14, 23, 59, 59, tzinfo=GENEVA)
    assert call.original_deadline == datetime(2025, 1, 31, 23, 59, 59, tzinfo=GENEVA)
    (record,) = call.extensions.all()
    assert record.kind == DeadlineExtension.Kind.EXTENSION
    assert record.created_by == secretariat and not record.forced
    assert record.translated("reason", "fr").text == "À la demande de groupes régionaux."
    assert call.status() == CallStatus.EXTENDED


def test_it_refuses_to_shorten_the_deadline_unless_forced_with_a_reason(
    make_call, secretariat, during_the_call
):
    call = make_call()
    earlier = datetime(2025, 3, 1, 23, 59, 59, tzinfo=GENEVA)
    with pytest.raises(ValidationError, match="brings the deadline forward"):
        services.call_extend_deadline(actor=secretariat, call=call, new_deadline=earlier)
    with pytest.raises(ValidationError):
        services.call_extend_deadline(
            actor=secretariat, call=call, new_deadline=earlier, force=True
        )
    assert not call.extensions.exists()

    record = services.call_extend_deadline(
        actor=secretariat,
        call=call,
        new_deadline=earlier,
        force=True,
        reason="Council session moved.",
    )
    assert record.forced and record.kind == DeadlineExtension.Kind.SHORTENING
    call.refresh_from_db()
    assert call.closes_at == earlier


def test_it_refuses_a_deadline_in_the_past_unless_forced(make_call, secretariat, during_the_call):
    call = make_call(closes=datetime(2025, 2, 28, 23, 59, 59, tzinfo=GENEVA))
    past = datetime(2025, 1, 20, 23, 59, 59, tzinfo=GENEVA)
    with pytest.raises(ValidationError, match="lies in the past"):
        services.call_extend_deadline(actor=secretariat, call=call, new_deadline=past)
    call.refresh_from_db()
    assert call.closes_at == datetime(2025, 2, 28, 23, 59, 59, tzinfo=GENEVA)


def test_it_refuses_a_deadline_before_the_opening_even_when_forced(
    make_call, secretariat, during_the_call
):
    call = make_call()
    with pytest.raises(ValidationError, match="after the call opens"):
        services.call_extend_deadline(
            actor=secretariat,
            call=call,
            new_deadline=datetime(2025, 1, 1, tzinfo=GENEVA),
            force=True,
            reason="typo",
        )


def test_it_refuses_a_naive_deadline(make_call, secretariat, during_the_call):
    call = make_call()
    with pytest.raises(ValidationError, match="time zone"):
        services.call_extend_deadline(
            actor=secretariat, call=call, new_deadline=datetime(2025, 4, 1)
        )


def test_it_closes_early_with_a_reason_and_records_it(make_call, secretariat, during_the_call):
    call = make_call()
    with pytest.raises(ValidationError, match="Say why"):
        services.call_close_early(actor=secretariat, call=call, reason="")
    services.call_close_early(actor=secretariat, call=call, reason="Mandate ended early.")
    call.refresh_from_db()
    assert call.status() == CallStatus.CLOSED
    assert call.extensions.get().kind == DeadlineExtension.Kind.EARLY_CLOSURE
    with pytest.raises(ValidationError, match="already closed"):
        services.call_close_early(actor=secretariat, call=call, reason="again")


def test_it_does_not_let_an_edit_move_the_deadline_behind_the_history(make_call, secretariat):
    call = make_call()
    with pytest.raises(ValidationError, match="extension"):
        services.call_update(
            actor=secretariat, call=call, closes_at=datetime(2025, 5, 1, tzinfo=GENEVA)
        )
    services.call_update(
        actor=secretariat, call=call, title={"es": "Convocatoria sobre conectividad rural"}
    )
    call.refresh_from_db()
    assert call.translated("title", "es").text == "Convocatoria sobre conectividad rural"


def test_it_adds_and_reorders_questions(make_call, secretariat):
    call = make_call()
    services.call_add_question(
        actor=secretariat,
        call=call,
        key="sector",
        section_key="inputs",
        type="single_choice",
        prompt="Which sector?",
        choices=[("health", {"en": "Health", "fr": "Santé"}), ("education", "Education")],
    )
    services.call_reorder_questions(actor=secretariat, call=call, keys=["sector", "what_works"])
    assert [q.key for q in call.questions.all()] == ["sector", "what_works"]
    assert [c.value for c in call.questions.get(key="sector").choices.all()] == [
        "health",
        "education",
    ]
    with pytest.raises(ValidationError, match="leaves out"):
        services.call_reorder_questions(actor=secretariat, call=call, keys=["sector"])
    with pytest.raises(ValidationError, match="Unknown question"):
        services.call_reorder_questions(
            actor=secretariat, call=call, keys=["nope", "sector", "what_works"]
        )


def test_it_refuses_a_choice_question_without_choices_and_a_duplicate_key(make_call, secretariat):
    call = make_call()
    with pytest.raises(ValidationError):
        services.call_add_question(
            actor=secretariat,
            call=call,
            key="sector",
            section_key="inputs",
            type="single_choice",
            prompt="?",
        )
    with pytest.raises(ValidationError):
        services.call_add_question(
            actor=secretariat,
            call=call,
            key="what_works",
            section_key="inputs",
            type="long_text",
            prompt="?",
        )


@pytest.mark.parametrize("persona", ["outsider", "respondent", "analyst"])
def test_it_refuses_every_secretariat_service_to_other_personas(
    persona, request, make_call, during_the_call
):
    user = request.getfixturevalue(persona)
    call = make_call()
    attempts = [
        lambda: services.call_create(
            actor=user,
            slug="x",
            owner="x",
            title="x",
            opens_at=datetime(2025, 1, 1, tzinfo=GENEVA),
            closes_at=datetime(2025, 2, 1, tzinfo=GENEVA),
        ),
        lambda: services.call_update(actor=user, call=call, title="Hijacked"),
        lambda: services.call_add_section(actor=user, call=call, key="s2", title="x"),
        lambda: services.call_add_question(
            actor=user, call=call, key="q2", section_key="inputs", type="short_text", prompt="x"
        ),
        lambda: services.call_reorder_questions(actor=user, call=call, keys=["what_works"]),
        lambda: services.call_extend_deadline(
            actor=user, call=call, new_deadline=datetime(2025, 6, 1, tzinfo=GENEVA)
        ),
        lambda: services.call_close_early(actor=user, call=call, reason="x"),
        lambda: services.call_add_timeline_event(
            actor=user,
            call=call,
            kind="side_event",
            starts_at=datetime(2025, 7, 9, tzinfo=GENEVA),
            title="x",
        ),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    call.refresh_from_db()
    assert call.title == "Call for inputs on rural connectivity"
    assert not call.extensions.exists()

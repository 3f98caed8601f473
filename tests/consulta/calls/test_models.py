"""Deadlines, grace periods and status as a respondent and the secretariat experience them."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from consulta.calls.models import CallStatus, LatePolicy, Timeliness

GENEVA = ZoneInfo("Europe/Zurich")
pytestmark = pytest.mark.django_db


def test_it_counts_a_submission_at_235959_on_the_deadline_day_as_on_time(make_call):
    call = make_call(closes=datetime(2025, 3, 14, 23, 59, 59, tzinfo=GENEVA))
    assert call.timeliness(datetime(2025, 3, 14, 23, 59, 59, tzinfo=GENEVA)) == Timeliness.ON_TIME
    # A fraction of that last second still belongs to it.
    assert (
        call.timeliness(datetime(2025, 3, 14, 23, 59, 59, 900000, tzinfo=GENEVA))
        == Timeliness.ON_TIME
    )


def test_it_treats_one_second_after_deadline_plus_grace_as_late(make_call):
    call = make_call(grace_period=timedelta(minutes=15), late_policy=LatePolicy.ACCEPT_FLAGGED)
    deadline = datetime(2025, 3, 14, 23, 59, 59, tzinfo=GENEVA)
    assert call.timeliness(deadline + timedelta(minutes=15)) == Timeliness.ON_TIME
    assert call.timeliness(deadline + timedelta(minutes=15, seconds=1)) == Timeliness.LATE_FLAGGED


def test_it_applies_the_late_policy_after_the_deadline(make_call):
    after = datetime(2025, 3, 15, 0, 0, 0, tzinfo=GENEVA)
    assert make_call("a", late_policy=LatePolicy.REJECT).timeliness(after) == Timeliness.REJECTED
    assert (
        make_call("b", late_policy=LatePolicy.ACCEPT).timeliness(after) == Timeliness.LATE_ACCEPTED
    )
    assert not Timeliness.REJECTED.accepted
    assert Timeliness.LATE_FLAGGED.accepted


def test_it_keeps_the_wall_clock_deadline_across_a_daylight_saving_change(make_call):
    # Europe switches to summer time on 30 March 2025 at 02:00; a deadline that evening is at +02:00.
    call = make_call(
        opens=datetime(2025, 3, 1, 9, 0, tzinfo=GENEVA),
        closes=datetime(2025, 3, 30, 23, 59, 59, tzinfo=GENEVA),
    )
    call.refresh_from_db()
    assert call.local(call.closes_at).utcoffset() == timedelta(hours=2)
    assert call.closes_at == datetime(2025, 3, 30, 21, 59, 59, tzinfo=ZoneInfo("UTC"))
    # One hour "before" in winter-time arithmetic is still before the deadline, not after it.
    last_second = datetime(2025, 3, 30, 21, 59, 59, tzinfo=ZoneInfo("UTC"))
    assert call.timeliness(last_second) == Timeliness.ON_TIME
    assert call.timeliness(last_second + timedelta(seconds=1)) == Timeliness.LATE_FLAGGED


def test_it_moves_from_upcoming_to_open_to_closed_with_the_clock(make_call):
    call = make_call()
    with time_machine.travel(datetime(2025, 1, 6, 8, 59, 59, tzinfo=GENEVA), tick=False):
        assert call.status() == CallStatus.UPCOMING
    with time_machine.travel(datetime(2025, 1, 6, 9, 0, 0, tzinfo=GENEVA), tick=False):
        assert call.status() == CallStatus.OPEN
    with time_machine.travel(datetime(2025, 3, 14, 23, 59, 59, tzinfo=GENEVA), tick=False):
        assert call.status() == CallStatus.OPEN
    with time_machine.travel(datetime(2025, 3, 15, 0, 0, 0, tzinfo=GENEVA), tick=False):
        assert call.status() == CallStatus.CLOSED


def test_it_refuses_submissions_before_the_call_opens(make_call):
    call = make_call()
    assert call.timeliness(datetime(2025, 1, 6, 8, 0, tzinfo=GENEVA)) == Timeliness.NOT_YET_OPEN
    assert not Timeliness.NOT_YET_OPEN.accepted


def test_it_stores_deadlines_to_the_whole_second(make_call):
    call = make_call(closes=datetime(2025, 3, 14, 23, 59, 59, 999999, tzinfo=GENEVA))
    call.refresh_from_db()
    assert call.closes_at.microsecond == 0


def test_it_shows_english_visibly_when_a_translation_is_missing(make_call):
    call = make_call()
    french = call.translated("title", "fr")
    assert (french.text, french.is_fallback) == (
        "Appel à contributions sur la connectivité rurale",
        False,
    )
    russian = call.translated("title", "ru")
    assert russian.is_fallback and russian.language == "en"
    assert russian.text == "Call for inputs on rural connectivity"
    assert call.missing_languages("title") == ["ar", "zh", "ru", "es"]

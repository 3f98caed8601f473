"""The secretariat's admin screens for calls, and who can reach them."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from consulta.calls.models import Call, DeadlineExtension

pytestmark = pytest.mark.django_db
GENEVA = ZoneInfo("Europe/Zurich")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize("persona", ["outsider", "respondent"])
def test_it_keeps_outsiders_out_of_the_admin(client, make_call, persona, request):
    call = make_call()
    client.force_login(request.getfixturevalue(persona))
    for url in (
        "/admin/",
        f"/admin/calls/call/{call.pk}/change/",
        f"/admin/calls/call/{call.pk}/extend/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    response = client.post(
        f"/admin/calls/call/{call.pk}/extend/",
        {"new_deadline": "2025-06-01 23:59:59", "reason_en": "x"},
    )
    assert response.status_code == 302
    assert not DeadlineExtension.objects.exists()


def test_it_lets_an_analyst_read_calls_but_not_change_them(client, make_call, analyst):
    call = make_call()
    client.force_login(analyst)
    assert client.get(f"/admin/calls/call/{call.pk}/change/").status_code == 200
    assert client.get(f"/admin/calls/call/{call.pk}/extend/").status_code == 403
    assert client.get("/admin/calls/call/add/").status_code == 403


def _call_form(**overrides):
    data = {
        "slug": "digital-skills",
        "published": "on",
        "owner_en": "Working Group",
        "title_en": "Call for inputs on digital skills",
        "title_fr": "Appel à contributions sur les compétences numériques",
        "summary_en": "",
        "body_en": "",
        "time_zone": "America/New_York",
        "opens_at_0": "2025-03-01",
        "opens_at_1": "09:00:00",
        "closes_at_0": "2025-03-30",
        "closes_at_1": "23:59:59",
        "grace_period": "00:00:00",
        "late_policy": "accept_flagged",
    }
    for prefix in ("sections", "questions", "timeline", "extensions"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(overrides)
    return data


def test_it_reads_dates_the_secretariat_types_in_the_calls_own_time_zone(client, secretariat):
    client.force_login(secretariat)
    response = client.post("/admin/calls/call/add/", _call_form())
    assert response.status_code == 302, response.content.decode()[:3000]
    call = Call.objects.get(slug="digital-skills")
    assert call.closes_at == datetime(2025, 3, 30, 23, 59, 59, tzinfo=NEW_YORK)
    assert call.opens_at == datetime(2025, 3, 1, 9, 0, tzinfo=NEW_YORK)
    assert (
        call.translated("title", "fr").text
        == "Appel à contributions sur les compétences numériques"
    )
    # Reopened, the form shows the same wall-clock time, not the server's.
    html = client.get(f"/admin/calls/call/{call.pk}/change/").content.decode()
    assert 'name="opens_at_1" value="09:00:00"' in html
    assert "2025-03-30 23:59:59 (America/New_York)" in html
    assert 'name="closes_at_0"' not in html  # moved only through "Extend the deadline"


def test_it_extends_the_deadline_from_the_admin_and_shows_refusals(client, secretariat, make_call):
    call = make_call()
    client.force_login(secretariat)
    with time_machine.travel(datetime(2025, 2, 1, 12, 0, tzinfo=GENEVA)):
        refused = client.post(
            f"/admin/calls/call/{call.pk}/extend/",
            {"new_deadline": "2025-03-01 23:59:59", "reason_en": ""},
        )
        assert refused.status_code == 200
        assert "brings the deadline forward" in refused.content.decode()
        done = client.post(
            f"/admin/calls/call/{call.pk}/extend/",
            {
                "new_deadline": "2025-04-15 23:59:59",
                "reason_en": "More time for regional consultations.",
            },
        )
    assert done.status_code == 302
    call.refresh_from_db()
    assert call.closes_at == datetime(2025, 4, 15, 23, 59, 59, tzinfo=GENEVA)
    assert call.extensions.get().created_by == secretariat


def test_it_lets_the_secretariat_edit_questions_with_their_choices(client, secretariat, make_call):
    call = make_call()
    client.force_login(secretariat)
    question = call.questions.get()
    html = client.get(f"/admin/calls/question/{question.pk}/change/").content.decode()
    for suffix in ("en", "fr", "ar", "zh_hans", "ru", "es"):
        assert f'name="prompt_{suffix}"' in html
    assert "vendor/jquery-ui/jquery-ui.min.js" in html

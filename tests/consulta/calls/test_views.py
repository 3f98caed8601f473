"""The public pages of calls, in the six UN languages."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from consulta.calls.seeding import call_seed

pytestmark = pytest.mark.django_db
LANGUAGE_PREFIXES = ["ar", "zh-hans", "en", "fr", "ru", "es"]
GENEVA = ZoneInfo("Europe/Zurich")


@pytest.fixture
def wsis20():
    return call_seed(slug="wsis20").call


@pytest.mark.parametrize("prefix", LANGUAGE_PREFIXES)
def test_it_renders_home_and_the_call_page_in_every_language(client, wsis20, prefix):
    for url in (f"/{prefix}/", f"/{prefix}/calls/wsis20/"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert f'<html lang="{prefix}" dir="{"rtl" if prefix == "ar" else "ltr"}">' in html
        assert '<main id="main"' in html and 'class="skip-link"' in html
        # The call's own title is shown in the reader's language, not as an English fallback.
        title = wsis20.translated("title", {"zh-hans": "zh"}.get(prefix, prefix)).text
        assert title in html
        assert "not yet translated" not in html


def test_it_shows_the_deadline_in_words_in_the_readers_language_and_zone(client, wsis20):
    french = client.get("/fr/calls/wsis20/").content.decode()
    assert "vendredi 14 mars 2025" in french and "23:59:59" in french
    assert 'datetime="2025-03-14T23:59:59+01:00"' in french
    spanish = client.get("/es/calls/wsis20/").content.decode()
    assert "14 de marzo de 2025" in spanish


def test_it_shows_the_timeline_and_the_extension_history(client, wsis20):
    html = client.get("/en/calls/wsis20/").content.decode()
    timeline = html[html.index('id="timeline"') : html.index('id="deadline-history"')]
    assert timeline.count('class="timeline-event') == 9
    for kind in (
        "physical_meeting",
        "side_event",
        "extension",
        "circular_letter",
        "report_to_council",
    ):
        assert f"kind-{kind}" in timeline
    history = html[html.index('id="deadline-history"') :]
    assert "Friday, January 31, 2025" in history  # the original deadline
    assert "Friday, March 14, 2025" in history  # the extended one
    assert "Deadline (extended)" in html


def test_it_counts_submissions_received(client, wsis20):
    html = client.get("/en/calls/wsis20/").content.decode()
    assert re.search(r'class="submission-count">\s*0 submissions received', html)


def test_it_says_how_long_ago_a_call_closed_and_how_soon_one_closes(client, wsis20):
    with time_machine.travel(datetime(2025, 3, 11, 20, 0, tzinfo=GENEVA), tick=False):
        html = client.get("/en/calls/wsis20/").content.decode()
        assert "Closes in 3 days" in html and "Open, deadline extended" in html
    with time_machine.travel(datetime(2026, 3, 20, 12, 0, tzinfo=GENEVA), tick=False):
        html = client.get("/en/calls/wsis20/").content.decode()
        assert "Closed 1 year ago" in html


def test_it_marks_english_fallback_text_visibly(client, make_call):
    make_call()
    html = client.get("/ru/calls/practice/").content.decode()
    assert '<span lang="en" dir="ltr">Call for inputs on rural connectivity</span>' in html
    assert "not yet translated" in html or "не" in html


def test_it_hides_an_unpublished_call_from_the_public_but_not_from_the_secretariat(
    client, make_call, secretariat
):
    make_call(published=False)
    assert client.get("/en/calls/practice/").status_code == 404
    assert "rural connectivity" not in client.get("/en/").content.decode()
    client.force_login(secretariat)
    assert client.get("/en/calls/practice/").status_code == 200


def test_it_escapes_what_the_secretariat_typed(client, make_call, secretariat):
    from consulta.calls import services

    call = make_call()
    services.call_update(
        actor=secretariat, call=call, summary={"en": '<script>alert("x")</script>'}
    )
    html = client.get("/en/calls/practice/").content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html


def test_it_sends_security_headers(client, wsis20):
    response = client.get("/en/calls/wsis20/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_it_redirects_the_bare_address_to_a_language(client, wsis20):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 302 and response["Location"] == "/fr/"


def test_it_links_each_language_version_of_the_same_page(client, wsis20):
    html = client.get("/en/calls/wsis20/").content.decode()
    for prefix in LANGUAGE_PREFIXES:
        assert f'href="/{prefix}/calls/wsis20/" lang="{prefix}"' in html
    assert 'aria-current="true">English<' in html

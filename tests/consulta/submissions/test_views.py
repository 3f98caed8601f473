"""The respondent's journey through the form, as a browser without JavaScript makes it."""

import re
import sqlite3

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from consulta.submissions.models import Submission, SubmissionVersion

from .conftest import CLOSES, DURING

pytestmark = pytest.mark.django_db
FORM = "/fr/calls/connect/respond/"
REVIEW = "/fr/calls/connect/respond/review/"


@pytest.fixture(autouse=True)
def during():
    with time_machine.travel(DURING, tick=True):
        yield


def post_form(client, answers, action="save", **files):
    data = {k: v for k, v in answers.items()}
    data["action"] = action
    data.update(files)
    return client.post(FORM, data)


def confirm(client):
    page = client.get(REVIEW).content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    base = re.search(r'name="base_version" value="([^"]+)"', page).group(1)
    return client.post(REVIEW, {"idempotency_key": key, "base_version": base}), key, base


def test_it_keeps_an_uploaded_file_and_every_answer_when_another_field_fails(
    client, open_call, complete_answers, txt_file
):
    answers = dict(complete_answers, country="", achievements="Texte conservé malgré l’erreur.")
    response = post_form(client, answers, action="review", attachment=txt_file("étude.txt"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html and 'href="#id_country"' in html
    assert "étude.txt" in html  # the file is listed as already uploaded
    assert "Texte conservé malgré l’erreur." in html
    assert 'aria-invalid="true"' in html and 'aria-describedby="id_country_error"' in html
    submission = Submission.objects.get()
    assert submission.attachments.count() == 1 and submission.status == Submission.Status.DRAFT


def test_it_goes_from_form_to_review_to_receipt_with_an_email_and_a_pdf(
    client, open_call, complete_answers, txt_file, django_capture_on_commit_callbacks
):
    assert (
        post_form(client, complete_answers, action="review", attachment=txt_file()).status_code
        == 302
    )
    review = client.get(REVIEW).content.decode()
    assert (
        "sans votre nom" in review or "without your name" in review
    )  # anonymous publication explained
    assert (
        "Amina Diallo" not in review.split('id="answers-title"')[0]
    )  # the name is not shown as public
    with django_capture_on_commit_callbacks(execute=True):
        response, _, _ = confirm(client)
    assert response.status_code == 302 and "/receipt/1/" in response["Location"]
    receipt = client.get(response["Location"]).content.decode()
    version = SubmissionVersion.objects.get()
    assert version.submission.reference in receipt and version.content_hash in receipt
    assert "2025" in receipt and "Europe/Zurich" in receipt
    (message,) = mail.outbox
    assert message.to == ["amina@example.org"]
    assert version.submission.reference in message.subject and version.content_hash in message.body
    name, content, mimetype = message.attachments[0]
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    assert "/fr/resume/" in message.body


def test_it_makes_one_submission_from_a_double_click(client, open_call, complete_answers):
    post_form(client, complete_answers, action="review")
    page = client.get(REVIEW).content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    first = client.post(REVIEW, {"idempotency_key": key, "base_version": "0"})
    second = client.post(REVIEW, {"idempotency_key": key, "base_version": "0"})
    assert first["Location"] == second["Location"]
    assert SubmissionVersion.objects.count() == 1


def test_it_shows_both_versions_when_a_stale_tab_submits(client, open_call, complete_answers):
    post_form(client, complete_answers, action="review")
    stale_page = client.get(REVIEW).content.decode()  # tab A opens the review page, then waits
    stale_key = re.search(r'name="idempotency_key" value="([^"]+)"', stale_page).group(1)
    confirm(client)  # tab B submits version 1
    post_form(
        client,
        dict(complete_answers, achievements="Texte modifié dans l’onglet A."),
        action="review",
    )
    response = client.post(REVIEW, {"idempotency_key": stale_key, "base_version": "0"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Texte modifié dans l’onglet A." in html and "Les centres communautaires" in html
    assert SubmissionVersion.objects.count() == 1
    # Choosing "submit my changes" from the comparison makes version 2.
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
    assert client.post(REVIEW, {"idempotency_key": key, "base_version": "1"}).status_code == 302
    assert SubmissionVersion.objects.count() == 2


def test_it_resumes_a_draft_from_the_emailed_link_without_revealing_unknown_addresses(
    client, open_call, complete_answers
):
    post_form(client, dict(complete_answers, achievements="Brouillon à reprendre."))
    known = client.post("/fr/calls/connect/respond/link/", {"email": "amina@example.org"})
    unknown = client.post("/fr/calls/connect/respond/link/", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    (message,) = mail.outbox
    link = re.search(r"http://127\.0\.0\.1:8000(/fr/resume/[^\s]+/)", message.body).group(1)

    other_browser = client.__class__()
    response = other_browser.get(link)
    assert response.status_code == 302 and response["Location"] == FORM
    assert "Brouillon à reprendre." in other_browser.get(FORM).content.decode()


def test_it_refuses_a_tampered_or_rotated_link(client, open_call, complete_answers):
    post_form(client, complete_answers)
    submission = Submission.objects.get()
    from consulta.submissions.links import resume_path

    path = resume_path(submission, "fr")
    assert client.__class__().get(path[:-3] + "xx/").status_code == 410
    submission.rotate_links()
    submission.save()
    assert client.__class__().get(path).status_code == 410


def test_it_hides_a_submission_from_anyone_but_its_author_and_staff(
    client, open_call, complete_answers, outsider, analyst
):
    post_form(client, complete_answers, action="review")
    response, _, _ = confirm(client)
    submission = Submission.objects.get()
    receipt = response["Location"]
    for visitor in (client.__class__(), outsider):
        other = client.__class__()
        if visitor is outsider:
            other.force_login(outsider)
        assert other.get(receipt).status_code == 404
        assert other.get(f"/fr/submissions/{submission.reference}/").status_code == 404
    staff = client.__class__()
    staff.force_login(analyst)
    assert staff.get(f"/fr/submissions/{submission.reference}/").status_code == 200


def test_it_serves_attachments_as_downloads_only_to_the_author(
    client, open_call, complete_answers, txt_file
):
    post_form(client, complete_answers, action="review", attachment=txt_file("<b>note</b>.txt"))
    confirm(client)
    attachment = Submission.objects.get().attachments.get()
    url = f"/fr/submissions/{attachment.submission.reference}/files/{attachment.pk}/"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "<" not in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.__class__().get(url).status_code == 404


def test_it_discards_what_a_bot_puts_in_the_honeypot(client, open_call, complete_answers):
    response = client.post(
        FORM, dict(complete_answers, website="http://spam.example", action="review")
    )
    assert response.status_code == 200
    assert not Submission.objects.exists()


def test_it_makes_a_submission_read_only_after_the_deadline(client, open_call, complete_answers):
    with time_machine.travel(CLOSES.timestamp() - 3600, tick=False):
        post_form(client, complete_answers, action="review")
        confirm(client)
    with time_machine.travel(CLOSES.timestamp() + 1, tick=False):
        response = client.get(FORM)
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        assert "can no longer be changed" in page or "ne peut plus" in page
        refused = client.post(FORM, dict(complete_answers, action="save"))
        assert refused.status_code == 302  # sent to the read-only view, nothing saved
    assert Submission.objects.get().versions.count() == 1


def test_it_tells_a_visitor_when_the_call_is_closed(client, open_call):
    with time_machine.travel(CLOSES.timestamp() + 3600 * 24 * 60, tick=False):
        response = client.get(FORM)
    assert response.status_code == 200
    assert (
        "connect" in response.content.decode()
        and "form" not in response.content.decode().split("<main")[1][:50]
    )


def test_it_autosaves_a_draft_without_a_page_load(client, open_call):
    response = client.post(
        "/fr/calls/connect/respond/autosave/", {"achievements": "Sauvegarde automatique."}
    )
    assert response.status_code == 200 and response.json()["saved"] is True
    assert Submission.objects.get().draft_answers["achievements"] == "Sauvegarde automatique."


def test_it_refuses_an_oversized_request_before_reading_it(client, open_call, settings):
    settings.CONSULTA_MAX_REQUEST_BYTES = 1000
    big = SimpleUploadedFile("big.txt", b"x" * 5000)
    response = client.post(FORM, {"action": "save", "attachment": big})
    assert response.status_code == 413
    assert not Submission.objects.exists()


def test_it_rate_limits_requests_for_links(client, open_call):
    statuses = [
        client.post("/fr/calls/connect/respond/link/", {"email": f"p{i}@example.org"}).status_code
        for i in range(12)
    ]
    assert statuses[:10] == [200] * 10 and statuses[-1] == 429


def test_it_shows_the_form_in_arabic_right_to_left(client, open_call):
    html = client.get("/ar/calls/connect/respond/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html and 'name="achievements"' in html


def test_it_makes_one_draft_when_the_first_save_and_an_autosave_cross(client, open_call):
    # The page's first "Save draft" and its autosave leave before either has a draft in the session.
    key = "0b7e1c1e-6f6a-4a55-9f0e-2d3f8a9b7c11"
    other_tab = client.__class__()
    client.post(FORM, {"action": "save", "draft_key": key, "achievements": "Premier jet."})
    other_tab.post(
        "/fr/calls/connect/respond/autosave/",
        {"draft_key": key, "achievements": "Premier jet, suite."},
    )
    assert Submission.objects.count() == 1
    assert Submission.objects.get().draft_answers["achievements"] == "Premier jet, suite."


def _sections(html):
    """The questions part of the form page (everything between the hidden draft key and the honeypot)."""
    return html[html.index('name="draft_key"') : html.index('class="hp-field"')].split(">", 1)[1]


def test_it_renders_a_newcomers_questions_once_per_language_and_the_same_each_time(
    client, open_call
):
    first = client.get(FORM)
    again = client.get(FORM)

    def names(response):
        return {t.name for t in response.templates}

    assert "submissions/_form_sections.html" in names(first)
    assert "submissions/_form_sections.html" not in names(again)  # served from the first render
    assert _sections(first.content.decode()) == _sections(again.content.decode())
    # Each page still has its own draft key and a CSRF token.
    keys = [
        re.search(r'name="draft_key" value="([^"]+)"', r.content.decode()).group(1)
        for r in (first, again)
    ]
    assert keys[0] != keys[1]
    assert 'name="csrfmiddlewaretoken"' in again.content.decode()
    english = client.get(FORM.replace("/fr/", "/en/"))
    assert "submissions/_form_sections.html" in names(english)
    assert _sections(english.content.decode()) != _sections(first.content.decode())


def test_it_shows_an_edited_question_on_the_next_empty_form(client, open_call):
    client.get(FORM)
    question = open_call.questions.get(key="organisation")
    question.prompt_fr = "Organisation ou institution"
    question.save()
    assert "Organisation ou institution" in _sections(client.get(FORM).content.decode())


def test_it_renders_a_resumed_draft_with_its_answers_not_the_empty_form(
    client, open_call, complete_answers
):
    client.get(FORM)  # an empty form is rendered and kept
    post_form(client, dict(complete_answers, organisation="Réseau des écoles connectées"))
    resumed = client.get(FORM)
    assert "submissions/_form_sections.html" in {t.name for t in resumed.templates}
    assert 'value="Réseau des écoles connectées"' in resumed.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's lock between two connections")
def test_it_tells_the_respondent_to_send_again_when_the_database_is_busy(
    client, open_call, complete_answers
):
    name = connection.settings_dict["NAME"]
    if "mode=memory" not in str(name):
        pytest.skip("needs the shared in-memory test database")
    # Another connection to the same database holds the submissions table, as a long import does.
    other = sqlite3.connect(str(name), uri=True)
    other.execute("BEGIN IMMEDIATE")
    other.execute("DELETE FROM submissions_submission WHERE 0")
    try:
        response = post_form(client, complete_answers, action="review")
    finally:
        other.rollback()
        other.close()
    assert response.status_code == 503 and response["Retry-After"] == "30"
    page = response.content.decode()
    assert "rien de cette page n’a donc été reçu" in page  # in the page's language
    assert "votre navigateur conserve ce que vous avez saisi" in page
    assert not Submission.objects.exists()
    # Sent again once the lock is gone, it goes through.
    assert post_form(client, complete_answers, action="review").status_code == 302
    assert Submission.objects.get().draft_answers["name"] == complete_answers["name"]

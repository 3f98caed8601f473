"""A respondent's data: everything we hold, and erasure that keeps anonymous counts."""

import io
import json
import uuid

import pytest
import time_machine
from django.core.management import call_command

from consulta.submissions import services
from consulta.submissions.models import Attachment, Submission
from consulta.submissions.selectors import submissions_received_count

from .conftest import DURING

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(open_call, complete_answers):
    with time_machine.travel(DURING, tick=False):
        submission = services.submission_start(call=open_call)
        services.submission_attach(submission=submission, stream=io.BytesIO(b"Personal notes\n"), filename="cv.txt")
        services.submission_save_draft(submission=submission, data=complete_answers)
        services.submission_submit(submission=submission, idempotency_key=uuid.uuid4(), base_version=0)
    return Submission.objects.get(pk=submission.pk)


def test_it_exports_everything_held_about_a_person(submitted):
    out = io.StringIO()
    call_command("export-person", email="AMINA@example.org", stdout=out)
    data = json.loads(out.getvalue())
    (entry,) = data["submissions"]
    assert entry["reference"] == submitted.reference
    assert entry["respondent"]["name"] == "Amina Diallo"
    assert entry["versions"][0]["answers"]["achievements"].startswith("Les centres")
    assert entry["versions"][0]["attachments"][0]["name"] == "cv.txt"


def test_it_erases_personal_data_and_files_but_keeps_the_count(submitted, open_call):
    path = Attachment.objects.get().file.path
    out = io.StringIO()
    call_command("erase", email="amina@example.org", stdout=out)
    assert "1 submission(s) and 1 file(s)" in out.getvalue()
    submitted.refresh_from_db()
    respondent = submitted.respondent
    assert (respondent.name, respondent.email, respondent.organisation) == ("", "", "")
    assert (respondent.stakeholder_type, respondent.country, respondent.region) == ("civil_society", "SN", "africa")
    version = submitted.current_version
    assert version.answers == {} and "name" not in version.respondent and version.respondent["erased"]
    import os

    assert not os.path.exists(path)
    assert submissions_received_count(open_call) == 1
    blob = json.dumps(list(Submission.history.values()), default=str)
    assert "Amina" not in blob
    out = io.StringIO()
    call_command("export-person", email="amina@example.org", stdout=out)
    assert json.loads(out.getvalue())["submissions"] == []

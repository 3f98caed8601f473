"""The WSIS+20 demo data: as many inputs as the real call, from everyone, loaded once."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count

from consulta.submissions.models import Attachment, Submission

pytestmark = pytest.mark.django_db


def test_it_seeds_96_demo_submissions_once_and_the_call_page_counts_them(client):
    call_command("seed", "wsis20", "--demo", stdout=io.StringIO())
    call_command("seed", "wsis20", "--demo", stdout=io.StringIO())
    submissions = Submission.objects.filter(call__slug="wsis20")
    assert submissions.count() == 96 and all(s.is_demo for s in submissions)
    languages = dict(submissions.values_list("language").annotate(n=Count("id")))
    assert set(languages) == {"ar", "zh", "en", "fr", "ru", "es"}
    assert set(submissions.values_list("respondent__stakeholder_type", flat=True)) == {
        "government", "private_sector", "civil_society", "academia", "technical_community",
        "international_organisation", "other",
    }
    assert set(submissions.values_list("respondent__region", flat=True)) == {
        "africa", "americas", "arab_states", "asia_pacific", "cis", "europe",
    }
    assert submissions.filter(late_review="pending").count() == 4
    assert set(submissions.values_list("consent", flat=True)) == {"publish_named", "publish_anonymous", "private"}
    assert Attachment.objects.filter(kind="docx", text_status="extracted").count() == 10
    html = client.get("/en/calls/wsis20/").content.decode()
    assert "96 submissions received" in html

"""Public pages of contributions."""

import pytest

from consulta.publication.models import Contribution
from consulta.submissions.models import Submission

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("prefix", ["ar", "zh-hans", "en", "fr", "ru", "es"])
def test_it_lists_and_shows_contributions_in_every_language(client, wsis20_published, prefix):
    html = client.get(f"/{prefix}/calls/wsis20/contributions/").content.decode()
    assert html.count('class="call-card"') == 20 and 'rel="next"' in html
    contribution = Contribution.objects.filter(state="published", consent="publish_named").first()
    page = client.get(f"/{prefix}/contributions/{contribution.reference}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert contribution.author_name in text and contribution.reference in text


def test_it_never_shows_names_or_emails_of_anonymous_authors(client, wsis20_published):
    contribution = Contribution.objects.filter(
        state="published", consent="publish_anonymous"
    ).first()
    respondent = contribution.submission.respondent
    html = client.get(f"/en/contributions/{contribution.reference}/").content.decode()
    assert respondent.name not in html and respondent.email not in html
    assert respondent.organisation not in html


def test_it_answers_404_alike_for_private_and_unknown_references(client, wsis20_published):
    private = Submission.objects.filter(call=wsis20_published, consent="private").first()
    hidden = client.get(f"/en/contributions/{private.reference}/")
    unknown = client.get("/en/contributions/WSIS20-00000000/")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.content == unknown.content


def test_it_serves_a_consented_attachment_as_a_download(client, wsis20_published):
    contribution = Contribution.objects.filter(state="published").exclude(attachment_ids=[]).first()
    attachment_id = contribution.attachment_ids[0]
    response = client.get(f"/en/contributions/{contribution.reference}/files/{attachment_id}/")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    private = (
        Submission.objects.filter(call=wsis20_published, consent="private")
        .exclude(attachments=None)
        .first()
    )
    if private is not None:
        other = private.attachments.first()
        assert (
            client.get(f"/en/contributions/{contribution.reference}/files/{other.pk}/").status_code
            == 404
        )


def test_it_searches_and_filters_from_the_page(client, wsis20_published):
    html = client.get("/en/calls/wsis20/contributions/?q=人工智能&language=zh").content.decode()
    assert 'lang="zh"' in html and html.count('class="call-card"') >= 1
    assert 'value="zh" selected' in html


def test_it_offers_a_citation(client, wsis20_published):
    contribution = Contribution.objects.filter(state="published").first()
    html = client.get(f"/en/contributions/{contribution.reference}/").content.decode()
    assert (
        "Cite this contribution" in html and f"/en/contributions/{contribution.reference}/" in html
    )


def test_it_says_when_relevance_left_older_matches_out(client, wsis20_published, monkeypatch):
    from consulta.publication import search

    url = "/en/calls/wsis20/contributions/?q=digital&sort=relevance"
    assert "most recent" not in client.get(url).content.decode()
    monkeypatch.setattr(search, "CANDIDATES", 3)
    html = client.get(url).content.decode()
    assert "they are ranked among the 3 most recent" in html
    assert html.count('class="call-card"') == 3


def test_it_shows_filter_menus_with_counts_in_the_readers_language(client, wsis20_published):
    contribution = Contribution.objects.filter(state="published", country="SN").first() or Contribution.objects.filter(
        state="published"
    ).first()
    count = Contribution.objects.filter(state="published", country=contribution.country).count()
    html = client.get(f"/fr/calls/wsis20/contributions/?country={contribution.country}").content.decode()
    from django.utils import translation

    from consulta.calls.templatetags.call_tags import country_name

    with translation.override("fr"):
        name = country_name(contribution.country)
    assert f'<option value="{contribution.country}" selected>{name} ({count})</option>' in html
    assert html.count(" selected>") >= 1 and "&lt;option" not in html

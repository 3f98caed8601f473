"""The analysts' workspace pages: who may see and change what, and what each change does."""

import io
import json
import sys
import types

import pytest
from django.urls import NoReverseMatch, reverse

from consulta.analysis import selectors, services
from consulta.analysis.models import AnalysisRun, AuditEvent, CodeAssignment, ResponseReview, Theme

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def analysis_urls(settings):
    """The workspace's URLs, mounted as the lead mounts them in consulta/urls.py (until he has)."""
    try:
        reverse("analysis-index")
        return
    except NoReverseMatch:
        pass
    from django.conf.urls.i18n import i18n_patterns
    from django.urls import include, path

    from consulta import urls as root

    module = types.ModuleType("analysis_workspace_test_urls")
    module.urlpatterns = [*root.urlpatterns, *i18n_patterns(path("", include("consulta.analysis.urls")))]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__


def pages(run):
    assignment = run.assignments.filter(removed=False).first()
    version_id = selectors.run_version_ids(run)[0]
    return [
        reverse("analysis-index"),
        reverse("analysis-run", args=[run.pk]),
        reverse("analysis-run", args=[run.pk]) + "?codebook=sdgs&question=achievements_challenges",
        reverse("analysis-code", args=[run.pk, assignment.codebook, assignment.code]),
        reverse("analysis-response", args=[run.pk, version_id]),
        reverse("analysis-themes", args=[run.pk]),
        reverse("analysis-audit", args=[run.pk]),
        reverse("analysis-compare") + f"?a={run.pk}&b={run.pk}",
        reverse("analysis-codebooks"),
        reverse("analysis-codebook-new"),
        reverse("analysis-codebook-export", args=["trends"]),
    ]


def test_only_analysts_and_the_secretariat_see_the_workspace_and_only_analysts_change_it(
    client, finished_run, analyst, secretariat, respondent, outsider
):
    urls = pages(finished_run)
    assignment = finished_run.assignments.filter(removed=False).first()
    remove = reverse("analysis-code-remove", args=[finished_run.pk, assignment.pk])
    posts = [
        remove,
        reverse("analysis-start", args=[finished_run.call.slug]),
        reverse("analysis-retrain", args=[finished_run.pk]),
        reverse("analysis-theme-action", args=[finished_run.pk]),
        reverse("analysis-review", args=[finished_run.pk, assignment.version_id]),
    ]
    for url in urls + posts:  # anonymous: to the login page, never an error
        response = client.get(url) if url in urls else client.post(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    for user in (respondent, outsider):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403, url
        for url in posts:
            assert client.post(url).status_code == 403, url
    client.force_login(secretariat)
    for url in urls:
        assert client.get(url).status_code == 200, url
    for url in posts:
        assert client.post(url).status_code == 403, url
    page = client.get(reverse("analysis-response", args=[finished_run.pk, assignment.version_id])).content.decode()
    assert "Add code" not in page and "Remove " not in page  # no forms for readers
    client.force_login(analyst)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(reverse("analysis-run", args=[finished_run.pk])).content.decode()
    assert '<th scope="col">' in page and "<progress" in page and "100%" in page
    assert 'http-equiv="refresh"' not in page  # a finished run does not refresh
    assert client.get(reverse("analysis-run", args=[finished_run.pk]) + "?codebook=nope").status_code == 404
    assert client.get(reverse("analysis-response", args=[finished_run.pk, 999999])).status_code == 404
    # Evidence is highlighted and escaped.
    code_page = client.get(urls[3]).content.decode()
    assert "<mark>" in code_page


def test_removing_and_adding_a_code_changes_counts_and_is_audited(client, finished_run, analyst):
    client.force_login(analyst)
    row = finished_run.assignments.filter(codebook="trends", removed=False).first()
    before = {r.code: r.responses for r in selectors.code_table(finished_run, "trends")}
    response = client.post(reverse("analysis-code-remove", args=[finished_run.pk, row.pk]),
                           {"next": reverse("analysis-code", args=[finished_run.pk, "trends", row.code])})
    assert response.status_code == 302 and "/codes/trends/" in response["Location"]
    row.refresh_from_db()
    assert row.removed and row.removed_by == analyst
    after = {r.code: r.responses for r in selectors.code_table(finished_run, "trends")}
    others = CodeAssignment.objects.filter(run=finished_run, codebook="trends", code=row.code, removed=False)
    assert after.get(row.code, 0) == before[row.code] - (0 if others.filter(version=row.version).exists() else 1)
    event = AuditEvent.objects.filter(run=finished_run, action="code_removed").latest("pk")
    assert event.actor == analyst and event.before == {"removed": False, "source": "machine"} and event.after == {"removed": True}

    version_id = row.version_id
    response = client.post(reverse("analysis-code-add", args=[finished_run.pk, version_id]),
                           {"question_key": row.question_key, "code": "sdgs|SDG5"})
    assert response.status_code == 302
    added = CodeAssignment.objects.get(run=finished_run, version_id=version_id, codebook="sdgs", code="SDG5")
    assert added.source == "analyst" and added.assigned_by == analyst and not added.removed
    table = {r.code: r for r in selectors.code_table(finished_run, "sdgs")}
    assert table["SDG5"].responses >= 1
    assert AuditEvent.objects.filter(run=finished_run, action="code_added", target__endswith=":sdgs:SDG5").exists()
    page = client.get(reverse("analysis-response", args=[finished_run.pk, version_id])).content.decode()
    assert "analyst analyst" in page and "removed by analyst" in page
    audit = client.get(reverse("analysis-audit", args=[finished_run.pk])).content.decode()
    assert "code_removed" in audit and "code_added" in audit
    # An unknown code is refused with a message, not an error.
    response = client.post(reverse("analysis-code-add", args=[finished_run.pk, version_id]),
                           {"question_key": row.question_key, "code": "sdgs|SDG99"}, follow=True)
    assert response.status_code == 200 and "Choose an answer and a code." in response.content.decode()


def test_reviewing_a_response_records_who_and_when_and_moves_on(client, finished_run, analyst):
    client.force_login(analyst)
    ids = selectors.run_version_ids(finished_run)
    response = client.post(reverse("analysis-review", args=[finished_run.pk, ids[0]]),
                           {"reviewed": "on", "flags": ["off_topic", "translation_needed"], "note": "Check <b>", "then": "next"})
    assert response.status_code == 302 and response["Location"].endswith(f"/responses/{ids[1]}/")
    review = ResponseReview.objects.get(run=finished_run, version_id=ids[0])
    assert review.reviewed_by == analyst and review.reviewed_at and review.flags == ["off_topic", "translation_needed"]
    assert services.reviewed_share(finished_run) == round(1 / len(ids), 4)
    page = client.get(reverse("analysis-response", args=[finished_run.pk, ids[0]])).content.decode()
    assert "by analyst at" in page and "Translation needed" in page and "Check &lt;b&gt;" in page
    run_page = client.get(reverse("analysis-run", args=[finished_run.pk])).content.decode()
    assert f"{round(100 / len(ids))}%" in run_page and f"(1 / {len(ids)})" in run_page
    response = client.post(reverse("analysis-retrain", args=[finished_run.pk]), follow=True)
    assert "Retraining needs at least 20 reviewed answers; 1 are reviewed so far" in response.content.decode()
    # "Next unreviewed" skips reviewed responses.
    nav = selectors.neighbours(finished_run, ids[-1])
    assert nav["next_unreviewed"] == ids[1] and nav["next"] is None


def test_themes_can_be_renamed_merged_split_discarded_and_accepted(client, finished_run, analyst):
    client.force_login(analyst)
    themes = list(finished_run.themes.order_by("key"))
    assert len(themes) >= 2
    url = reverse("analysis-theme-action", args=[finished_run.pk])
    first = themes[0]
    client.post(url, {"action": "rename", "theme": first.pk, "label": "Rural connectivity"})
    first.refresh_from_db()
    assert first.label == "Rural connectivity"
    page = client.get(reverse("analysis-themes", args=[finished_run.pk])).content.decode()
    assert "Rural connectivity" in page
    if len(themes) >= 3:
        client.post(url, {"action": "discard", "theme": themes[2].pk})
        themes[2].refresh_from_db()
        assert themes[2].state == Theme.State.DISCARDED
    client.post(url, {"action": "merge", "themes": [first.pk, themes[1].pk], "label": "Access"})
    first.refresh_from_db()
    themes[1].refresh_from_db()
    assert first.label == "Access" and themes[1].state == Theme.State.MERGED and themes[1].merged_into == first
    members = list(first.members.values_list("pk", flat=True))
    assert len(members) >= 2
    client.post(url, {"action": "split", "theme": first.pk, "members": [members[0]], "label": "Satellites"})
    new = finished_run.themes.get(label="Satellites")
    assert new.members.count() == 1
    response = client.post(url, {"action": "accept", "theme": first.pk, "codebook": "wsis20-themes"}, follow=True)
    assert "is now code access of codebook wsis20-themes" in response.content.decode()
    first.refresh_from_db()
    assert first.state == Theme.State.ACCEPTED
    actions = set(AuditEvent.objects.filter(run=finished_run).values_list("action", flat=True))
    assert {"theme_renamed", "themes_merged", "theme_split", "theme_accepted"} <= actions
    # A split with nothing chosen is a message, not an error.
    response = client.post(url, {"action": "split", "theme": new.pk}, follow=True)
    assert response.status_code == 200 and "Choose some, but not all" in response.content.decode()


def test_a_new_run_is_started_refreshes_while_running_and_can_be_resumed(client, small_call, analyst):
    client.force_login(analyst)
    response = client.post(reverse("analysis-start", args=[small_call.slug]),
                           {f"call{small_call.pk}-codebooks": ["trends"]}, follow=True)
    run = AnalysisRun.objects.latest("pk")
    assert run.codebooks == ["trends"]
    page = response.content.decode()
    assert response.status_code == 200 and "consulta analyse --wait" in page
    if run.status != AnalysisRun.Status.DONE:  # no worker took it yet (tests don't commit)
        assert '<meta http-equiv="refresh" content="5">' in page and "<progress" in page
        index = client.get(reverse("analysis-index")).content.decode()
        assert 'http-equiv="refresh"' in index and "Resume" in index
        response = client.post(reverse("analysis-resume", args=[run.pk]), follow=True)
        assert "resumed" in response.content.decode()


def test_comparing_runs_shows_a_new_submission(client, small_call, analyst):
    from consulta.submissions.bulk import read_records, submissions_import

    first = services.analysis_run_inline(run=services.analysis_start(actor=analyst, call=small_call, codebooks=["trends"]))
    record = {
        "external_id": "t-after-meeting", "submitted_at": "2025-02-20T10:00:00+01:00", "source": "email",
        "language": "en", "consent": "publish_named",
        "respondent": {"name": "Late Person", "email": "late@example.org", "organisation": "Late Org",
                       "stakeholder_type": "civil_society", "country": "FJ", "on_behalf_of_organisation": True},
        "answers": {"achievements_challenges": "Quantum computing and blockchain registries came up at the meeting; "
                    "artificial intelligence needs open standards."},
    }
    submissions_import(call=small_call, records=read_records(io.BytesIO(json.dumps(record).encode()), "jsonl"))
    second = services.analysis_run_inline(run=services.analysis_start(actor=analyst, call=small_call, codebooks=["trends"]))
    comparison = selectors.compare_runs(first, second)
    assert len(comparison.added) == 1 and not comparison.removed
    assert comparison.added[0].answers["achievements_challenges"].startswith("Quantum")
    assert any(row["difference"] > 0 for row in comparison.codes)
    client.force_login(analyst)
    page = client.get(reverse("analysis-compare") + f"?a={first.pk}&b={second.pk}").content.decode()
    assert comparison.added[0].submission.reference in page and "1 new response in B" in page

"""Who sees the report: staff preview for analysts and the secretariat, the public page once published."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _perm(user, codename):
    from django.contrib.auth.models import Permission

    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="reporting", codename=codename)
    )
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


def test_it_lets_an_analyst_preview_a_run(analysed, client, analyst):
    client.force_login(analyst)
    response = client.get(f"/en/analysis/runs/{analysed.pk}/report/")
    assert response.status_code == 200
    assert b"Preliminary Results" in response.content and b"<svg" in response.content
    download = client.get(f"/en/analysis/runs/{analysed.pk}/report.xlsx")
    assert download.status_code == 200 and download["Content-Type"].startswith(
        "application/vnd.openxml"
    )


def test_it_keeps_respondents_and_outsiders_out_of_the_preview(analysed, client, respondent):
    anonymous = client.get(f"/en/analysis/runs/{analysed.pk}/report/")
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    client.force_login(respondent)
    assert client.get(f"/en/analysis/runs/{analysed.pk}/report/").status_code == 403
    assert client.get(f"/en/analysis/runs/{analysed.pk}/report.pdf").status_code == 403


def test_it_shows_the_public_page_only_once_published(analysed, client, secretariat, analyst):
    from consulta.reporting.services import report_publish

    url = f"/en/calls/{analysed.call.slug}/preliminary-results/"
    assert client.get(url).status_code == 404
    assert client.get(f"/en/calls/{analysed.call.slug}/preliminary-results.pdf").status_code == 404
    with pytest.raises(PermissionDenied):
        report_publish(actor=analyst, run=analysed)
    report_publish(actor=_perm(secretariat, "add_publishedreport"), run=analysed)
    page = client.get(url)
    assert page.status_code == 200 and b"Methods and caveats" in page.content
    arabic = client.get(f"/ar/calls/{analysed.call.slug}/preliminary-results/")
    assert arabic.status_code == 200 and b'dir="rtl"' in arabic.content
    docx = client.get(f"/en/calls/{analysed.call.slug}/preliminary-results.docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert client.get(f"/en/calls/{analysed.call.slug}/preliminary-results.exe").status_code == 404


def test_it_writes_each_format_from_the_command(analysed, tmp_path):
    for fmt in ("html", "docx", "xlsx"):
        out = tmp_path / f"report.{fmt}"
        call_command("report", call=analysed.call.slug, format=fmt, out=out)
        assert out.stat().st_size > 1000
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_it_fails_clearly_without_a_finished_run(make_call, tmp_path):
    make_call(slug="no-analysis")
    with pytest.raises(CommandError, match="consulta analyse --call no-analysis --wait"):
        call_command("report", call="no-analysis", format="pdf", out=tmp_path / "r.pdf")
    assert not list(tmp_path.iterdir())

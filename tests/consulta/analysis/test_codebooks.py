"""Custom codebooks: created and edited in the workspace, imported and exported as YAML."""

import sys
import types

import pytest
import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse

from consulta.analysis import adapter, codebooks, services
from consulta.analysis.models import AuditEvent, CustomCodebook
from synthesis.codebook import Codebook

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def analysis_urls(settings):
    try:
        reverse("analysis-index")
        return
    except NoReverseMatch:
        pass
    from django.conf.urls.i18n import i18n_patterns
    from django.urls import include, path

    from consulta import urls as root

    module = types.ModuleType("analysis_codebooks_test_urls")
    module.urlpatterns = [*root.urlpatterns, *i18n_patterns(path("", include("consulta.analysis.urls")))]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__


def form_data(**codes):
    data = {"slug": "rural", "title": "Rural access", "codes-TOTAL_FORMS": "3", "codes-INITIAL_FORMS": "0",
            "codes-MIN_NUM_FORMS": "0", "codes-MAX_NUM_FORMS": "1000"}
    for i, (code_id, (label, keywords)) in enumerate(codes.items()):
        data[f"codes-{i}-id"] = code_id
        data[f"codes-{i}-label"] = label
        data[f"codes-{i}-keywords"] = "\n".join(keywords)
    return data


def test_a_codebook_is_created_edited_exported_and_imported_back(client, analyst):
    client.force_login(analyst)
    response = client.post(reverse("analysis-codebook-new"),
                           form_data(satellite=("Satellite links", ["satellite", "low orbit"]),
                                     schools=("Schools connected", ["school"])))
    assert response.status_code == 302
    book = adapter.load_codebook("rural")
    assert book.code_ids == ("satellite", "schools") and book.code("satellite").keywords["en"] == ("satellite", "low orbit")
    page = client.get(reverse("analysis-codebook-edit", args=["rural"])).content.decode()
    assert "low orbit" in page
    data = form_data(satellite=("Satellite internet", ["satellite"]))
    data["codes-INITIAL_FORMS"] = "0"
    assert client.post(reverse("analysis-codebook-edit", args=["rural"]), data).status_code == 302
    assert adapter.load_codebook("rural").code("satellite").label["en"] == "Satellite internet"
    exported = client.get(reverse("analysis-codebook-export", args=["rural"]))
    assert exported["Content-Disposition"] == 'attachment; filename="rural.yaml"'
    parsed = yaml.safe_load(exported.content.decode())
    assert Codebook.from_dict(parsed).code_ids == ("satellite",)
    # Round trip: delete, import the export, same codebook.
    CustomCodebook.objects.all().delete()
    upload = SimpleUploadedFile("rural.yaml", exported.content, content_type="application/yaml")
    assert client.post(reverse("analysis-codebooks"), {"file": upload}).status_code == 302
    assert adapter.load_codebook("rural").to_dict() == Codebook.from_dict(parsed).to_dict()
    assert AuditEvent.objects.filter(action="codebook_saved", actor=analyst).count() == 3


def test_a_broken_codebook_is_refused_with_a_clear_message(client, analyst):
    client.force_login(analyst)
    bad = "id: broken\nversion: '1'\ntitle: {en: Broken}\ncodes:\n  - id: x\n    labell: {en: X}\n"
    response = client.post(reverse("analysis-codebooks"), {"text": bad})
    page = response.content.decode()
    assert response.status_code == 400 and "unknown field(s) &#x27;labell&#x27;" in page
    response = client.post(reverse("analysis-codebooks"), {"text": "codes: [unclosed"})
    assert response.status_code == 400 and "not valid YAML" in response.content.decode()
    builtin = "id: trends\nversion: '1'\ntitle: {en: Mine}\ncodes:\n  - id: x\n    label: {en: X}\n"
    response = client.post(reverse("analysis-codebooks"), {"text": builtin})
    assert response.status_code == 400 and "built-in codebook" in response.content.decode()
    assert not CustomCodebook.objects.exists()
    response = client.post(reverse("analysis-codebook-new"), form_data())
    assert response.status_code == 400 and "non-empty list of codes" in response.content.decode()


def test_only_analysts_change_codebooks(client, secretariat):
    with pytest.raises(PermissionDenied):
        codebooks.codebook_import(actor=secretariat, text="id: x\nversion: '1'\ncodes: [{id: a, label: {en: A}}]\n")
    client.force_login(secretariat)
    assert client.get(reverse("analysis-codebooks")).status_code == 200
    assert client.post(reverse("analysis-codebook-new"), form_data(a=("A", []))).status_code == 403


def test_an_accepted_theme_becomes_a_code_a_new_run_can_use(finished_run, analyst):
    theme = finished_run.themes.order_by("key").first()
    services.theme_rename(actor=analyst, theme=theme, label="Community networks")
    row, code_id = codebooks.theme_accept(actor=analyst, theme=theme)
    assert row.slug == "wsis20-themes" and code_id == "community-networks"
    book = adapter.load_codebook("wsis20-themes")
    assert book.code(code_id).label == {"en": "Community networks"}
    assert list(book.code(code_id).keywords["en"]) == [k for k in theme.keywords if k.strip()]
    second = finished_run.themes.exclude(pk=theme.pk).first()
    services.theme_rename(actor=analyst, theme=second, label="Community networks")
    _row, second_id = codebooks.theme_accept(actor=analyst, theme=second)
    assert second_id == "community-networks-2"
    run = services.analysis_run_inline(
        run=services.analysis_start(actor=analyst, call=finished_run.call, codebooks=["wsis20-themes"])
    )
    assert run.status == "done"
    with pytest.raises(ValidationError):
        codebooks.theme_accept(actor=analyst, theme=theme, slug="Not A Slug")

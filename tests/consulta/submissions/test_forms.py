"""The contribution form as a respondent sees it: fields from the questionnaire, in their language."""

import pytest
from django.utils import translation

from consulta.submissions.forms import ContributionForm

pytestmark = pytest.mark.django_db


def test_it_keeps_the_chosen_country_selected_once_in_real_markup(open_call):
    html = str(ContributionForm(open_call, data={"country": "SN"})["country"])
    assert html.count(" selected") == 1 and '<option value="SN" selected>' in html
    assert "&lt;option" not in html
    assert html.count("<option") > 190  # every UN member and observer, and "—"


def test_it_names_countries_in_the_readers_language(open_call):
    with translation.override("fr"):
        french = str(ContributionForm(open_call)["country"])
    with translation.override("ar"):
        arabic = str(ContributionForm(open_call)["country"])
    assert ">Allemagne<" in french and ">ألمانيا<" in arabic


def test_it_shows_a_question_added_after_the_form_was_first_shown(open_call):
    from consulta.accounts.actors import SYSTEM
    from consulta.calls import services

    assert "budget" not in ContributionForm(open_call).fields
    services.call_add_question(
        actor=SYSTEM, call=open_call, key="budget", section_key="inputs", type="long_text", prompt="Budget?"
    )
    form = ContributionForm(open_call)  # the same call object, loaded before the edit
    assert "budget" in form.fields and "budget" in {spec.key for spec in form.specs}


def test_it_follows_a_new_order_and_a_new_prompt(open_call):
    from consulta.accounts.actors import SYSTEM
    from consulta.calls import services
    from consulta.calls.models import Question

    keys = [q.key for q in ContributionForm(open_call).questions if q.section.key == "about"]
    services.call_reorder_questions(actor=SYSTEM, call=open_call, keys=list(reversed(keys)))
    assert [q.key for q in ContributionForm(open_call).questions if q.section.key == "about"] == keys[::-1]
    question = Question.objects.get(call=open_call, key="name")
    question.prompt_en = "Your full name"
    question.save()
    assert ContributionForm(open_call).fields["name"].label == "Your full name"


def test_it_gives_each_form_its_own_fields(open_call):
    first, second = ContributionForm(open_call), ContributionForm(open_call)
    first.fields["name"].widget.attrs["aria-invalid"] = "true"
    assert "aria-invalid" not in second.fields["name"].widget.attrs

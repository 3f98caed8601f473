"""A small open call with the question types the WSIS+20 questionnaire uses."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

GENEVA = ZoneInfo("Europe/Zurich")
OPENS = datetime(2025, 1, 6, 9, 0, tzinfo=GENEVA)
CLOSES = datetime(2025, 3, 14, 23, 59, 59, tzinfo=GENEVA)
DURING = datetime(2025, 2, 10, 10, 0, tzinfo=GENEVA)


@pytest.fixture
def open_call(db):
    from consulta.accounts.actors import SYSTEM
    from consulta.calls import services

    call = services.call_create(
        actor=SYSTEM,
        slug="connect",
        owner="Working Group",
        title={
            "en": "Call for inputs on connectivity",
            "fr": "Appel sur la connectivité",
            "ar": "دعوة بشأن التوصيل",
        },
        opens_at=OPENS,
        closes_at=CLOSES,
        published=True,
    )
    services.call_add_section(actor=SYSTEM, call=call, key="about", title="About you")
    services.call_add_section(actor=SYSTEM, call=call, key="inputs", title="Your inputs")
    services.call_add_section(actor=SYSTEM, call=call, key="consent", title="Publication")
    add = services.call_add_question
    add(
        actor=SYSTEM,
        call=call,
        key="name",
        section_key="about",
        type="short_text",
        prompt="Name",
        required=True,
    )
    add(
        actor=SYSTEM,
        call=call,
        key="email",
        section_key="about",
        type="email",
        prompt="E-mail",
        required=True,
    )
    add(
        actor=SYSTEM,
        call=call,
        key="organisation",
        section_key="about",
        type="short_text",
        prompt="Organisation",
    )
    add(
        actor=SYSTEM,
        call=call,
        key="on_behalf_of_organisation",
        section_key="about",
        type="single_choice",
        prompt="On behalf of it?",
        choices=[("yes", "Yes"), ("no", "No")],
    )
    add(
        actor=SYSTEM,
        call=call,
        key="stakeholder_type",
        section_key="about",
        type="single_choice",
        prompt="Stakeholder type",
        required=True,
        choices=[
            (v, v)
            for v in (
                "government",
                "private_sector",
                "civil_society",
                "academia",
                "technical_community",
                "international_organisation",
                "other",
            )
        ],
    )
    add(
        actor=SYSTEM,
        call=call,
        key="country",
        section_key="about",
        type="country",
        prompt="Country",
        required=True,
    )
    add(
        actor=SYSTEM,
        call=call,
        key="language",
        section_key="about",
        type="single_choice",
        prompt="Language",
        choices=[(v, v) for v in ("ar", "zh", "en", "fr", "ru", "es")],
    )
    add(
        actor=SYSTEM,
        call=call,
        key="achievements",
        section_key="inputs",
        type="long_text",
        prompt="Achievements and challenges",
        required=True,
        max_length=2000,
    )
    add(
        actor=SYSTEM,
        call=call,
        key="topics",
        section_key="inputs",
        type="multiple_choice",
        prompt="Topics",
        choices=[("ai", "AI"), ("iot", "IoT"), ("funding", "Funding")],
    )
    add(
        actor=SYSTEM,
        call=call,
        key="attachment",
        section_key="inputs",
        type="file",
        prompt="A paper",
    )
    add(
        actor=SYSTEM,
        call=call,
        key="consent",
        section_key="consent",
        type="consent",
        prompt="Publication",
        required=True,
        choices=[
            ("publish_named", "Named"),
            ("publish_anonymous", "Anonymous"),
            ("private", "Private"),
        ],
    )
    return call


@pytest.fixture
def complete_answers():
    return {
        "name": "Amina Diallo",
        "email": "Amina@Example.org",
        "organisation": "Réseau Sahel Numérique",
        "on_behalf_of_organisation": "yes",
        "stakeholder_type": "civil_society",
        "country": "SN",
        "language": "fr",
        "achievements": "Les centres communautaires ont connecté 40 villages.\n\nLe coût reste un obstacle.",
        "topics": ["funding", "ai"],
        "consent": "publish_anonymous",
    }


@pytest.fixture
def txt_file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    def make(name="note.txt", text="Une note sur la connectivité rurale.\n"):
        return SimpleUploadedFile(
            name, text.encode("utf-8"), content_type="application/octet-stream"
        )

    return make

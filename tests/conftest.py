"""Personas and small builders shared by the whole suite."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Files go to a fresh folder; background tasks run at once, inside the test."""
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Questionnaires are cached per process, keyed on (call id, updated_at); rolled-back rows come back
    # with the same ids, and under frozen time with the same updated_at.
    from consulta.submissions.answers import forget_questionnaires
    from consulta.submissions.forms import forget_fields
    from consulta.submissions.views import forget_blank_sections

    forget_questionnaires()
    forget_fields()
    forget_blank_sections()
    yield
    # A request to /fr/... leaves French active in this thread (LocaleMiddleware never deactivates), and
    # the next test's reverse() would build French URLs.
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def make_user(db, django_user_model):
    from django.contrib.auth.models import Group

    from consulta.accounts.roles import ensure_role_groups

    ensure_role_groups()

    def make(username: str, *roles: str, **extra):
        user = django_user_model.objects.create_user(
            username=username,
            email=f"{username}@example.org",
            password="correct-horse-battery",
            **extra,
        )
        for role in roles:
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def secretariat(make_user):
    from consulta.accounts.roles import SECRETARIAT

    return make_user("secretariat", SECRETARIAT, is_staff=True)


@pytest.fixture
def analyst(make_user):
    from consulta.accounts.roles import ANALYST

    return make_user("analyst", ANALYST, is_staff=True)


@pytest.fixture
def respondent(make_user):
    return make_user("respondent")


@pytest.fixture
def outsider(make_user):
    return make_user("outsider")


GENEVA = ZoneInfo("Europe/Zurich")


@pytest.fixture
def make_call(db):
    """A published call with one section and one question; dates given in Geneva time."""
    from consulta.accounts.actors import SYSTEM
    from consulta.calls import services

    def make(
        slug: str = "practice",
        opens: datetime = datetime(2025, 1, 6, 9, 0, tzinfo=GENEVA),
        closes: datetime = datetime(2025, 3, 14, 23, 59, 59, tzinfo=GENEVA),
        **kwargs,
    ):
        call = services.call_create(
            actor=SYSTEM,
            slug=slug,
            owner={
                "en": "Working Group on Open Consultations",
                "fr": "Groupe de travail sur les consultations",
            },
            title={
                "en": "Call for inputs on rural connectivity",
                "fr": "Appel à contributions sur la connectivité rurale",
            },
            summary={"en": "Tell us what works.", "fr": "Dites-nous ce qui marche."},
            opens_at=opens,
            closes_at=closes,
            time_zone=kwargs.pop("time_zone", "Europe/Zurich"),
            published=kwargs.pop("published", True),
            **kwargs,
        )
        services.call_add_section(
            actor=SYSTEM, call=call, key="inputs", title={"en": "Your inputs"}
        )
        services.call_add_question(
            actor=SYSTEM,
            call=call,
            key="what_works",
            section_key="inputs",
            type="long_text",
            prompt={
                "en": "What has worked in your community?",
                "fr": "Qu’est-ce qui a marché chez vous ?",
            },
            required=True,
        )
        return call

    return make


@pytest.fixture
def one_second():
    return timedelta(seconds=1)

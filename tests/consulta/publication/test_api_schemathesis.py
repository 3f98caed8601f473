"""Schemathesis drives the public API in-process from its own OpenAPI document.

Every operation gets a bounded, deterministic set of generated requests (explicit examples first, then
generated ones) against a small call with published, private and pending contributions, and every
response must pass the default conformance checks: no server error, a documented status code and
content type, and a body that matches the documented schema.
"""

from __future__ import annotations

import sys
import types

import hypothesis
import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def references(db):
    """References of the published and of the unpublished contributions of the call "wsis20"."""
    return _publish_some()


@pytest.fixture
def _keep_test_connection():
    """Calling the WSGI app directly fires Django's request signals, whose connection clean-up would
    close the test's database connection mid-transaction once CONN_MAX_AGE passes (as on PostgreSQL
    under load); Django's own test client switches it off the same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(references, settings, _keep_test_connection):
    from django.core.wsgi import get_wsgi_application
    from django.urls import Resolver404, path, resolve

    settings.RATELIMIT_ENABLE = False  # hundreds of requests from one address in a few seconds
    try:
        resolve("/api/v1/openapi.json")
    except Resolver404:
        import consulta.urls
        from consulta.publication import api

        module = types.ModuleType("consulta_api_schemathesis_urls")
        module.urlpatterns = [path("api/v1/", api.urls), *consulta.urls.urlpatterns]
        sys.modules[module.__name__] = module
        settings.ROOT_URLCONF = module.__name__
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


def _publish_some() -> list[str]:
    """A published call "wsis20" (the examples in the schema name it) with contributions in every state."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from consulta.accounts.actors import SYSTEM
    from consulta.calls import services
    from consulta.publication.models import Contribution
    from consulta.publication.services import contribution_approve, contributions_sync_call
    from consulta.submissions.bulk import submissions_import
    from consulta.submissions.models import Submission

    geneva = ZoneInfo("Europe/Zurich")
    call = services.call_create(
        actor=SYSTEM,
        slug="wsis20",
        owner="Working Group",
        title={"en": "Call for inputs", "zh": "征集意见"},
        opens_at=datetime(2025, 1, 6, 9, 0, tzinfo=geneva),
        closes_at=datetime(2025, 3, 14, 23, 59, 59, tzinfo=geneva),
        published=True,
    )
    services.call_add_section(actor=SYSTEM, call=call, key="about", title="About you")
    add = services.call_add_question
    add(actor=SYSTEM, call=call, key="name", section_key="about", type="short_text", prompt="Name")
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
        key="stakeholder_type",
        section_key="about",
        type="single_choice",
        prompt="Stakeholder type",
        choices=[(v, v) for v in ("government", "civil_society", "academia")],
    )
    add(
        actor=SYSTEM,
        call=call,
        key="country",
        section_key="about",
        type="country",
        prompt="Country",
    )
    add(
        actor=SYSTEM,
        call=call,
        key="text",
        section_key="about",
        type="long_text",
        prompt="Inputs",
        required=True,
    )
    add(
        actor=SYSTEM,
        call=call,
        key="consent",
        section_key="about",
        type="consent",
        prompt="Publication",
        required=True,
        choices=[
            ("publish_named", "Named"),
            ("publish_anonymous", "Anonymous"),
            ("private", "Private"),
        ],
    )
    consents = ["publish_named", "publish_anonymous", "private"]
    types_ = ["government", "civil_society", "academia"]
    countries = ["SN", "CN", "BR", "FR", "RU", "EG"]
    languages = ["fr", "zh", "es", "en", "ru", "ar"]
    records = [
        (
            n + 1,
            {
                "external_id": f"st-{n}",
                "submitted_at": datetime(2025, 2, 1 + n, 10, 0, tzinfo=geneva).isoformat(),
                "source": "import",
                "language": languages[n % 6],
                "consent": consents[n % 3],
                "respondent": {
                    "name": f"Person {n}",
                    "organisation": f"Organisation {n}",
                    "stakeholder_type": types_[n % 3],
                    "country": countries[n % 6],
                },
                "answers": {
                    "text": f"Community networks and affordable access, input number {n}. 社区网络"
                },
            },
        )
        for n in range(24)
    ]
    submissions_import(call=call, records=records)
    references = list(Submission.objects.filter(call=call).values_list("reference", flat=True))
    contributions_sync_call(references=references)
    for contribution in Contribution.objects.filter(call=call, state="pending").order_by("pk")[:14]:
        contribution_approve(actor=SYSTEM, contribution=contribution)
    published = set(
        Contribution.objects.filter(state="published").values_list("reference", flat=True)
    )
    assert 0 < len(published) < len(references)  # some private, some pending
    return sorted(references, key=lambda reference: reference not in published)


POSITIVE, NEGATIVE = GenerationMode.POSITIVE, GenerationMode.NEGATIVE
RUNS = [
    ("list_calls", POSITIVE),
    ("get_call", POSITIVE),
    ("list_contributions", POSITIVE),
    # Only this operation has parameters that can be invalid (a path segment is any string).
    ("list_contributions", NEGATIVE),
    ("get_contribution", POSITIVE),
]


@pytest.mark.parametrize(
    ("operation_id", "mode"), RUNS, ids=[f"{op}-{mode.value}" for op, mode in RUNS]
)
def test_it_conforms_to_its_own_openapi_document(api_schema, references, operation_id, mode):
    operation = api_schema.find_operation_by_id(operation_id)
    strategies = [operation.as_strategy(generation_mode=mode)]
    if mode is GenerationMode.POSITIVE:
        strategies += operation.get_strategies_from_examples()
    if operation_id == "get_contribution":
        # Real references too (published first, then private and pending ones), not only random strings.
        strategies += [
            operation.as_strategy(path_parameters={"reference": ref}) for ref in references
        ]
    seen = []

    @hypothesis.given(case=hypothesis.strategies.one_of(strategies))
    @hypothesis.settings(
        max_examples=25,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    def check(case):
        seen.append(case.call_and_validate(checks=CHECKS).status_code)

    check()
    if mode is POSITIVE:
        assert 200 in seen, (
            seen
        )  # the published material itself was checked, not only error answers
    else:
        assert 422 in seen, seen  # invalid parameters were refused with a documented answer

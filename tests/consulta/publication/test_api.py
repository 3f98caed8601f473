"""The read-only public API under /api/v1/: published calls and published contributions only."""

from __future__ import annotations

import base64
import json
import sys
import types
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

GENEVA = ZoneInfo("Europe/Zurich")
OPENS = datetime(2025, 1, 6, 9, 0, tzinfo=GENEVA)
CLOSES = datetime(2025, 3, 14, 23, 59, 59, tzinfo=GENEVA)
PATHS = (
    "/api/v1/calls",
    "/api/v1/calls/{slug}",
    "/api/v1/calls/{slug}/contributions",
    "/api/v1/contributions/{reference}",
)


# ------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(autouse=True)
def api_mounted(settings):
    """Serve the API at /api/v1/ whether or not the project's URLconf already mounts it."""
    from django.urls import Resolver404, path, resolve

    try:
        resolve("/api/v1/openapi.json")
        return
    except Resolver404:
        pass
    import consulta.urls
    from consulta.publication import api

    module = types.ModuleType("consulta_api_test_urls")
    module.urlpatterns = [path("api/v1/", api.urls), *consulta.urls.urlpatterns]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__


@pytest.fixture
def small_call(db):
    """A published call with the questions the public side shows, and its publication in every state."""
    from consulta.accounts.actors import SYSTEM
    from consulta.calls import services

    call = services.call_create(
        actor=SYSTEM,
        slug="connect",
        owner="Working Group",
        title={"en": "Call for inputs on connectivity", "fr": "Appel sur la connectivité"},
        opens_at=OPENS,
        closes_at=CLOSES,
        published=True,
    )
    for key, title in (
        ("about", "About you"),
        ("inputs", "Your inputs"),
        ("consent", "Publication"),
    ):
        services.call_add_section(actor=SYSTEM, call=call, key=key, title=title)
    add = services.call_add_question
    add(actor=SYSTEM, call=call, key="name", section_key="about", type="short_text", prompt="Name")
    add(actor=SYSTEM, call=call, key="email", section_key="about", type="email", prompt="E-mail")
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
        required=True,
        choices=[(v, v) for v in ("government", "civil_society", "academia", "other")],
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
        prompt="Achievements",
        required=True,
    )
    add(
        actor=SYSTEM,
        call=call,
        key="topics",
        section_key="inputs",
        type="multiple_choice",
        prompt="Topics",
        choices=[("ai", "AI"), ("funding", "Funding")],
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


PEOPLE = {
    # label: (consent, name, organisation, stakeholder type, country, language, text, day of February)
    "named": (
        "publish_named",
        "Amina Diallo",
        "Réseau Sahel Numérique",
        "civil_society",
        "SN",
        "fr",
        "Les centres communautaires ont connecté quarante villages.",
        3,
    ),
    "anonymous": (
        "publish_anonymous",
        "Kenji Watanabe",
        "Tohoku Fibre Cooperative",
        "academia",
        "JP",
        "en",
        "Municipal fibre cooperatives lowered prices in remote valleys.",
        4,
    ),
    "government": (
        "publish_named",
        "Ana Souza",
        "Ministério das Comunicações",
        "government",
        "BR",
        "es",
        "Las redes comunitarias necesitan espectro asequible.",
        5,
    ),
    "other": (
        "publish_anonymous",
        "Olga Petrova",
        "",
        "other",
        "KZ",
        "ru",
        "Спутниковая связь помогла школам в степи.",
        6,
    ),
    "private": (
        "private",
        "Hidden Person",
        "Secret Org",
        "civil_society",
        "FR",
        "fr",
        "Texte confidentiel sur la connectivité rurale.",
        7,
    ),
    "pending": (
        "publish_named",
        "Pending Person",
        "Waiting Org",
        "civil_society",
        "KE",
        "en",
        "Awaiting approval: mobile money for community networks.",
        8,
    ),
    "rejected": (
        "publish_named",
        "Rejected Person",
        "Spam Org",
        "other",
        "US",
        "en",
        "Buy cheap routers now.",
        9,
    ),
    "withdrawn": (
        "publish_anonymous",
        "Withdrawn Person",
        "Gone Org",
        "academia",
        "DE",
        "en",
        "Withdrawn text about rural broadband.",
        10,
    ),
}


def _record(label: str, values: tuple) -> dict:
    consent, name, organisation, stakeholder_type, country, language, text, day = values
    record = {
        "external_id": label,
        "submitted_at": datetime(2025, 2, day, 10, 0, tzinfo=GENEVA).isoformat(),
        "source": "form",
        "language": language,
        "consent": consent,
        "respondent": {
            "name": name,
            "email": f"{label}@example.org",
            "organisation": organisation,
            "stakeholder_type": stakeholder_type,
            "country": country,
        },
        "answers": {"achievements": text, "topics": ["funding"]},
    }
    if label == "named":
        record["attachments"] = [
            {"filename": "note.txt", "content_base64": base64.b64encode(b"Une note.\n").decode()}
        ]
    return record


@pytest.fixture
def published(small_call):
    """The small call's contributions in every state; returns {label: reference}."""
    from consulta.accounts.actors import SYSTEM
    from consulta.publication.models import Contribution
    from consulta.publication.services import (
        contribution_approve,
        contribution_reject,
        contributions_sync_call,
    )
    from consulta.submissions.bulk import submissions_import
    from consulta.submissions.models import Submission
    from consulta.submissions.services import submission_withdraw

    records = [
        (number, _record(label, values)) for number, (label, values) in enumerate(PEOPLE.items(), 1)
    ]
    submissions_import(call=small_call, records=records)
    references = dict(
        Submission.objects.filter(call=small_call).values_list("external_id", "reference")
    )
    contributions_sync_call(references=references.values())
    for label in ("named", "anonymous", "government", "other", "withdrawn"):
        contribution_approve(
            actor=SYSTEM, contribution=Contribution.objects.get(reference=references[label])
        )
    contribution_reject(
        actor=SYSTEM,
        contribution=Contribution.objects.get(reference=references["rejected"]),
        reason="advertising",
    )
    submission_withdraw(submission=Submission.objects.get(reference=references["withdrawn"]))
    contributions_sync_call(references=[references["withdrawn"]])
    return references


@pytest.fixture
def wsis20(db):
    from consulta.calls.seeding import call_seed
    from consulta.publication.demo import publish_demo
    from consulta.submissions.demo import load_demo_submissions

    call = call_seed(slug="wsis20").call
    load_demo_submissions(call=call)
    publish_demo(call=call)
    return call


def _get(client, url, **headers):
    response = client.get(url, **headers)
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response


def _walk(client, url):
    """Every item of a paginated list, following `next_url`; returns (items, number of pages)."""
    items, pages = [], 0
    while url:
        response = _get(client, url)
        assert response.status_code == 200, response.content
        body = response.json()
        items.extend(body["items"])
        pages += 1
        assert (body["next"] is None) == (body["next_url"] is None)
        url = body["next_url"]
        assert pages < 100
    return items, pages


# ------------------------------------------------------------------------------------------ calls


def test_it_lists_published_calls_with_translations_dates_and_counts(
    client, published, small_call, make_call
):
    from consulta.accounts.actors import SYSTEM
    from consulta.calls import services

    make_call(slug="draft", published=False)
    services.call_extend_deadline(
        actor=SYSTEM,
        call=small_call,
        new_deadline=datetime(2025, 3, 28, 23, 59, 59, tzinfo=GENEVA),
        reason={"en": "More time for regional meetings", "fr": "Plus de temps"},
        announced_at=datetime(2025, 3, 10, 12, 0, tzinfo=GENEVA),
        force=True,
    )
    response = _get(client, "/api/v1/calls")
    assert response.status_code == 200
    calls = {item["slug"]: item for item in response.json()["items"]}
    assert set(calls) == {"connect"}  # the unpublished call is not there
    call = calls["connect"]
    assert call["title"]["fr"] == {
        "text": "Appel sur la connectivité",
        "language": "fr",
        "is_fallback": False,
    }
    assert call["title"]["ar"] == {
        "text": "Call for inputs on connectivity",
        "language": "en",
        "is_fallback": True,
    }
    assert set(call["title"]) == {"ar", "zh", "en", "fr", "ru", "es"}
    assert call["owner"]["en"]["text"] == "Working Group"
    assert call["time_zone"] == "Europe/Zurich"
    assert call["opens_at"] == "2025-01-06T09:00:00+01:00"
    assert call["closes_at"] == "2025-03-28T23:59:59+01:00"
    assert call["original_deadline"] == "2025-03-14T23:59:59+01:00"
    assert call["status"] == small_call.status().value == "closed"
    [change] = call["deadline_history"]
    assert change["kind"] == "extension"
    assert change["previous_deadline"] == "2025-03-14T23:59:59+01:00"
    assert change["new_deadline"] == "2025-03-28T23:59:59+01:00"
    assert change["reason"]["fr"]["text"] == "Plus de temps"
    assert change["reason"]["ru"] == {
        "text": "More time for regional meetings",
        "language": "en",
        "is_fallback": True,
    }
    # Private and pending submissions count as received; only the four approved ones are published.
    assert call["counts"] == {"submissions_received": 7, "contributions_published": 4}
    assert call["licence"] == {
        "id": "CC-BY-4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    }
    assert call["url"] == "http://testserver/en/calls/connect/"
    assert call["contributions_url"] == "http://testserver/api/v1/calls/connect/contributions"
    assert _get(client, "/api/v1/calls/connect").json() == call


def test_it_answers_404_alike_for_unpublished_unknown_and_malformed_calls(
    client, make_call, secretariat
):
    make_call(slug="draft", published=False)
    client.force_login(secretariat)  # staff may see the draft on the website, never through the API
    bodies = set()
    for url in (
        "/api/v1/calls/draft",
        "/api/v1/calls/never-existed",
        "/api/v1/calls/bad%24slug",
        "/api/v1/calls/draft/contributions",
        "/api/v1/calls/never-existed/contributions?stakeholder_type=government",
    ):
        response = _get(client, url)
        assert response.status_code == 404, url
        bodies.add(response.content)
    assert bodies == {b'{"detail": "Not found."}'}


# ------------------------------------------------------------------------------------------ contributions


def test_it_walks_every_published_contribution_exactly_once(client, wsis20):
    from consulta.publication.models import Contribution
    from consulta.submissions.models import Submission

    items, pages = _walk(client, "/api/v1/calls/wsis20/contributions")
    references = [item["reference"] for item in items]
    assert len(references) == len(set(references)) == 82
    assert pages == 5  # 20 a page
    published = set(
        Contribution.objects.filter(call=wsis20, state="published").values_list(
            "reference", flat=True
        )
    )
    assert set(references) == published
    private = set(
        Submission.objects.filter(call=wsis20, current_version__consent="private").values_list(
            "reference", flat=True
        )
    )
    assert len(private) == 14 and not private & set(references)
    stamps = [datetime.fromisoformat(item["received_at"]) for item in items]
    assert stamps == sorted(stamps, reverse=True)  # newest first
    # The call's counts agree: 96 received (private included), 82 published.
    counts = _get(client, "/api/v1/calls/wsis20").json()["counts"]
    assert counts == {"submissions_received": 96, "contributions_published": 82}
    # Filters narrow the walk and agree with the published table.
    for key, value in (
        ("stakeholder_type", "government"),
        ("region", "europe"),
        ("language", "fr"),
    ):
        filtered, _pages = _walk(client, f"/api/v1/calls/wsis20/contributions?{key}={value}")
        expected = Contribution.objects.filter(
            call=wsis20, state="published", **{key: value}
        ).count()
        assert len(filtered) == expected > 0, key
        assert {item[key] for item in filtered} == {value}


def test_it_filters_searches_and_paginates_small_lists(client, published, monkeypatch):
    from consulta.publication import selectors

    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    items, pages = _walk(client, "/api/v1/calls/connect/contributions")
    assert [item["reference"] for item in items] == [
        published[label] for label in ("other", "government", "anonymous", "named")
    ]
    assert pages == 2
    first = _get(client, "/api/v1/calls/connect/contributions").json()
    assert (
        first["next_url"]
        == f"http://testserver/api/v1/calls/connect/contributions?page={first['next']}"
    )

    def references(query):
        found, _pages = _walk(client, f"/api/v1/calls/connect/contributions?{query}")
        return {item["reference"] for item in found}

    everything = {published[label] for label in ("named", "anonymous", "government", "other")}
    assert references("region=&stakeholder_type=&q=") == everything  # empty means "any"
    assert references("country=SN") == {published["named"]}
    assert references("region=africa") == {published["named"]}
    assert references("language=ru") == {published["other"]}
    assert references("stakeholder_type=government") == {published["government"]}
    assert references("stakeholder_type=government&country=SN") == set()
    assert references("q=cooperatives") == {published["anonymous"]}
    assert references("q=villages&sort=relevance") == {published["named"]}
    assert references("q=confidentiel") == set()  # private text is never searchable
    assert references("q=routers") == set()  # nor rejected text
    assert references("q=Withdrawn") == set()
    # Relevance pages are walked with their own cursor too.
    assert references("q=the&sort=relevance") | references("q=las&sort=relevance") <= set(
        published.values()
    )


def test_it_shows_author_only_when_named_and_every_public_field(client, published):
    named = _get(client, f"/api/v1/contributions/{published['named']}")
    assert named.status_code == 200
    body = named.json()
    assert body["reference"] == published["named"]
    assert body["call"] == "connect"
    assert body["received_at"] == "2025-02-03T10:00:00+01:00"
    assert body["language"] == "fr"
    assert body["stakeholder_type"] == "civil_society"
    assert body["country"] == "SN"
    assert body["region"] == "africa"
    assert body["author"] == {"name": "Amina Diallo", "organisation": "Réseau Sahel Numérique"}
    assert body["answers"] == {
        "achievements": "Les centres communautaires ont connecté quarante villages.",
        "topics": ["funding"],
    }
    assert body["licence"] == {
        "id": "CC-BY-4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    }
    assert body["url"] == f"http://testserver/en/contributions/{published['named']}/"
    [attachment] = body["attachments"]
    assert attachment["name"].endswith(".txt")
    assert attachment["content_type"] == "text/plain"
    assert attachment["size"] > 0
    assert attachment["url"].startswith(
        f"http://testserver/en/contributions/{published['named']}/files/"
    )
    download = client.get(attachment["url"].removeprefix("http://testserver"))
    assert download.status_code == 200
    assert "email" not in json.dumps(body) and "@example.org" not in named.content.decode()

    other = _get(client, f"/api/v1/contributions/{published['other']}")
    assert "Спутниковая связь" in other.content.decode("utf-8")  # UTF-8 text, not \u escapes
    assert other["Content-Type"] == "application/json; charset=utf-8"

    anonymous = _get(client, f"/api/v1/contributions/{published['anonymous']}")
    assert anonymous.json()["author"] is None
    text = anonymous.content.decode()
    assert "Kenji" not in text and "Tohoku" not in text and "@example.org" not in text
    # The list shows the same rendering as the detail.
    listed = {
        item["reference"]: item
        for item in _get(client, "/api/v1/calls/connect/contributions").json()["items"]
    }
    assert listed[published["named"]] == body
    assert listed[published["anonymous"]]["author"] is None


def test_it_answers_the_same_404_for_private_pending_rejected_withdrawn_and_unknown(
    client, published, secretariat
):
    client.force_login(secretariat)
    responses = [
        _get(client, f"/api/v1/contributions/{published[label]}")
        for label in ("private", "pending", "rejected", "withdrawn")
    ]
    responses += [
        _get(client, "/api/v1/contributions/CONNECT-ZZZZZZZZ"),
        _get(client, "/api/v1/contributions/not%20a%20reference"),
    ]
    assert {r.status_code for r in responses} == {404}
    assert {r.content for r in responses} == {b'{"detail": "Not found."}'}
    assert {r["ETag"] for r in responses} == {responses[0]["ETag"]}


def test_it_hides_contributions_of_a_call_that_is_unpublished_again(client, published, small_call):
    small_call.published = False
    small_call.save()
    assert _get(client, f"/api/v1/contributions/{published['named']}").status_code == 404
    assert _get(client, "/api/v1/calls/connect/contributions").status_code == 404


# ------------------------------------------------------------------------------------------ HTTP


def test_it_answers_304_when_the_etag_matches(client, published):
    url = f"/api/v1/contributions/{published['named']}"
    first = _get(client, url)
    etag = first["ETag"]
    assert etag.startswith('"') and first["Cache-Control"] == "public, max-age=60"
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and again["Access-Control-Allow-Origin"] == "*"
    assert client.get(url, HTTP_IF_NONE_MATCH=f'"other", W/{etag}').status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200
    for path in (
        "/api/v1/calls",
        "/api/v1/calls/connect",
        "/api/v1/calls/connect/contributions",
        "/api/v1/openapi.json",
    ):
        response = client.get(path)
        assert response.status_code == 200 and response["ETag"], path
        assert client.get(path, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304, path


def test_it_answers_head_with_headers_only(client, published):
    get = client.get("/api/v1/calls")
    head = client.head("/api/v1/calls")
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == get["ETag"]


def test_it_allows_cross_origin_reads_only(client, published):
    response = client.get("/api/v1/calls", HTTP_ORIGIN="https://elsewhere.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert _get(client, "/api/v1/contributions/NOPE-1")["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/api/v1/calls/connect/contributions",
        HTTP_ORIGIN="https://elsewhere.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD"
    assert "If-None-Match" in preflight["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in preflight
    refused = client.options(
        "/api/v1/calls",
        HTTP_ORIGIN="https://elsewhere.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    assert refused.status_code == 405 and "Access-Control-Allow-Origin" not in refused
    for method in (client.post, client.put, client.delete):
        response = method("/api/v1/calls")
        assert response.status_code == 405 and response.json()["detail"].startswith(
            "This API is read-only"
        )


def test_it_rate_limits_each_address(client, published, settings):
    import time_machine

    settings.CONSULTA_API_RATE = "3/m"
    with time_machine.travel(datetime(2026, 1, 5, 10, 0, 1, tzinfo=GENEVA), tick=False):
        for _ in range(3):
            assert client.get("/api/v1/calls", REMOTE_ADDR="192.0.2.1").status_code == 200
        limited = _get(client, "/api/v1/calls", REMOTE_ADDR="192.0.2.1")
        assert limited.status_code == 429
        assert limited.json() == {
            "detail": "Too many requests: slow down and try again in a minute."
        }
        assert limited["Retry-After"] == "60" and limited["Access-Control-Allow-Origin"] == "*"
        assert client.get("/api/v1/calls", REMOTE_ADDR="192.0.2.2").status_code == 200
    with time_machine.travel(datetime(2026, 1, 5, 10, 2, 1, tzinfo=GENEVA), tick=False):
        assert client.get("/api/v1/calls", REMOTE_ADDR="192.0.2.1").status_code == 200


def test_it_rejects_bad_parameters_with_clear_json(client, published):
    base = "/api/v1/calls/connect/contributions"
    unknown_type = _get(client, f"{base}?stakeholder_type=aliens")
    assert unknown_type.status_code == 422
    detail = unknown_type.json()["detail"]
    assert "stakeholder_type" in detail
    for allowed in (
        "government",
        "private_sector",
        "civil_society",
        "academia",
        "technical_community",
    ):
        assert allowed in detail
    assert unknown_type.json()["errors"][0]["loc"] == ["query", "stakeholder_type"]
    for query in (
        "region=mars",
        "language=de",
        "country=XX",
        "country=sn",
        "sort=random",
        "q=" + "x" * 201,
    ):
        response = _get(client, f"{base}?{query}")
        assert response.status_code == 422, query
        assert isinstance(response.json()["detail"], str)
    forged = base64.urlsafe_b64encode(b"2025-02-01T00:00:00|1").decode()  # no offset
    for cursor in ("not-a-cursor", "%00", forged, base64.urlsafe_b64encode(b"x|y").decode()):
        response = _get(client, f"{base}?page={cursor}")
        assert response.status_code == 400, cursor
        assert response.json()["detail"].startswith("The page cursor is not valid")
    assert _get(client, f"{base}?q=villages&sort=relevance&page=abc").status_code == 400
    assert _get(client, f"{base}?q=villages&sort=relevance&page=20").status_code == 200
    # Unknown addresses under /api/v1/ are JSON 404s, never HTML and never a redirect.
    for url in (
        "/api/v1/nothing-here",
        "/api/v1/calls/",
        "/api/v1/",
        "/api/v1/calls/connect/contributions/",
    ):
        response = _get(client, url)
        assert response.status_code == 404 and response.json() == {"detail": "Not found."}, url


def test_it_describes_itself_in_openapi(client, db):
    response = _get(client, "/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert set(PATHS) <= set(document["paths"])
    assert all(list(document["paths"][path]) == ["get"] for path in PATHS)
    listing = document["paths"]["/api/v1/calls/{slug}/contributions"]["get"]
    parameters = {p["name"]: p for p in listing["parameters"]}
    assert set(parameters) >= {
        "q",
        "stakeholder_type",
        "region",
        "country",
        "language",
        "code",
        "page",
        "sort",
    }
    assert "next" in parameters["page"]["description"]
    assert {"200", "400", "404", "422", "429"} <= set(listing["responses"])
    # The document is a valid OpenAPI schema: schemathesis loads it and finds the four operations.
    import schemathesis

    schema = schemathesis.openapi.from_dict(document)
    operations = {f"{op.ok().method.upper()} {op.ok().path}" for op in schema.get_all_operations()}
    assert operations == {f"GET {path}" for path in PATHS}


def test_it_serves_docs_without_any_outside_asset(client, db, settings):
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app != "ninja"]
    # Without django-ninja's static files there is no docs page (never the CDN template).
    assert _get(client, "/api/v1/docs").status_code == 404
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "ninja"]
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "cdn" not in page.lower() and "https://" not in page and "http://" not in page
    assert '<script src="/static/ninja/swagger-ui-bundle.js">' in page
    assert '"url": "/api/v1/openapi.json"' in page and '"validatorUrl": null' in page

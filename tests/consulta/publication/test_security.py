"""Security of the public side, without a browser: references cannot be guessed, nothing that is not
public leaks anywhere, and the exports cannot run code in a spreadsheet or a browser.

The API and open data are requested at their documented addresses (``/api/v1/…``,
``/<lang>/calls/<slug>/open-data/contributions.csv|json``) through the project's own URLconf, never a
test-only one: a failure that says "not mounted" means the feature is not wired into ``consulta.urls``.
The same properties in a real browser (no script runs, no handler fires) are in
``test_security_browser.py``.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import secrets
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils.html import escape

from .xss_payloads import (
    FORMULA_STARTS,
    FORMULAS,
    LONG_TEXT_KEYS,
    PAYLOADS,
    STORABLE,
    import_and_publish,
    publish,
)

pytestmark = pytest.mark.django_db

GENEVA = ZoneInfo("Europe/Zurich")
INSIDE_WSIS20 = datetime(2025, 2, 20, 10, 0, tzinfo=GENEVA)  # the WSIS+20 call was open then
WHILE_EDITABLE = datetime(
    2025, 3, 1, 12, 0, tzinfo=GENEVA
)  # authors could still change their inputs
API_MISSING = "The read-only API is not mounted at /api/v1/ in consulta.urls"
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"


# ================================================================================ references


def _alphabet() -> str:
    from consulta.submissions.models import REFERENCE_ALPHABET

    return REFERENCE_ALPHABET


def _guess(prefix: str = "WSIS20") -> str:
    return f"{prefix}-{''.join(secrets.choice(_alphabet()) for _ in range(8))}"


def test_references_are_a_prefix_and_eight_symbols_drawn_from_secrets(monkeypatch):
    from consulta.submissions import models

    alphabet = models.REFERENCE_ALPHABET
    assert len(alphabet) == len(set(alphabet)) == 32
    assert set(alphabet) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") and not set("ILOU") & set(
        alphabet
    )
    assert models.REFERENCE_LENGTH == 8

    drawn: list[str] = []
    real_choice = secrets.choice

    def spy(sequence):
        drawn.append(sequence)
        return real_choice(sequence)

    monkeypatch.setattr(models.secrets, "choice", spy)  # the module is `secrets` itself
    reference = models.new_reference(SimpleNamespace(slug="wsis20"))
    assert re.fullmatch(r"WSIS20-[0-9A-HJKMNP-TV-Z]{8}", reference), reference
    assert drawn == [alphabet] * 8, (
        "every symbol must come from secrets.choice over the 32-symbol alphabet"
    )


def test_ten_thousand_references_are_unique_and_uniformly_spread():
    from scipy.stats import chisquare

    from consulta.submissions.models import new_reference

    alphabet = _alphabet()
    references = [new_reference(SimpleNamespace(slug="wsis20")) for _ in range(10_000)]
    assert len(set(references)) == len(references)
    symbols = [r.removeprefix("WSIS20-") for r in references]
    assert {len(s) for s in symbols} == {8}
    # Each position on its own, all positions together, and neighbouring positions as pairs: a
    # one-in-a-million threshold, so a fair generator fails this about once in a million runs.
    for position in range(8):
        counts = Counter(s[position] for s in symbols)
        assert chisquare([counts[c] for c in alphabet]).pvalue > 1e-6, (
            f"position {position}: {counts}"
        )
    overall = Counter("".join(symbols))
    assert chisquare([overall[c] for c in alphabet]).pvalue > 1e-6, overall
    pairs = Counter(s[k : k + 2] for s in symbols for k in range(7))
    assert chisquare([pairs[a + b] for a in alphabet for b in alphabet]).pvalue > 1e-6
    # Consecutive references are unrelated (no counter or clock shows through).
    following = Counter(a[0] + b[0] for a, b in zip(symbols, symbols[1:], strict=False))
    assert chisquare([following[a + b] for a in alphabet for b in alphabet]).pvalue > 1e-6


def test_imported_and_form_references_have_the_same_format(make_call):
    from consulta.submissions.bulk import _references
    from consulta.submissions.services import submission_start

    call = make_call(
        slug="wsis20",
        opens=datetime(2020, 1, 1, tzinfo=GENEVA),
        closes=datetime(2099, 1, 1, tzinfo=GENEVA),
    )
    imported = _references(call, 10_000)
    assert len(set(imported)) == 10_000
    assert all(re.fullmatch(r"WSIS20-[0-9A-HJKMNP-TV-Z]{8}", r) for r in imported)
    started = [submission_start(call=call).reference for _ in range(5)]
    assert all(re.fullmatch(r"WSIS20-[0-9A-HJKMNP-TV-Z]{8}", r) for r in started), started


# ================================================================================ the leak scenarios

HIDDEN = (
    "private",
    "pending",
    "rejected",
    "withdrawn",
    "consent_private",
    "published_then_rejected",
    "erased",
)
# Public contributions whose author's name must still not be public.
ANONYMOUS = ("anonymous", "named_to_anonymous")
CASES = (*HIDDEN, *ANONYMOUS, "control")


@dataclass
class Scenario:
    call: object
    text: dict[str, str] = field(
        default_factory=dict
    )  # case -> marker in every answer and the file name
    name: dict[str, str] = field(
        default_factory=dict
    )  # case -> marker in the name and organisation
    email: dict[str, str] = field(default_factory=dict)
    reference: dict[str, str] = field(default_factory=dict)
    attachments: dict[str, list[int]] = field(default_factory=dict)
    received_before: int = 0
    published_before: int = 0

    def hidden_markers(self) -> dict[str, str]:
        """Every string that must appear on no public surface, labelled."""
        found = {}
        for case in HIDDEN:
            found[f"{case} text"] = self.text[case]
            found[f"{case} name"] = self.name[case]
        for case in CASES:
            found[f"{case} e-mail"] = self.email[case]
        for case in ANONYMOUS:
            found[f"{case} name"] = self.name[case]
        return found


def _record(case: str, text: str, name: str, email: str) -> dict:
    consent = {"private": "private", "anonymous": "publish_anonymous"}.get(case, "publish_named")
    return {
        "external_id": f"leak-{case}",
        "submitted_at": INSIDE_WSIS20.isoformat(),
        "source": "email",
        "language": "en",
        "consent": consent,
        "respondent": {
            "name": f"Person {name}",
            "email": email,
            "organisation": f"Organisation {name}",
            "stakeholder_type": "civil_society",
            "country": "SN",
            "on_behalf_of_organisation": True,
        },
        "answers": {
            key: f"Community networks ({key}) {text} in rural areas." for key in LONG_TEXT_KEYS
        },
        "attachments": [
            {"filename": f"{text}.txt", "content_base64": _b64(f"A note that says {text}.\n")},
        ],
    }


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


def _edit_consent(submission, consent: str) -> None:
    """The author changes only the consent, through the same services as the form."""
    import time_machine

    from consulta.submissions import services

    with time_machine.travel(WHILE_EDITABLE, tick=False):
        submission = services.submission_edit_start(submission=submission)
        services.submission_save_draft(submission=submission, data={"consent": consent})
        services.submission_submit(
            submission=submission,
            idempotency_key=uuid.uuid4(),
            base_version=submission.version_count,
        )


@pytest.fixture
def scenario(wsis20_published, secretariat, django_capture_on_commit_callbacks, settings):
    """The 96 WSIS+20 demo submissions plus one submission in each state that must not be public."""
    from consulta.publication.models import Contribution
    from consulta.publication.selectors import public_contributions
    from consulta.publication.services import contribution_reject
    from consulta.submissions.bulk import submissions_import
    from consulta.submissions.models import Submission
    from consulta.submissions.privacy import respondent_erase
    from consulta.submissions.selectors import submissions_received_count
    from consulta.submissions.services import submission_withdraw

    settings.CONSULTA_STATISTICS_CACHE_SECONDS = 0
    call = wsis20_published
    found = Scenario(
        call=call,
        received_before=submissions_received_count(call),
        published_before=public_contributions(call).count(),
    )
    for case in CASES:
        token = secrets.token_hex(4)
        found.text[case] = f"zq{case.replace('_', '')}{token}"
        found.name[case] = (
            found.text[case] if case in HIDDEN else f"nm{case.replace('_', '')}{token}"
        )
        found.email[case] = f"mail{case.replace('_', '')}{token}@example.org"
    records = [
        (n, _record(c, found.text[c], found.name[c], found.email[c]))
        for n, c in enumerate(CASES, 1)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        submissions_import(call=call, records=records)
    submissions = {
        s.external_id.removeprefix("leak-"): s
        for s in Submission.objects.filter(external_id__startswith="leak-")
    }
    for case, submission in submissions.items():
        found.reference[case] = submission.reference
        found.attachments[case] = list(submission.attachments.values_list("pk", flat=True))

    for case in (
        "control",
        "anonymous",
        "named_to_anonymous",
        "withdrawn",
        "consent_private",
        "published_then_rejected",
        "erased",
    ):
        with django_capture_on_commit_callbacks(execute=True):
            publish(submissions[case], secretariat)
    for case in ("rejected", "published_then_rejected"):
        contribution = Contribution.objects.get(submission=submissions[case])
        contribution_reject(
            actor=secretariat, contribution=contribution, reason="Advertising, not an input."
        )
    with django_capture_on_commit_callbacks(execute=True):
        submission_withdraw(submission=submissions["withdrawn"])
    with django_capture_on_commit_callbacks(execute=True):
        respondent_erase(email=found.email["erased"])
    with django_capture_on_commit_callbacks(execute=True):
        _edit_consent(submissions["consent_private"], "private")
    with django_capture_on_commit_callbacks(execute=True):
        _edit_consent(submissions["named_to_anonymous"], "publish_anonymous")

    states = dict(
        Contribution.objects.filter(submission__in=submissions.values()).values_list(
            "reference", "state"
        )
    )
    by_case = {case: states.get(found.reference[case]) for case in CASES}
    assert by_case == {
        "private": None,
        "pending": "pending",
        "rejected": "rejected",
        "withdrawn": "withdrawn",
        "consent_private": "withdrawn",
        "published_then_rejected": "rejected",
        "erased": "withdrawn",
        "anonymous": "published",
        "named_to_anonymous": "published",
        "control": "published",
    }
    return found


# ------------------------------------------------------------------------------ reading what is public


def _text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode("utf-8")


def _api(client, url: str, **extra):
    response = client.get(url, **extra)
    if not response.get("Content-Type", "").startswith("application/json"):
        pytest.fail(
            f"{API_MISSING}: GET {url} answered {response.status_code} {response.get('Content-Type')}"
        )
    return response


def _results(page: str) -> str:
    """The list of results on a contribution list page (the search box echoes the query elsewhere)."""
    found = re.search(r'<ol class="contribution-list".*?</ol>', page, re.S)
    assert found, page[:500]
    return found.group(0)


def _list_pages(client, url: str) -> list[str]:
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        page = _text(response)
        pages.append(page)
        following = re.search(r'<a class="button" href="(\?[^"]*)" rel="next"', page)
        url = url.split("?")[0] + html.unescape(following.group(1)) if following else None
        assert len(pages) < 50
    return pages


def _api_items(client, url: str) -> list[dict]:
    items = []
    while url:
        response = _api(client, url)
        assert response.status_code == 200, (url, response.content[:300])
        body = response.json()
        items.extend(body["items"])
        url = body["next_url"]
        assert len(items) < 10_000
    return items


def _sitemaps(client) -> dict[str, str]:
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    found = {"/sitemap.xml": _text(index)}
    for location in re.findall(r"<loc>([^<]+)</loc>", found["/sitemap.xml"]):
        path = re.sub(r"^https?://[^/]+", "", html.unescape(location))
        response = client.get(path)
        assert response.status_code == 200, path
        found[path] = _text(response)
    assert any("contributions" in path for path in found), found.keys()
    return found


def page_surfaces(client, scenario: Scenario) -> dict[str, str]:
    """Everything anyone can read about the call outside the API, labelled: the list (every page, two
    languages), search results, contribution pages, open data, the data dictionary and the sitemaps."""
    slug = scenario.call.slug
    surfaces: dict[str, str] = {}
    for lang in ("en", "ar"):
        for n, page in enumerate(_list_pages(client, f"/{lang}/calls/{slug}/contributions/")):
            surfaces[f"list ({lang}) page {n + 1}"] = page
    surfaces["call page"] = _text(client.get(f"/en/calls/{slug}/"))
    surfaces["home page"] = _text(client.get("/en/"))
    for marker in {*scenario.text.values(), *scenario.name.values()}:
        for sort in ("date", "relevance"):
            page = _text(
                client.get(f"/en/calls/{slug}/contributions/", {"q": marker, "sort": sort})
            )
            surfaces[f"search {marker} ({sort})"] = _results(page)
    for case in CASES:
        surfaces[f"contribution page of {case}"] = _text(
            client.get(f"/en/contributions/{scenario.reference[case]}/")
        )
    for fmt in ("csv", "json"):
        response = client.get(f"/en/calls/{slug}/open-data/contributions.{fmt}")
        assert response.status_code == 200, fmt
        surfaces[f"open data {fmt}"] = _text(response)
    surfaces["data dictionary"] = _text(
        client.get(f"/en/calls/{slug}/open-data/dictionary/?format=json")
    )
    for path, text in _sitemaps(client).items():
        surfaces[f"sitemap {path}"] = text
    return surfaces


def api_surfaces(client, scenario: Scenario) -> dict[str, str]:
    """Everything the API tells about the call, labelled."""
    slug = scenario.call.slug
    surfaces = {
        "API list": json.dumps(
            _api_items(client, f"/api/v1/calls/{slug}/contributions"), ensure_ascii=False
        ),
        "API call": _text(_api(client, f"/api/v1/calls/{slug}")),
        "API calls": _text(_api(client, "/api/v1/calls")),
    }
    for marker in {*scenario.text.values(), *scenario.name.values()}:
        for sort in ("date", "relevance"):
            items = _api_items(client, f"/api/v1/calls/{slug}/contributions?q={marker}&sort={sort}")
            surfaces[f"API search {marker} ({sort})"] = json.dumps(items, ensure_ascii=False)
    for case in CASES:
        surfaces[f"API contribution {case}"] = _text(
            _api(client, f"/api/v1/contributions/{scenario.reference[case]}")
        )
    return surfaces


def _assert_nothing_hidden_shows(scenario: Scenario, surfaces: dict[str, str]) -> None:
    hidden = scenario.hidden_markers()
    leaks = [
        f"{label} ({marker}) in {where}"
        for where, text in surfaces.items()
        for label, marker in hidden.items()
        if marker in text
    ]
    assert not leaks, "\n".join(leaks)
    # Searching for a hidden string finds nothing, even where the string itself would not be shown
    # (an anonymous author's name must not lead to their contribution).
    found = [
        where
        for where, text in surfaces.items()
        for marker in hidden.values()
        if (where.startswith(f"search {marker} ") and 'class="call-card"' in text)
        or (where.startswith(f"API search {marker} ") and text != "[]")
    ]
    assert not found, "searching for a hidden string finds contributions: " + ", ".join(found)
    references = {scenario.reference[case] for case in HIDDEN}
    listed = [
        f"{reference} in {where}"
        for where, text in surfaces.items()
        if not where.startswith(("contribution page of", "API contribution"))
        for reference in references
        if reference in text
    ]
    assert not listed, "\n".join(listed)


def _assert_shown(surfaces: dict[str, str], expected: dict[str, str]) -> None:
    """What is public is found where the hidden is not (``{surface: marker}``): not vacuous."""
    missing = [f"{m} in {w}" for w, m in expected.items() if m not in surfaces[w]]
    assert not missing, "public text missing: " + ", ".join(missing)


# ------------------------------------------------------------------------------ the leak tests


def test_nothing_that_is_not_public_leaks_from_pages_search_files_open_data_or_sitemaps(
    client, scenario
):
    """Private, pending, rejected, withdrawn, consent-withdrawn and erased submissions, and the names of
    anonymous authors, appear on no public page, in no search result, file, download or sitemap."""
    from consulta.publication.models import Contribution
    from consulta.publication.statistics import count_submissions

    surfaces = page_surfaces(client, scenario)
    _assert_nothing_hidden_shows(scenario, surfaces)
    control, reference = scenario.text["control"], scenario.reference["control"]
    public = ("control", *ANONYMOUS)
    _assert_shown(
        surfaces,
        {
            "open data csv": control,
            "open data json": control,
            f"search {control} (date)": control,
            f"search {control} (relevance)": control,
            **{f"contribution page of {case}": scenario.text[case] for case in public},
        },
    )
    assert scenario.name["control"] in surfaces["contribution page of control"]
    assert any(
        reference in text for where, text in surfaces.items() if where.startswith("list (en)")
    )
    assert any(
        reference in text
        for where, text in surfaces.items()
        if where.startswith("sitemap /sitemap-contributions")
    )

    # Pages and files of what is not public answer the very 404 of a reference that never existed.
    unknown = client.get(f"/en/contributions/{_guess()}/")
    assert unknown.status_code == 404
    for case in HIDDEN:
        ref = scenario.reference[case]
        for url in (
            f"/en/contributions/{ref}/",
            f"/fr/contributions/{ref}/",
            *(f"/en/contributions/{ref}/files/{a}/" for a in scenario.attachments[case]),
            # a public reference does not open another submission's file
            *(f"/en/contributions/{reference}/files/{a}/" for a in scenario.attachments[case]),
            # nor do the author's own addresses, without the author's session
            f"/en/submissions/{ref}/",
            f"/en/submissions/{ref}/receipt/1/",
            *(f"/en/submissions/{ref}/files/{a}/" for a in scenario.attachments[case]),
        ):
            response = client.get(url)
            assert (response.status_code, response.content) == (404, unknown.content), url
    # The control's own file is served, as a download that cannot run in the site's origin.
    (attachment,) = scenario.attachments["control"]
    response = client.get(f"/en/contributions/{reference}/files/{attachment}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    # The rows kept for the audit trail hold no public text once consent or the submission is gone.
    for case in ("withdrawn", "consent_private", "erased"):
        row = Contribution.objects.get(reference=scenario.reference[case])
        assert (row.answers, row.attachment_ids, row.author_name, row.search_document) == (
            {},
            [],
            "",
            "",
        ), case

    # The statistics still count every submission received, private ones included.
    expected = scenario.received_before + len(
        [c for c in CASES if c != "withdrawn"]
    )  # withdrawn: not received
    assert count_submissions(scenario.call)["total"] == expected
    assert f"{expected} submissions received" in surfaces["call page"]


def test_nothing_that_is_not_public_leaks_from_the_api(client, scenario):
    surfaces = api_surfaces(client, scenario)
    _assert_nothing_hidden_shows(scenario, surfaces)
    control = scenario.text["control"]
    _assert_shown(
        surfaces,
        {
            "API list": control,
            f"API search {control} (date)": control,
            f"API search {control} (relevance)": control,
            **{f"API contribution {case}": scenario.text[case] for case in ("control", *ANONYMOUS)},
        },
    )
    unknown = _api(client, f"/api/v1/contributions/{_guess()}")
    for case in HIDDEN:
        response = _api(client, f"/api/v1/contributions/{scenario.reference[case]}")
        assert (response.status_code, response.content) == (404, unknown.content), case
    counts = json.loads(surfaces["API call"])["counts"]
    assert counts == {
        "submissions_received": scenario.received_before
        + len(CASES)
        - 1,  # all but the withdrawn one
        "contributions_published": scenario.published_before + 1 + len(ANONYMOUS),
    }

    # 200 guesses, the hidden references first: identical 404s until the rate limit answers 429.
    import time_machine
    from django.core.cache import cache
    from django.test import override_settings

    cache.clear()
    guesses = [scenario.reference[case] for case in HIDDEN] + [_guess() for _ in range(200)]
    with (
        override_settings(CONSULTA_API_RATE="100/m"),
        time_machine.travel(datetime(2026, 1, 5, 10, 0, 1, tzinfo=GENEVA), tick=False),
    ):
        responses = [
            _api(client, f"/api/v1/contributions/{ref}", REMOTE_ADDR="198.51.100.7")
            for ref in guesses
        ]
        elsewhere = _api(client, f"/api/v1/contributions/{guesses[0]}", REMOTE_ADDR="198.51.100.8")
    statuses = [r.status_code for r in responses]
    assert statuses[:100] == [404] * 100 and set(statuses[100:]) == {429}, Counter(statuses)
    assert {(r.content, r.get("ETag")) for r in responses[:100]} == {
        (unknown.content, unknown.get("ETag"))
    }
    assert elsewhere.status_code == 404  # the limit counts per address


def test_guessed_references_get_the_same_404_on_every_page(client, scenario):
    """200 random references, and the hidden ones, against the contribution and submission pages."""
    guesses = [_guess() for _ in range(200)]
    hidden = [scenario.reference[case] for case in HIDDEN]
    responses = [client.get(f"/en/contributions/{ref}/") for ref in guesses + hidden]
    assert {r.status_code for r in responses} == {404}
    assert len({r.content for r in responses}) == 1, (
        "a 404 must not tell a private reference from none"
    )
    assert len({tuple(sorted(k for k in r.headers if k != "Date")) for r in responses}) == 1
    for path in (
        "/en/submissions/{}/",
        "/en/submissions/{}/receipt/1/",
        "/en/contributions/{}/files/1/",
    ):
        answers = {client.get(path.format(ref)).content for ref in guesses[:20] + hidden}
        assert answers == {responses[0].content}, path


@pytest.fixture
def one_published(secretariat):
    """The practice call with one published contribution and its file."""
    from django.utils import timezone

    from consulta.calls.seeding import call_seed
    from consulta.submissions.bulk import submissions_import
    from consulta.submissions.models import Submission

    call = call_seed(slug="practice").call
    record = _record("control", "zqoffline", "nmoffline", "offline@example.org")
    record["submitted_at"] = timezone.now().isoformat()
    (reference,) = submissions_import(call=call, records=[(1, record)]).references
    submission = Submission.objects.get(reference=reference)
    publish(submission, secretariat)
    return SimpleNamespace(
        call=call, reference=reference, attachment=submission.attachments.get().pk
    )


def test_a_call_taken_offline_takes_its_contributions_with_it(client, one_published):
    call, reference = one_published.call, one_published.reference
    urls = (
        f"/en/calls/{call.slug}/contributions/",
        f"/en/calls/{call.slug}/open-data/contributions.csv",
        f"/en/contributions/{reference}/",
        f"/en/contributions/{reference}/files/{one_published.attachment}/",
    )
    assert [client.get(url).status_code for url in urls] == [200] * len(urls)
    call.published = False
    call.save()
    still_public = [url for url in urls if client.get(url).status_code != 404]
    assert not still_public, f"public although the call is offline: {still_public}"
    assert reference not in "".join(_sitemaps(client).values())


def test_a_call_taken_offline_takes_its_contributions_out_of_the_api(client, one_published):
    call, reference = one_published.call, one_published.reference
    assert _api(client, f"/api/v1/contributions/{reference}").status_code == 200
    call.published = False
    call.save()
    assert _api(client, f"/api/v1/contributions/{reference}").status_code == 404
    assert _api(client, f"/api/v1/calls/{call.slug}/contributions").status_code == 404


# ================================================================================ exports and pages


@pytest.fixture
def corpus(secretariat):
    """The practice call with every payload in every free-text field and file name, all published."""
    from django.utils import timezone

    from consulta.calls.seeding import call_seed

    call = call_seed(slug="practice").call
    submissions = import_and_publish(call, secretariat, timezone.now().isoformat())
    return SimpleNamespace(call=call, submissions=submissions)


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _assert_defused(rows: list[list[str]], where: str) -> None:
    armed = [
        (n, cell[:40])
        for n, row in enumerate(rows)
        for cell in row
        if cell.startswith(FORMULA_STARTS)
    ]
    assert not armed, f"{where}: cells a spreadsheet would run: {armed[:5]}"
    cells = {cell for row in rows for cell in row}
    for formula in FORMULAS:
        assert "'" + formula.strip() in cells, (
            f"{where}: {formula!r} not written (defused) as a whole cell"
        )


def test_open_data_defuses_formulas_in_csv_and_serves_json_as_json_with_the_text_unaltered(
    client, corpus
):
    from consulta.publication.models import Contribution

    response = client.get(f"/en/calls/{corpus.call.slug}/open-data/contributions.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    rows = _csv_rows(_text(response))
    assert len(rows) == 1 + len(corpus.submissions)
    _assert_defused(rows, "open data CSV")
    everything = "\n".join(cell for row in rows for cell in row)
    for payload in STORABLE:
        assert payload.text.strip() in everything, payload.id

    response = client.get(f"/en/calls/{corpus.call.slug}/open-data/contributions.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    body = json.loads(_text(response))
    published = {c.reference: c for c in Contribution.objects.filter(call=corpus.call)}
    assert len(body["contributions"]) == len(published) == len(corpus.submissions)
    for record in body["contributions"]:
        contribution = published[record["reference"]]
        assert record["author_name"] == contribution.author_name  # JSON: no apostrophe, no change
        for key in LONG_TEXT_KEYS:
            assert record[f"answers.{key}"] == contribution.answers[key]
    dictionary = client.get(f"/en/calls/{corpus.call.slug}/open-data/dictionary/?format=json")
    assert dictionary["Content-Type"].startswith("application/json")
    assert dictionary["X-Content-Type-Options"] == "nosniff"


def test_the_staff_exports_defuse_formulas(corpus):
    from openpyxl import load_workbook

    from consulta.submissions.bulk import submissions_export

    buffer = io.BytesIO()
    submissions_export(call=corpus.call, fmt="csv", stream=buffer)
    rows = _csv_rows(buffer.getvalue().decode("utf-8"))
    assert len(rows) == 1 + len(corpus.submissions)
    _assert_defused(rows, "staff CSV export")
    everything = "\n".join(cell for row in rows for cell in row)
    for payload in STORABLE:
        assert payload.text.strip() in everything, payload.id

    buffer = io.BytesIO()
    submissions_export(call=corpus.call, fmt="xlsx", stream=buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "the XLSX export holds formulas"
    _assert_defused([[str(c.value) for c in cells if c.value is not None]], "staff XLSX export")

    buffer = io.BytesIO()
    submissions_export(call=corpus.call, fmt="jsonl", stream=buffer)
    lines = [json.loads(line) for line in buffer.getvalue().decode("utf-8").splitlines()]
    assert {line["respondent"]["name"] for line in lines} >= {
        f.strip() for f in FORMULAS
    }  # JSON keeps the text


def test_the_api_serves_the_payloads_as_inert_json(client, corpus):
    items = _api_items(client, f"/api/v1/calls/{corpus.call.slug}/contributions")
    assert len(items) == len(corpus.submissions)
    text = json.dumps(items, ensure_ascii=False)
    for payload in STORABLE:
        assert (
            payload.text.strip() in text
            or json.dumps(payload.text.strip(), ensure_ascii=False)[1:-1] in text
        )
    reference = items[0]["reference"]
    for url in (
        f"/api/v1/contributions/{reference}",
        f"/api/v1/calls/{corpus.call.slug}/contributions?q=%3Cscript%3E__xss(1)%3C/script%3E",
        f"/api/v1/calls/{corpus.call.slug}/contributions?stakeholder_type=%3Cscript%3E__xss(1)%3C/script%3E",
        "/api/v1/%3Cscript%3E__xss(1)%3C/script%3E",
    ):
        response = _api(client, url)
        assert response["Content-Type"].startswith("application/json"), url
        assert response["X-Content-Type-Options"] == "nosniff", url
        json.loads(response.content)


def test_every_public_page_escapes_every_payload(client, corpus):
    """The server-side half of the browser test: the markup never reaches a page unescaped."""
    from consulta.publication.models import Contribution

    raw = [p for p in STORABLE if any(ch in p.text for ch in "<>\"'")]
    for contribution in Contribution.objects.filter(call=corpus.call):
        response = client.get(f"/en/contributions/{contribution.reference}/")
        assert response.status_code == 200
        page = _text(response)
        unescaped = [p.id for p in raw if p.text in page]
        assert not unescaped, f"{contribution.reference}: {unescaped}"
        for key in LONG_TEXT_KEYS:
            for line in contribution.answers[key].split("\n"):
                assert escape(line) in page, (contribution.reference, key, line)
        assert escape(contribution.author_name) in page
    for payload in raw:  # the query is echoed in the search box and the language links
        page = _text(
            client.get(
                f"/en/calls/{corpus.call.slug}/contributions/",
                {"q": payload.text, "code": payload.text},
            )
        )
        assert payload.text not in page, payload.id


def test_html_pages_forbid_inline_scripts_and_framing(client, corpus):
    reference = corpus.submissions[0].reference
    for url in (
        f"/en/calls/{corpus.call.slug}/",
        f"/en/calls/{corpus.call.slug}/contributions/",
        f"/en/contributions/{reference}/",
        f"/en/calls/{corpus.call.slug}/open-data/dictionary/",
    ):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        directives = dict(
            (part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";") if part.strip()
        )
        assert directives.get("script-src") == "'self'", (url, policy)
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
        assert (
            directives.get("object-src") == "'none'" and directives.get("base-uri") == "'self'"
        ), url
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"


def test_a_nul_in_an_answer_is_refused_and_file_names_lose_markup(make_call):
    from consulta.calls.seeding import call_seed
    from consulta.submissions.attachments import sanitise_filename
    from consulta.submissions.bulk import ImportFailed, submissions_import

    from .xss_payloads import corpus_records

    call = call_seed(slug="practice").call
    line = corpus_records(datetime.now(GENEVA).isoformat())[0][1]
    line["answers"]["beyond_2025"] = "<scr\x00ipt>"
    with pytest.raises(ImportFailed) as failed:
        submissions_import(call=call, records=[(1, line)])
    assert "cannot be stored" in failed.value.report()
    for payload in PAYLOADS:
        name = sanitise_filename(payload.text + ".txt", kind="txt")
        assert not set(name) & set("<>\"'`&/\\\x00" + BIDI_CONTROLS), (payload.id, name)
        assert name.endswith(".txt"), (payload.id, name)


def test_malformed_list_cursors_never_cause_a_server_error(client):
    """The ``after`` cursor of the public list is visitor input, like the API's ``page``."""
    import base64

    from consulta.calls.seeding import call_seed

    call_seed(slug="practice")
    client.raise_request_exception = False

    def cursor(raw: str) -> str:
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    for params in (
        {
            "q": "internet",
            "sort": "relevance",
            "after": "\u00b2",
        },  # a digit to str.isdigit, not to int()
        {"q": "internet", "sort": "relevance", "after": "9" * 400},
        {"after": cursor("2025-01-01T00:00:00+00:00|99999999999999999999999")},
        {"after": cursor("9999-12-31T23:59:59-23:00|5")},
        {"after": cursor("not a cursor")},
        {"after": "%%%"},
    ):
        response = client.get("/en/calls/practice/contributions/", params)
        assert response.status_code == 200, (params, response.status_code)

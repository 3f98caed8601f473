"""Cross-site scripting, checked in a real headless Chromium: every payload of ``xss_payloads`` in every
free-text field and every file name, on every public page, the staff pages and the exports.

Submissions come in through the real paths (the bulk import with attachments, and the web form), are
published by a secretariat user, then read in the browser. A page init script defines the marker
``window.__xss`` that each payload calls; a page passes when the marker was never called, no dialog
opened, no window popped up, no live content (handler, ``javascript:`` address, frame, script) is in its
DOM, and the payloads it should show are there as text.

The browser ignores the site's Content-Security-Policy here (``bypass_csp``): the policy forbids inline
scripts, so with it on an escaping mistake would stay hidden; these tests check the escaping alone.

Needs Debian's ``chromium`` (or ``CONSULTA_CHROMIUM``) and the ``playwright`` package, like
``tests/consulta/submissions/test_browser.py``: skipped with a reason on a workstation, an error in CI.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import pytest

from ..submissions.browser_support import (
    CHROMIUM_MISSING,
    PLAYWRIGHT_MISSING,
    chromium_path,
    missing,
)
from .xss_payloads import (
    ACTIVE_CONTENT_JS,
    FORMULA_STARTS,
    INIT_SCRIPT,
    LONG_TEXT_KEYS,
    PAYLOAD_EMAIL,
    PAYLOADS,
    STORABLE,
    import_and_publish,
    publish,
)

pytestmark = pytest.mark.browser

SLUG = "practice"
PASSWORD = "correct-horse-battery"  # tests/consulta/conftest.py's make_user
API_MISSING = "The read-only API is not mounted at /api/v1/ in consulta.urls"


# ---------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for this file (see test_browser.py for the async-unsafe flag)."""
    executable = chromium_path()
    if executable is None:
        missing(CHROMIUM_MISSING)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing(PLAYWRIGHT_MISSING)
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(executable_path=executable, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(request, django_db_setup):
    """The live server, started with a MEDIA_URL it can parse (uploads are never served by URL)."""
    from django.test import override_settings

    with override_settings(MEDIA_URL="/__uploads_are_not_served__/"):
        return request.getfixturevalue("live_server")


@pytest.fixture
def practice_call(transactional_db):
    from django.core.cache import cache

    from consulta.calls.seeding import call_seed

    cache.clear()  # rate-limit counters live in the (database) cache, which a flush does not reset
    return call_seed(slug=SLUG).call


def _squash(text: str) -> str:
    return "".join(text.split())


@dataclass
class Watch:
    """What the payloads did, over every page of one test."""

    calls: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    popups: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    pages: int = 0

    def check(self, page, where: str, shown: tuple[str, ...] = ()) -> None:
        """Look at the page as it stands: marker calls, live content, and the text it should show."""
        page.wait_for_timeout(20)  # let load-time handlers (onerror, ontoggle, onbegin) run
        self.pages += 1
        called = page.evaluate("() => window.__xss_calls || []")
        if called:
            self.problems.append(f"{where}: the marker was called by {sorted(set(called))}")
        live = page.evaluate(ACTIVE_CONTENT_JS)
        if live:
            self.problems.append(f"{where}: live content: " + " | ".join(live[:5]))
        if shown:
            text = _squash(page.evaluate("() => document.body.innerText"))
            absent = [s for s in shown if s and _squash(s) not in text]
            if absent:
                self.problems.append(f"{where}: not shown as text: {[a[:60] for a in absent[:3]]}")

    def visit(self, page, url: str, *, status: int = 200, shown: tuple[str, ...] = ()) -> None:
        response = page.goto(url)
        if response is None or response.status != status:
            got = None if response is None else response.status
            self.problems.append(f"{url}: answered {got}, expected {status}")
        self.check(page, url, shown)

    def assert_clean(self) -> None:
        problems = list(self.problems)
        if self.calls:
            problems.append(f"the marker reported from: {self.calls[:10]}")
        if self.dialogs:
            problems.append(f"dialogs opened: {self.dialogs[:10]}")
        if self.popups:
            problems.append(f"windows opened: {self.popups[:10]}")
        assert not problems, f"{len(problems)} problem(s) over {self.pages} pages:\n" + "\n".join(
            problems
        )


@pytest.fixture
def watched(browser, server):
    """``(page, watch)``: a page in a fresh context that records every sign of a payload running."""
    contexts = []
    watch = Watch()

    def make():
        context = browser.new_context(base_url=server.url, bypass_csp=True)
        context.set_default_timeout(15_000)
        context.expose_function(
            "__xss_report", lambda name, where: watch.calls.append(f"{name} at {where}")
        )
        context.add_init_script(INIT_SCRIPT)
        page = context.new_page()

        def on_dialog(dialog):
            watch.dialogs.append(f"{dialog.type} {dialog.message!r} on {page.url}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        context.on("page", lambda popup: watch.popups.append(popup.url))
        contexts.append(context)
        return page

    yield make, watch
    for context in contexts:
        context.close()


def _log_in(page, watch: Watch, user) -> None:
    """Through the admin's own login form; an unsafe ``next`` must not be followed."""
    next_url = quote("javascript:__xss('login_next')")
    watch.visit(page, f"/admin/login/?next={next_url}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")
    # Django ignores the unsafe address and goes to LOGIN_REDIRECT_URL instead.
    assert page.url.startswith(("http://", "https://")) and "__xss" not in page.url, page.url
    watch.visit(page, "/admin/")


def _shown_on_public_page(contribution, attachments) -> tuple[str, ...]:
    lines = [
        line
        for value in contribution.answers.values()
        if isinstance(value, str)
        for line in value.split("\n")
    ]
    return (
        contribution.author_name,
        contribution.author_organisation,
        *lines,
        *(a.name for a in attachments),
    )


def _edit(submission, answers: dict) -> None:
    """A second version through the respondent's services (for the diff and moderation pages)."""
    from consulta.submissions import services

    submission = services.submission_edit_start(submission=submission)
    services.submission_save_draft(submission=submission, data=answers)
    services.submission_submit(
        submission=submission, idempotency_key=uuid.uuid4(), base_version=submission.version_count
    )


# ---------------------------------------------------------------------------------------- tests


def test_the_corpus_is_live_when_not_escaped(watched):
    """The probes are not vacuous: each payload, pasted raw into the page it targets, is caught.

    (``set_content`` keeps the same window, so the marker's calls add up: each payload is judged by
    the calls it adds.)
    """
    make, _watch = watched
    page = make()
    unseen, noisy = [], []
    for payload in PAYLOADS:
        page.set_content("<!doctype html><html><head><title>t</title></head><body></body></html>")
        before = len(page.evaluate("() => window.__xss_calls"))
        raw = payload.context or "<p>{}</p>"
        page.set_content("<!doctype html>" + raw.format(payload.text))
        page.wait_for_timeout(60)
        called = page.evaluate("() => window.__xss_calls")[before:]
        live = page.evaluate(ACTIVE_CONTENT_JS)
        if payload.context is None:
            # Text traps (template syntax, encoded markup, a markdown link) are inert in plain HTML.
            if called or live:
                noisy.append(payload.id)
        elif payload.id not in called and not live:
            unseen.append(payload.id)
    assert not unseen, f"payloads the probes do not catch when raw: {unseen}"
    assert not noisy, f"text-only payloads that ran raw (give them a context): {noisy}"


@pytest.mark.slow
def test_imported_payloads_are_inert_on_every_public_and_staff_page(
    practice_call, secretariat, watched
):
    """The call page, the list, searches, every contribution page, the data dictionary, a 404; then,
    logged in through the admin's form, the admin's lists, change, history, diff and moderation pages,
    and the receipts."""
    from django.utils import timezone

    from consulta.publication.models import Contribution
    from consulta.submissions.models import Attachment

    submissions = import_and_publish(practice_call, secretariat, timezone.now().isoformat())
    # A second version of the first submission (the payloads reordered, another one as the name)
    # waits for approval: the diff and the moderation pages show both versions.
    edited = submissions[:1]
    for submission in edited:
        answers = {
            key: "\n".join(reversed(submission.current_version.answers[key].split("\n")))
            for key in LONG_TEXT_KEYS
        }
        _edit(submission, {**answers, "name": PAYLOADS[-1].text.replace("\x00", "")})
    payload_lines = submissions[: len(STORABLE)]  # the formula lines matter to the CSV tests only
    contributions = list(Contribution.objects.filter(submission__in=payload_lines).order_by("pk"))
    files = {a.pk: a for a in Attachment.objects.filter(submission__call=practice_call)}
    make, watch = watched
    page = make()

    # Public: the call, the list (every page), each contribution, the data dictionary.
    watch.visit(page, f"/en/calls/{SLUG}/")
    url, pages = f"/en/calls/{SLUG}/contributions/", 0
    while url:
        watch.visit(page, url)
        following = page.locator("a[rel=next]")
        url = following.get_attribute("href") if following.count() else None
        if url:
            url = f"/en/calls/{SLUG}/contributions/{url}"
        pages += 1
        assert pages < 10
    assert pages >= 3, "the list should span several pages"
    for contribution in contributions:
        attachments = [files[pk] for pk in contribution.attachment_ids]
        watch.visit(
            page,
            f"/en/contributions/{contribution.reference}/",
            shown=_shown_on_public_page(contribution, attachments),
        )
    watch.visit(
        page,
        f"/ar/contributions/{contributions[0].reference}/",
        shown=(contributions[0].author_name,),
    )
    watch.visit(page, f"/en/calls/{SLUG}/open-data/dictionary/")

    # Searches: words of the payloads find them; the query is echoed (search box, "Coded:", the
    # hidden field, the language links) inertly: every payload in one query, then the attribute
    # breakouts one by one (the search box shows the first 200 characters).
    for query in ("xss", "script onerror"):
        for sort in ("date", "relevance"):
            query_string = urlencode({"q": query, "sort": sort})
            watch.visit(page, f"/en/calls/{SLUG}/contributions/?{query_string}")
            assert page.locator("ol.contribution-list li.call-card").count() > 0, query
    everything = " ".join(p.text for p in STORABLE)
    query_string = urlencode({"q": everything, "code": everything, "stakeholder_type": everything})
    watch.visit(page, f"/en/calls/{SLUG}/contributions/?{query_string}", shown=(everything,))
    for payload in STORABLE:
        if payload.id.startswith(("attr_", "polyglot")):
            query_string = urlencode({"q": payload.text, "sort": "relevance"})
            watch.visit(page, f"/en/calls/{SLUG}/contributions/?{query_string}")
            assert page.input_value("#q") == payload.text.strip()[:200], payload.id
    watch.visit(page, f"/en/contributions/{quote(STORABLE[0].text, safe='')}/", status=404)

    # Staff: the admin's list, change, history, diff and moderation pages, and the receipts.
    _log_in(page, watch, secretariat)
    for query in (STORABLE[0].text, " ".join(p.text for p in STORABLE)):  # echoed in the search box
        watch.visit(page, f"/admin/submissions/submission/?{urlencode({'q': query})}")
    # Line i has payload i as its name, i+1 as its organisation, i+2 in its external id: every
    # third line puts every payload through the change page once.
    for submission in payload_lines[::3]:
        respondent = submission.respondent
        watch.visit(
            page,
            f"/admin/submissions/submission/{submission.pk}/change/",
            shown=(
                respondent.name,
                respondent.organisation,
                respondent.email,
                submission.external_id,
            ),
        )
    watch.visit(page, f"/admin/submissions/submission/{edited[0].pk}/history/")
    for submission in edited:
        watch.visit(page, f"/admin/submissions/submission/{submission.pk}/diff/?a=1&b=2")
        assert "__xss(" in page.locator("#content table").inner_text()
    watch.visit(page, "/admin/publication/contribution/")
    for submission in submissions[:2]:  # the first with a second version waiting
        contribution = Contribution.objects.get(submission=submission)
        version = contribution.pending_version or contribution.published_version
        assert (contribution.pending_version_id is not None) == (submission in edited)
        watch.visit(page, f"/admin/publication/contribution/{contribution.pk}/change/")
        watch.visit(
            page,
            f"/admin/publication/contribution/{contribution.pk}/moderate/",
            shown=tuple(v for v in version.answers.values() if isinstance(v, str)),
        )
    assert submissions[0].respondent.email == PAYLOAD_EMAIL  # line 0 of the corpus
    for submission in submissions[:2]:
        version = submission.versions.get(number=1)
        watch.visit(
            page,
            f"/en/submissions/{submission.reference}/receipt/1/",
            shown=(
                submission.respondent.email,
                *(a.name for a in version.attachments.all()),
                *version.answers.values(),
            ),
        )
        watch.visit(page, f"/en/submissions/{submission.reference}/")
    watch.assert_clean()


@pytest.mark.slow
def test_payloads_typed_into_the_form_are_inert_from_the_form_to_the_public_page(
    practice_call, secretariat, watched
):
    """The respondent's own path: the form, its draft, the review, the receipt, editing, then the public page."""
    from consulta.publication.models import Contribution
    from consulta.submissions.models import Submission

    by_id = {p.id: p.text for p in STORABLE}
    typed = {
        "name": by_id["attr_double_quote"],
        "organisation": by_id["attr_single_quote"],
        "achievements_challenges": by_id["textarea_breakout"] + "\n" + by_id["script_tag"],
        "alignment_2030": "\n".join(p.text for p in STORABLE),
        "emerging_trends": by_id["attr_backtick"],
        "beyond_2025": by_id["attr_unquoted"],
        "action_lines_review": by_id["title_breakout"],
    }
    make, watch = watched
    page = make()
    watch.visit(page, f"/en/calls/{SLUG}/respond/")
    for key, value in typed.items():
        page.fill(f"#id_{key}", value)
    page.fill("#id_email", "typed@example.org")
    page.check('input[name="on_behalf_of_organisation"][value="yes"]')
    page.check('input[name="stakeholder_type"][value="civil_society"]')
    page.check('input[name="language"][value="en"]')
    page.select_option("#id_country", "SN")
    page.check('input[name="consent"][value="publish_named"]')
    page.set_input_files(
        "#id_attachment",
        files=[
            {
                "name": f"{by_id['img_onerror']}.txt",
                "mimeType": "text/plain",
                "buffer": b"A short note.\n",
            }
        ],
    )
    with page.expect_navigation():
        page.click('button[name="action"][value="save"]')
    watch.check(page, "the form with the draft saved")
    for key, value in typed.items():
        assert page.input_value(f"#id_{key}") == value.strip(), key
    with page.expect_navigation():
        page.click('button[name="action"][value="review"]')
    assert page.url.endswith("/respond/review/"), page.url
    watch.check(page, "the review page", shown=tuple(typed.values()))
    with page.expect_navigation():
        page.click("form button[type=submit].primary")
    assert re.search(r"/submissions/[^/]+/receipt/1/$", page.url), page.url
    watch.check(page, "the receipt", shown=tuple(typed.values()))
    submission = Submission.objects.get(call=practice_call)
    (attachment,) = submission.attachments.all()
    watch.visit(page, f"/en/submissions/{submission.reference}/", shown=(attachment.name,))
    watch.visit(page, f"/en/calls/{SLUG}/respond/")  # editing: every payload back in its field
    for key, value in typed.items():
        assert page.input_value(f"#id_{key}") == value.strip(), key

    contribution = publish(submission, secretariat)
    assert contribution.state == Contribution.State.PUBLISHED
    public = make()
    watch.visit(
        public,
        f"/en/contributions/{submission.reference}/",
        shown=(*_shown_on_public_page(contribution, [attachment]),),
    )
    watch.assert_clean()


def test_the_exports_are_served_inert(practice_call, secretariat, watched):
    """Open data (CSV, JSON), the data dictionary and the API: the right types, nosniff, and the API's
    JSON opened in the browser runs nothing."""
    import csv
    import io
    import json

    from django.utils import timezone

    submissions = import_and_publish(practice_call, secretariat, timezone.now().isoformat())
    make, watch = watched
    page = make()
    watch.visit(
        page, f"/en/calls/{SLUG}/contributions/"
    )  # the context's request client shares the origin

    csv_response = page.request.get(f"/en/calls/{SLUG}/open-data/contributions.csv")
    assert csv_response.status == 200
    assert csv_response.headers["content-type"] == "text/csv; charset=utf-8"
    assert csv_response.headers["x-content-type-options"] == "nosniff"
    assert csv_response.headers["content-disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(csv_response.body().decode("utf-8-sig"), newline="")))
    armed = [cell[:40] for row in rows for cell in row if cell.startswith(FORMULA_STARTS)]
    assert not armed and len(rows) == 1 + len(submissions), armed[:5]

    for path in (
        f"/en/calls/{SLUG}/open-data/contributions.json",
        f"/en/calls/{SLUG}/open-data/dictionary/?format=json",
    ):
        response = page.request.get(path)
        assert response.status == 200, path
        assert response.headers["content-type"].startswith("application/json"), path
        assert response.headers["x-content-type-options"] == "nosniff", path
        json.loads(response.body())

    api = page.request.get(f"/api/v1/calls/{SLUG}/contributions")
    if not api.headers.get("content-type", "").startswith("application/json"):
        pytest.fail(f"{API_MISSING}: GET /api/v1/calls/{SLUG}/contributions answered {api.status}")
    reference = submissions[0].reference
    for path in (
        f"/api/v1/contributions/{reference}",
        f"/api/v1/calls/{SLUG}/contributions",
        f"/api/v1/calls/{SLUG}/contributions?{urlencode({'q': 'script onerror'})}",
        f"/api/v1/calls/{SLUG}/contributions?{urlencode({'q': STORABLE[0].text})}",
        f"/api/v1/{quote(STORABLE[0].text, safe='')}",
    ):
        response = page.goto(path)
        assert response.headers["content-type"].startswith("application/json"), path
        assert response.headers["x-content-type-options"] == "nosniff", path
        watch.check(page, path)
    page.goto(f"/api/v1/contributions/{reference}")
    assert "__xss(" in page.inner_text("body")  # the payloads are there, as text
    watch.assert_clean()

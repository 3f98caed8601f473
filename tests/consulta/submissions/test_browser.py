"""The respondent's journey in a real headless Chromium, in French and in Arabic, with axe-core audits.

Runs against pytest-django's live server with the practice call (the real WSIS+20 questionnaire).
Needs Debian's ``chromium`` (or ``CONSULTA_CHROMIUM``), the ``playwright`` Python package (its own
browsers are never downloaded) and, for the accessibility audits, ``npm ci --prefix tests/e2e_assets``.
Each is skipped with a reason when missing on a developer's machine and is an error in CI.
"""

from __future__ import annotations

import os
import re

import pytest
from django.core import mail

from .browser_support import (
    AXE_JS,
    AXE_MISSING,
    CHROMIUM_MISSING,
    PLAYWRIGHT_MISSING,
    Audits,
    choice,
    chromium_path,
    label_re,
    missing,
    prompt,
    ui,
    ui_prefix,
)

pytestmark = pytest.mark.browser

SLUG = "practice"

RESPONDENTS = {
    "fr": {
        "name": "Amina Diallo",
        "email": "amina.diallo@example.org",
        "organisation": "Réseau Sahel Numérique",
        "stakeholder_type": "civil_society",
        "country": "SN",
        "achievements": "Les centres communautaires ont connecté quarante villages.\n"
        "Le coût des abonnements reste le principal obstacle.",
        "file": ("étude-villages.txt", "Une note sur la connectivité rurale au Sénégal.\n"),
        "consent": "publish_anonymous",
    },
    "ar": {
        "name": "ليلى حداد",
        "email": "layla.haddad@example.org",
        "organisation": "شبكة المعرفة الرقمية",
        "stakeholder_type": "academia",
        "country": "JO",
        "achievements": "ساعدت المراكز المجتمعية على ربط المدارس الريفية بالإنترنت.\n"
        "ما زالت الكلفة العائق الأكبر.",
        "file": ("دراسة.txt", "ملاحظة عن الاتصال في المناطق الريفية.\n"),
        "consent": "publish_named",
    },
}


# ---------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for this file; Playwright stops when the file is done."""
    executable = chromium_path()
    if executable is None:
        missing(CHROMIUM_MISSING)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing(PLAYWRIGHT_MISSING)
    # Playwright's sync API keeps an asyncio loop in this thread while it runs, which Django takes
    # for an async context; the ORM calls of these tests (and of their database teardown) are in
    # plain synchronous code, so the check is lifted for as long as Playwright runs, and no longer.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(executable_path=executable, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(request, django_db_setup):
    """pytest-django's live server (on the test database), started with a MEDIA_URL it can parse.

    The settings leave MEDIA_URL unset (uploads are never served by URL), but Django's live server
    wraps its application in a media handler that parses MEDIA_URL when the server starts.
    """
    from django.test import override_settings

    with override_settings(MEDIA_URL="/__uploads_are_not_served__/"):
        return request.getfixturevalue("live_server")


@pytest.fixture
def new_page(browser, server):
    """Pages in fresh browser contexts (no shared cookies), all closed at the end of the test."""
    contexts = []

    def make():
        # The site's CSP forbids inline scripts; bypass_csp lets the test inject axe-core.
        context = browser.new_context(base_url=server.url, bypass_csp=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def practice_call(transactional_db):
    from django.core.cache import cache

    from consulta.calls.seeding import call_seed

    cache.clear()  # rate-limit counters live in the (database) cache, which a flush does not reset
    return call_seed(slug=SLUG).call


# ---------------------------------------------------------------------------------------------
# Small steps


def submit(page, button_name: str) -> None:
    """Click a submit button and wait for the page it leads to (it may have the same URL)."""
    with page.expect_navigation():
        page.get_by_role("button", name=button_name, exact=True).click()


def active_element(page) -> dict:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return {id: e.id, cls: e.className, href: e.getAttribute('href'), tag: e.tagName}; }"
    )


def check_skip_link_first(page) -> None:
    """The first Tab from page load lands on the skip link (then focus is let go again)."""
    page.keyboard.press("Tab")
    focused = active_element(page)
    assert focused["cls"] == "skip-link" and focused["href"] == "#main", focused
    page.evaluate("document.activeElement.blur()")


def radio(page, key: str, value: str, lang: str):
    return page.get_by_role("radio", name=choice(key, value, lang), exact=True)


def field(page, key: str, lang: str):
    return page.get_by_label(label_re(prompt(key, lang)))


def resume_path_from_outbox(email: str, lang: str) -> str:
    messages = [m for m in mail.outbox if email in m.to]
    assert messages, f"no e-mail to {email}; outbox: {[m.subject for m in mail.outbox]}"
    found = re.search(rf"/{lang}/resume/[^/\s]+/", messages[-1].body)
    assert found, messages[-1].body
    return found.group(0)


# ---------------------------------------------------------------------------------------------
# Tests


def test_axe_core_is_installed():
    if not AXE_JS.is_file():
        missing(AXE_MISSING)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_it_fills_fails_saves_resumes_by_email_submits_and_reads_the_receipt(
    lang, practice_call, new_page
):
    from consulta.submissions.models import Submission

    who = RESPONDENTS[lang]
    audits = Audits()
    page = new_page()

    # The call page: right language and direction, skip link first, accessible.
    page.goto(f"/{lang}/calls/{SLUG}/")
    assert page.get_attribute("html", "lang") == lang
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    check_skip_link_first(page)
    audits.check(page, f"the call page ({lang})")

    # The empty form.
    page.get_by_role("link", name=ui(lang, "Submit a contribution"), exact=True).click()
    page.wait_for_url(f"**/{lang}/calls/{SLUG}/respond/")
    check_skip_link_first(page)
    audits.check(page, f"the empty form ({lang})")
    assert radio(page, "language", lang, lang).is_checked()  # the page's language is proposed

    # Fill everything but the country and the consent, attach a file, and ask to review.
    field(page, "name", lang).fill(who["name"])
    field(page, "email", lang).fill(who["email"])
    field(page, "organisation", lang).fill(who["organisation"])
    radio(page, "on_behalf_of_organisation", "yes", lang).check()
    radio(page, "stakeholder_type", who["stakeholder_type"], lang).check()
    field(page, "achievements_challenges", lang).fill(who["achievements"])
    file_name, file_text = who["file"]
    field(page, "attachment", lang).set_input_files(
        files=[{"name": file_name, "mimeType": "text/plain", "buffer": file_text.encode()}]
    )
    submit(page, ui(lang, "Review and submit"))

    # Refused: the summary has focus and names both fields; the file and the answers are kept.
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert active_element(page)["id"] == "error-summary"
    assert summary.locator('a[href="#id_country"]').count() == 1
    assert summary.locator('a[href^="#id_consent"]').count() == 1
    uploaded = page.get_by_role("list", name=ui(lang, "Files already uploaded"))
    assert file_name in uploaded.inner_text()
    assert field(page, "name", lang).input_value() == who["name"]
    assert field(page, "achievements_challenges", lang).input_value() == who["achievements"]
    assert field(page, "country", lang).get_attribute("aria-invalid") == "true"
    audits.check(page, f"the form with validation errors ({lang})")

    # Correct the country and save a draft.
    field(page, "country", lang).select_option(who["country"])
    submit(page, ui(lang, "Save draft"))
    notice = page.locator("p.notice[role=status]")
    assert ui_prefix(lang, "Your draft was saved at %(time)s.") in notice.inner_text()
    submission = Submission.objects.get(call=practice_call)
    assert submission.status == Submission.Status.DRAFT
    assert submission.draft_answers["country"] == who["country"]
    assert submission.attachments.count() == 1

    # Another browser, with no session: ask for the link by e-mail and follow it.
    other = new_page()
    other.goto(f"/{lang}/calls/{SLUG}/respond/link/")
    audits.check(other, f"the page asking for a link ({lang})")
    other.get_by_label(ui(lang, "E-mail address")).fill(who["email"])
    submit(other, ui(lang, "Send me the link"))
    assert other.get_by_role("status").is_visible()
    other.goto(resume_path_from_outbox(who["email"], lang))
    other.wait_for_url(f"**/{lang}/calls/{SLUG}/respond/")
    assert field(other, "name", lang).input_value() == who["name"]
    assert field(other, "country", lang).input_value() == who["country"]
    assert radio(other, "stakeholder_type", who["stakeholder_type"], lang).is_checked()
    assert (
        file_name in other.get_by_role("list", name=ui(lang, "Files already uploaded")).inner_text()
    )

    # Give the consent, review and confirm.
    radio(other, "consent", who["consent"], lang).check()
    submit(other, ui(lang, "Review and submit"))
    other.wait_for_url(f"**/{lang}/calls/{SLUG}/respond/review/")
    main = other.locator("main")
    assert who["achievements"].splitlines()[0] in main.inner_text()
    assert file_name in main.inner_text()
    check_skip_link_first(other)
    audits.check(other, f"the review page ({lang})")
    submit(other, ui(lang, "Confirm and submit"))

    # The receipt.
    other.wait_for_url(re.compile(rf"/{lang}/submissions/[^/]+/receipt/1/$"))
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED
    version = submission.current_version
    banner = other.locator(".receipt-banner")
    assert ui(lang, "Your contribution was received") in banner.inner_text()
    assert banner.locator(".reference").inner_text() == submission.reference
    assert other.locator("code.hash").inner_text() == version.content_hash
    assert file_name in other.locator("main").inner_text()
    check_skip_link_first(other)
    audits.check(other, f"the receipt ({lang})")
    receipts = [m for m in mail.outbox if submission.reference in m.subject]
    assert receipts and receipts[0].to == [who["email"]]

    audits.assert_clean()


@pytest.mark.slow
def test_it_autosaves_a_draft_while_typing(practice_call, new_page):
    from consulta.submissions.models import Submission

    lang = "fr"
    page = new_page()
    page.goto(f"/{lang}/calls/{SLUG}/respond/")
    field(page, "name", lang).fill("Amina Diallo")
    field(page, "achievements_challenges", lang).fill("Brouillon enregistré sans cliquer.")
    status = page.locator("#autosave-status")
    assert status.get_attribute("role") == "status"
    # The script saves every 5 seconds when something changed.
    status.filter(has_text=ui_prefix(lang, "Draft saved at %(time)s.")).wait_for(timeout=8_000)
    draft = Submission.objects.get(call=practice_call).draft_answers
    assert draft["name"] == "Amina Diallo"
    assert draft["achievements_challenges"] == "Brouillon enregistré sans cliquer."
    # Coming back in the same browser shows the draft.
    page.reload()
    assert field(page, "name", lang).input_value() == "Amina Diallo"


def test_a_missing_tool_skips_on_a_workstation_and_fails_in_ci(monkeypatch):
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception, match="Chromium not found"):
        missing(CHROMIUM_MISSING)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="Chromium not found"):
        missing(CHROMIUM_MISSING)


def test_chromium_is_found_by_its_environment_variable(monkeypatch, tmp_path):
    fake = tmp_path / "my-chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("CONSULTA_CHROMIUM", str(fake))
    assert chromium_path() == str(fake)
    assert os.access(chromium_path(), os.X_OK)


def test_the_audit_reports_a_serious_violation(new_page):
    """The audits are not vacuous: an unlabelled field, faint text and a lost help text are caught."""
    if not AXE_JS.is_file():
        missing(AXE_MISSING)
    page = new_page()
    page.set_content(
        '<!doctype html><html lang="en"><head><title>t</title></head><body><main>'
        '<p style="color:#bbb;background:#fff">faint</p><input type="text">'
        '<label for="q">Question</label><input id="q" aria-describedby="q_help"></main></body></html>'
    )
    audits = Audits()
    audits.check(page, "a bad page")
    assert audits.pages == ["a bad page"]
    report = "\n".join(audits.problems)
    assert "[critical] label" in report and "[serious] color-contrast" in report, report
    assert 'aria-describedby="q_help"' in report, report

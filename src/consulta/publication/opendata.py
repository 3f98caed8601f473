"""Open data: every published contribution of a call as CSV or JSON, with its licence and a data dictionary.

Only contributions that are public right now are written (``selectors.public_contributions``:
published, with an approved version); pending, rejected, withdrawn and private ones never appear,
and no e-mail address is ever written. Both formats stream from the database in chunks, so a million
contributions never sit in memory at once.

Decisions, kept stable across releases (tests assert them literally):

* **Columns** (:func:`columns`): ``reference, call, url, received_at, language, stakeholder_type,
  country, region, publication, author_name, author_organisation``, then ``answers.<question key>``
  for each answer question of the call in questionnaire order, then ``attachments, licence,
  licence_url``. Names are never renamed or removed; the answer columns follow the questionnaire.
* **CSV**: UTF-8 *with* a byte-order mark, so that Excel opens Arabic, Chinese and Russian text
  correctly (pandas and Python's ``utf-8-sig`` read it transparently); comma-separated, RFC 4180
  quoting, CRLF line ends. A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return gets a leading apostrophe so that spreadsheets do not run it as a formula. Several values
  in one cell (a multiple-choice answer) are joined with ``"; "``; attachment addresses with a space.
* **JSON**: one object (not JSON Lines), ``{"call": …, "licence": {"id", "url"}, "generated_at": …,
  "dictionary": …, "columns": […], "contributions": […]}``, streamed record by record. Each record
  has exactly the CSV columns as keys, in the same order; ``attachments`` and multiple-choice answers
  are lists, an unanswered question is ``null``, and text is never altered (no apostrophes).
* **Links** (``url``, ``attachments``) point to the English pages, as the API's do, so that a file
  is the same whichever language it was downloaded in.
* **Rate**: one address may download ``CONSULTA_OPEN_DATA_RATE`` times (default ``60/h``; then 429).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

from consulta import languages, regions
from consulta.calls.models import Call, Question, QuestionType
from consulta.calls.selectors import calls_visible_to
from consulta.publication.models import PublicationPolicy
from consulta.publication.selectors import public_contributions
from consulta.submissions.answers import RESPONDENT_KEYS
from consulta.submissions.models import Consent, LanguageCode, StakeholderType

FORMATS = ("csv", "json")
CHUNK_SIZE = 2000
ROWS_PER_WRITE = 200
BASE_COLUMNS = (
    "reference",
    "call",
    "url",
    "received_at",
    "language",
    "stakeholder_type",
    "country",
    "region",
    "publication",
    "author_name",
    "author_organisation",
)
TRAILING_COLUMNS = ("attachments", "licence", "licence_url")
ANSWER_TYPES = frozenset(
    {
        QuestionType.SHORT_TEXT,
        QuestionType.LONG_TEXT,
        QuestionType.SINGLE_CHOICE,
        QuestionType.MULTIPLE_CHOICE,
        QuestionType.COUNTRY,
    }
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LICENCE_NAMES = {
    "CC-BY-4.0": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
    "CC-BY-SA-4.0": "Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)",
    "CC0-1.0": "Creative Commons Zero 1.0 Universal (CC0 1.0)",
    "ODbL-1.0": "Open Data Commons Open Database License 1.0 (ODbL)",
    "ODC-By-1.0": "Open Data Commons Attribution License 1.0",
}
_SENTINEL_REF = "OPENDATAREF"
_SENTINEL_FILE = 987654321


# --------------------------------------------------------------------------- what is written


def answer_questions(call: Call) -> list[Question]:
    """The questions whose answers are published, in questionnaire order (identity, e-mail, file and
    consent questions are not answers: the respondent's public fields have their own columns)."""
    return [
        q
        for q in call.questions.select_related("section")
        .prefetch_related("choices")
        .order_by("section__order", "section__pk", "order", "pk")
        if q.type in ANSWER_TYPES and q.key not in RESPONDENT_KEYS
    ]


def columns(call: Call, questions: list[Question] | None = None) -> list[str]:
    questions = answer_questions(call) if questions is None else questions
    return [*BASE_COLUMNS, *(f"answers.{q.key}" for q in questions), *TRAILING_COLUMNS]


def licence_of(call: Call) -> dict[str, str]:
    # Read, never create: a download changes nothing (``services.policy_for`` would create the row).
    policy = PublicationPolicy.objects.filter(call=call).first() or PublicationPolicy(call=call)
    return {"id": policy.licence, "url": policy.licence_url}


def defuse(value: str) -> str:
    """A spreadsheet cell that cannot be read as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


@dataclass
class _Links:
    base: str
    detail: str
    file: str

    def page(self, reference: str) -> str:
        return self.base + self.detail.replace(_SENTINEL_REF, reference)

    def attachment(self, reference: str, attachment_id: int) -> str:
        return self.base + self.file.replace(_SENTINEL_REF, reference).replace(
            str(_SENTINEL_FILE), str(attachment_id)
        )


def _links(request: HttpRequest) -> _Links:
    with translation.override("en"):
        detail = reverse("contribution-detail", kwargs={"reference": _SENTINEL_REF})
        file = reverse(
            "contribution-file",
            kwargs={"reference": _SENTINEL_REF, "attachment_id": _SENTINEL_FILE},
        )
    return _Links(base=request.build_absolute_uri("/").rstrip("/"), detail=detail, file=file)


RECORD_FIELDS = (
    "reference",
    "received_at",
    "language",
    "stakeholder_type",
    "country",
    "region",
    "consent",
    "author_name",
    "author_organisation",
    "answers",
    "attachment_ids",
)


def records(
    call: Call, request: HttpRequest, questions: list[Question] | None = None
) -> Iterator[dict[str, Any]]:
    """Every public contribution of the call as one dict per row, keys = :func:`columns`, oldest first.

    Values are JSON-ready: strings, lists (attachments, multiple-choice answers) and ``None`` for an
    unanswered question.
    """
    questions = answer_questions(call) if questions is None else questions
    keys = [q.key for q in questions]
    licence = licence_of(call)
    links = _links(request)
    zone = call.zone
    rows = (
        public_contributions(call)
        .order_by("received_at", "pk")
        .values_list(*RECORD_FIELDS)
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for (
        ref,
        received_at,
        language,
        stakeholder,
        country,
        region,
        consent,
        name,
        organisation,
        answers,
        files,
    ) in rows:
        named = consent == Consent.PUBLISH_NAMED
        record: dict[str, Any] = {
            "reference": ref,
            "call": call.slug,
            "url": links.page(ref),
            "received_at": received_at.astimezone(zone).isoformat(timespec="seconds")
            if received_at
            else "",
            "language": language or "",
            "stakeholder_type": stakeholder or "",
            "country": country or "",
            "region": region or "",
            "publication": "named" if named else "anonymous",
            "author_name": (name or "") if named else "",
            "author_organisation": (organisation or "") if named else "",
        }
        answers = answers or {}
        for key in keys:
            value = answers.get(key)
            record[f"answers.{key}"] = value if value not in ("", []) else None
        record["attachments"] = [links.attachment(ref, pk) for pk in files or ()]
        record["licence"] = licence["id"]
        record["licence_url"] = licence["url"]
        yield record


# --------------------------------------------------------------------------- the two formats


def _csv_cell(value: Any, *, separator: str = "; ") -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = separator.join(str(v) for v in value)
    return defuse(str(value))


def csv_chunks(header: list[str], rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    pending = 0
    for row in rows:
        writer.writerow(
            [_csv_cell(row[c], separator=" " if c == "attachments" else "; ") for c in header]
        )
        pending += 1
        if pending == ROWS_PER_WRITE:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue().encode("utf-8")


def json_chunks(head: dict[str, Any], rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """``head`` with a ``"contributions"`` list appended, written one record at a time."""
    opening = json.dumps(head, ensure_ascii=False, indent=1)
    yield (opening[:-2] + ',\n "contributions": [').encode("utf-8")
    batch: list[str] = []
    first = True
    for row in rows:
        batch.append(("\n  " if first else ",\n  ") + json.dumps(row, ensure_ascii=False))
        first = False
        if len(batch) == ROWS_PER_WRITE:
            yield "".join(batch).encode("utf-8")
            batch = []
    batch.append("\n ]\n}\n" if not first else "]\n}\n")
    yield "".join(batch).encode("utf-8")


def _visible_call(request: HttpRequest, slug: str) -> Call:
    return get_object_or_404(calls_visible_to(request.user), slug=slug)


def _translations(call: Call, field: str) -> dict[str, str]:
    result = {}
    for code in languages.UN_LANGUAGES:
        text = call.translated(field, code)
        if not text.is_fallback and text.text:
            result[code] = text.text
    return result


def _rate(group, request) -> str:
    return getattr(settings, "CONSULTA_OPEN_DATA_RATE", "60/h")


def open_data(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("No such format")
    call = _visible_call(request, slug)
    # A full download reads every published row: limit how often one address may ask for it.
    if is_ratelimited(request, group="consulta.open-data", key="ip", rate=_rate, increment=True):
        response = HttpResponse(
            _("Too many downloads from your address: please try again later."),
            status=429,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "600"
        return response
    questions = answer_questions(call)
    header = columns(call, questions)
    now = timezone.now().astimezone(call.zone)
    rows = records(call, request, questions)
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_chunks(header, rows), content_type="text/csv; charset=utf-8"
        )
    else:
        licence = licence_of(call)
        with translation.override("en"):
            call_url = request.build_absolute_uri(
                reverse("call-detail", kwargs={"slug": call.slug})
            )
            dictionary_url = request.build_absolute_uri(
                reverse("open-data-dictionary", kwargs={"slug": call.slug})
            )
        head = {
            "call": {"slug": call.slug, "title": _translations(call, "title"), "url": call_url},
            "licence": licence,
            "generated_at": now.isoformat(timespec="seconds"),
            "dictionary": dictionary_url,
            "columns": header,
        }
        response = StreamingHttpResponse(
            json_chunks(head, rows), content_type="application/json; charset=utf-8"
        )
    filename = f"{call.slug}-contributions-{now.date().isoformat()}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-cache"
    return response


# --------------------------------------------------------------------------- the data dictionary


def _choices_text(values: Iterable[str]) -> str:
    return ", ".join(values)


def dictionary_entries(call: Call, questions: list[Question] | None = None) -> list[dict[str, str]]:
    """Every column with its type and meaning, in the active language."""
    questions = answer_questions(call) if questions is None else questions
    text = _("text")
    code = _("code")
    entries = [
        {
            "name": "reference",
            "type": text,
            "description": _(
                "The contribution's public reference. It never changes and is unique across all calls."
            ),
        },
        {
            "name": "call",
            "type": code,
            "description": _("The call's short name (slug), e.g. “%(slug)s”.")
            % {"slug": call.slug},
        },
        {
            "name": "url",
            "type": _("web address"),
            "description": _(
                "The contribution's public page (English interface; the language can be switched there)."
            ),
        },
        {
            "name": "received_at",
            "type": _("date and time"),
            "description": _(
                "When the published version was received: ISO 8601 with the UTC offset of the call's time zone (%(zone)s)."
            )
            % {"zone": call.time_zone},
        },
        {
            "name": "language",
            "type": code,
            "description": _(
                "Language the contribution is written in, as an ISO 639-1 code: %(values)s."
            )
            % {"values": _choices_text(LanguageCode.values)},
        },
        {
            "name": "stakeholder_type",
            "type": code,
            "description": _("The respondent's stakeholder type: %(values)s.")
            % {
                "values": "; ".join(
                    f"{value} ({label})" for value, label in StakeholderType.choices
                )
            },
        },
        {
            "name": "country",
            "type": code,
            "description": _(
                "Country the respondent gave, as an ISO 3166-1 alpha-2 code (UN member and observer states)."
            ),
        },
        {
            "name": "region",
            "type": code,
            "description": _("ITU region derived from the country: %(values)s.")
            % {
                "values": "; ".join(
                    f"{r} ({regions.region_label(r, languages.current())})" for r in regions.REGIONS
                )
            },
        },
        {
            "name": "publication",
            "type": code,
            "description": _(
                "“named”: the author agreed to publication with their name and organisation; "
                "“anonymous”: only stakeholder type, country and region are published."
            ),
        },
        {
            "name": "author_name",
            "type": text,
            "description": _(
                "The author's name as published; empty when the contribution is anonymous."
            ),
        },
        {
            "name": "author_organisation",
            "type": text,
            "description": _(
                "The author's organisation as published; empty when the contribution is anonymous or gave none."
            ),
        },
    ]
    for question in questions:
        prompt = question.translated("prompt").text
        if question.type == QuestionType.MULTIPLE_CHOICE:
            kind = _("list of codes")
            detail = _(
                "Codes of the choices made: %(values)s. CSV joins them with “; ”; JSON gives a list."
            )
        elif question.type == QuestionType.SINGLE_CHOICE:
            kind = code
            detail = _("Code of the choice made: %(values)s.")
        elif question.type == QuestionType.COUNTRY:
            kind = code
            detail = _("An ISO 3166-1 alpha-2 country code.")
        else:
            kind = text
            detail = _(
                "As published; passages hidden by the secretariat to protect personal data show “[…]”."
            )
        values = (
            _choices_text(c.value for c in question.choices.all()) if question.has_choices else ""
        )
        entries.append(
            {
                "name": f"answers.{question.key}",
                "type": kind,
                "description": _("Answer to the question “%(prompt)s”.") % {"prompt": prompt}
                + " "
                + (detail % {"values": values} if "%(values)s" in detail else detail)
                + " "
                + _("Empty (JSON: null) when not answered."),
            }
        )
    entries += [
        {
            "name": "attachments",
            "type": _("list of web addresses"),
            "description": _(
                "Addresses of the attached files. CSV separates them with a space; JSON gives a list."
            ),
        },
        {
            "name": "licence",
            "type": code,
            "description": _("SPDX identifier of the licence under which the data is published."),
        },
        {
            "name": "licence_url",
            "type": _("web address"),
            "description": _("The licence's full text."),
        },
    ]
    return entries


def data_dictionary(request: HttpRequest, slug: str) -> HttpResponse:
    call = _visible_call(request, slug)
    questions = answer_questions(call)
    entries = dictionary_entries(call, questions)
    licence = licence_of(call)
    licence_name = LICENCE_NAMES.get(licence["id"], licence["id"])
    notes = [
        _(
            "Only contributions whose authors agreed to publication, and that the secretariat approved, are included. "
            "No e-mail address is ever published."
        ),
        _(
            "CSV: UTF-8 with a byte-order mark (so that spreadsheet programs show every script correctly), "
            "comma-separated, one contribution per line (text in quotes may span several lines)."
        ),
        _(
            "To protect spreadsheet users, a CSV cell that begins with =, +, -, @ or a tab starts with an "
            "apostrophe ('), which is not part of the text. JSON gives the text unchanged."
        ),
        _(
            "JSON: one object with the call, the licence, the time the file was made and the list of "
            "contributions; each contribution has the same names as the CSV columns."
        ),
        _("Column names do not change from one release to the next; columns may be added."),
    ]
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "call": call.slug,
                "language": languages.current(),
                "licence": {**licence, "name": licence_name},
                "formats": {
                    fmt: request.build_absolute_uri(
                        reverse("open-data", kwargs={"slug": call.slug, "fmt": fmt})
                    )
                    for fmt in FORMATS
                },
                "notes": notes,
                "columns": entries,
            },
            json_dumps_params={"ensure_ascii": False, "indent": 1},
        )
    return render(
        request,
        "publication/data_dictionary.html",
        {
            "call": call,
            "entries": entries,
            "licence": licence,
            "licence_name": licence_name,
            "notes": notes,
        },
    )

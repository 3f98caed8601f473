"""One set of rules for what a valid answer is, shared by the web form, bulk import and the API.

A questionnaire's questions with the reserved keys below fill the respondent's record; the question of
type ``consent`` fills the consent; everything else is an answer stored by question key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection
from django.utils.translation import gettext as _

from consulta import languages, regions
from consulta.calls.models import Call, Question, QuestionType
from consulta.submissions.models import Consent, LanguageCode, StakeholderType

RESPONDENT_KEYS = (
    "name",
    "email",
    "organisation",
    "on_behalf_of_organisation",
    "stakeholder_type",
    "country",
    "language",
)
RESPONDENT_KEY_SET = frozenset(RESPONDENT_KEYS)
TRUE_VALUES = {"yes", "true", "1", "on"}
FALSE_VALUES = {"no", "false", "0", "off", ""}
DEFAULT_TEXT_LIMIT = 100_000
# Built once: Django rebuilds ``Choices.values`` on every access, which shows in bulk imports.
STAKEHOLDER_TYPES = frozenset(StakeholderType.values)
LANGUAGE_CODES = frozenset(LanguageCode.values)
SHORT_TEXT = QuestionType.SHORT_TEXT.value
FILE = QuestionType.FILE.value
CONSENT = QuestionType.CONSENT.value


@dataclass(frozen=True)
class QuestionSpec:
    key: str
    type: str
    required: bool
    max_length: int | None
    choices: frozenset[str] = frozenset()
    label: str = ""


@dataclass
class CleanedAnswers:
    answers: dict[str, Any] = field(default_factory=dict)
    respondent: dict[str, Any] = field(default_factory=dict)
    consent: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def questionnaire(call: Call) -> list[QuestionSpec]:
    """The questions of a call as plain specs, in display order, labelled in the reader's language."""
    return list(specs_for(questionnaire_key(call), languages.current()))


def questions(call: Call) -> list[Question]:
    """The call's questions with their sections and choices, shared read-only within this process:
    every step of the form needs them, and a call's questionnaire rarely changes (each change moves
    ``Call.updated_at``, which keys the cache)."""
    return list(questions_for(questionnaire_key(call)))


def questionnaire_key(call: Call) -> tuple[int, Any]:
    """(call id, its ``updated_at`` as stored). Read from the database, not from ``call``: an object
    loaded before an edit would key stale data. Plain SQL: this runs several times per request."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT updated_at FROM {Call._meta.db_table} WHERE id = %s", [call.pk])  # noqa: S608
        row = cursor.fetchone()
    return call.pk, (row[0] if row else None)


def questions_for(key: tuple[int, Any]) -> tuple[Question, ...]:
    return _questions(*key)


def specs_for(key: tuple[int, Any], language: str) -> tuple[QuestionSpec, ...]:
    return _specs(*key, language)


def forget_questionnaires() -> None:
    """For tests, whose rolled-back rows may come back with the same ids and frozen times."""
    _questions.cache_clear()
    _specs.cache_clear()


@lru_cache(maxsize=64)
def _questions(call_id: int, stamp) -> tuple[Question, ...]:
    return tuple(
        Question.objects.filter(call_id=call_id)
        .select_related("section")
        .prefetch_related("choices")
    )


@lru_cache(maxsize=256)
def _specs(call_id: int, stamp, language: str) -> tuple[QuestionSpec, ...]:
    specs = []
    for question in _questions(call_id, stamp):
        choices = frozenset(c.value for c in question.choices.all())
        if question.type == QuestionType.CONSENT and not choices:
            choices = frozenset(Consent.values)
        specs.append(
            QuestionSpec(
                key=question.key,
                type=question.type,
                required=question.required,
                max_length=question.max_length,
                choices=choices,
                label=question.translated("prompt", language).text,
            )
        )
    return tuple(specs)


def _text(value: Any) -> str:
    if type(value) is str:  # most answers; a subclass of str still goes through str() below
        text = value
    elif value is None:
        return ""
    elif isinstance(value, list | tuple):
        text = "\n".join(str(v) for v in value)
    else:
        text = str(value)
    if "\r" in text:
        # Normalise line endings; browsers send \r\n, imports \n.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def _clean_text(spec: QuestionSpec, value: Any) -> str:
    text = _text(value)
    if spec.type == SHORT_TEXT:
        text = " ".join(text.split())
    limit = spec.max_length or DEFAULT_TEXT_LIMIT
    if len(text) > limit:
        raise ValidationError(
            _("Please shorten this answer to %(limit)s characters (it has %(count)s).")
            % {"limit": f"{limit:,}", "count": f"{len(text):,}"}
        )
    if "\x00" in text:
        raise ValidationError(_("This answer contains characters that cannot be stored."))
    return text


def _clean_email(spec: QuestionSpec, value: Any) -> str:
    text = _text(value).lower()
    if text:
        validate_email(text)
    return text


def _clean_country(spec: QuestionSpec, value: Any) -> str:
    code = _text(value).upper()
    if code and code not in regions.COUNTRY_CODES:
        raise ValidationError(_("Please choose a country from the list."))
    return code


def _clean_choice(spec: QuestionSpec, value: Any) -> str:
    choice = _text(value)
    if isinstance(value, bool):
        choice = "yes" if value else "no"
    if choice and choice not in spec.choices:
        raise ValidationError(_("Please choose one of the options."))
    return choice


def _clean_choices(spec: QuestionSpec, value: Any) -> list[str]:
    values = (
        value if isinstance(value, list | tuple) else ([value] if value not in (None, "") else [])
    )
    chosen = [text for text in map(_text, values) if text]
    unknown = [v for v in chosen if v not in spec.choices]
    if unknown:
        raise ValidationError(_("Please choose only from the options."))
    return sorted(set(chosen), key=chosen.index)


def _clean_file(spec: QuestionSpec, value: Any) -> None:
    return None  # files are attachments, counted by the caller


# Keyed by plain value: comparing with enum members costs more than a look-up, for every answer.
CLEANERS = {
    QuestionType.SHORT_TEXT.value: _clean_text,
    QuestionType.LONG_TEXT.value: _clean_text,
    QuestionType.EMAIL.value: _clean_email,
    QuestionType.COUNTRY.value: _clean_country,
    QuestionType.SINGLE_CHOICE.value: _clean_choice,
    QuestionType.CONSENT.value: _clean_choice,
    QuestionType.MULTIPLE_CHOICE.value: _clean_choices,
    QuestionType.FILE.value: _clean_file,
}


def _clean_one(spec: QuestionSpec, value: Any) -> Any:
    """The cleaned value, or raise ValidationError with a message for the respondent."""
    clean = CLEANERS.get(spec.type)
    if clean is None:
        raise ValidationError(f"Unknown question type {spec.type!r}")
    return clean(spec, value)


def _respondent_value(key: str, value: Any) -> Any:
    if key == "on_behalf_of_organisation":
        if isinstance(value, bool):
            return value
        text = _text(value).lower()
        if text in TRUE_VALUES:
            return True
        if text in FALSE_VALUES:
            return False
        raise ValidationError(_("Please answer yes or no."))
    if key == "stakeholder_type" and value and value not in STAKEHOLDER_TYPES:
        raise ValidationError(_("Please choose a stakeholder type from the list."))
    if key == "language" and value and value not in LANGUAGE_CODES:
        raise ValidationError(_("Please choose one of the six languages."))
    return value


def clean_answers(
    specs: list[QuestionSpec],
    raw: Mapping[str, Any],
    *,
    require_complete: bool,
    attachment_count: int = 0,
) -> CleanedAnswers:
    """Check every answer; with ``require_complete`` also that required questions are answered.

    Drafts are saved with ``require_complete=False``: a half-written answer is kept, never refused for
    being incomplete, but a malformed one (an unknown choice, an over-long text) is still reported.
    """
    result = CleanedAnswers()
    for spec in specs:
        key = spec.key
        value = raw.get(key)
        is_respondent = key in RESPONDENT_KEY_SET
        try:
            cleaned = _clean_one(spec, value)
            if is_respondent:
                cleaned = _respondent_value(key, cleaned)
        except ValidationError as exc:
            result.errors[key] = list(exc.messages)
            continue
        answered = attachment_count > 0 if spec.type == FILE else cleaned not in ("", [], None)
        if key == "on_behalf_of_organisation":
            answered = _text(value) != "" or isinstance(value, bool)
        if require_complete and spec.required and not answered:
            result.errors[key] = [_("This question needs an answer.")]
            continue
        if spec.type == FILE:
            continue
        if spec.type == CONSENT:
            result.consent = cleaned
        elif is_respondent:
            result.respondent[key] = cleaned
        elif answered:
            result.answers[key] = cleaned
    return result

"""The contribution form, built from a call's questionnaire.

Django renders the fields (labels, ids, help text, aria attributes); the rules of what is valid live in
``answers.clean_answers`` so that the form, imports and the API agree.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from consulta import languages, regions
from consulta.calls.models import Call, Question, QuestionType
from consulta.submissions.answers import (
    CleanedAnswers,
    clean_answers,
    questionnaire_key,
    questions_for,
    specs_for,
)


class LenientMultipleField(forms.Field):
    """Checkboxes whose values are checked by ``clean_answers``, so errors are not reported twice."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value):
        if not value:
            return []
        return list(value) if isinstance(value, list | tuple) else [value]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


@lru_cache(maxsize=16)
def _country_choices_in(language: str) -> tuple[tuple[str, str], ...]:
    allowed = set(regions.COUNTRY_CODES)
    with translation.override(language):
        return (("", "—"), *((code, str(name)) for code, name in countries if code in allowed))


class CountrySelect(forms.Select):
    """The country list as one string: through Django's per-option templates, its 200 options cost
    more than the rest of the form page together."""

    def __init__(self, attrs=None):
        super().__init__(attrs)

    @property
    def choices(self):
        return _country_choices_in(translation.get_language() or "en")

    @choices.setter
    def choices(self, value):
        """Always every country, named in the reader's language (so copies need not copy 200 options)."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = "" if value is None else str(value)
        options = _country_options_html(self.choices)
        if chosen:
            needle = format_html('<option value="{}">', chosen)
            # Both strings are escaped already; replace() drops the safe mark, so it is put back.
            options = mark_safe(options.replace(needle, needle[:-1] + " selected>", 1))  # noqa: S308
        return format_html("<select{}>{}</select>", flatatt(final), options)


@lru_cache(maxsize=32)
def _country_options_html(choices: tuple[tuple[str, str], ...]) -> SafeString:
    return format_html_join("", '<option value="{}">{}</option>', choices)


def _field_for(question: Question) -> forms.Field:
    prompt = question.translated("prompt").text
    help_text = question.translated("help").text
    common = {"label": prompt, "help_text": help_text, "required": False}
    attrs: dict[str, Any] = {}
    if question.required:
        attrs["aria-required"] = "true"
    kind = question.type
    if kind in (QuestionType.SHORT_TEXT, QuestionType.EMAIL):
        if kind == QuestionType.EMAIL:
            attrs.update(type="email", autocomplete="email", inputmode="email")
        if question.key == "name":
            attrs["autocomplete"] = "name"
        if question.key == "organisation":
            attrs["autocomplete"] = "organization"
        if question.max_length:
            attrs["maxlength"] = question.max_length
        return forms.CharField(widget=forms.TextInput(attrs), strip=False, **common)
    if kind == QuestionType.LONG_TEXT:
        attrs.update(rows=10, dir="auto")
        if question.max_length:
            attrs["data-maxlength"] = question.max_length
        return forms.CharField(widget=forms.Textarea(attrs), strip=False, **common)
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.CONSENT):
        choices = [(c.value, c.translated("label").text) for c in question.choices.all()]
        return forms.CharField(widget=forms.RadioSelect(attrs, choices=choices), **common)
    if kind == QuestionType.MULTIPLE_CHOICE:
        choices = [(c.value, c.translated("label").text) for c in question.choices.all()]
        return LenientMultipleField(
            widget=forms.CheckboxSelectMultiple(attrs, choices=choices), **common
        )
    if kind == QuestionType.COUNTRY:
        attrs["autocomplete"] = "country"
        return forms.CharField(widget=CountrySelect(attrs), **common)
    if kind == QuestionType.FILE:
        attrs["accept"] = ".pdf,.docx,.odt,.txt"
        return forms.FileField(widget=MultipleFileInput(attrs), **common)
    raise ValueError(f"Unknown question type {kind!r}")


@lru_cache(maxsize=256)
def _fields_for(key: tuple[int, Any], language: str) -> dict[str, forms.Field]:
    """The form's fields, built once per questionnaire and language; each form gets its own copies."""
    return {question.key: _field_for(question) for question in questions_for(key)}


def forget_fields() -> None:
    _fields_for.cache_clear()


def raw_answers(data: Mapping[str, Any], questions: list[Question]) -> dict[str, Any]:
    """Answers as ``clean_answers`` expects them, from POST data (lists for checkboxes) or a draft."""
    raw: dict[str, Any] = {}
    for question in questions:
        if question.type == QuestionType.FILE:
            continue
        if question.type == QuestionType.MULTIPLE_CHOICE and hasattr(data, "getlist"):
            raw[question.key] = data.getlist(question.key)
        elif question.key in data:
            raw[question.key] = data.get(question.key)
    return raw


class ContributionForm(forms.Form):
    """Sections of fields; ``check(require_complete=…)`` validates and attaches errors to fields."""

    honeypot_name = "website"

    def __init__(self, call: Call, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call
        key = questionnaire_key(call)
        language = languages.current()
        self.questionnaire = key  # (call id, its updated_at): what the questions were read under
        self.questions = list(questions_for(key))
        self.specs = list(specs_for(key, language))
        self.required_keys = frozenset(q.key for q in self.questions if q.required)
        for name, field in _fields_for(key, language).items():
            self.fields[name] = copy.deepcopy(field)
        self.fields[self.honeypot_name] = forms.CharField(
            required=False,
            label=_("Leave this field empty"),
            widget=forms.TextInput({"tabindex": "-1", "autocomplete": "off"}),
        )
        self.result: CleanedAnswers | None = None

    def sections(self):
        grouped: dict[int, tuple[Any, list]] = {}
        for question in self.questions:
            grouped.setdefault(question.section_id, (question.section, []))[1].append(
                self[question.key]
            )
        return list(grouped.values())

    def check(
        self, *, require_complete: bool, attachment_count: int, file_errors: list[str] = ()
    ) -> CleanedAnswers:
        self.is_valid()  # runs the lenient field conversion so the form can render errors
        source = self.data if self.is_bound else self.initial
        self.result = clean_answers(
            self.specs,
            raw_answers(source, self.questions),
            require_complete=require_complete,
            attachment_count=attachment_count,
        )
        for key, messages in self.result.errors.items():
            for message in messages:
                self.add_error(key, message)
        file_key = next((q.key for q in self.questions if q.type == QuestionType.FILE), None)
        for message in file_errors:
            if file_key:
                self.add_error(file_key, message)
            else:
                self.add_error(None, message)
        self.annotate_aria()
        return self.result

    def annotate_aria(self) -> None:
        """Tie each control to its help text and error message for screen readers."""
        for name, field in self.fields.items():
            bound = self[name]
            described = []
            if field.help_text:
                described.append(f"{bound.auto_id}_helptext")
            if bound.errors:
                described.append(f"{bound.auto_id}_error")
                field.widget.attrs["aria-invalid"] = "true"
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)

    @property
    def honeypot_filled(self) -> bool:
        return bool(self.is_bound and (self.data.get(self.honeypot_name) or "").strip())

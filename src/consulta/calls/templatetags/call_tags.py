"""Template helpers for translated fields and for dates said the way a reader in their language says them."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from babel.dates import format_date, format_datetime, format_timedelta
from django import template
from django.utils import timezone, translation

from consulta import languages
from consulta.calls.models import TranslatedText

register = template.Library()

_BABEL_LOCALES = {"zh": "zh_Hans"}


def _locale() -> str:
    code = languages.current()
    return _BABEL_LOCALES.get(code, code)


@register.simple_tag
def tr(obj, field: str) -> TranslatedText:
    """The field in the reader's language, or in English with ``is_fallback`` set."""
    return obj.translated(field)


@register.filter
def datetime_in_words(value: datetime | None, call) -> str:
    """A full date and time in the call's declared zone, e.g. “vendredi 14 mars 2025 à 23:59:59 heure …”."""
    if value is None:
        return ""
    return format_datetime(value, format="full", tzinfo=call.zone, locale=_locale())


@register.filter
def date_in_words(value: datetime | None, call) -> str:
    if value is None:
        return ""
    return format_date(value.astimezone(call.zone).date(), format="long", locale=_locale())


@register.filter
def iso_in_zone(value: datetime | None, call) -> str:
    """Machine-readable instant for <time datetime=…>, with the call's UTC offset."""
    if value is None:
        return ""
    return value.astimezone(call.zone).isoformat()


@register.filter
def relative(value: datetime | None) -> str:
    """“in 3 days” / “1 year ago”, in the reader's language."""
    if value is None:
        return ""
    return format_timedelta(value - timezone.now(), add_direction=True, locale=_locale())


@register.filter
def language_name(code: str) -> str:
    return _language_name(code, _locale())


@lru_cache(maxsize=256)
def _language_name(code: str, locale: str) -> str:
    from babel import Locale

    return Locale.parse(_BABEL_LOCALES.get(code, code)).get_display_name(locale)


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template, empty when absent."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.filter
def country_name(code: str) -> str:
    """The country's name in the reader's language (django-countries' translations)."""
    if not code:
        return ""
    return country_names(translation.get_language() or "en").get(code, code)


@lru_cache(maxsize=16)
def country_names(language: str) -> dict[str, str]:
    """Every country's name in one language, translated once per process (lists show hundreds)."""
    from django_countries import countries

    with translation.override(language):
        return {code: str(name) for code, name in countries}

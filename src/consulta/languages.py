"""The six UN languages, and the one place where Django's spelling of Chinese meets the UN code."""

from __future__ import annotations

from django.utils import translation

UN_LANGUAGES: tuple[str, ...] = ("ar", "zh", "en", "fr", "ru", "es")
RTL_LANGUAGES = frozenset({"ar"})
_TO_DJANGO = {"zh": "zh-hans"}
_FROM_DJANGO = {"zh-hans": "zh", "zh-cn": "zh", "zh-sg": "zh"}


def to_django(code: str) -> str:
    return _TO_DJANGO.get(code, code)


def to_un(code: str | None) -> str:
    if not code:
        return "en"
    code = code.lower()
    return _FROM_DJANGO.get(
        code, code.split("-")[0] if code.split("-")[0] in UN_LANGUAGES else code
    )


def current() -> str:
    """The active request language as a UN code."""
    return to_un(translation.get_language())


def field_suffix(code: str) -> str:
    """The suffix django-modeltranslation gives a language's column (``title_zh_hans``)."""
    return to_django(code).replace("-", "_")

"""Site-wide template helpers (the base layout loads them)."""

from django import template
from django.urls import translate_url

register = template.Library()


@register.simple_tag(takes_context=True)
def url_in_language(context, code: str) -> str:
    """The current page in another language; falls back to that language's home page."""
    request = context["request"]
    return translate_url(request.get_full_path(), code)

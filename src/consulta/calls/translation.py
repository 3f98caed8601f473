"""Which fields django-modeltranslation stores once per language."""

from modeltranslation.translator import TranslationOptions, register

from consulta.calls.models import (
    Call,
    DeadlineExtension,
    Question,
    QuestionChoice,
    Section,
    TimelineEvent,
    TimelineLink,
)


@register(Call)
class CallTranslation(TranslationOptions):
    fields = ("owner", "title", "summary", "body")
    required_languages = ("en",)


@register(Section)
class SectionTranslation(TranslationOptions):
    fields = ("title", "description")
    required_languages = ("en",)


@register(Question)
class QuestionTranslation(TranslationOptions):
    fields = ("prompt", "help")
    required_languages = ("en",)


@register(QuestionChoice)
class QuestionChoiceTranslation(TranslationOptions):
    fields = ("label",)
    required_languages = ("en",)


@register(DeadlineExtension)
class DeadlineExtensionTranslation(TranslationOptions):
    fields = ("reason",)


@register(TimelineEvent)
class TimelineEventTranslation(TranslationOptions):
    fields = ("title", "place", "description")
    required_languages = ("en",)


@register(TimelineLink)
class TimelineLinkTranslation(TranslationOptions):
    fields = ("label",)
    required_languages = ("en",)

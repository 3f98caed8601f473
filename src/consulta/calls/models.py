"""Calls for inputs: the call itself, its questionnaire, its timeline and its deadline history.

Translated text fields (title, prompt, …) get one column per language from django-modeltranslation
(see ``translation.py``); reading ``call.title`` gives the active language, falling back to English.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consulta import languages


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("“%(value)s” is not a time zone name such as Europe/Zurich."), params={"value": value}
        ) from None


@dataclass(frozen=True)
class TranslatedText:
    """A translated field as shown to a reader: which language it is in, and whether it fell back."""

    text: str
    language: str  # UN code of the language the text is actually in
    is_fallback: bool

    def __str__(self) -> str:
        return self.text


class TranslatedMixin:
    def translated(self, field: str, language: str | None = None) -> TranslatedText:
        language = language or languages.current()
        own = getattr(self, f"{field}_{languages.field_suffix(language)}", "") or ""
        if own.strip():
            return TranslatedText(own, language, False)
        english = getattr(self, f"{field}_en", "") or ""
        return TranslatedText(english, "en", language != "en")

    def missing_languages(self, field: str) -> list[str]:
        return [
            code
            for code in languages.UN_LANGUAGES
            if not (getattr(self, f"{field}_{languages.field_suffix(code)}", "") or "").strip()
        ]


class LatePolicy(models.TextChoices):
    REJECT = "reject", _("Reject late submissions")
    ACCEPT_FLAGGED = "accept_flagged", _("Accept late submissions, flagged for the secretariat")
    ACCEPT = "accept", _("Accept late submissions")


class CallStatus(models.TextChoices):
    UPCOMING = "upcoming", _("Upcoming")
    OPEN = "open", _("Open")
    EXTENDED = "extended", _("Open, deadline extended")
    CLOSED = "closed", _("Closed")


class Timeliness(models.TextChoices):
    """How a call treats a submission received at a given instant."""

    NOT_YET_OPEN = "not_yet_open", _("Before the call opened")
    ON_TIME = "on_time", _("On time")
    LATE_ACCEPTED = "late_accepted", _("Late, accepted")
    LATE_FLAGGED = "late_flagged", _("Late, flagged for review")
    REJECTED = "rejected", _("Late, not accepted")

    @property
    def accepted(self) -> bool:
        return self in (Timeliness.ON_TIME, Timeliness.LATE_ACCEPTED, Timeliness.LATE_FLAGGED)


class Call(TranslatedMixin, models.Model):
    slug = models.SlugField(
        _("short name"),
        unique=True,
        help_text=_("Used in web addresses and commands, e.g. “wsis20”. Cannot contain spaces."),
    )
    owner = models.CharField(
        _("organising body"),
        max_length=300,
        help_text=_("e.g. “ITU Council Working Group on WSIS and SDGs”."),
    )
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(
        _("summary"), blank=True, help_text=_("Two or three sentences shown in lists.")
    )
    body = models.TextField(
        _("introduction"),
        blank=True,
        help_text=_("Shown on the call page. Separate paragraphs with a blank line."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Europe/Zurich",
        validators=[validate_time_zone],
        help_text=_(
            "The zone in which the deadline is announced, e.g. Europe/Zurich (Geneva time)."
        ),
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(
        _("deadline in force"),
        help_text=_(
            "After the call is created, change it with “Extend the deadline” so that the history is kept."
        ),
    )
    grace_period = models.DurationField(
        _("grace period"),
        default=timedelta(0),
        help_text=_(
            "Submissions received this long after the deadline still count as on time (e.g. 00:15:00)."
        ),
    )
    late_policy = models.CharField(
        _("late submissions"),
        max_length=20,
        choices=LatePolicy.choices,
        default=LatePolicy.ACCEPT_FLAGGED,
    )
    published = models.BooleanField(
        _("published"),
        default=False,
        help_text=_(
            "Unpublished calls are visible to staff only, so that a call can be prepared in advance."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opens_at", "slug"]
        verbose_name = _("call for inputs")
        verbose_name_plural = _("calls for inputs")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="call_closes_after_opening",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.slug})"

    def save(self, *args, **kwargs) -> None:
        # Deadlines are announced to the second; keeping them whole makes "23:59:59" exact.
        if self.opens_at:
            self.opens_at = self.opens_at.replace(microsecond=0)
        if self.closes_at:
            self.closes_at = self.closes_at.replace(microsecond=0)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The deadline must come after the opening.")})
        if self.grace_period and self.grace_period < timedelta(0):
            raise ValidationError({"grace_period": _("The grace period cannot be negative.")})

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.zone)

    @property
    def accepts_until(self) -> datetime:
        return self.closes_at + (self.grace_period or timedelta(0))

    @property
    def original_deadline(self) -> datetime:
        first = self.extensions.order_by("announced_at", "pk").first()
        return first.previous_deadline if first else self.closes_at

    @property
    def was_extended(self) -> bool:
        return self.extensions.filter(kind=DeadlineExtension.Kind.EXTENSION).exists()

    def status(self, now: datetime | None = None) -> CallStatus:
        now = now or timezone.now()
        if now < self.opens_at:
            return CallStatus.UPCOMING
        if now.replace(microsecond=0) > self.closes_at:
            return CallStatus.CLOSED
        return CallStatus.EXTENDED if self.was_extended else CallStatus.OPEN

    def timeliness(self, received_at: datetime) -> Timeliness:
        """Whether a submission received at this instant is on time, late-but-kept, or refused.

        A receipt time counts to the whole second, so 23:59:59.8 on a 23:59:59 deadline is on time and
        the next whole second after deadline plus grace is late.
        """
        if received_at < self.opens_at:
            return Timeliness.NOT_YET_OPEN
        if received_at.replace(microsecond=0) <= self.accepts_until:
            return Timeliness.ON_TIME
        return {
            LatePolicy.REJECT: Timeliness.REJECTED,
            LatePolicy.ACCEPT_FLAGGED: Timeliness.LATE_FLAGGED,
            LatePolicy.ACCEPT: Timeliness.LATE_ACCEPTED,
        }[LatePolicy(self.late_policy)]


class Section(TranslatedMixin, models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(_("key"), max_length=50, help_text=_("Stable identifier, e.g. “about”."))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["call", "order", "pk"]
        verbose_name = _("questionnaire section")
        constraints = [
            models.UniqueConstraint(fields=["call", "key"], name="section_key_unique_per_call")
        ]

    def __str__(self) -> str:
        return self.title


class QuestionType(models.TextChoices):
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    SINGLE_CHOICE = "single_choice", _("Single choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    COUNTRY = "country", _("Country")
    EMAIL = "email", _("E-mail address")
    FILE = "file", _("File upload")
    CONSENT = "consent", _("Consent to publish")


CHOICE_TYPES = frozenset(
    {QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.CONSENT}
)

question_key_validator = RegexValidator(
    r"^[a-z][a-z0-9_]*$",
    _("Use lower-case letters, digits and underscores, starting with a letter."),
)


class Question(TranslatedMixin, models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="questions")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="questions")
    key = models.CharField(
        _("key"),
        max_length=64,
        validators=[question_key_validator],
        help_text=_(
            "Stable identifier used in exports and analysis; do not change it once answers exist."
        ),
    )
    type = models.CharField(_("type"), max_length=20, choices=QuestionType.choices)
    prompt = models.TextField(_("question"))
    help = models.TextField(_("help text"), blank=True)
    required = models.BooleanField(_("required"), default=False)
    max_length = models.PositiveIntegerField(
        _("maximum length"),
        null=True,
        blank=True,
        help_text=_("In characters; leave empty for no limit."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["call", "section__order", "order", "pk"]
        verbose_name = _("question")
        constraints = [
            models.UniqueConstraint(fields=["call", "key"], name="question_key_unique_per_call")
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.prompt[:60]}"

    def clean(self) -> None:
        if self.section_id and self.call_id and self.section.call_id != self.call_id:
            raise ValidationError({"section": _("The section belongs to another call.")})
        if self.max_length is not None and self.type not in (
            QuestionType.SHORT_TEXT,
            QuestionType.LONG_TEXT,
        ):
            raise ValidationError({"max_length": _("Only text questions have a maximum length.")})

    @property
    def has_choices(self) -> bool:
        return self.type in CHOICE_TYPES


class QuestionChoice(TranslatedMixin, models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    value = models.SlugField(_("stored value"), max_length=64)
    label = models.CharField(_("label"), max_length=300)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["question", "order", "pk"]
        verbose_name = _("answer choice")
        constraints = [
            models.UniqueConstraint(
                fields=["question", "value"], name="choice_value_unique_per_question"
            )
        ]

    def __str__(self) -> str:
        return self.label


class DeadlineExtension(TranslatedMixin, models.Model):
    """One change of a call's deadline, kept as public history."""

    class Kind(models.TextChoices):
        EXTENSION = "extension", _("Deadline extended")
        SHORTENING = "shortening", _("Deadline brought forward")
        EARLY_CLOSURE = "early_closure", _("Closed early")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="extensions")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.EXTENSION)
    previous_deadline = models.DateTimeField(_("previous deadline"))
    new_deadline = models.DateTimeField(_("new deadline"))
    reason = models.TextField(_("reason"), blank=True)
    announced_at = models.DateTimeField(_("announced at"))
    forced = models.BooleanField(
        _("forced"),
        default=False,
        help_text=_("Recorded when a shortening or past deadline was confirmed."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["call", "announced_at", "pk"]
        verbose_name = _("deadline change")

    def __str__(self) -> str:
        return f"{self.call.slug}: {self.previous_deadline:%Y-%m-%d} → {self.new_deadline:%Y-%m-%d}"


class TimelineEvent(TranslatedMixin, models.Model):
    class Kind(models.TextChoices):
        FORM_OPENS = "form_opens", _("Form opens")
        DEADLINE = "deadline", _("Deadline")
        EXTENSION = "extension", _("Deadline extension")
        PHYSICAL_MEETING = "physical_meeting", _("Physical meeting")
        ONLINE_MEETING = "online_meeting", _("Online meeting")
        SIDE_EVENT = "side_event", _("Side event")
        CIRCULAR_LETTER = "circular_letter", _("Circular letter")
        QUESTIONNAIRE = "questionnaire", _("Questionnaire")
        REPORT_TO_COUNCIL = "report_to_council", _("Report to Council")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=300)
    place = models.CharField(_("place"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["call", "starts_at", "pk"]
        verbose_name = _("timeline event")

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d} {self.title}"

    def clean(self) -> None:
        if self.ends_at and self.starts_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": _("An event cannot end before it starts.")})

    @property
    def is_past(self) -> bool:
        return (self.ends_at or self.starts_at) < timezone.now()


class TimelineLink(TranslatedMixin, models.Model):
    event = models.ForeignKey(TimelineEvent, on_delete=models.CASCADE, related_name="links")
    url = models.URLField(_("address"), max_length=500)
    label = models.CharField(_("label"), max_length=200)

    class Meta:
        ordering = ["event", "pk"]
        verbose_name = _("timeline link")

    def __str__(self) -> str:
        return self.label

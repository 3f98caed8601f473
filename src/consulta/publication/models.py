"""What the public may see: one row per consented contribution, holding its approved public rendering.

The public pages, search, the API and open data read only this table, never submissions. A row exists
only while its author's current consent allows publication; what it shows is the version the
secretariat approved, with redactions applied to a copy, the stored original untouched.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from consulta.calls.models import Call
from consulta.submissions.models import Submission, SubmissionVersion

CC_BY_4 = "CC-BY-4.0"


class PublicationPolicy(models.Model):
    class Moderation(models.TextChoices):
        BEFORE = "before", _("Approve before publication")
        AFTER = "after", _("Publish at once, review afterwards")

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="publication_policy")
    moderation = models.CharField(
        _("moderation"), max_length=10, choices=Moderation.choices, default=Moderation.BEFORE
    )
    licence = models.CharField(_("licence"), max_length=40, default=CC_BY_4, help_text=_("SPDX identifier"))
    licence_url = models.URLField(_("licence address"), default="https://creativecommons.org/licenses/by/4.0/")

    class Meta:
        verbose_name = _("publication policy")
        verbose_name_plural = _("publication policies")

    def __str__(self) -> str:
        return f"{self.call.slug}: {self.get_moderation_display()}"


class Contribution(models.Model):
    """The public face of one submission."""

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Not published by the secretariat")
        WITHDRAWN = "withdrawn", _("No longer consented or withdrawn")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="contributions")
    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="contribution")
    reference = models.CharField(max_length=24, unique=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    # The version the public sees, and a newer one waiting for approval (edits under pre-moderation).
    published_version = models.ForeignKey(
        SubmissionVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pending_version = models.ForeignKey(
        SubmissionVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Public rendering of published_version (redactions applied); denormalised for fast lists.
    consent = models.CharField(max_length=20)
    author_name = models.CharField(max_length=200, blank=True)
    author_organisation = models.CharField(max_length=300, blank=True)
    stakeholder_type = models.CharField(max_length=40, blank=True)
    country = models.CharField(max_length=2, blank=True)
    region = models.CharField(max_length=20, blank=True)
    language = models.CharField(max_length=2, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    answers = models.JSONField(default=dict)
    attachment_ids = models.JSONField(default=list, blank=True)
    search_document = models.TextField(blank=True, help_text="normalised, segmented text for full-text search")
    # Moderation
    flags = models.JSONField(default=list, blank=True, help_text="likely personal data found automatically")
    redactions = models.JSONField(default=dict, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderation_note = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("public contribution")
        indexes = [
            models.Index(fields=["call", "state", "-received_at", "-id"], name="contribution_list"),
            # Each filter index also gives the list's order, so a rare value never reads rows it will not show.
            models.Index(fields=["call", "state", "stakeholder_type", "-received_at", "-id"], name="contribution_by_type"),
            models.Index(fields=["call", "state", "region", "-received_at", "-id"], name="contribution_by_region"),
            models.Index(fields=["call", "state", "country", "-received_at", "-id"], name="contribution_by_country"),
            models.Index(fields=["call", "state", "language", "-received_at", "-id"], name="contribution_by_language"),
            # Covers the one GROUP BY behind the filter menus: counted from the index, never from the rows.
            models.Index(
                fields=["call", "state", "stakeholder_type", "region", "country", "language", "published_version"],
                name="contribution_facets",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_public(self) -> bool:
        return self.state == self.State.PUBLISHED and self.published_version_id is not None

    EXCERPT_LENGTH = 320

    @property
    def excerpt(self) -> str:
        """The start of the first text answer, for lists (cut at a word, with an ellipsis)."""
        text = next((v for v in self.answers.values() if isinstance(v, str) and v.strip()), "").strip()
        if len(text) <= self.EXCERPT_LENGTH:
            return text
        cut = text[: self.EXCERPT_LENGTH - 1]
        space = cut.rfind(" ")
        return (cut[:space] if space > self.EXCERPT_LENGTH // 2 else cut).rstrip() + "…"

    @property
    def shows_name(self) -> bool:
        return self.consent == "publish_named"


class ContributionCode(models.Model):
    """A code an analysis assigned to a public contribution, for the public filters (e.g. ``sdgs:SDG4``)."""

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(max_length=80)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contribution", "code"], name="contribution_code_once")]
        indexes = [models.Index(fields=["code", "contribution"], name="contribution_code_lookup")]

    def __str__(self) -> str:
        return self.code


class ModerationEvent(models.Model):
    """The audit log of publication: who did what, when, and why."""

    class Action(models.TextChoices):
        QUEUED = "queued", _("Queued for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Not published")
        REDACTED = "redacted", _("Redacted")
        UNPUBLISHED = "unpublished", _("Removed from publication")
        AUTO_PUBLISHED = "auto_published", _("Published at once (review afterwards)")

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contribution", "at", "pk"]
        verbose_name = _("moderation event")

    def __str__(self) -> str:
        return f"{self.contribution.reference}: {self.action}"

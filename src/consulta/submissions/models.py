"""Submissions to a call: who answered, what they answered (as immutable versions), and their files.

A submission is a draft until first submitted; every submit freezes one ``SubmissionVersion`` with a
content hash over a canonical form, so that the receipt a respondent holds can always be checked
against what is stored.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from consulta import regions
from consulta.calls.models import Call, Timeliness

if TYPE_CHECKING:
    from consulta.submissions.attachments import InspectedFile

# Crockford's base32 without I, L, O, U: readable aloud, no look-alikes.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_LENGTH = 8  # 32**8 ≈ 10**12: a million references leave a guess one chance in a million


class StakeholderType(models.TextChoices):
    GOVERNMENT = "government", _("Government")
    PRIVATE_SECTOR = "private_sector", _("Private sector")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    ACADEMIA = "academia", _("Academia")
    TECHNICAL_COMMUNITY = "technical_community", _("Technical community")
    INTERNATIONAL_ORGANISATION = "international_organisation", _("International organisation")
    OTHER = "other", _("Other")


class Consent(models.TextChoices):
    PUBLISH_NAMED = "publish_named", _("Publish with my name and organisation")
    PUBLISH_ANONYMOUS = "publish_anonymous", _("Publish without my name")
    PRIVATE = "private", _("Do not publish")


class Source(models.TextChoices):
    FORM = "form", _("Online form")
    EMAIL = "email", _("E-mail")
    MEETING = "meeting", _("Meeting")
    LETTER = "letter", _("Paper letter")
    IMPORT = "import", _("Bulk import")


class LanguageCode(models.TextChoices):
    AR = "ar", "العربية"
    ZH = "zh", "中文"
    EN = "en", "English"
    FR = "fr", "Français"
    RU = "ru", "Русский"
    ES = "es", "Español"


def validate_country(value: str) -> None:
    if value and value.upper() not in regions.COUNTRY_CODES:
        raise ValidationError(
            _("“%(value)s” is not a United Nations member or observer state code."),
            params={"value": value},
        )


def reference_prefix(call: Call) -> str:
    """What every reference of a call starts with: its slug in capitals, letters and digits only."""
    return "".join(ch for ch in call.slug.upper() if ch.isalnum())[:10] or "REF"


def new_reference(call: Call) -> str:
    return f"{reference_prefix(call)}-{''.join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))}"


def new_nonce() -> str:
    return secrets.token_hex(16)


class CanonicalJSONEncoder(json.JSONEncoder):
    """Sorted keys, compact, UTF-8, whatever the caller asks: the form the content hash is computed
    over, and the form a version's JSON is stored in, so that bulk import can encode each value
    once for both and still store what the ORM stores."""

    def __init__(self, **options: Any):
        super().__init__(
            **{**options, "sort_keys": True, "ensure_ascii": False, "separators": (",", ":")}
        )


# Made once: json.dumps with options builds a new encoder on every call.
_CANONICAL_ENCODER = CanonicalJSONEncoder()


def canonical_json(value: Any) -> str:
    """Sorted-key, compact, UTF-8 JSON: the same content always gives the same text."""
    return _CANONICAL_ENCODER.encode(value)


def canonical_hash(payload: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON: the same content always hashes the same."""
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def canonical_hash_of_encoded(parts: dict[str, str]) -> str:
    """``canonical_hash`` of a dict whose values come already as canonical JSON text, so that a
    caller who stores that text (bulk import) encodes each value once, not twice."""
    text = ",".join(f"{canonical_json(key)}:{parts[key]}" for key in sorted(parts))
    return hashlib.sha256(f"{{{text}}}".encode()).hexdigest()


class Respondent(models.Model):
    """Who answered one submission. Personal fields are blanked by erasure; the rest stays for counts."""

    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True, db_index=True)
    organisation = models.CharField(_("organisation"), max_length=300, blank=True)
    on_behalf_of_organisation = models.BooleanField(
        _("on behalf of the organisation"), default=False
    )
    stakeholder_type = models.CharField(
        _("stakeholder type"),
        max_length=40,
        choices=StakeholderType.choices,
        blank=True,
        db_index=True,
    )
    country = models.CharField(
        _("country"), max_length=2, blank=True, validators=[validate_country]
    )
    region = models.CharField(
        _("ITU region"), max_length=20, blank=True, db_index=True, editable=False
    )
    language = models.CharField(
        _("language"), max_length=2, choices=LanguageCode.choices, blank=True
    )
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)

    class Meta:
        verbose_name = _("respondent")

    def __str__(self) -> str:
        return self.name or self.organisation or _("(anonymous)")

    def save(self, *args, **kwargs) -> None:
        self.email = (self.email or "").strip().lower()
        self.country = (self.country or "").upper()
        self.region = regions.region_of(self.country) if self.country else ""
        super().save(*args, **kwargs)

    def snapshot(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "email": self.email,
            "organisation": self.organisation,
            "on_behalf_of_organisation": self.on_behalf_of_organisation,
            "stakeholder_type": self.stakeholder_type,
            "country": self.country,
            "region": self.region,
            "language": self.language,
        }


class Submission(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class LateReview(models.TextChoices):
        NOT_LATE = "", _("Not late")
        PENDING = "pending", _("Late, awaiting a decision")
        ACCEPTED = "accepted", _("Late, accepted")
        REJECTED = "rejected", _("Late, rejected")

    # Indexed by the (call, status) index below, which serves every look-up by call alone.
    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, related_name="all_submissions", db_index=False
    )
    reference = models.CharField(_("reference"), max_length=24, unique=True)
    respondent = models.OneToOneField(
        Respondent, on_delete=models.PROTECT, related_name="submission"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.FORM
    )
    language = models.CharField(
        _("language"), max_length=2, choices=LanguageCode.choices, blank=True
    )
    consent = models.CharField(_("consent"), max_length=20, choices=Consent.choices, blank=True)
    external_id = models.CharField(_("external id"), max_length=200, blank=True)
    current_version = models.ForeignKey(
        "SubmissionVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version_count = models.PositiveIntegerField(default=0)
    first_submitted_at = models.DateTimeField(
        _("first submitted at"), null=True, blank=True, db_index=True
    )
    last_submitted_at = models.DateTimeField(_("last submitted at"), null=True, blank=True)
    late_review = models.CharField(
        _("late submission"),
        max_length=10,
        choices=LateReview.choices,
        blank=True,
        default="",
        db_index=True,
    )
    late_reason = models.TextField(_("reason for the late decision"), blank=True)
    late_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    late_reviewed_at = models.DateTimeField(null=True, blank=True)
    draft_answers = models.JSONField(_("draft answers"), default=dict, blank=True)
    draft_attachment_ids = models.JSONField(default=list, blank=True)
    draft_updated_at = models.DateTimeField(null=True, blank=True)
    resume_nonce = models.CharField(max_length=32, default=new_nonce, editable=False)
    # Set by the page that starts a draft, so that its first save and its autosave make one draft.
    draft_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(
        excluded_fields=[
            "draft_answers",
            "draft_attachment_ids",
            "draft_updated_at",
            "resume_nonce",
            "draft_key",
            "updated_at",
        ],
        # The audit trail is read one submission at a time (by id, in date order): the indexes the
        # submission's own columns carry would only slow every write, bulk import most of all.
        no_db_index=[
            "reference",
            "status",
            "first_submitted_at",
            "late_review",
            "call",
            "late_reviewed_by",
            "respondent",
            "current_version",
        ],
    )

    class Meta:
        ordering = ["-first_submitted_at", "-created_at"]
        verbose_name = _("submission")
        constraints = [
            models.UniqueConstraint(
                fields=["call", "external_id"],
                condition=~models.Q(external_id=""),
                name="external_id_unique_per_call",
            )
        ]
        indexes = [models.Index(fields=["call", "status"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_received(self) -> bool:
        """Acknowledged and kept: counted in statistics, whatever the consent."""
        return self.status == self.Status.SUBMITTED and self.late_review != self.LateReview.REJECTED

    @property
    def is_late(self) -> bool:
        return bool(self.late_review)

    def rotate_links(self) -> None:
        """Make every link sent so far stop working."""
        self.resume_nonce = new_nonce()

    def editable_now(self, now=None) -> bool:
        """Respondents edit until the deadline in force (plus grace); the server decides, never the browser."""
        if self.status == self.Status.WITHDRAWN:
            return False
        timeliness = self.call.timeliness(now or timezone.now())
        if self.status == self.Status.DRAFT:
            return timeliness.accepted
        return timeliness == Timeliness.ON_TIME


class Attachment(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/", max_length=300)
    original_name = models.CharField(max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(max_length=10)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    text = models.TextField(blank=True)
    text_status = models.CharField(max_length=20, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission", "uploaded_at", "pk"]
        verbose_name = _("attachment")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def of_inspected(
        cls, inspected: InspectedFile, *, original_name: str, **fields: Any
    ) -> Attachment:
        """An unsaved attachment for a file that passed ``inspect_upload``, with what was found in
        it; its content is saved to ``file`` by the caller."""
        return cls(
            original_name=original_name[:300],
            name=inspected.safe_name,
            kind=inspected.kind,
            content_type=inspected.content_type,
            size=inspected.size,
            sha256=inspected.sha256,
            text=inspected.text,
            text_status=inspected.text_status,
            **fields,
        )


class SubmissionVersion(models.Model):
    """What was submitted at one moment. Never changed after it is written."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    answers = models.JSONField(default=dict, encoder=CanonicalJSONEncoder)
    respondent = models.JSONField(default=dict, encoder=CanonicalJSONEncoder)
    consent = models.CharField(max_length=20, choices=Consent.choices)
    language = models.CharField(max_length=2, choices=LanguageCode.choices, blank=True)
    attachments = models.ManyToManyField(Attachment, blank=True, related_name="versions")
    attachment_digests = models.JSONField(default=list, blank=True, encoder=CanonicalJSONEncoder)
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    timeliness = models.CharField(max_length=20, choices=Timeliness.choices)
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["submission", "number"]
        verbose_name = _("submission version")
        constraints = [
            models.UniqueConstraint(fields=["submission", "number"], name="version_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.submission.reference} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.pop("allow_erasure", False):
            raise ValidationError("A submission version is immutable once written.")
        super().save(*args, **kwargs)

    @staticmethod
    def digests_of(attachments) -> list[dict[str, str]]:
        """The attachments as the version records and hashes them: name and SHA-256, in order."""
        return sorted(
            ({"name": a.name, "sha256": a.sha256} for a in attachments),
            key=lambda d: (d["name"], d["sha256"]),
        )

    @staticmethod
    def hash_payload(
        *, answers: dict, respondent: dict, consent: str, language: str, attachment_digests: list
    ) -> dict[str, Any]:
        return {
            "answers": answers,
            "respondent": respondent,
            "consent": consent,
            "language": language,
            "attachments": attachment_digests,
        }

    def recompute_hash(self) -> str:
        return canonical_hash(
            self.hash_payload(
                answers=self.answers,
                respondent=self.respondent,
                consent=self.consent,
                language=self.language,
                attachment_digests=self.attachment_digests,
            )
        )


def new_idempotency_key() -> str:
    return str(uuid.uuid4())

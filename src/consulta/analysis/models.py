"""Analysis runs and their results, and the analysts' corrections on top of them.

A run analyses the current versions of a call's received submissions with ``synthesis``; it is split
into chunks that any number of workers can process. Results point at submission versions, so a later
edit never silently changes what an earlier run found. Analysts' decisions (codes added or removed,
reviews, theme edits) are rows of their own, with who and when, and every change is in the audit log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from consulta.calls.models import Call
from consulta.submissions.models import SubmissionVersion

BUILTIN_CODEBOOKS = ("wsis-action-lines", "sdgs", "trends", "challenges", "kinds")


class CustomCodebook(models.Model):
    """An analysts' codebook (DESIGN.md's YAML format), e.g. themes accepted from discovery."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="codebooks", null=True, blank=True)
    slug = models.SlugField(_("identifier"), max_length=80, unique=True)
    yaml = models.TextField(_("codebook (YAML)"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("custom codebook")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class AnalysisRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        FINISHING = "finishing", _("Finding themes and duplicates")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="analysis_runs")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True)
    question_keys = models.JSONField(default=list)
    codebooks = models.JSONField(default=list, help_text="built-in ids or custom codebook slugs")
    parameters = models.JSONField(default=dict)
    capability = models.CharField(max_length=40, default="lexical")
    library_version = models.CharField(max_length=40)
    input_hash = models.CharField(max_length=64)
    n_documents = models.PositiveIntegerField(default=0)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    timings = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("analysis run")

    def __str__(self) -> str:
        return f"{self.call.slug} run {self.pk}"

    @property
    def progress(self) -> float:
        if self.status == self.Status.DONE:
            return 1.0
        if not self.chunks_total:
            return 0.0
        # Chunks are 90 % of the work; themes and duplicates the rest.
        return round(0.9 * self.chunks_done / self.chunks_total, 3)


class RunChunk(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    version_ids = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    worker = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "number"]
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="chunk_number_unique")]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.number}"


class CodeAssignment(models.Model):
    """A code on one answer (or, with ``removed``, a machine code an analyst took away)."""

    class Source(models.TextChoices):
        MACHINE = "machine", _("Machine")
        ANALYST = "analyst", _("Analyst")

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="assignments")
    version = models.ForeignKey(SubmissionVersion, on_delete=models.CASCADE, related_name="code_assignments")
    question_key = models.CharField(max_length=64)
    codebook = models.CharField(max_length=80)
    code = models.CharField(max_length=80)
    score = models.FloatField(default=0)
    spans = models.JSONField(default=list)
    explanation = models.TextField(blank=True)
    capability = models.CharField(max_length=40, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MACHINE)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    removed = models.BooleanField(default=False)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "version", "question_key", "codebook", "code"], name="assignment_once"
            )
        ]
        indexes = [
            models.Index(fields=["run", "codebook", "code"], name="assignment_by_code"),
            models.Index(fields=["run", "version"], name="assignment_by_version"),
        ]

    def __str__(self) -> str:
        return f"{self.codebook}:{self.code}"


class ResponseReview(models.Model):
    """An analyst's review of one response in one run: reviewed, and any flags."""

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="reviews")
    version = models.ForeignKey(SubmissionVersion, on_delete=models.CASCADE, related_name="+")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    flags = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "version"], name="review_once")]

    def __str__(self) -> str:
        return f"review of {self.version_id} in run {self.run_id}"


class Theme(models.Model):
    class State(models.TextChoices):
        CANDIDATE = "candidate", _("Candidate")
        ACCEPTED = "accepted", _("Accepted into a codebook")
        DISCARDED = "discarded", _("Discarded")
        MERGED = "merged", _("Merged into another theme")

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="themes")
    key = models.CharField(max_length=40)
    label = models.CharField(max_length=200)
    keywords = models.JSONField(default=list)
    quotes = models.JSONField(default=list, help_text="[{document, span}]")
    state = models.CharField(max_length=10, choices=State.choices, default=State.CANDIDATE)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    capability = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["run", "key"]
        constraints = [models.UniqueConstraint(fields=["run", "key"], name="theme_key_unique")]

    def __str__(self) -> str:
        return self.label


class ThemeMember(models.Model):
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="members")
    version = models.ForeignKey(SubmissionVersion, on_delete=models.CASCADE, related_name="+")
    question_key = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["theme", "version", "question_key"], name="theme_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.version_id}:{self.question_key}"


class DuplicateGroup(models.Model):
    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="duplicate_groups")
    kind = models.CharField(max_length=10)  # exact | near | campaign
    representative = models.ForeignKey(SubmissionVersion, on_delete=models.CASCADE, related_name="+")
    members = models.ManyToManyField(SubmissionVersion, related_name="+")

    def __str__(self) -> str:
        return f"{self.kind} ({self.run_id})"


class AuditEvent(models.Model):
    """Who changed what in the analysts' workspace, with the state before and after."""

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="audit", null=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=40)
    target = models.CharField(max_length=200)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.target}"

"""A report the secretariat has made public: which run of which call, by whom and when.

The record is language-independent: the public page renders the same run in the reader's language.
Publishing again (after more review) adds a row; the public page always shows the latest one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from consulta.analysis.models import AnalysisRun
from consulta.calls.models import Call


class PublishedReport(models.Model):
    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="published_reports", verbose_name=_("call")
    )
    run = models.ForeignKey(
        AnalysisRun, on_delete=models.PROTECT, related_name="+", verbose_name=_("analysis run")
    )
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("published report")
        verbose_name_plural = _("published reports")

    def __str__(self) -> str:
        return f"{self.call.slug}: run {self.run_id}"

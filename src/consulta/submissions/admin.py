"""The secretariat's view of submissions: filters, version history with a diff, late decisions."""

from __future__ import annotations

import difflib

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from consulta.submissions import services
from consulta.submissions.models import Submission, SubmissionVersion


def word_diff(before: str, after: str) -> str:
    """HTML with deletions and insertions marked, every piece of respondent text escaped."""
    a, b = str(before).split(), str(after).split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape(" ".join(a[i1:i2])))
        if op in ("delete", "replace"):
            out.append(f"<del>{escape(' '.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{escape(' '.join(b[j1:j2]))}</ins>")
    return mark_safe(" ".join(out))  # noqa: S308 - every fragment above is escaped


class VersionInline(admin.TabularInline):
    model = SubmissionVersion
    extra = 0
    can_delete = False
    fields = ("number", "received_at", "timeliness", "consent", "language", "content_hash")
    readonly_fields = fields
    ordering = ("-number",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class LateFilter(admin.SimpleListFilter):
    title = _("late")
    parameter_name = "late"

    def lookups(self, request, model_admin):
        return [
            ("yes", _("Late")),
            ("pending", _("Late, awaiting a decision")),
            ("no", _("On time")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(late_review="")
        if self.value() == "pending":
            return queryset.filter(late_review=Submission.LateReview.PENDING)
        if self.value() == "no":
            return queryset.filter(late_review="")
        return queryset


@admin.register(Submission)
class SubmissionAdmin(SimpleHistoryAdmin):
    list_display = (
        "reference",
        "call",
        "status",
        "late_review",
        "stakeholder_type",
        "region",
        "language",
        "consent",
        "source",
        "first_submitted_at",
        "version_count",
    )
    list_filter = (
        "call",
        "status",
        LateFilter,
        "respondent__stakeholder_type",
        "respondent__region",
        "language",
        "consent",
        "source",
        "is_demo",
    )
    search_fields = ("reference", "external_id", "respondent__organisation", "respondent__email")
    date_hierarchy = "first_submitted_at"
    list_select_related = ("call", "respondent")
    inlines = [VersionInline]
    readonly_fields = (
        "reference",
        "call",
        "respondent_details",
        "status",
        "source",
        "language",
        "consent",
        "external_id",
        "version_count",
        "first_submitted_at",
        "last_submitted_at",
        "late_review",
        "late_reason",
        "late_reviewed_by",
        "late_reviewed_at",
        "is_demo",
        "tools",
    )
    fields = readonly_fields
    history_list_display = ("status", "late_review", "consent")

    @admin.display(description=_("stakeholder type"), ordering="respondent__stakeholder_type")
    def stakeholder_type(self, obj: Submission) -> str:
        return obj.respondent.get_stakeholder_type_display()

    @admin.display(description=_("region"), ordering="respondent__region")
    def region(self, obj: Submission) -> str:
        return obj.respondent.region

    @admin.display(description=_("respondent"))
    def respondent_details(self, obj: Submission) -> str:
        r = obj.respondent
        return format_html(
            "{} · {} · {} · {} ({}){}",
            r.name or "—",
            r.email or "—",
            r.organisation or "—",
            r.get_stakeholder_type_display() or "—",
            r.country or "—",
            _(" · on behalf of the organisation") if r.on_behalf_of_organisation else "",
        )

    @admin.display(description=_("tools"))
    def tools(self, obj: Submission) -> str:
        links = [(reverse("submission-view", args=[obj.reference]), _("Read the contribution"))]
        if obj.version_count > 1:
            links.append(
                (reverse("admin:submissions_submission_diff", args=[obj.pk]), _("Compare versions"))
            )
        if obj.is_late:
            links.append(
                (
                    reverse("admin:submissions_submission_late", args=[obj.pk]),
                    _("Decide on lateness"),
                )
            )
        return format_html(
            " · ".join('<a href="{}">{}</a>' for _link in links),
            *[x for pair in links for x in pair],
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # erasure goes through `consulta erase`, which keeps anonymous counts

    def get_urls(self):
        return [
            path(
                "<int:pk>/diff/",
                self.admin_site.admin_view(self.diff_view),
                name="submissions_submission_diff",
            ),
            path(
                "<int:pk>/late/",
                self.admin_site.admin_view(self.late_view),
                name="submissions_submission_late",
            ),
            *super().get_urls(),
        ]

    def diff_view(self, request, pk: int):
        submission = get_object_or_404(Submission, pk=pk)
        if not self.has_view_permission(request, submission):
            raise PermissionDenied
        versions = list(submission.versions.order_by("number"))
        numbers = [v.number for v in versions]
        try:
            b = int(request.GET.get("b", numbers[-1]))
            a = int(request.GET.get("a", numbers[-2] if len(numbers) > 1 else numbers[-1]))
        except (ValueError, IndexError):
            raise PermissionDenied from None
        older = next((v for v in versions if v.number == a), None)
        newer = next((v for v in versions if v.number == b), None)
        if older is None or newer is None:
            raise PermissionDenied
        keys = sorted(set(older.answers) | set(newer.answers))
        rows = []
        for key in keys:
            before, after = older.answers.get(key, ""), newer.answers.get(key, "")
            rows.append({"key": key, "changed": before != after, "diff": word_diff(before, after)})
        if older.consent != newer.consent:
            rows.append(
                {"key": "consent", "changed": True, "diff": word_diff(older.consent, newer.consent)}
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Compare versions of %(ref)s") % {"ref": submission.reference},
            "submission": submission,
            "older": older,
            "newer": newer,
            "numbers": numbers,
            "rows": rows,
            "opts": self.model._meta,
            "original": submission,
        }
        return TemplateResponse(request, "admin/submissions/submission/diff.html", context)

    def late_view(self, request, pk: int):
        submission = get_object_or_404(Submission, pk=pk)
        if not request.user.has_perm("submissions.change_submission"):
            raise PermissionDenied
        form = LateDecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.submission_decide_late(
                    actor=request.user,
                    submission=submission,
                    accept=form.cleaned_data["decision"] == "accept",
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("The decision was recorded."))
                return redirect("admin:submissions_submission_change", submission.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Late submission %(ref)s") % {"ref": submission.reference},
            "submission": submission,
            "form": form,
            "opts": self.model._meta,
            "original": submission,
        }
        return TemplateResponse(request, "admin/submissions/submission/late.html", context)


class LateDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept it with the others")), ("reject", _("Reject it"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea({"rows": 3}))

"""The moderation queue: approve, refuse or redact what becomes public, every action logged."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from consulta.publication import services
from consulta.publication.models import Contribution, ModerationEvent, PublicationPolicy


@admin.register(PublicationPolicy)
class PublicationPolicyAdmin(admin.ModelAdmin):
    list_display = ("call", "moderation", "licence")


class EventInline(admin.TabularInline):
    model = ModerationEvent
    extra = 0
    can_delete = False
    fields = ("at", "action", "actor", "reason", "details")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class FlaggedFilter(admin.SimpleListFilter):
    title = _("possible personal data")
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [("yes", _("Flagged")), ("no", _("Not flagged"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(flags=[])
        if self.value() == "no":
            return queryset.filter(flags=[])
        return queryset


@admin.register(Contribution)
class ContributionAdmin(admin.ModelAdmin):
    list_display = ("reference", "call", "state", "flag_count", "consent", "stakeholder_type", "language", "received_at")
    list_filter = ("call", "state", FlaggedFilter, "consent", "language", "stakeholder_type", "region")
    search_fields = ("reference",)
    inlines = [EventInline]
    readonly_fields = (
        "reference", "call", "state", "consent", "published_version", "pending_version", "flags_display",
        "redactions", "moderated_by", "moderated_at", "moderation_note", "published_at", "tools",
    )
    fields = readonly_fields
    actions = ["approve_selected"]

    @admin.display(description=_("flags"))
    def flag_count(self, obj: Contribution) -> int:
        return len(obj.flags or [])

    @admin.display(description=_("possible personal data"))
    def flags_display(self, obj: Contribution) -> str:
        if not obj.flags:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html("".join("<li>{}: {} — “{}”</li>" for _f in obj.flags), *[
                x for f in obj.flags for x in (f["field"], f["kind"], f["excerpt"])
            ]),
        )

    @admin.display(description=_("tools"))
    def tools(self, obj: Contribution) -> str:
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:publication_contribution_moderate", args=[obj.pk]),
            _("Review, redact, approve or refuse"),
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Approve the selected contributions (no redaction)"))
    def approve_selected(self, request, queryset):
        done = 0
        for contribution in queryset.filter(state__in=[Contribution.State.PENDING, Contribution.State.PUBLISHED]):
            if contribution.pending_version_id:
                services.contribution_approve(actor=request.user, contribution=contribution)
                done += 1
        messages.success(request, _("%(n)s contribution(s) approved.") % {"n": done})

    def get_urls(self):
        return [
            path(
                "<int:pk>/moderate/",
                self.admin_site.admin_view(self.moderate_view),
                name="publication_contribution_moderate",
            ),
            *super().get_urls(),
        ]

    def moderate_view(self, request, pk: int):
        contribution = get_object_or_404(Contribution, pk=pk)
        if not request.user.has_perm("publication.change_contribution"):
            raise PermissionDenied
        version = contribution.pending_version or contribution.published_version
        form = ModerationForm(request.POST or None, contribution=contribution, version=version)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                wanted = form.redactions()
                if wanted != (contribution.redactions or {}) and (wanted or contribution.redactions):
                    services.contribution_redact(
                        actor=request.user, contribution=contribution, redactions=wanted, reason=data["reason"]
                    )
                if data["decision"] == "approve":
                    services.contribution_approve(actor=request.user, contribution=contribution, note=data["reason"])
                elif data["decision"] == "reject":
                    services.contribution_reject(actor=request.user, contribution=contribution, reason=data["reason"])
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("Recorded."))
                return redirect("admin:publication_contribution_change", contribution.pk)
        preview = services._apply_redactions(version.answers, contribution.redactions or {}) if version else {}
        context = {
            **self.admin_site.each_context(request),
            "title": _("Moderate %(ref)s") % {"ref": contribution.reference},
            "contribution": contribution,
            "version": version,
            "preview": preview,
            "form": form,
            "opts": self.model._meta,
            "original": contribution,
        }
        return TemplateResponse(request, "admin/publication/contribution/moderate.html", context)


class ModerationForm(forms.Form):
    """Redact by ticking the flags found automatically, or by typing any phrase to hide everywhere."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("keep", _("Only save redactions")), ("approve", _("Publish")), ("reject", _("Do not publish"))],
        widget=forms.RadioSelect,
        initial="approve",
    )
    hide_flags = forms.MultipleChoiceField(
        label=_("Hide these flagged passages"), required=False, widget=forms.CheckboxSelectMultiple
    )
    hide_phrases = forms.CharField(
        label=_("Also hide these words or phrases (one per line, every occurrence)"),
        required=False,
        widget=forms.Textarea({"rows": 3}),
    )
    reason = forms.CharField(label=_("Reason or note"), required=False, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, contribution: Contribution, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version
        self.flags = contribution.flags or []
        self.fields["hide_flags"].choices = [
            (str(i), f"{flag['field']}: {flag['kind']} — “{flag['excerpt']}”") for i, flag in enumerate(self.flags)
        ]
        current = contribution.redactions or {}
        self.fields["hide_flags"].initial = [
            str(i) for i, f in enumerate(self.flags) if [f["start"], f["end"]] in current.get(f["field"], [])
        ]

    def redactions(self) -> dict[str, list[list[int]]]:
        spans: dict[str, list[list[int]]] = {}
        for index in self.cleaned_data["hide_flags"]:
            flag = self.flags[int(index)]
            spans.setdefault(flag["field"], []).append([flag["start"], flag["end"]])
        phrases = [p.strip() for p in self.cleaned_data["hide_phrases"].splitlines() if p.strip()]
        for key, text in (self.version.answers if self.version else {}).items():
            if not isinstance(text, str):
                continue
            for phrase in phrases:
                start = text.find(phrase)
                while start != -1:
                    spans.setdefault(key, []).append([start, start + len(phrase)])
                    start = text.find(phrase, start + len(phrase))
        return spans

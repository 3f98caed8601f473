"""The secretariat's admin for calls: questionnaire and timeline inline, deadlines moved by a form that
keeps the history, and every date entered and shown in the call's own time zone."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import (
    TabbedTranslationAdmin,
    TranslationStackedInline,
    TranslationTabularInline,
)

from consulta import languages
from consulta.calls import services
from consulta.calls.models import (
    Call,
    DeadlineExtension,
    Question,
    QuestionChoice,
    Section,
    TimelineEvent,
    TimelineLink,
)


def _in_zone(value: datetime | None, zone_name: str) -> datetime | None:
    """Re-read a wall-clock time the admin parsed in the active zone as a time in ``zone_name``."""
    if value is None:
        return None
    from zoneinfo import ZoneInfo

    wall = timezone.make_naive(value, timezone.get_current_timezone())
    return timezone.make_aware(wall, ZoneInfo(zone_name))


class CallAdminForm(forms.ModelForm):
    class Meta:
        model = Call
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose what is shown

    def clean(self):
        cleaned = super().clean()
        zone = cleaned.get("time_zone")
        if zone and not self.errors.get("time_zone"):
            for name in ("opens_at", "closes_at"):
                if cleaned.get(name) is not None:
                    cleaned[name] = _in_zone(cleaned[name], zone)
        return cleaned


class SectionInline(TranslationTabularInline):
    model = Section
    extra = 0
    fields = ("order", "key", "title", "description")


class QuestionInline(TranslationStackedInline):
    model = Question
    extra = 0
    show_change_link = True
    fields = (("order", "section", "key", "type"), ("required", "max_length"), "prompt", "help")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "section" and getattr(request, "_call_obj", None) is not None:
            kwargs["queryset"] = Section.objects.filter(call=request._call_obj)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class TimelineEventInline(TranslationStackedInline):
    model = TimelineEvent
    extra = 0
    show_change_link = True
    fields = (("kind", "starts_at", "ends_at"), "title", "place", "description")


class DeadlineExtensionInline(admin.TabularInline):
    model = DeadlineExtension
    extra = 0
    can_delete = False
    fields = (
        "announced_at",
        "kind",
        "previous_deadline",
        "new_deadline",
        "reason",
        "forced",
        "created_by",
    )
    readonly_fields = fields
    verbose_name_plural = _("Deadline history (use “Extend the deadline” to add to it)")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Call)
class CallAdmin(TabbedTranslationAdmin):
    form = CallAdminForm
    list_display = ("title", "slug", "status_label", "opens_at", "closes_at", "published")
    list_filter = ("published", "late_policy")
    search_fields = ("slug", "title_en", "title_fr", "title_es")
    prepopulated_fields = {"slug": ("title_en",)}
    inlines = [SectionInline, QuestionInline, TimelineEventInline, DeadlineExtensionInline]
    fieldsets = (
        (None, {"fields": ("slug", "published", "owner", "title", "summary", "body")}),
        (
            _("Dates (in the call's time zone)"),
            {
                "fields": (
                    "time_zone",
                    "opens_at",
                    "closes_at",
                    "grace_period",
                    "late_policy",
                    "deadline_actions",
                ),
                "description": _(
                    "Enter dates and times as announced, in the call's time zone. After the call is created, "
                    "move the deadline with “Extend the deadline” so that the public history is kept."
                ),
            },
        ),
    )

    @admin.display(description=_("status"))
    def status_label(self, obj: Call) -> str:
        return obj.status().label

    @admin.display(description=_("deadline changes"))
    def deadline_actions(self, obj: Call | None) -> str:
        if obj is None or obj.pk is None:
            return _("Available once the call is saved.")
        return format_html(
            '<a class="button" href="{}">{}</a> <a class="button" href="{}">{}</a>',
            reverse("admin:calls_call_extend", args=[obj.pk]),
            _("Extend the deadline"),
            reverse("admin:calls_call_close_early", args=[obj.pk]),
            _("Close early"),
        )

    readonly_fields = ("deadline_actions", "deadline_in_force")

    @admin.display(description=_("deadline in force"))
    def deadline_in_force(self, obj: Call) -> str:
        return f"{obj.local(obj.closes_at):%Y-%m-%d %H:%M:%S} ({obj.time_zone})"

    def get_fieldsets(self, request, obj=None):
        # Once a call exists its deadline only moves through the history-keeping form.
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [
            (
                name,
                {
                    **opts,
                    "fields": tuple(
                        "deadline_in_force" if f == "closes_at" else f for f in opts["fields"]
                    ),
                },
            )
            for name, opts in fieldsets
        ]

    def get_form(self, request, obj=None, **kwargs):
        request._call_obj = obj
        return super().get_form(request, obj, **kwargs)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Show and read every date of an existing call in its own declared time zone.
        call = self.get_object(request, object_id) if object_id else None
        if call is not None:
            timezone.activate(call.zone)
        try:
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()  # while the call's zone is active
            return response
        finally:
            timezone.deactivate()

    def get_urls(self):
        return [
            path(
                "<int:pk>/extend/",
                self.admin_site.admin_view(self.extend_view),
                name="calls_call_extend",
            ),
            path(
                "<int:pk>/close-early/",
                self.admin_site.admin_view(self.close_early_view),
                name="calls_call_close_early",
            ),
            *super().get_urls(),
        ]

    def _deadline_form_view(self, request, pk: int, form_class, title: str, perform):
        call = get_object_or_404(Call, pk=pk)
        if not self.has_change_permission(request, call):
            raise PermissionDenied
        timezone.activate(call.zone)
        try:
            form = form_class(request.POST or None)
            if request.method == "POST" and form.is_valid():
                try:
                    perform(call, form.cleaned_data)
                except ValidationError as exc:
                    for message in exc.messages:
                        form.add_error(None, message)
                else:
                    messages.success(request, _("The deadline history was updated."))
                    return redirect("admin:calls_call_change", call.pk)
            context = {
                **self.admin_site.each_context(request),
                "title": title,
                "call": call,
                "form": form,
                "opts": self.model._meta,
                "original": call,
            }
            return TemplateResponse(
                request, "admin/calls/call/deadline_form.html", context
            ).render()
        finally:
            timezone.deactivate()

    def extend_view(self, request, pk: int):
        def perform(call, data):
            services.call_extend_deadline(
                actor=request.user,
                call=call,
                new_deadline=data["new_deadline"],
                reason=data["reason"],
                force=data["force"],
            )

        return self._deadline_form_view(
            request, pk, ExtendDeadlineForm, _("Extend the deadline"), perform
        )

    def close_early_view(self, request, pk: int):
        def perform(call, data):
            services.call_close_early(actor=request.user, call=call, reason=data["reason"])

        return self._deadline_form_view(
            request, pk, CloseEarlyForm, _("Close the call early"), perform
        )


class _ReasonFieldsMixin(forms.Form):
    """One reason box per UN language; respondents read it on the call page."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code in languages.UN_LANGUAGES:
            self.fields[f"reason_{code}"] = forms.CharField(
                label=_("Reason (%(lang)s)") % {"lang": code},
                required=False,
                widget=forms.Textarea({"rows": 2}),
            )

    def clean(self):
        cleaned = super().clean()
        cleaned["reason"] = {
            code: cleaned.get(f"reason_{code}", "") for code in languages.UN_LANGUAGES
        }
        return cleaned


class ExtendDeadlineForm(_ReasonFieldsMixin):
    new_deadline = forms.DateTimeField(
        label=_("New deadline"),
        help_text=_("In the call's time zone, e.g. 2025-03-14 23:59:59."),
    )
    force = forms.BooleanField(
        label=_("Force this change"),
        required=False,
        help_text=_(
            "Needed, with a reason, to bring the deadline forward or to set it in the past."
        ),
    )


class CloseEarlyForm(_ReasonFieldsMixin):
    pass


class ChoiceInline(TranslationTabularInline):
    model = QuestionChoice
    extra = 0
    fields = ("order", "value", "label")


@admin.register(Question)
class QuestionAdmin(TabbedTranslationAdmin):
    list_display = ("key", "call", "section", "type", "required", "order")
    list_filter = ("call", "type")
    search_fields = ("key", "prompt_en")
    inlines = [ChoiceInline]
    fields = ("call", "section", "key", "type", "required", "max_length", "order", "prompt", "help")


class TimelineLinkInline(TranslationTabularInline):
    model = TimelineLink
    extra = 0


@admin.register(TimelineEvent)
class TimelineEventAdmin(TabbedTranslationAdmin):
    list_display = ("title", "call", "kind", "starts_at", "ends_at")
    list_filter = ("call", "kind")
    inlines = [TimelineLinkInline]

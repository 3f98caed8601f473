"""Forms of the analysts' workspace; each one is small and maps onto one service call."""

from __future__ import annotations

from django import forms
from django.core.validators import validate_slug
from django.utils.translation import gettext_lazy as _

from consulta.analysis.selectors import FLAGS

FLAG_LABELS = {
    "needs_second_look": _("Needs a second look"),
    "off_topic": _("Off topic"),
    "personal_data": _("Contains personal data"),
    "translation_needed": _("Translation needed"),
}


class StartRunForm(forms.Form):
    codebooks = forms.MultipleChoiceField(label=_("Codebooks"), widget=forms.CheckboxSelectMultiple, choices=())

    def __init__(self, *args, codebooks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["codebooks"].choices = [(c, c) for c in codebooks]


class AddCodeForm(forms.Form):
    question_key = forms.ChoiceField(label=_("Answer"), choices=())
    code = forms.ChoiceField(label=_("Code"), choices=())

    def __init__(self, *args, questions=(), codes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question_key"].choices = list(questions)
        self.fields["code"].choices = list(codes)

    def codebook_and_code(self) -> tuple[str, str]:
        codebook, _sep, code = self.cleaned_data["code"].partition("|")
        return codebook, code


class ReviewForm(forms.Form):
    reviewed = forms.BooleanField(label=_("Reviewed"), required=False, initial=True)
    flags = forms.MultipleChoiceField(
        label=_("Flags"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(f, FLAG_LABELS[f]) for f in FLAGS],
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class ThemeRenameForm(forms.Form):
    label = forms.CharField(label=_("New name"), max_length=200)


class ThemeMergeForm(forms.Form):
    themes = forms.MultipleChoiceField(label=_("Themes to merge"), widget=forms.CheckboxSelectMultiple, choices=())
    label = forms.CharField(label=_("Name of the merged theme"), max_length=200, required=False)

    def __init__(self, *args, themes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].choices = list(themes)


class ThemeSplitForm(forms.Form):
    members = forms.MultipleChoiceField(label=_("Answers to move"), widget=forms.CheckboxSelectMultiple, choices=())
    label = forms.CharField(label=_("Name of the new theme"), max_length=200, required=False)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = list(members)


class ThemeAcceptForm(forms.Form):
    codebook = forms.CharField(label=_("Custom codebook"), max_length=80, validators=[validate_slug])


class CodebookForm(forms.Form):
    slug = forms.CharField(
        label=_("Identifier"), max_length=80, validators=[validate_slug],
        help_text=_("Lower-case letters, digits and hyphens; runs refer to the codebook by it."),
    )
    title = forms.CharField(label=_("Title (English)"), max_length=200)


class CodeForm(forms.Form):
    id = forms.CharField(label=_("Code id"), max_length=80, required=False)
    label = forms.CharField(label=_("Label (English)"), max_length=200, required=False)
    description = forms.CharField(label=_("Description (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    keywords = forms.CharField(
        label=_("Keywords (English), one per line"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        data = super().clean()
        if data.get("label") and not data.get("id"):
            self.add_error("id", _("A code with a label needs an id."))
        return data


CodeFormSet = forms.formset_factory(CodeForm, extra=3, max_num=500)


class CodebookImportForm(forms.Form):
    file = forms.FileField(label=_("YAML file"), required=False)
    text = forms.CharField(label=_("…or paste the YAML"), required=False, widget=forms.Textarea(attrs={"rows": 8}))

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload:
            if upload.size > 2 * 1024 * 1024:
                raise forms.ValidationError(_("The file is larger than 2 MB."))
            try:
                data["yaml"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("The file is not UTF-8 text.")) from None
        elif (data.get("text") or "").strip():
            data["yaml"] = data["text"]
        else:
            raise forms.ValidationError(_("Choose a YAML file or paste its text."))
        return data

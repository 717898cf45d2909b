from django import forms
from django.utils.translation import gettext_lazy as _

from contest.models import Field, Initiative


class EntrySignupForm(forms.Form):
    initiative_title = forms.CharField(label=_("Initiative title"), max_length=500)
    field = forms.ChoiceField(label=_("Field"), choices=Field.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=Initiative.Kind.choices)
    summary = forms.CharField(
        label=_("Summary"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10000,
    )
    presenter_name = forms.CharField(label=_("Presenter's full name"), max_length=150)
    presenter_email = forms.EmailField(label=_("Presenter's email"), required=False)
    second_presenter_name = forms.CharField(
        label=_("Second presenter's full name (optional)"), max_length=150, required=False
    )
    second_presenter_email = forms.EmailField(label=_("Second presenter's email"), required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000)

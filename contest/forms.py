from django import forms
from django.utils.translation import gettext_lazy as _

from contest.models import Contest, Field, Initiative, PresenterAttribute, Unit


class EntrySignupForm(forms.Form):
    initiative_title = forms.CharField(label=_("Initiative title"), max_length=500)
    field = forms.ChoiceField(label=_("Field"), choices=Field.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=Initiative.Kind.choices)
    initiative_year = forms.IntegerField(
        label=_("Year the initiative started"), min_value=1990, max_value=2100, required=False
    )
    summary = forms.CharField(
        label=_("Summary"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10000,
    )
    presenter_name = forms.CharField(label=_("Presenter's full name"), max_length=150)
    presenter_email = forms.EmailField(label=_("Presenter's email"), required=False)
    presenter_phone = forms.CharField(label=_("Presenter's phone"), max_length=30, required=False)
    presenter_position = forms.CharField(
        label=_("Presenter's position"), max_length=255, required=False
    )
    second_presenter_name = forms.CharField(
        label=_("Second presenter's full name (optional)"), max_length=150, required=False
    )
    second_presenter_email = forms.EmailField(label=_("Second presenter's email"), required=False)
    second_presenter_phone = forms.CharField(
        label=_("Second presenter's phone"), max_length=30, required=False
    )
    second_presenter_position = forms.CharField(
        label=_("Second presenter's position"), max_length=255, required=False
    )
    outline = forms.FileField(
        label=_("Written outline (PDF or Word .docx, up to 10 MB)"), required=False
    )
    slides = forms.FileField(
        label=_("Slides (PDF or PowerPoint .pptx, up to 30 MB; may follow later)"),
        required=False,
    )

    def __init__(self, *args, contest: Contest, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["initiative_year"].initial = contest.year
        self.fields["initiative_year"].max_value = contest.year
        if contest.allowed_fields:
            self.fields["field"].choices = [
                choice for choice in Field.choices if choice[0] in contest.allowed_fields
            ]
        for attribute in contest.required_presenter_attributes:
            self.fields[f"presenter_{attribute}"].required = True

    def presenters(self, presenter_input) -> list:
        data = self.cleaned_data
        prefixes = ["presenter_"] + (["second_presenter_"] if data["second_presenter_name"] else [])
        return [
            presenter_input(
                full_name=data[f"{prefix}name"],
                email=data[f"{prefix}email"],
                phone=data[f"{prefix}phone"],
                position=data[f"{prefix}position"],
            )
            for prefix in prefixes
        ]

    def attachments(self) -> dict:
        return {
            kind: self.cleaned_data[kind]
            for kind in ("outline", "slides")
            if self.cleaned_data.get(kind)
        }


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[])
    file = forms.FileField(label=_("File"))

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds


class ContestStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Contest.Status.choices)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class ContestForm(forms.ModelForm):
    """A contest's settings: what it is, who may enter, and who goes on to the next level."""

    allowed_fields = forms.MultipleChoiceField(
        label=_("Fields accepted (none ticked: every field)"),
        choices=Field.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    required_presenter_attributes = forms.MultipleChoiceField(
        label=_("Required for every presenter"),
        choices=PresenterAttribute.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Contest
        fields = [
            "name",
            "slug",
            "level",
            "year",
            "organising_unit",
            "place",
            "description",
            "max_entries_per_unit",
            "allowed_fields",
            "initiative_year_from",
            "initiative_year_to",
            "required_presenter_attributes",
            "prize_cap_percent",
            "advances_to",
            "advancement_rule",
            "advancement_count",
            "public_criterion_averages",
            "public_judge_marks",
            "brand_colour",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "brand_colour": forms.TextInput(attrs={"type": "color"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organising_unit"].queryset = Unit.objects.exclude(
            level=Unit.Level.GRASSROOTS
        ).order_by("level", "name")
        others = Contest.objects.order_by("-year", "name")
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
            # The address is printed on certificates' QR codes: it does not change.
            self.fields["slug"].disabled = True
        self.fields["advances_to"].queryset = others

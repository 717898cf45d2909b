from django import forms
from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from contest.models import Role
from contest.templatetags.people import display_name
from scheduling.models import Panel, Session


class PanelForm(forms.Form):
    name = forms.CharField(label=_("Panel name"), max_length=200)
    judges = forms.ModelMultipleChoiceField(
        label=_("Judges"),
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    head_judge = forms.ModelChoiceField(
        label=_("Head judge"), queryset=get_user_model().objects.none(), required=False
    )

    def __init__(self, *args, contest, **kwargs):
        super().__init__(*args, **kwargs)
        judges = (
            get_user_model()
            .objects.filter(
                memberships__contest=contest, memberships__role__in=[Role.JUDGE, Role.HEAD_JUDGE]
            )
            .distinct()
            # Vietnamese order: by given name, then the rest (Person.sort_key).
            .order_by(F("person__sort_key").asc(nulls_last=True), "last_name", "username")
        )
        self.fields["judges"].queryset = judges
        self.fields["head_judge"].queryset = judges
        self.fields["judges"].label_from_instance = display_name
        self.fields["head_judge"].label_from_instance = display_name


class SessionForm(forms.Form):
    name = forms.CharField(label=_("Session name"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
    )
    room = forms.CharField(label=_("Room"), max_length=200, required=False)
    panel = forms.ModelChoiceField(label=_("Panel"), queryset=Panel.objects.none())

    def __init__(self, *args, contest, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["panel"].queryset = Panel.objects.filter(contest=contest)


class DrawForm(forms.Form):
    witnesses = forms.CharField(
        label=_("Witnesses"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )
    reason = forms.CharField(label=_("Reason (for a redraw)"), required=False, max_length=2000)


class BuildSessionsForm(forms.Form):
    count = forms.IntegerField(label=_("Number of sessions (clusters)"), min_value=1, max_value=200)
    starts_at = forms.DateTimeField(
        label=_("Start at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
    )
    by_field = forms.BooleanField(label=_("Keep each field together"), required=False)
    units_apart = forms.BooleanField(
        label=_("Spread each unit's entries over the sessions"), required=False, initial=True
    )
    rooms = forms.CharField(
        label=_("Rooms, one per line (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )

    def clean_rooms(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["rooms"].splitlines() if line.strip()]


class MoveSlotForm(forms.Form):
    position = forms.IntegerField(label=_("New place"), min_value=1, max_value=1000)
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class MoveEntryForm(forms.Form):
    session = forms.ModelChoiceField(label=_("Move to session"), queryset=Session.objects.none())

    def __init__(self, *args, round, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = Session.objects.filter(round=round)


class BreakForm(forms.Form):
    after_position = forms.IntegerField(label=_("After presentation no."), min_value=1)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=600)
    label = forms.CharField(label=_("Label"), max_length=100, required=False, initial="Giải lao")


class TimingForm(forms.Form):
    slot_minutes = forms.IntegerField(
        label=_("Minutes per presentation"), min_value=1, max_value=240
    )
    changeover_minutes = forms.IntegerField(
        label=_("Changeover minutes"), min_value=0, max_value=120
    )

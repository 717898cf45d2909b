"""Forms of the organiser pages that set up a contest's rooms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from scheduling.models import Room

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"]


def _datetime_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=DATETIME_FORMATS,
    )


class RoomForm(forms.Form):
    name = forms.CharField(label=_("Room"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    capacity = forms.IntegerField(label=_("Seats"), min_value=1, max_value=100000, required=False)
    available_from = _datetime_field(_("Available from"))
    available_until = _datetime_field(_("Available until"))

    @classmethod
    def for_room(cls, room: Room, data=None) -> "RoomForm":
        return cls(
            data,
            initial={
                "name": room.name,
                "address": room.address,
                "capacity": room.capacity,
                "available_from": room.available_from,
                "available_until": room.available_until,
            },
        )

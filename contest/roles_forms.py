"""The form of the organiser page that gives people roles in a contest."""

from django import forms
from django.utils.translation import gettext_lazy as _

from contest.models import Contest, Role, Unit
from contest.selectors import units_valid_in
from contest.services import MANAGED_ROLES


def units_for_representatives(contest: Contest):
    """The units a representative may speak for: below the organising unit, as they were
    in the contest's year."""
    parents = dict(Unit.objects.values_list("id", "parent_id"))

    def below(unit_id) -> bool:
        seen = set()
        parent = parents.get(unit_id)
        while parent is not None and parent not in seen:
            if parent == contest.organising_unit_id:
                return True
            seen.add(parent)
            parent = parents.get(parent)
        return False

    return units_valid_in(contest.year).filter(pk__in=[pk for pk in parents if below(pk)])


class RoleForm(forms.Form):
    EXISTING, NEW = "existing", "new"

    role = forms.ChoiceField(
        label=_("Role"), choices=[(role, Role(role).label) for role in MANAGED_ROLES]
    )
    unit = forms.ModelChoiceField(
        label=_("Unit (for a unit representative)"),
        queryset=Unit.objects.none(),
        required=False,
    )
    account = forms.ChoiceField(
        label=_("Account"),
        choices=[
            (EXISTING, _("An existing account")),
            (NEW, _("A new account (a link to set the password is mailed)")),
        ],
        initial=EXISTING,
        widget=forms.RadioSelect,
    )
    username = forms.CharField(
        label=_("Username of the existing account"), max_length=150, required=False
    )
    full_name = forms.CharField(label=_("Full name (new account)"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("Email (new account; it becomes the username)"), required=False
    )

    def __init__(self, *args, contest: Contest, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for_representatives(contest)

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        new = data["account"] == self.NEW
        return {
            "role": data["role"],
            "unit": data["unit"],
            "new_account": new,
            "username": "" if new else data["username"],
            "full_name": data["full_name"] if new else "",
            "email": data["email"] if new else "",
        }

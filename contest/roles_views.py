"""The organiser page that gives and takes back roles in a contest: organisers, secretaries
and unit representatives."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import DomainError, NotAllowed
from config.forms import add_domain_error
from contest import services
from contest.models import Contest, Membership
from contest.roles_forms import RoleForm
from contest.selectors import is_organiser
from contest.templatetags.people import display_name

ROLE_ORDER = Case(
    *[When(role=role, then=Value(i)) for i, role in enumerate(services.MANAGED_ROLES)],
    output_field=IntegerField(),
)


@login_required
def contest_roles(request, slug):
    contest = get_object_or_404(Contest.objects.select_related("organising_unit"), slug=slug)
    if not is_organiser(request.user, contest):
        raise PermissionDenied
    form = RoleForm(request.POST or None, contest=contest)
    if request.method == "POST" and form.is_valid():
        try:
            given = services.give_contest_role(
                contest=contest, actor=request.user, **form.service_arguments()
            )
        except NotAllowed:
            raise
        except DomainError as error:
            add_domain_error(form, error)
        else:
            membership = given.membership
            values = {
                "username": membership.user.get_username(),
                "name": display_name(membership.user),
                "role": membership.get_role_display(),
            }
            if given.account_created:
                message = _(
                    "A new account “%(username)s” is made for %(name)s, now %(role)s; a link "
                    "to set its password has been mailed."
                )
            else:
                message = _("The existing account “%(username)s” (%(name)s) is now %(role)s.")
            messages.success(request, message % values)
            return redirect("setup-roles", slug=slug)
    memberships = (
        contest.memberships.filter(role__in=services.MANAGED_ROLES)
        .select_related("user__person", "unit")
        .annotate(role_order=ROLE_ORDER)
        .order_by(
            "role_order",
            F("user__person__sort_key").asc(nulls_last=True),
            "user__username",
        )
    )
    return render(
        request,
        "contest/roles/roles.html",
        {"contest": contest, "memberships": memberships, "form": form},
    )


@login_required
@require_POST
def membership_remove(request, pk):
    membership = get_object_or_404(
        Membership.objects.select_related("contest", "user__person"), pk=pk
    )
    contest = membership.contest
    if not is_organiser(request.user, contest):
        raise PermissionDenied
    try:
        services.remove_contest_role(membership=membership, actor=request.user)
    except NotAllowed:
        raise
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(name)s is no longer %(role)s.")
            % {"name": display_name(membership.user), "role": membership.get_role_display()},
        )
    return redirect("setup-roles", slug=contest.slug)

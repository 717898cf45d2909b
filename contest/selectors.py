from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from config.errors import NotAllowed
from contest.models import LIFECYCLE, Contest, Entry, Membership, Role, Unit


def roles_of(user: AbstractBaseUser, contest: Contest) -> set[str]:
    """The user's roles in this contest. Django superusers act as organisers everywhere."""
    if not user.is_authenticated:
        return set()
    roles = set(
        Membership.objects.filter(contest=contest, user=user).values_list("role", flat=True)
    )
    if user.is_superuser:
        roles.add(Role.ORGANISER)
    return roles


def require_role(user: AbstractBaseUser, contest: Contest, *roles: str) -> None:
    if not roles_of(user, contest) & set(roles):
        raise NotAllowed(_("You do not have permission to do this in this contest."))


def is_organiser(user: AbstractBaseUser, contest: Contest) -> bool:
    return Role.ORGANISER in roles_of(user, contest)


def representative_membership(user: AbstractBaseUser, contest: Contest) -> Membership | None:
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.select_related("unit")
        .filter(contest=contest, user=user, role=Role.UNIT_REPRESENTATIVE)
        .first()
    )


def units_valid_in(year: int) -> QuerySet[Unit]:
    """The units as they were in that year: renamed and merged units under their old names."""
    return Unit.objects.filter(valid_from_year__lte=year).filter(
        Q(valid_to_year__isnull=True) | Q(valid_to_year__gte=year)
    )


def contests_of(user: AbstractBaseUser) -> QuerySet[Contest]:
    if user.is_superuser:
        return Contest.objects.all()
    return Contest.objects.filter(memberships__user=user).distinct()


def contests_listed_for(user: AbstractBaseUser) -> QuerySet[Contest]:
    """Draft contests are shown only to the people taking part in them."""
    contests = Contest.objects.order_by("-year", "id")
    if user.is_authenticated and user.is_superuser:
        return contests
    public = ~Q(status=Contest.Status.DRAFT)
    if user.is_authenticated:
        public |= Q(memberships__user=user)
    return contests.filter(public).distinct()


def entries_visible_to(
    user: AbstractBaseUser, contest: Contest, roles: set[str] | None = None
) -> QuerySet[Entry]:
    """Organisers and secretaries see every entry; a representative sees their unit's.
    `roles`, when the caller already has them, saves looking them up again."""
    entries = (
        Entry.objects.filter(contest=contest)
        .select_related("unit", "initiative", "advanced_from__contest")
        .prefetch_related("presenters")
        .order_by("id")
    )
    roles = roles_of(user, contest) if roles is None else roles
    if roles & {Role.ORGANISER, Role.SECRETARY, Role.HEAD_JUDGE}:
        return entries
    membership = representative_membership(user, contest)
    if membership:
        return entries.filter(unit=membership.unit)
    return entries.none()


# Who reads an entry's files: the people who run or judge the contest, and the entry's unit.
ATTACHMENT_READERS = {Role.ORGANISER, Role.SECRETARY, Role.HEAD_JUDGE, Role.JUDGE}


def can_read_attachments(user: AbstractBaseUser, entry: Entry) -> bool:
    if roles_of(user, entry.contest) & ATTACHMENT_READERS:
        return True
    membership = representative_membership(user, entry.contest)
    return membership is not None and membership.unit_id == entry.unit_id


def can_send_attachments(user: AbstractBaseUser, entry: Entry) -> bool:
    if Role.ORGANISER in roles_of(user, entry.contest):
        return True
    membership = representative_membership(user, entry.contest)
    return membership is not None and membership.unit_id == entry.unit_id


def next_statuses(contest: Contest) -> list[tuple[str, str]]:
    """The lifecycle steps an organiser can try from here, as (status, label)."""
    return [
        (status, Contest.Status(status).label)
        for status in Contest.Status.values
        if status in LIFECYCLE[contest.status]
    ]

"""Writes of the contest app: people, signup and approval, the contest lifecycle."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from config.errors import DomainError
from contest.models import (
    Contest,
    ContestTransition,
    Entry,
    EntryPresenter,
    Field,
    Initiative,
    LoginLink,
    Membership,
    Person,
    Role,
    Unit,
    nfc,
)
from contest.selectors import representative_membership, require_role

User = get_user_model()


@dataclass(frozen=True)
class PresenterInput:
    full_name: str
    family_name: str = ""
    middle_name: str = ""
    given_name: str = ""
    email: str = ""
    position: str = ""


def split_vietnamese_name(full_name: str) -> tuple[str, str, str]:
    """(family, middle, given): Vietnamese names put the family name first, the given name last."""
    words = nfc(full_name).split()
    if not words:
        return "", "", ""
    if len(words) == 1:
        return "", "", words[0]
    return words[0], " ".join(words[1:-1]), words[-1]


def create_person(data: PresenterInput, *, unit: Unit | None = None) -> Person:
    full_name = " ".join(nfc(data.full_name).split())
    if not full_name:
        raise DomainError(_("The full name is required."), field="full_name")
    email = (data.email or "").strip().lower()
    if len(email) > 150:  # it becomes the presenter's username
        raise DomainError(_("The email address is too long."), field="email")
    family, middle, given = split_vietnamese_name(full_name)
    person = Person(
        full_name=full_name,
        family_name=data.family_name or family,
        middle_name=data.middle_name or (middle if not data.given_name else ""),
        given_name=data.given_name or given,
        email=email,
        position=data.position,
        unit=unit,
    )
    person.normalise()
    try:
        person.full_clean(exclude=["sort_key", "user", "unit"])
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        # Name parts are derived from the full name, so report them against it.
        if field in {"family_name", "middle_name", "given_name"}:
            field = "full_name"
        raise DomainError(messages[0], field=field) from error
    person.save()
    return person


def find_or_create_person(data: PresenterInput, *, unit: Unit) -> Person:
    """The same email in the same unit is the same person (a presenter of several entries)."""
    email = (data.email or "").strip().lower()
    if email:
        existing = Person.objects.filter(email=email, unit=unit).first()
        if existing:
            return existing
    return create_person(data, unit=unit)


def change_contest_status(*, contest: Contest, to_status: str, actor, note: str = "") -> Contest:
    """Move a contest through its lifecycle, recording who did it and when."""
    require_role(actor, contest, Role.ORGANISER)
    if to_status not in Contest.Status.values:
        raise DomainError(_("Unknown status."), field="status")
    with transaction.atomic():
        contest = Contest.objects.select_for_update().get(pk=contest.pk)
        if contest.status == to_status:
            return contest
        ContestTransition.objects.create(
            contest=contest, from_status=contest.status, to_status=to_status, actor=actor, note=note
        )
        contest.status = to_status
        contest.save(update_fields=["status"])
    return contest


def register_entry(
    *,
    contest: Contest,
    user,
    initiative_title: str,
    field: str,
    kind: str,
    presenters: list[PresenterInput],
    summary: str = "",
) -> Entry:
    """A unit representative signs up the unit's initiative with its presenters."""
    membership = representative_membership(user, contest)
    if membership is None:
        require_role(user, contest, Role.UNIT_REPRESENTATIVE)
    if contest.status != Contest.Status.SIGNUP_OPEN:
        raise DomainError(_("Signup for this contest is not open."))
    title = " ".join(nfc(initiative_title).split())
    if not title:
        raise DomainError(_("The initiative needs a title."), field="initiative_title")
    if field not in Field.values:
        raise DomainError(_("Choose one of the listed fields."), field="field")
    if kind not in Initiative.Kind.values:
        raise DomainError(_("Choose collective or individual."), field="kind")
    if not presenters:
        raise DomainError(_("Name at least one presenter."), field="presenters")
    emails = [p.email.strip().lower() for p in presenters if p.email.strip()]
    if len(emails) != len(set(emails)):
        raise DomainError(_("Two presenters have the same email address."), field="presenters")
    if kind == Initiative.Kind.INDIVIDUAL and len(presenters) != 1:
        raise DomainError(
            _("An individual initiative has exactly one presenter."), field="presenters"
        )
    unit = membership.unit
    if Initiative.objects.filter(entries__contest=contest, unit=unit, title__iexact=title).exists():
        raise DomainError(
            _("This unit has already entered an initiative with this title."),
            field="initiative_title",
        )
    with transaction.atomic():
        initiative = Initiative.objects.create(
            title=title, field=field, kind=kind, unit=unit, year=contest.year, summary=summary
        )
        entry = Entry.objects.create(
            contest=contest, unit=unit, initiative=initiative, submitted_by=user
        )
        for order, data in enumerate(presenters, start=1):
            try:
                person = find_or_create_person(data, unit=unit)
            except DomainError as error:
                raise DomainError(
                    error.message, errors={"presenters": [{error.field: [error.message]}]}
                ) from error
            EntryPresenter.objects.create(entry=entry, person=person, order=order)
    return entry


def _presenter_account(person: Person, contest: Contest) -> None:
    """Give a presenter with an email a login, so they can fetch their certificate later.

    Only accounts made here are linked: an existing account with that username is never
    adopted, since whoever typed the email would otherwise hand its owner the certificate."""
    if not person.email:
        return
    user = person.user
    if user is None:
        if User.objects.filter(username__iexact=person.email).exists():
            return
        user = User.objects.create_user(username=person.email, email=person.email)
        person.user = user
        person.save(update_fields=["user"])
        link = reverse(
            "password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        transaction.on_commit(
            lambda: send_mail(
                _("Your HoiThi account for %(contest)s") % {"contest": contest.name},
                _("Set your password here to see your slot and download your certificate: %(url)s")
                % {"url": settings.SITE_URL + link},
                None,
                [person.email],
                fail_silently=True,
            )
        )
    Membership.objects.get_or_create(
        contest=contest, user=user, role=Role.PRESENTER, defaults={"person": person}
    )


def _notify_submitter(entry: Entry, subject: str, body: str) -> None:
    if entry.submitted_by and entry.submitted_by.email:
        address = entry.submitted_by.email
        transaction.on_commit(lambda: send_mail(subject, body, None, [address], fail_silently=True))


def approve_entry(*, entry: Entry, actor) -> Entry:
    require_role(actor, entry.contest, Role.ORGANISER)
    with transaction.atomic():
        entry = (
            Entry.objects.select_for_update()
            .select_related("contest", "initiative")
            .get(pk=entry.pk)
        )
        if entry.status == Entry.Status.APPROVED:
            return entry
        if entry.status == Entry.Status.WITHDRAWN:
            raise DomainError(_("A withdrawn entry cannot be approved."))
        entry.status = Entry.Status.APPROVED
        entry.decision_reason = ""
        entry.decided_by = actor
        entry.decided_at = timezone.now()
        entry.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
        for person in entry.presenters.all():
            _presenter_account(person, entry.contest)
        _notify_submitter(
            entry,
            _("Entry approved: %(title)s") % {"title": entry.initiative.title},
            _("Your entry has been approved by the organisers."),
        )
    return entry


def reject_entry(*, entry: Entry, actor, reason: str) -> Entry:
    require_role(actor, entry.contest, Role.ORGANISER)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason for the rejection."), field="reason")
    with transaction.atomic():
        entry = Entry.objects.select_for_update().select_related("initiative").get(pk=entry.pk)
        if entry.slots.exists():
            raise DomainError(_("This entry is already scheduled; withdraw it instead."))
        entry.status = Entry.Status.REJECTED
        entry.decision_reason = reason
        entry.decided_by = actor
        entry.decided_at = timezone.now()
        entry.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
        _notify_submitter(
            entry,
            _("Entry not accepted: %(title)s") % {"title": entry.initiative.title},
            _("Reason: %(reason)s") % {"reason": reason},
        )
    return entry


LOGIN_LINK_SALT = "hoithi.login-link"


def login_link_token(link: LoginLink) -> str:
    return signing.dumps(link.pk, salt=LOGIN_LINK_SALT)


def issue_login_link(*, membership: Membership, actor) -> LoginLink:
    """A judge's personal login link for this contest; an earlier one is revoked."""
    require_role(actor, membership.contest, Role.ORGANISER)
    if membership.role not in {Role.JUDGE, Role.HEAD_JUDGE}:
        raise DomainError(_("Login links are for judges."), field="membership")
    with transaction.atomic():
        LoginLink.objects.filter(membership=membership, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        return LoginLink.objects.create(membership=membership, created_by=actor)


def revoke_login_link(*, link: LoginLink, actor) -> LoginLink:
    require_role(actor, link.membership.contest, Role.ORGANISER)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link


def use_login_link(token: str) -> LoginLink | None:
    """The active link this token names, marked as used; None for a bad or revoked token."""
    try:
        link_id = signing.loads(token, salt=LOGIN_LINK_SALT)
    except signing.BadSignature:
        return None
    link = (
        LoginLink.objects.select_related("membership__user", "membership__contest")
        .filter(pk=link_id, revoked_at__isnull=True)
        .first()
    )
    if link is not None:
        link.last_used_at = timezone.now()
        link.save(update_fields=["last_used_at"])
    return link

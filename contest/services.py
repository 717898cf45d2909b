"""Writes of the contest app: people, signup and approval, the contest lifecycle."""

import hashlib
import os
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
from django.utils.translation import ngettext

from config.errors import DomainError, NotAllowed
from contest import uploads
from contest.models import (
    LIFECYCLE,
    Contest,
    ContestTransition,
    Entry,
    EntryAttachment,
    EntryPresenter,
    Field,
    Initiative,
    LoginLink,
    Membership,
    Person,
    PresenterAttribute,
    Role,
    Unit,
    nfc,
)
from contest.selectors import representative_membership, require_role, roles_of

User = get_user_model()


@dataclass(frozen=True)
class PresenterInput:
    full_name: str
    family_name: str = ""
    middle_name: str = ""
    given_name: str = ""
    email: str = ""
    position: str = ""
    phone: str = ""


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
        position=nfc(data.position),
        phone=(data.phone or "").strip(),
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


ELIGIBILITY_SETTINGS = (
    "max_entries_per_unit",
    "allowed_fields",
    "initiative_year_from",
    "initiative_year_to",
    "required_presenter_attributes",
)


def _save_contest(contest: Contest) -> Contest:
    try:
        contest.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DomainError(
            messages[0], field=None if field == "__all__" else field, errors=error.message_dict
        ) from error
    contest.save()
    return contest


def create_contest(*, actor, **settings_) -> Contest:
    """A new contest in draft; whoever creates it is its first organiser."""
    if not actor.has_perm("contest.add_contest"):
        raise NotAllowed(_("You may not create contests."))
    with transaction.atomic():
        contest = _save_contest(Contest(status=Contest.Status.DRAFT, **settings_))
        Membership.objects.create(contest=contest, user=actor, role=Role.ORGANISER)
    return contest


def update_contest(*, contest: Contest, actor, **settings_) -> Contest:
    """Change a contest's settings. Its eligibility rules hold still once signup has closed:
    changing them then would judge units by rules they did not sign up under."""
    require_role(actor, contest, Role.ORGANISER)
    settings_.pop("slug", None)  # printed in certificates' QR codes: never changes
    with transaction.atomic():
        contest = Contest.objects.select_for_update().get(pk=contest.pk)
        if contest.status not in {Contest.Status.DRAFT, Contest.Status.SIGNUP_OPEN}:
            changed = [
                name
                for name in ELIGIBILITY_SETTINGS
                if name in settings_ and settings_[name] != getattr(contest, name)
            ]
            if changed:
                raise DomainError(
                    _("Eligibility rules cannot change after signup has closed."),
                    field=changed[0],
                )
        for name, value in settings_.items():
            setattr(contest, name, value)
        return _save_contest(contest)


def _transition_problem(contest: Contest, to_status: str) -> str | None:
    """Why the contest cannot take this step now, or None."""
    if to_status not in LIFECYCLE[contest.status]:
        return _("A contest that is “%(old)s” cannot become “%(new)s”.") % {
            "old": contest.get_status_display(),
            "new": Contest.Status(to_status).label,
        }
    if to_status == Contest.Status.SCHEDULED:
        pending = contest.entries.filter(status=Entry.Status.PENDING).count()
        if pending:
            return ngettext(
                "%(count)d entry still awaits approval.",
                "%(count)d entries still await approval.",
                pending,
            ) % {"count": pending}
        if not contest.entries.filter(status=Entry.Status.APPROVED).exists():
            return _("No entry has been approved.")
    if (
        to_status == Contest.Status.JUDGING
        and not contest.rounds.filter(sessions__slots__isnull=False).exists()
    ):
        return _("No round has a schedule yet.")
    if to_status == Contest.Status.SIGNUP_CLOSED and contest.status == Contest.Status.SCHEDULED:
        if contest.rounds.exclude(status="planned").exists():
            return _("A round has been opened for scoring.")
    if (
        to_status == Contest.Status.RESULTS_PUBLISHED
        and not contest.rounds.filter(kind="final", rankings__is_published=True).exists()
    ):
        return _("Publish the final round's ranking first; that publishes the results.")
    if to_status == Contest.Status.CLOSED:
        still_open = list(contest.rounds.filter(status="open").values_list("name", flat=True))
        if still_open:
            # A closed contest takes no more sheets: its rounds close first (locking them).
            return _("Close every round first; still open for scoring: %(rounds)s.") % {
                "rounds": ", ".join(still_open)
            }
    if to_status == Contest.Status.JUDGING and contest.status == Contest.Status.RESULTS_PUBLISHED:
        if contest.rounds.filter(kind="final", rankings__is_published=True).exists():
            return _("Unpublish the final round's ranking first.")
    return None


def change_contest_status(*, contest: Contest, to_status: str, actor, note: str = "") -> Contest:
    """Move a contest one step through its lifecycle, recording who did it and when."""
    require_role(actor, contest, Role.ORGANISER)
    if to_status not in Contest.Status.values:
        raise DomainError(_("Unknown status."), field="status")
    with transaction.atomic():
        contest = Contest.objects.select_for_update().get(pk=contest.pk)
        if contest.status == to_status:
            return contest
        problem = _transition_problem(contest, to_status)
        if problem:
            raise DomainError(problem, field="status")
        ContestTransition.objects.create(
            contest=contest, from_status=contest.status, to_status=to_status, actor=actor, note=note
        )
        contest.status = to_status
        contest.save(update_fields=["status"])
    return contest


def _is_below(unit: Unit, ancestor_id: int) -> bool:
    """Whether the unit sits under that unit in the tree (the tree is a few levels deep)."""
    seen = set()
    current = unit
    while current.parent_id is not None and current.parent_id not in seen:
        if current.parent_id == ancestor_id:
            return True
        seen.add(current.parent_id)
        current = Unit.objects.only("parent_id").get(pk=current.parent_id)
    return False


def _eligibility_problems(
    contest: Contest,
    unit: Unit,
    *,
    field: str,
    initiative_year: int,
    presenters: list[PresenterInput],
) -> dict[str, list[str]]:
    """The contest's eligibility rules this signup breaks, by input field."""
    problems: dict[str, list[str]] = {}
    if not _is_below(unit, contest.organising_unit_id):
        problems.setdefault("unit", []).append(
            _("%(unit)s is not a unit of %(organiser)s.")
            % {"unit": unit.name, "organiser": contest.organising_unit.name}
        )
    if not unit.valid_in(contest.year):
        problems.setdefault("unit", []).append(
            _("%(unit)s is not a unit in %(year)s; use the unit's name of that year.")
            % {"unit": unit.name, "year": contest.year}
        )
    if contest.max_entries_per_unit is not None:
        taken = (
            contest.entries.filter(unit=unit)
            .exclude(status__in=[Entry.Status.REJECTED, Entry.Status.WITHDRAWN])
            .count()
        )
        if taken >= contest.max_entries_per_unit:
            problems.setdefault("unit", []).append(
                ngettext(
                    "Each unit may enter at most %(count)d initiative.",
                    "Each unit may enter at most %(count)d initiatives.",
                    contest.max_entries_per_unit,
                )
                % {"count": contest.max_entries_per_unit}
            )
    if contest.allowed_fields and field not in contest.allowed_fields:
        problems.setdefault("field", []).append(
            _("This contest accepts initiatives in: %(fields)s.")
            % {"fields": ", ".join(str(Field(f).label) for f in contest.allowed_fields)}
        )
    low, high = contest.initiative_year_from, contest.initiative_year_to
    if (low and initiative_year < low) or (high and initiative_year > high):
        if low and high:
            message = _("The initiative must have started between %(low)s and %(high)s.")
        elif low:
            message = _("The initiative must have started in %(low)s or later.")
        else:
            message = _("The initiative must have started in %(high)s or earlier.")
        problems.setdefault("initiative_year", []).append(message % {"low": low, "high": high})
    for attribute in contest.required_presenter_attributes:
        label = PresenterAttribute(attribute).label
        if any(not getattr(p, attribute, "").strip() for p in presenters):
            problems.setdefault("presenters", []).append(
                _("Every presenter needs: %(detail)s.") % {"detail": str(label).lower()}
            )
    return problems


ORGANISER_SIGNUP_STATUSES = {
    Contest.Status.DRAFT,
    Contest.Status.SIGNUP_OPEN,
    Contest.Status.SIGNUP_CLOSED,
}


def _require_signup_open(contest: Contest, by_organiser: bool) -> None:
    if by_organiser and contest.status not in ORGANISER_SIGNUP_STATUSES:
        raise DomainError(_("Entries can no longer be added to this contest."))
    if not by_organiser and contest.status != Contest.Status.SIGNUP_OPEN:
        raise DomainError(_("Signup for this contest is not open."))


def _initiative_for_entry(
    *, unit: Unit, title: str, field: str, kind: str, year: int, summary: str
) -> Initiative:
    """The unit's initiative of this title and year, which may already be on record (entered
    in another contest, or imported), else a new one. A record that says otherwise about the
    field or kind is a mistake somewhere, not the same initiative."""
    existing = Initiative.objects.filter(unit=unit, year=year, title__iexact=title).first()
    if existing is None:
        return Initiative.objects.create(
            title=title, field=field, kind=kind, unit=unit, year=year, summary=summary
        )
    if (existing.field, existing.kind) != (field, kind):
        raise DomainError(
            _("This unit's initiative “%(title)s” of %(year)s is on record as %(field)s, %(kind)s.")
            % {
                "title": existing.title,
                "year": year,
                "field": existing.get_field_display(),
                "kind": existing.get_kind_display().lower(),
            },
            field="field" if existing.field != field else "kind",
        )
    return existing


def enter_initiative(
    *,
    contest: Contest,
    unit: Unit,
    actor,
    initiative_title: str,
    field: str,
    kind: str,
    presenters: list[PresenterInput],
    summary: str = "",
    initiative_year: int | None = None,
    attachments: dict | None = None,
    notify: bool = True,
) -> Entry:
    """Sign up a unit's initiative with its presenters, under the contest's eligibility rules.

    A unit representative does this for their own unit while signup is open; an organiser may
    enter registrations received on paper or by spreadsheet until the schedule is made (a
    spreadsheet import passes notify=False rather than mail once per row)."""
    by_organiser = Role.ORGANISER in roles_of(actor, contest)
    if not by_organiser:
        membership = representative_membership(actor, contest)
        if membership is None:
            require_role(actor, contest, Role.UNIT_REPRESENTATIVE)
        if membership.unit_id != unit.pk:
            raise NotAllowed(_("You can sign up entries of your own unit only."))
    _require_signup_open(contest, by_organiser)
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
    initiative_year = contest.year if initiative_year is None else initiative_year
    if not 1990 <= initiative_year <= contest.year:
        raise DomainError(
            _("Give the year the initiative started (%(year)s at the latest).")
            % {"year": contest.year},
            field="initiative_year",
        )
    with transaction.atomic():
        # One signup at a time per contest, so "at most N entries per unit" holds.
        contest = Contest.objects.select_for_update().get(pk=contest.pk)
        _require_signup_open(contest, by_organiser)
        problems = _eligibility_problems(
            contest, unit, field=field, initiative_year=initiative_year, presenters=presenters
        )
        if problems:
            field_name, messages = next(iter(problems.items()))
            raise DomainError(messages[0], field=field_name, errors=problems)
        if Initiative.objects.filter(
            entries__contest=contest, unit=unit, title__iexact=title
        ).exists():
            raise DomainError(
                _("This unit has already entered an initiative with this title."),
                field="initiative_title",
            )
        initiative = _initiative_for_entry(
            unit=unit,
            title=title,
            field=field,
            kind=kind,
            year=initiative_year,
            summary=summary,
        )
        entry = Entry.objects.create(
            contest=contest, unit=unit, initiative=initiative, submitted_by=actor
        )
        for order, data in enumerate(presenters, start=1):
            try:
                person = find_or_create_person(data, unit=unit)
            except DomainError as error:
                raise DomainError(
                    error.message, errors={"presenters": [{error.field: [error.message]}]}
                ) from error
            EntryPresenter.objects.create(entry=entry, person=person, order=order)
        for kind, upload in (attachments or {}).items():
            try:
                attach_file(entry=entry, kind=kind, upload=upload, actor=actor)
            except DomainError as error:
                raise DomainError(error.message, field=kind) from error
        if notify:
            _notify_entry_registered(entry, title)
    return entry


def register_entry(
    *,
    contest: Contest,
    user,
    initiative_title: str,
    field: str,
    kind: str,
    presenters: list[PresenterInput],
    summary: str = "",
    initiative_year: int | None = None,
    attachments: dict | None = None,
) -> Entry:
    """A unit representative signs up the unit's initiative with its presenters."""
    membership = representative_membership(user, contest)
    if membership is None:
        require_role(user, contest, Role.UNIT_REPRESENTATIVE)
    return enter_initiative(
        contest=contest,
        unit=membership.unit,
        actor=user,
        initiative_title=initiative_title,
        field=field,
        kind=kind,
        presenters=presenters,
        summary=summary,
        initiative_year=initiative_year,
        attachments=attachments,
    )


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
        url = _set_password_url(user)
        transaction.on_commit(
            lambda: send_mail(
                _("Your HoiThi account for %(contest)s") % {"contest": contest.name},
                _("Set your password here to see your slot and download your certificate: %(url)s")
                % {"url": url},
                None,
                [person.email],
                fail_silently=True,
            )
        )
    Membership.objects.get_or_create(
        contest=contest, user=user, role=Role.PRESENTER, defaults={"person": person}
    )


def _send_on_commit(addresses, subject: str, body: str) -> None:
    """Mail sent only once the change it reports is committed; a mail failure never undoes it."""
    addresses = sorted({address for address in addresses if address})
    if addresses:
        transaction.on_commit(lambda: send_mail(subject, body, None, addresses, fail_silently=True))


def _notify_submitter(entry: Entry, subject: str, body: str) -> None:
    if entry.submitted_by:
        _send_on_commit([entry.submitted_by.email], subject, body)


def _entry_url(entry: Entry) -> str:
    return settings.SITE_URL + reverse("contest-detail", args=[entry.contest.slug])


def _notify_entry_registered(entry: Entry, title: str) -> None:
    contest = entry.contest
    _notify_submitter(
        entry,
        _("Entry received: %(title)s") % {"title": title},
        _("Your entry in %(contest)s has been received and awaits approval: %(url)s")
        % {"contest": contest.name, "url": _entry_url(entry)},
    )
    organisers = User.objects.filter(
        memberships__contest=contest, memberships__role=Role.ORGANISER
    ).values_list("email", flat=True)
    _send_on_commit(
        organisers,
        _("New entry awaiting approval: %(title)s") % {"title": title},
        _("%(unit)s has signed up an entry in %(contest)s: %(url)s")
        % {"unit": entry.unit.name, "contest": contest.name, "url": _entry_url(entry)},
    )


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


def withdraw_entry(*, entry: Entry, actor, reason: str) -> Entry:
    """An organiser withdraws an entry (the unit pulled out, or an advanced entry is not
    going on); the entry stays, marked withdrawn with who, when and why."""
    require_role(actor, entry.contest, Role.ORGANISER)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason for the withdrawal."), field="reason")
    with transaction.atomic():
        entry = (
            Entry.objects.select_for_update(of=("self",))
            .select_related("contest", "initiative", "submitted_by")
            .get(pk=entry.pk)
        )
        if entry.status == Entry.Status.WITHDRAWN:
            raise DomainError(_("This entry has already been withdrawn."))
        if entry.contest.status in {Contest.Status.RESULTS_PUBLISHED, Contest.Status.CLOSED}:
            raise DomainError(_("The results are published; an entry can no longer withdraw."))
        entry.status = Entry.Status.WITHDRAWN
        entry.withdrawal_reason = reason
        entry.withdrawn_by = actor
        entry.withdrawn_at = timezone.now()
        entry.save(update_fields=["status", "withdrawal_reason", "withdrawn_by", "withdrawn_at"])
        _notify_submitter(
            entry,
            _("Entry withdrawn: %(title)s") % {"title": entry.initiative.title},
            _("Reason: %(reason)s") % {"reason": reason},
        )
    return entry


def decide_entries(
    *, contest: Contest, entry_ids: list[int], decision: str, actor, reason: str = ""
) -> list[Entry]:
    """Approve or reject several entries at once: all of them, or none if one cannot be."""
    require_role(actor, contest, Role.ORGANISER)
    if decision not in {"approve", "reject"}:
        raise DomainError(_("Choose to approve or reject."), field="decision")
    if not entry_ids:
        raise DomainError(_("Select at least one entry."), field="entries")
    entries = list(Entry.objects.filter(contest=contest, pk__in=entry_ids).order_by("id"))
    if len(entries) != len(set(entry_ids)):
        raise DomainError(_("Some selected entries are not in this contest."), field="entries")
    with transaction.atomic():
        if decision == "approve":
            return [approve_entry(entry=entry, actor=actor) for entry in entries]
        return [reject_entry(entry=entry, actor=actor, reason=reason) for entry in entries]


# Until when each side may send a file: a unit while signup is open (slides until judging
# begins, since they are often finished later); organisers until the results are out.
UNIT_UPLOAD_STATUSES = {
    EntryAttachment.Kind.OUTLINE: {Contest.Status.SIGNUP_OPEN},
    EntryAttachment.Kind.SLIDES: {
        Contest.Status.SIGNUP_OPEN,
        Contest.Status.SIGNUP_CLOSED,
        Contest.Status.SCHEDULED,
    },
}
ORGANISER_UPLOAD_STATUSES = {
    Contest.Status.DRAFT,
    Contest.Status.SIGNUP_OPEN,
    Contest.Status.SIGNUP_CLOSED,
    Contest.Status.SCHEDULED,
    Contest.Status.JUDGING,
}


def attach_file(*, entry: Entry, kind: str, upload, actor) -> EntryAttachment:
    """Store the entry's outline or slides, replacing the earlier file of that kind. The file's
    type is established from its content; its stored name is ours, not the uploader's."""
    contest = entry.contest
    roles = roles_of(actor, contest)
    if kind not in EntryAttachment.Kind.values:
        raise DomainError(_("Choose the outline or the slides."), field="kind")
    if Role.ORGANISER in roles:
        allowed = ORGANISER_UPLOAD_STATUSES
    else:
        membership = representative_membership(actor, contest)
        if membership is None or membership.unit_id != entry.unit_id:
            raise NotAllowed(_("Only the entry's unit or the organisers can send its files."))
        allowed = UNIT_UPLOAD_STATUSES[kind]
    if contest.status not in allowed:
        raise DomainError(_("Files can no longer be sent for this entry."), field="file")
    if entry.status in {Entry.Status.REJECTED, Entry.Status.WITHDRAWN}:
        raise DomainError(_("This entry is no longer in the contest."), field="file")
    if upload is None:
        raise DomainError(_("Choose a file."), field="file")
    try:
        checked = uploads.check_upload(kind, upload, upload.size)
    except uploads.UploadRefused as error:
        raise DomainError(str(error), field="file") from error
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    original_name = nfc(os.path.basename(upload.name or ""))[:255] or checked.extension
    with transaction.atomic():
        Entry.objects.select_for_update().get(pk=entry.pk)
        previous = EntryAttachment.objects.filter(entry=entry, kind=kind).first()
        if previous is not None:
            old_file = previous.file
            previous.delete()
            # The old file goes only once the new one is committed in its place.
            transaction.on_commit(lambda: old_file.delete(save=False))
        attachment = EntryAttachment(
            entry=entry,
            kind=kind,
            original_name=original_name,
            content_type=checked.content_type,
            extension=checked.extension,
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by=actor,
        )
        attachment.file.save(f"upload.{checked.extension}", upload, save=False)
        stored = attachment.file
        try:
            attachment.save()
        except Exception:
            # A refused row must not leave its file behind.
            stored.delete(save=False)
            raise
    return attachment


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


# --- Contest roles given from the organiser pages -----------------------------------------

# The roles an organiser gives and takes from the roles page. Judges come with their panels
# (the judges' import), presenters with their approved entries.
MANAGED_ROLES = (Role.ORGANISER, Role.SECRETARY, Role.UNIT_REPRESENTATIVE)


@dataclass(frozen=True)
class RoleGiven:
    membership: Membership
    # True when the account was made here (and its owner mailed a link to set a password).
    account_created: bool


def _set_password_url(user) -> str:
    return settings.SITE_URL + reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


def _check_role_unit(contest: Contest, role: str, unit: Unit | None) -> None:
    if role != Role.UNIT_REPRESENTATIVE:
        if unit is not None:
            raise DomainError(_("Only a unit representative speaks for a unit."), field="unit")
        return
    if unit is None:
        raise DomainError(_("Choose the unit the representative speaks for."), field="unit")
    if not unit.valid_in(contest.year):
        raise DomainError(
            _("%(unit)s is not a unit in %(year)s; use the unit's name of that year.")
            % {"unit": unit.name, "year": contest.year},
            field="unit",
        )
    if not _is_below(unit, contest.organising_unit_id):
        raise DomainError(
            _("%(unit)s is not a unit of %(organiser)s.")
            % {"unit": unit.name, "organiser": contest.organising_unit.name},
            field="unit",
        )


def give_contest_role(
    *,
    contest: Contest,
    actor,
    role: str,
    unit: Unit | None = None,
    username: str = "",
    new_account: bool = False,
    full_name: str = "",
    email: str = "",
) -> RoleGiven:
    """Give someone a role in the contest: an existing account named by its username, or a
    new account for a name and email, whose owner is mailed a link to set a password.

    An existing account is never taken over by typing its email as a new one: that is
    refused, naming the account, so the organiser gives the role to it knowingly."""
    from django.core.validators import validate_email
    from django.db import IntegrityError
    from django.db.models import Q

    require_role(actor, contest, Role.ORGANISER)
    if role not in MANAGED_ROLES:
        raise DomainError(_("Choose one of the listed roles."), field="role")
    _check_role_unit(contest, role, unit)
    label = Role(role).label
    person = None
    if new_account:
        full_name = " ".join(nfc(full_name).split())
        email = (email or "").strip().lower()
        if not full_name:
            raise DomainError(_("The full name is required."), field="full_name")
        try:
            validate_email(email)
        except ValidationError as error:
            raise DomainError(_("Enter a valid email address."), field="email") from error
        existing = User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).first()
        if existing is not None:
            raise DomainError(
                _(
                    "An account with this email already exists (username “%(username)s”). "
                    "To give it the role, choose an existing account and type its username."
                )
                % {"username": existing.get_username()},
                field="email",
            )
    else:
        username = (username or "").strip()
        if not username:
            raise DomainError(_("Type the username of the account."), field="username")
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise DomainError(
                _(
                    "No account has the username “%(username)s”. To make one, choose a new "
                    "account and give the person's name and email."
                )
                % {"username": username},
                field="username",
            )
        if not user.is_active:
            raise DomainError(_("This account is deactivated."), field="username")
        person = getattr(user, "person", None)
    with transaction.atomic():
        contest = Contest.objects.select_for_update().get(pk=contest.pk)
        if new_account:
            try:
                with transaction.atomic():
                    user = User.objects.create_user(username=email, email=email)
            except IntegrityError as error:
                raise DomainError(
                    _("An account with this email was made just now; try again."), field="email"
                ) from error
            person = create_person(PresenterInput(full_name=full_name, email=email), unit=unit)
            person.user = user
            person.save(update_fields=["user"])
            user.first_name = person.given_name
            user.last_name = " ".join(filter(None, [person.family_name, person.middle_name]))
            user.save(update_fields=["first_name", "last_name"])
        if Membership.objects.filter(contest=contest, user=user, role=role).exists():
            raise DomainError(
                _("%(name)s is already %(role)s in this contest.")
                % {"name": user.get_username(), "role": label},
                field="email" if new_account else "username",
            )
        membership = Membership.objects.create(
            contest=contest, user=user, role=role, unit=unit, person=person
        )
        if new_account:
            body = _(
                "You are %(role)s in %(contest)s. Set your password here, then log in with "
                "your email: %(url)s"
            )
            url = _set_password_url(user)
        else:
            body = _("You are %(role)s in %(contest)s: %(url)s")
            url = settings.SITE_URL + reverse("contest-detail", args=[contest.slug])
        _send_on_commit(
            [user.email],
            _("Your HoiThi account for %(contest)s") % {"contest": contest.name},
            body % {"role": str(label).lower(), "contest": contest.name, "url": url},
        )
    return RoleGiven(membership=membership, account_created=new_account)


def remove_contest_role(*, membership: Membership, actor) -> None:
    """Take a role back. The contest keeps at least one organiser; the account stays."""
    contest = membership.contest
    require_role(actor, contest, Role.ORGANISER)
    if membership.role not in MANAGED_ROLES:
        raise DomainError(_("This role is not given from this page."))
    with transaction.atomic():
        Contest.objects.select_for_update().get(pk=contest.pk)
        locked = Membership.objects.select_for_update().filter(pk=membership.pk).first()
        if locked is None:
            return
        if (
            locked.role == Role.ORGANISER
            and not Membership.objects.filter(contest=contest, role=Role.ORGANISER)
            .exclude(pk=locked.pk)
            .exists()
        ):
            raise DomainError(_("A contest keeps at least one organiser."))
        locked.delete()

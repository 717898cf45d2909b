"""Writes of the certificates app: issuing and revoking (audited), batches, gapless serial
numbers, rendering."""

import hashlib
import secrets
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates import render
from certificates.models import (
    Certificate,
    CertificateBatch,
    CertificateEvent,
    CertificateTemplate,
)
from config.errors import DomainError
from contest import services as contest_services
from contest.models import Contest, Entry, Membership, Person, Role
from contest.selectors import require_role
from scheduling.models import PanelSeat
from scoring.models import Award, Ranking

TITLES = {
    Certificate.Kind.PRIZE: "GIẤY CHỨNG NHẬN",
    Certificate.Kind.PARTICIPATION: "GIẤY CHỨNG NHẬN",
    Certificate.Kind.JUDGE: "GIẤY CHỨNG NHẬN",
}

# What a certificate of each kind other than a prize says the recipient did.
ACHIEVEMENTS = {
    Certificate.Kind.PARTICIPATION: "Đã tham gia",
    Certificate.Kind.JUDGE: "Đã có nhiều đóng góp với vai trò thành viên Ban Giám khảo",
}


def final_published_ranking(contest: Contest) -> Ranking | None:
    return (
        Ranking.objects.filter(round__contest=contest, is_published=True)
        .select_related("round")
        .order_by("-round__sequence")
        .first()
    )


RESULT_KINDS = [Certificate.Kind.PRIZE, Certificate.Kind.PARTICIPATION]


def _chosen_kinds(kinds: Sequence[str] | None) -> list[str]:
    """The kinds asked for, in the order of Certificate.Kind; all of them when none is named."""
    if kinds is None:
        return list(Certificate.Kind.values)
    unknown = sorted(set(kinds) - set(Certificate.Kind.values))
    if unknown:
        raise DomainError(
            _("Unknown kind of certificate: %(kinds)s") % {"kinds": ", ".join(unknown)},
            field="kinds",
        )
    if not kinds:
        raise DomainError(_("Choose at least one kind of certificate."), field="kinds")
    return [kind for kind in Certificate.Kind.values if kind in kinds]


def request_certificates(
    *, contest: Contest, actor, kinds: Sequence[str] | None = None
) -> CertificateBatch:
    """Queue a batch issuing the chosen kinds of certificate (all by default): prize and
    participation certificates from the newest published ranking, judges' appreciation
    certificates from the contest's panels."""
    require_role(actor, contest, Role.ORGANISER)
    kinds = _chosen_kinds(kinds)
    if not CertificateTemplate.objects.filter(contest=contest).exists():
        raise DomainError(_("Set up the certificate template first."))
    ranking = final_published_ranking(contest)
    if ranking is None and set(kinds) & set(RESULT_KINDS):
        raise DomainError(_("Publish the results before issuing certificates."))
    with transaction.atomic():
        batch = CertificateBatch.objects.create(
            contest=contest, ranking=ranking, kinds=kinds, requested_by=actor
        )
        batch_id = batch.pk
        # robust: a broker outage must not turn a committed request into an error; the
        # reconciler queues the batch once the broker is back.
        transaction.on_commit(lambda: _queue_batch(batch_id), robust=True)
    return batch


def _queue_batch(batch_id: int) -> None:
    from certificates.tasks import render_certificate_batch

    # ignore_result: see scoring.services.queue_ranking (no 20-s wait when Redis is down).
    render_certificate_batch.apply_async((batch_id,), ignore_result=True)


def stalled_batches(
    older_than: timedelta | None = None,
    quiet_for: timedelta = timedelta(minutes=30),
):
    """Batches still queued a while after they were requested (two reconcile intervals, by
    default: a batch queued as it should be starts within seconds), and running batches that
    have rendered nothing for long (a worker was killed and its chunks lost for good, or the
    task that finishes the batch never ran)."""
    if older_than is None:
        older_than = timedelta(seconds=2 * settings.RECONCILE_INTERVAL_SECONDS)
    now = timezone.now()
    recent_progress = Certificate.objects.filter(
        batch_id=OuterRef("pk"), rendered_at__gte=now - quiet_for
    )
    return CertificateBatch.objects.filter(
        Q(status=CertificateBatch.Status.QUEUED, created_at__lt=now - older_than)
        | Q(
            ~Exists(recent_progress),
            status=CertificateBatch.Status.RUNNING,
            created_at__lt=now - quiet_for,
        )
    )


def format_number(template: CertificateTemplate, serial: int) -> str:
    if template.theme == CertificateTemplate.Theme.STATE:
        return f"Số: {serial}/{template.number_suffix}"
    return f"Số {serial}-{template.number_suffix}"


@dataclass
class _Wanted:
    """A certificate the results (or the panels) call for."""

    kind: str
    person: Person
    achievement: str
    unit_id: int | None
    entry: Entry | None = None
    award: Award | None = None

    @property
    def key(self) -> tuple:
        return _key(self.kind, self.person.pk, self.award.prize_id if self.award else None)


def _key(kind: str, person_id: int, prize_id: int | None) -> tuple:
    """What makes two certificates the same one: the person and the prize for a prize
    certificate, the person and the kind otherwise (the database's partial unique indexes)."""
    return (kind, person_id, prize_id if kind == Certificate.Kind.PRIZE else None)


def _wanted_for_results(ranking: Ranking, kinds: list[str]) -> list[_Wanted]:
    """A prize certificate for each presenter of each awarded entry (a main and a special prize
    are two), and a participation certificate for each presenter who took part in a published
    round of the contest without winning a prize."""
    awards = list(
        Award.objects.filter(ranking=ranking)
        .select_related("prize", "entry")
        .prefetch_related("entry__presenters")
        .order_by("prize__order", "entry_id")
    )
    wanted: list[_Wanted] = []
    with_prize = set()
    for award in awards:
        for person in award.entry.presenters.all():
            with_prize.add(person.pk)
            if Certificate.Kind.PRIZE in kinds:
                wanted.append(
                    _Wanted(
                        kind=Certificate.Kind.PRIZE,
                        person=person,
                        achievement=f"Đã đạt {award.prize.name}",
                        unit_id=award.entry.unit_id,
                        entry=award.entry,
                        award=award,
                    )
                )
    if Certificate.Kind.PARTICIPATION in kinds:
        took_part = (
            Entry.objects.filter(
                standings__ranking__is_published=True,
                standings__ranking__round__contest_id=ranking.round.contest_id,
            )
            .distinct()
            .prefetch_related("presenters")
            .order_by("id")
        )
        seen = set(with_prize)
        for entry in took_part:
            for person in entry.presenters.all():
                if person.pk in seen:
                    continue
                seen.add(person.pk)
                wanted.append(
                    _Wanted(
                        kind=Certificate.Kind.PARTICIPATION,
                        person=person,
                        achievement=ACHIEVEMENTS[Certificate.Kind.PARTICIPATION],
                        unit_id=entry.unit_id,
                        entry=entry,
                    )
                )
    return wanted


def _wanted_for_judges(contest_id: int) -> list[_Wanted]:
    """An appreciation certificate for every judge seated on a panel of the contest. A judge
    known only as an account becomes a person (named as the account is), linked to it so that
    the judge finds the certificate among their own."""
    seats = (
        PanelSeat.objects.filter(panel__contest_id=contest_id)
        .select_related("judge__person__unit")
        .order_by("panel__name", "order")
    )
    memberships = {
        membership.user_id: membership
        for membership in Membership.objects.filter(
            contest_id=contest_id, role__in=[Role.JUDGE, Role.HEAD_JUDGE], person__isnull=False
        ).select_related("person")
    }
    wanted, seen = [], set()
    for seat in seats:
        if seat.judge_id in seen:
            continue
        seen.add(seat.judge_id)
        judge = seat.judge
        person = getattr(judge, "person", None) or getattr(
            memberships.get(judge.pk), "person", None
        )
        if person is None:
            person = contest_services.create_person(
                contest_services.PresenterInput(
                    full_name=f"{judge.last_name} {judge.first_name}".strip()
                    or judge.get_username(),
                    email=judge.email,
                ),
                unit=seat.unit,
            )
            person.user = judge
            person.save(update_fields=["user"])
        wanted.append(
            _Wanted(
                kind=Certificate.Kind.JUDGE,
                person=person,
                achievement=ACHIEVEMENTS[Certificate.Kind.JUDGE],
                unit_id=person.unit_id or seat.unit_id,
            )
        )
    return wanted


def _allocate_certificates(batch: CertificateBatch) -> None:
    """Bring the contest's certificates of the batch's kinds in line with the results and the
    panels, under the contest lock so that serials stay gapless per kind. A certificate already
    held is kept as it is (issuing again returns the same one); a missing one is issued; one
    no longer called for (its prize changed on republication) is revoked, keeping its serial,
    and its holder's new one records that it replaces it. Every step is an audit event."""
    kinds = batch.kinds or list(RESULT_KINDS)
    now = timezone.now()
    with transaction.atomic():
        Contest.objects.select_for_update().get(pk=batch.contest_id)
        wanted: list[_Wanted] = []
        if batch.ranking_id and set(kinds) & set(RESULT_KINDS):
            wanted += _wanted_for_results(batch.ranking, kinds)
        if Certificate.Kind.JUDGE in kinds:
            wanted += _wanted_for_judges(batch.contest_id)
        certificates = Certificate.objects.filter(contest_id=batch.contest_id)
        held = {
            _key(c.kind, c.person_id, c.prize_id): c
            for c in certificates.filter(kind__in=kinds, revoked_at__isnull=True)
        }
        wanted_keys = {item.key for item in wanted}
        stale = [c for key, c in held.items() if key not in wanted_keys]
        # Who lost a certificate now, and the newest certificate revoked earlier for each
        # person and prize (or kind): what a new certificate replaces.
        replaced_now: dict[int, Certificate] = {}
        for certificate in stale:
            replaced_now.setdefault(certificate.person_id, certificate)
        revoked_before = {
            _key(c.kind, c.person_id, c.prize_id): c
            for c in certificates.filter(kind__in=kinds, revoked_at__isnull=False).order_by(
                "revoked_at", "pk"
            )
        }
        serials = dict(
            certificates.order_by()
            .values("kind")
            .annotate(s=Max("serial"))
            .values_list("kind", "s")
        )
        new: list[Certificate] = []
        replaces: list[int | None] = []
        for item in wanted:
            if item.key in held:
                continue
            held[item.key] = item  # a person presenting two entries with the same prize
            serials[item.kind] = serial = (serials.get(item.kind) or 0) + 1
            new.append(
                Certificate(
                    contest_id=batch.contest_id,
                    batch=batch,
                    kind=item.kind,
                    person=item.person,
                    unit_id=item.unit_id,
                    entry=item.entry,
                    award=item.award,
                    prize_id=item.award.prize_id if item.award else None,
                    serial=serial,
                    verification_code=new_verification_code(),
                    recipient_name=item.person.full_name,
                    achievement=item.achievement,
                    issued_on=timezone.localdate(),
                )
            )
            predecessor = replaced_now.pop(item.person.pk, None) or revoked_before.get(item.key)
            replaces.append(predecessor.pk if predecessor else None)
        if stale:
            certificates.filter(pk__in=[c.pk for c in stale]).update(revoked_at=now)
        new = Certificate.objects.bulk_create(new)
        replaced_by = {old: c.pk for c, old in zip(new, replaces, strict=True) if old}
        events = [
            CertificateEvent(
                certificate=certificate,
                action=CertificateEvent.Action.REVOKED,
                actor=batch.requested_by,
                reason="Kết quả công bố đã thay đổi.",
                detail={"batch": batch.pk, "ranking": batch.ranking_id}
                | (
                    {"replaced_by": replaced_by[certificate.pk]}
                    if certificate.pk in replaced_by
                    else {}
                ),
            )
            for certificate in stale
        ] + [
            CertificateEvent(
                certificate=certificate,
                action=(
                    CertificateEvent.Action.REISSUED if old else CertificateEvent.Action.ISSUED
                ),
                actor=batch.requested_by,
                detail={"batch": batch.pk, "ranking": batch.ranking_id}
                | ({"replaces": old} if old else {}),
            )
            for certificate, old in zip(new, replaces, strict=True)
        ]
        CertificateEvent.objects.bulk_create(events)


def revoke_certificate(*, certificate: Certificate, actor, reason: str) -> Certificate:
    """An organiser withdraws one certificate, saying why. It keeps its serial number; the
    verification page then shows it revoked. The next batch issues a fresh one if the
    results still call for it."""
    require_role(actor, certificate.contest, Role.ORGANISER)
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(_("Give the reason for revoking the certificate."), field="reason")
    if len(reason) > 1000:
        raise DomainError(_("The reason is too long."), field="reason")
    with transaction.atomic():
        Contest.objects.select_for_update().get(pk=certificate.contest_id)
        certificate = Certificate.objects.get(pk=certificate.pk)
        if certificate.revoked_at is not None:
            raise DomainError(_("This certificate is already revoked."))
        certificate.revoked_at = timezone.now()
        certificate.save(update_fields=["revoked_at"])
        CertificateEvent.objects.create(
            certificate=certificate,
            action=CertificateEvent.Action.REVOKED,
            actor=actor,
            reason=reason,
        )
    return certificate


def new_verification_code() -> str:
    """128 random bits, URL-safe (22 characters): not guessable, not enumerable."""
    return secrets.token_urlsafe(16)


def verification_url(certificate: Certificate) -> str:
    return settings.SITE_URL + reverse("certificates:verify", args=[certificate.verification_code])


def certificate_data(
    certificate: Certificate, template: CertificateTemplate
) -> render.CertificateData:
    """What a certificate prints, laid out by the template's layout (the organiser's own, or
    the built-in one of its theme). A judge's certificate names the judge's unit."""
    contest = certificate.contest
    entry = certificate.entry
    if entry is not None:
        unit_name = entry.unit.name
    else:
        unit_name = certificate.unit.name if certificate.unit_id else ""
    signature, seal = template_images(template)
    return render.CertificateData(
        theme=template.theme,
        kind=certificate.kind,
        superior_body=template.superior_body,
        issuing_body=template.issuing_body,
        number=format_number(template, certificate.serial),
        title=TITLES[certificate.kind],
        recipient_name=certificate.recipient_name,
        recipient_unit=unit_name,
        achievement=certificate.achievement,
        contest_name=contest.name,
        entry_title=entry.initiative.title if entry else "",
        place=contest.place,
        issued_on=certificate.issued_on,
        signing_on_behalf=template.signing_on_behalf,
        signer_title=template.signer_title,
        signer_name=template.signer_name,
        verification_url=verification_url(certificate),
        verification_code=certificate.verification_code,
        decision_reference=template.decision_reference,
        signature_image=signature,
        seal_image=seal,
        layout=template_layout(template),
    )


def template_layout(template: CertificateTemplate) -> render.Layout | None:
    """The organiser's own layout, or None for the built-in layout of the theme."""
    if not (template.layout_html.strip() or template.layout_css.strip()):
        return None
    return render.Layout(html=template.layout_html, css=template.layout_css)


def template_images(template: CertificateTemplate) -> tuple[str, str]:
    """The template's signature and seal images as data: URIs ("" when not uploaded), read
    once per template object: a chunk of certificates shares them."""
    key = (template.signature_image.name or "", template.seal_image.name or "")
    cached = template.__dict__.get("_image_uris")
    if cached is None or cached[0] != key:
        cached = (key, (_image_uri(template.signature_image), _image_uri(template.seal_image)))
        template.__dict__["_image_uris"] = cached
    return cached[1]


def _image_uri(image) -> str:
    if not image:
        return ""
    image.open("rb")
    try:
        return render.image_data_uri(image.read())
    finally:
        if image._committed:
            image.close()
        else:
            image.seek(0)  # an upload not saved yet (a preview of the form's input)


# What a preview prints in place of a real recipient.
SAMPLE_RECIPIENT = "Nguyễn Thị Minh Hằng"
SAMPLE_UNIT = "Đảng bộ cơ quan Sở Nội vụ"
SAMPLE_ENTRY_TITLE = "Chi bộ bốn tốt gắn với xây dựng cơ quan văn hóa"
SAMPLE_SERIAL = 12
SAMPLE_CODE = "MAU-XEM-TRUOC"


def sample_certificate_data(template: CertificateTemplate, kind: str) -> render.CertificateData:
    """A certificate of ``kind`` as the template would print it, for a sample recipient: the
    organiser's preview. The template need not be saved (a form's unsaved input)."""
    if kind not in Certificate.Kind.values:
        raise DomainError(_("Unknown kind of certificate."), field="kind")
    contest = template.contest
    if kind == Certificate.Kind.PRIZE:
        prize = contest.prizes.order_by("order").first() if contest.pk else None
        achievement = f"Đã đạt {prize.name if prize else 'Giải Nhất'}"
    else:
        achievement = ACHIEVEMENTS[kind]
    signature, seal = template_images(template)
    return render.CertificateData(
        theme=template.theme,
        kind=kind,
        superior_body=template.superior_body,
        issuing_body=template.issuing_body,
        number=format_number(template, SAMPLE_SERIAL),
        title=TITLES[kind],
        recipient_name=SAMPLE_RECIPIENT,
        recipient_unit=SAMPLE_UNIT,
        achievement=achievement,
        contest_name=contest.name,
        entry_title=SAMPLE_ENTRY_TITLE if kind != Certificate.Kind.JUDGE else "",
        place=contest.place,
        issued_on=timezone.localdate(),
        signing_on_behalf=template.signing_on_behalf,
        signer_title=template.signer_title,
        signer_name=template.signer_name,
        verification_url=settings.SITE_URL + reverse("certificates:verify", args=[SAMPLE_CODE]),
        verification_code=SAMPLE_CODE,
        decision_reference=template.decision_reference,
        signature_image=signature,
        seal_image=seal,
        layout=template_layout(template),
    )


def layout_errors(template: CertificateTemplate) -> dict[str, list[str]]:
    """The problems of the template's own layout, by form field (empty: none)."""
    errors: dict[str, list[str]] = {}
    for problem in render.check_layout(template.layout_html, template.layout_css):
        field = "layout_css" if problem.part == "css" else "layout_html"
        errors.setdefault(field, []).append(problem.message)
    return errors


def save_certificate_template(*, template: CertificateTemplate, actor) -> CertificateTemplate:
    """An organiser sets how the contest's certificates look and who signs them. Their own
    layout is checked first: a layout that cannot be rendered is never saved."""
    require_role(actor, template.contest, Role.ORGANISER)
    errors = layout_errors(template)
    if errors:
        raise DomainError(_("The certificate layout has problems."), errors=errors)
    template.save()
    return template


def render_chunk_size() -> int:
    """Certificates rendered by one task as one WeasyPrint document, then split into one PDF
    each."""
    return getattr(settings, "CERTIFICATE_RENDER_CHUNK_SIZE", 100)


def _chunks(ids: list[int]) -> list[list[int]]:
    size = render_chunk_size()
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _pending_certificate_ids(contest_id: int) -> list[int]:
    return list(
        Certificate.objects.filter(contest_id=contest_id, pdf="", revoked_at__isnull=True)
        .order_by("kind", "serial")
        .values_list("pk", flat=True)
    )


@contextmanager
def _failure_marks(batch_id: int):
    """A failure inside marks the batch failed with the error, and propagates."""
    try:
        yield
    except Exception as error:
        CertificateBatch.objects.filter(pk=batch_id).update(
            status=CertificateBatch.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise


def start_batch(batch_id: int) -> list[list[int]]:
    """Allocate a batch's certificates and mark it running. The contest's certificates still
    unrendered (this batch's, and any an earlier batch left) become this batch's to render, and
    its total, the progress bar's 100%, counts them with those it has rendered already. Returns
    the certificates still to render, in chunks (none for a batch already done)."""
    batch = CertificateBatch.objects.select_related("contest", "ranking__round").get(pk=batch_id)
    if batch.status == CertificateBatch.Status.DONE:
        return []
    with _failure_marks(batch_id):
        _allocate_certificates(batch)
        with transaction.atomic():
            pending = _pending_certificate_ids(batch.contest_id)
            Certificate.objects.filter(pk__in=pending).exclude(batch_id=batch_id).update(
                batch_id=batch_id
            )
            total = Certificate.objects.filter(batch_id=batch_id, revoked_at__isnull=True).count()
            CertificateBatch.objects.filter(pk=batch_id).update(
                status=CertificateBatch.Status.RUNNING, total=total, error=""
            )
    return _chunks(pending)


def render_chunk(batch_id: int, certificate_ids: list[int]) -> int:
    """Render certificates as one document split into one PDF each, under their row locks.
    A certificate another worker holds or has already rendered is skipped, so two runs of a
    chunk never render it twice; a file left by a run that died before committing is
    overwritten, never duplicated. Returns how many were rendered."""
    with _failure_marks(batch_id), transaction.atomic():
        certificates = list(
            Certificate.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("contest", "unit", "entry__unit", "entry__initiative")
            .filter(pk__in=certificate_ids, pdf="", revoked_at__isnull=True)
            .order_by("serial")
        )
        if not certificates:
            return 0
        template = CertificateTemplate.objects.get(contest_id=certificates[0].contest_id)
        pdfs = render.render_certificate_pdfs([certificate_data(c, template) for c in certificates])
        now = timezone.now()
        for certificate, pdf in zip(certificates, pdfs, strict=True):
            _store_pdf(certificate, pdf)
            certificate.sha256 = hashlib.sha256(pdf).hexdigest()
            certificate.rendered_at = now
        Certificate.objects.bulk_update(certificates, ["pdf", "sha256", "rendered_at"])
    return len(certificates)


def _store_pdf(certificate: Certificate, pdf: bytes) -> None:
    """Save under a name fixed by the certificate, so that a second rendering (after a worker
    died before committing the first) overwrites the file instead of adding another."""
    file_name = (
        f"{certificate.contest.slug}-{certificate.kind}-{certificate.serial:05d}-"
        f"{certificate.verification_code}.pdf"
    )
    field = certificate.pdf
    name = field.field.generate_filename(certificate, file_name)
    if field.storage.exists(name):
        field.storage.delete(name)  # written by a run that died before it committed
    field.save(file_name, ContentFile(pdf), save=False)


def finish_batch(batch_id: int) -> CertificateBatch:
    """Render whatever the chunks left (normally nothing) and mark the batch done."""
    batch = CertificateBatch.objects.get(pk=batch_id)
    if batch.status == CertificateBatch.Status.DONE:
        return batch
    for chunk in _chunks(_pending_certificate_ids(batch.contest_id)):
        render_chunk(batch_id, chunk)
    batch.status = CertificateBatch.Status.DONE
    batch.finished_at = timezone.now()
    batch.error = ""
    batch.save(update_fields=["status", "finished_at", "error"])
    return batch


def render_batch(batch_id: int) -> CertificateBatch:
    """Allocate and render a batch in this process. Safe to run twice, or in two workers at
    once: rows exist once and each PDF is rendered once. A failure marks the batch failed with
    the error. (The Celery task spreads the chunks over the workers instead.)"""
    for chunk in start_batch(batch_id):
        render_chunk(batch_id, chunk)
    return finish_batch(batch_id)

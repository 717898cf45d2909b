"""Writes of the certificates app: batches, gapless serial numbers, rendering."""

import hashlib
import secrets
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates import render
from certificates.models import Certificate, CertificateBatch, CertificateTemplate
from config.errors import DomainError
from contest.models import Contest, Role
from contest.selectors import require_role
from scoring.models import Ranking

TITLES = {
    Certificate.Kind.PRIZE: "GIẤY CHỨNG NHẬN",
    Certificate.Kind.PARTICIPATION: "GIẤY CHỨNG NHẬN",
    Certificate.Kind.JUDGE: "GIẤY CHỨNG NHẬN",
}


def final_published_ranking(contest: Contest) -> Ranking | None:
    return (
        Ranking.objects.filter(round__contest=contest, is_published=True)
        .select_related("round")
        .order_by("-round__sequence")
        .first()
    )


def request_certificates(*, contest: Contest, actor) -> CertificateBatch:
    """Queue a batch of certificates for everyone ranked in the newest published round."""
    require_role(actor, contest, Role.ORGANISER)
    if not CertificateTemplate.objects.filter(contest=contest).exists():
        raise DomainError(_("Set up the certificate template first."))
    ranking = final_published_ranking(contest)
    if ranking is None:
        raise DomainError(_("Publish the results before issuing certificates."))
    with transaction.atomic():
        batch = CertificateBatch.objects.create(
            contest=contest, ranking=ranking, requested_by=actor
        )
        batch_id = batch.pk
        # robust: a broker outage must not turn a committed request into an error; the
        # reconciler queues the batch once the broker is back.
        transaction.on_commit(lambda: _queue_batch(batch_id), robust=True)
    return batch


def _queue_batch(batch_id: int) -> None:
    from certificates.tasks import render_certificate_batch

    render_certificate_batch.delay(batch_id)


def stalled_batches(
    older_than: timedelta = timedelta(minutes=2),
    running_longer_than: timedelta = timedelta(minutes=30),
):
    """Batches still queued a while after they were requested, and batches running for long
    with certificates still unrendered (a worker was killed and its chunk lost for good)."""
    now = timezone.now()
    unrendered = Certificate.objects.filter(
        contest_id=OuterRef("contest_id"), pdf="", revoked_at__isnull=True
    )
    return CertificateBatch.objects.filter(
        Q(status=CertificateBatch.Status.QUEUED, created_at__lt=now - older_than)
        | Q(
            Exists(unrendered),
            status=CertificateBatch.Status.RUNNING,
            created_at__lt=now - running_longer_than,
        )
    )


def format_number(template: CertificateTemplate, serial: int) -> str:
    if template.theme == CertificateTemplate.Theme.STATE:
        return f"Số: {serial}/{template.number_suffix}"
    return f"Số {serial}-{template.number_suffix}"


RESULT_KINDS = [Certificate.Kind.PRIZE, Certificate.Kind.PARTICIPATION]


def _allocate_certificates(batch: CertificateBatch) -> None:
    """Bring the contest's certificates in line with the batch's ranking, under the contest
    lock so that serials stay gapless: a missing one is issued; one whose prize changed since
    (a republished ranking) is revoked, keeping its serial, and reissued under a new serial."""
    ranking = batch.ranking
    awards = {award.entry_id: award for award in ranking.awards.select_related("prize")}
    standings = ranking.standings.select_related("entry__initiative").prefetch_related(
        "entry__presenters"
    )
    now = timezone.now()
    with transaction.atomic():
        Contest.objects.select_for_update().get(pk=batch.contest_id)
        certificates = Certificate.objects.filter(contest_id=batch.contest_id)
        current = {
            certificate.person_id: certificate
            for certificate in certificates.filter(kind__in=RESULT_KINDS, revoked_at__isnull=True)
        }
        last_serials = certificates.order_by().values("kind").annotate(s=Max("serial"))
        serials = dict(last_serials.values_list("kind", "s"))
        revoked, new = [], []
        for standing in standings:
            award = awards.get(standing.entry_id)
            kind = Certificate.Kind.PRIZE if award else Certificate.Kind.PARTICIPATION
            achievement = f"Đã đạt {award.prize.name}" if award else "Đã tham gia"
            for person in standing.entry.presenters.all():
                held = current.get(person.pk)
                if held and (held.kind, held.achievement) == (kind, achievement):
                    continue
                if held:
                    revoked.append(held.pk)
                serials[kind] = serial = serials.get(kind, 0) + 1
                new.append(
                    Certificate(
                        contest_id=batch.contest_id,
                        batch=batch,
                        kind=kind,
                        person=person,
                        entry=standing.entry,
                        award=award,
                        prize=award.prize if award else None,
                        unit_id=standing.entry.unit_id,
                        serial=serial,
                        verification_code=new_verification_code(),
                        recipient_name=person.full_name,
                        achievement=achievement,
                        issued_on=timezone.localdate(),
                    )
                )
        Certificate.objects.filter(pk__in=revoked).update(revoked_at=now)
        Certificate.objects.bulk_create(new)


def new_verification_code() -> str:
    """128 random bits, URL-safe (22 characters): not guessable, not enumerable."""
    return secrets.token_urlsafe(16)


def verification_url(certificate: Certificate) -> str:
    return settings.SITE_URL + reverse("certificates:verify", args=[certificate.verification_code])


def certificate_data(
    certificate: Certificate, template: CertificateTemplate
) -> render.CertificateData:
    contest = certificate.contest
    entry = certificate.entry
    return render.CertificateData(
        theme=template.theme,
        kind=certificate.kind,
        superior_body=template.superior_body,
        issuing_body=template.issuing_body,
        number=format_number(template, certificate.serial),
        title=TITLES[certificate.kind],
        recipient_name=certificate.recipient_name,
        recipient_unit=entry.unit.name if entry else "",
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
    )


# Certificates rendered by one task as one WeasyPrint document, then split into one PDF each.
RENDER_CHUNK_SIZE = getattr(settings, "CERTIFICATE_RENDER_CHUNK_SIZE", 100)


def _pending_certificate_ids(contest_id: int) -> list[int]:
    return list(
        Certificate.objects.filter(contest_id=contest_id, pdf="", revoked_at__isnull=True)
        .order_by("serial")
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
    """Allocate a batch's certificates and mark it running. Returns the certificates still to
    render, in chunks of RENDER_CHUNK_SIZE (none for a batch already done)."""
    batch = CertificateBatch.objects.select_related("contest", "ranking").get(pk=batch_id)
    if batch.status == CertificateBatch.Status.DONE:
        return []
    CertificateBatch.objects.filter(pk=batch.pk).update(status=CertificateBatch.Status.RUNNING)
    with _failure_marks(batch_id):
        _allocate_certificates(batch)
        pending = _pending_certificate_ids(batch.contest_id)
    return [pending[i : i + RENDER_CHUNK_SIZE] for i in range(0, len(pending), RENDER_CHUNK_SIZE)]


def render_chunk(batch_id: int, certificate_ids: list[int]) -> int:
    """Render certificates as one document split into one PDF each, under their row locks.
    A certificate another worker holds or has already rendered is skipped, so two runs of a
    chunk never render it twice; a file left by a run that died before committing is
    overwritten, never duplicated. Returns how many were rendered."""
    with _failure_marks(batch_id), transaction.atomic():
        certificates = list(
            Certificate.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("contest", "entry__unit", "entry__initiative")
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
    file_name = (
        f"{certificate.contest.slug}-{certificate.serial:05d}-{certificate.verification_code}.pdf"
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
    pending = _pending_certificate_ids(batch.contest_id)
    for i in range(0, len(pending), RENDER_CHUNK_SIZE):
        render_chunk(batch_id, pending[i : i + RENDER_CHUNK_SIZE])
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

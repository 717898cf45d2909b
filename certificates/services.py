"""Writes of the certificates app: batches, gapless serial numbers, rendering."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
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


def stalled_batches(older_than: timedelta = timedelta(minutes=2)):
    """Batches still queued a while after they were requested."""
    return CertificateBatch.objects.filter(
        status=CertificateBatch.Status.QUEUED, created_at__lt=timezone.now() - older_than
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
        serial = certificates.aggregate(s=Max("serial"))["s"] or 0
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
                serial += 1
                new.append(
                    Certificate(
                        contest_id=batch.contest_id,
                        batch=batch,
                        kind=kind,
                        person=person,
                        entry=standing.entry,
                        award=award,
                        serial=serial,
                        verification_code=secrets.token_urlsafe(12),
                        recipient_name=person.full_name,
                        achievement=achievement,
                        issued_on=timezone.localdate(),
                    )
                )
        Certificate.objects.filter(pk__in=revoked).update(revoked_at=now)
        Certificate.objects.bulk_create(new)


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


def _render_one(certificate_id: int, template: CertificateTemplate) -> None:
    """Render one certificate under its row lock; a certificate another worker holds or has
    already rendered is skipped, so two runs of a batch never render it twice."""
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("contest", "entry__unit", "entry__initiative")
            .filter(pk=certificate_id, pdf="")
            .first()
        )
        if certificate is None:
            return
        pdf = render.render_certificate_pdf(certificate_data(certificate, template))
        certificate.pdf.save(
            f"{certificate.contest.slug}-{certificate.serial:05d}-{certificate.verification_code}.pdf",
            ContentFile(pdf),
            save=False,
        )
        certificate.sha256 = hashlib.sha256(pdf).hexdigest()
        certificate.rendered_at = timezone.now()
        certificate.save(update_fields=["pdf", "sha256", "rendered_at"])


def render_batch(batch_id: int) -> CertificateBatch:
    """Allocate and render a batch. Safe to run twice, or in two workers at once: rows exist
    once and each PDF is rendered once. A failure marks the batch failed with the error."""
    batch = CertificateBatch.objects.select_related("contest", "ranking").get(pk=batch_id)
    if batch.status == CertificateBatch.Status.DONE:
        return batch
    CertificateBatch.objects.filter(pk=batch.pk).update(status=CertificateBatch.Status.RUNNING)
    try:
        _allocate_certificates(batch)
        template = CertificateTemplate.objects.get(contest_id=batch.contest_id)
        pending = Certificate.objects.filter(
            contest_id=batch.contest_id, pdf="", revoked_at__isnull=True
        ).values_list("pk", flat=True)
        for certificate_id in list(pending):
            _render_one(certificate_id, template)
    except Exception as error:
        CertificateBatch.objects.filter(pk=batch.pk).update(
            status=CertificateBatch.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    batch.status = CertificateBatch.Status.DONE
    batch.finished_at = timezone.now()
    batch.error = ""
    batch.save(update_fields=["status", "finished_at", "error"])
    return batch

"""Certificates: issued from the published results, gapless serials, safe to run twice."""

from datetime import timedelta

import pytest
from django.utils import timezone

from certificates import services
from certificates.models import Certificate, CertificateBatch
from certificates.tasks import reconcile_certificate_batches
from config.errors import DomainError, NotAllowed
from tests.pdf import pdf_text

pytestmark = pytest.mark.django_db


def test_certificates_need_published_results(scheduled):
    with pytest.raises(DomainError, match="Publish the results"):
        services.request_certificates(
            contest=scheduled.world.contest, actor=scheduled.world.organiser
        )


def test_only_organisers_issue_certificates(published):
    with pytest.raises(NotAllowed):
        services.request_certificates(
            contest=published.world.contest, actor=published.world.judges[1]
        )


def test_batch_issues_prize_and_participation_certificates_with_gapless_serials(published):
    world = published.world
    batch = services.request_certificates(contest=world.contest, actor=world.organiser)
    services.render_batch(batch.pk)
    certificates = list(Certificate.objects.order_by("serial"))
    assert [c.serial for c in certificates] == [1, 2, 3]
    assert [c.achievement for c in certificates] == [
        "Đã đạt Giải Nhất",
        "Đã đạt Giải Nhì",
        "Đã tham gia",
    ]
    assert [c.kind for c in certificates] == ["prize", "prize", "participation"]
    first = certificates[0]
    text = pdf_text(first.pdf.read())
    assert "Số 1-GCN/ĐUK" in text and first.recipient_name in text
    assert "T/M BAN THƯỜNG VỤ" in text

    # Again, and through a second batch: nothing is duplicated and no serial is skipped.
    services.render_batch(batch.pk)
    second = services.request_certificates(contest=world.contest, actor=world.organiser)
    services.render_batch(second.pk)
    assert Certificate.objects.count() == 3
    assert CertificateBatch.objects.get(pk=second.pk).status == "done"


def test_reconciler_queues_batches_that_never_started(published, eager_celery):
    world = published.world
    # The test transaction never commits, so the batch was never queued: as if the broker
    # had been down when the organiser asked for it.
    batch = services.request_certificates(contest=world.contest, actor=world.organiser)
    assert reconcile_certificate_batches() == []  # too recent to call stalled
    CertificateBatch.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    assert reconcile_certificate_batches() == [batch.pk]
    assert CertificateBatch.objects.get(pk=batch.pk).status == "done"
    assert Certificate.objects.exclude(pdf="").count() == 3
    assert reconcile_certificate_batches() == []

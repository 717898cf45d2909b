"""Certificates: issued from the published results, gapless serials, safe to run twice."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from certificates import selectors, services
from certificates.models import Certificate, CertificateBatch
from certificates.tasks import reconcile_certificate_batches
from config.errors import DomainError, NotAllowed
from scoring import services as scoring_services
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
    certificates = list(Certificate.objects.order_by("kind", "serial"))
    # Numbered gaplessly within each kind: prize certificates 1, 2; participation 1.
    assert [(c.kind, c.serial) for c in certificates] == [
        ("participation", 1),
        ("prize", 1),
        ("prize", 2),
    ]
    certificates = [certificates[1], certificates[2], certificates[0]]
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


def test_republished_results_revoke_and_reissue_changed_prizes(published):
    world = published.world
    batch = services.request_certificates(contest=world.contest, actor=world.organiser)
    services.render_batch(batch.pk)
    third = Certificate.objects.get(entry=published.entries[2])
    assert third.achievement == "Đã tham gia"
    # The head judge's late 10 lifts the third entry to (7 + 7 + 10) / 3 = 8.00, level with
    # the second: it now shares Giải Nhì.
    scoring_services.save_score_sheet(
        judge=world.judges[0],
        round=world.final,
        entry=published.entries[2],
        marks={"content": "10", "delivery": "10"},
        submit=True,
    )
    scoring_services.publish_ranking(
        ranking=scoring_services.compute_ranking(round=world.final), actor=world.organiser
    )
    batch = services.request_certificates(contest=world.contest, actor=world.organiser)
    services.render_batch(batch.pk)
    third.refresh_from_db()
    assert third.revoked_at is not None
    reissued = Certificate.objects.get(entry=published.entries[2], revoked_at__isnull=True)
    # The third prize certificate of the contest; the revoked participation one keeps its 1.
    assert (reissued.achievement, reissued.kind, reissued.serial) == ("Đã đạt Giải Nhì", "prize", 3)
    assert sorted(Certificate.objects.values_list("kind", "serial")) == [
        ("participation", 1),
        ("prize", 1),
        ("prize", 2),
        ("prize", 3),
    ]
    page = Client().get(f"/verify/{third.verification_code}/").content.decode()
    assert "This certificate has been revoked." in page
    assert third not in selectors.certificates_of(third.person.user)


def test_a_rendering_failure_marks_the_batch_failed(published, monkeypatch):
    world = published.world
    batch = services.request_certificates(contest=world.contest, actor=world.organiser)

    def broken(items):
        raise OSError("disk full")

    monkeypatch.setattr(services.render, "render_certificate_pdfs", broken)
    with pytest.raises(OSError):
        services.render_batch(batch.pk)
    batch.refresh_from_db()
    assert batch.status == "failed" and "disk full" in batch.error
    monkeypatch.undo()
    services.render_batch(batch.pk)  # a later run finishes the job
    batch.refresh_from_db()
    assert batch.status == "done" and not Certificate.objects.filter(pdf="").exists()

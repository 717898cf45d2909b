"""Certificates: issued from the published results and the panels, gapless serials per kind,
the same certificate when issued again, revoked with a reason, every step audited, safe to run
twice, progress counted."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from certificates import selectors, services
from certificates.models import Certificate, CertificateBatch, CertificateEvent
from certificates.tasks import reconcile_certificate_batches
from config.errors import DomainError, NotAllowed
from contest.models import EntryPresenter
from scoring import services as scoring_services
from scoring.models import Award, Prize, Ranking
from tests.pdf import pdf_text

pytestmark = pytest.mark.django_db


def issue(world, kinds=None) -> CertificateBatch:
    batch = services.request_certificates(contest=world.contest, actor=world.organiser, kinds=kinds)
    return services.render_batch(batch.pk)


def valid(**filters):
    return Certificate.objects.filter(revoked_at__isnull=True, **filters)


def test_certificates_need_published_results(scheduled):
    with pytest.raises(DomainError, match="Publish the results"):
        services.request_certificates(
            contest=scheduled.world.contest, actor=scheduled.world.organiser
        )


def test_judges_can_be_thanked_before_the_results_are_published(scheduled):
    world = scheduled.world
    issue(world, kinds=["judge"])
    assert sorted(valid().values_list("kind", "serial")) == [
        ("judge", 1),
        ("judge", 2),
        ("judge", 3),
    ]


def test_only_organisers_issue_certificates(published):
    with pytest.raises(NotAllowed):
        services.request_certificates(
            contest=published.world.contest, actor=published.world.judges[1]
        )


@pytest.mark.parametrize("kinds", [[], ["prize", "diploma"], ["gold"]])
def test_unknown_or_no_kinds_are_refused(published, kinds):
    with pytest.raises(DomainError) as error:
        services.request_certificates(
            contest=published.world.contest, actor=published.world.organiser, kinds=kinds
        )
    assert error.value.field == "kinds"
    assert not CertificateBatch.objects.exists()


def test_batch_issues_every_kind_with_gapless_serials_per_kind(published):
    world = published.world
    batch = issue(world)
    certificates = list(Certificate.objects.order_by("kind", "serial"))
    # Numbered gaplessly within each kind: judges 1-3, participation 1, prize certificates 1, 2.
    assert [(c.kind, c.serial) for c in certificates] == [
        ("judge", 1),
        ("judge", 2),
        ("judge", 3),
        ("participation", 1),
        ("prize", 1),
        ("prize", 2),
    ]
    prizes = valid(kind="prize").order_by("serial")
    assert [(c.achievement, c.prize.name, c.entry) for c in prizes] == [
        ("Đã đạt Giải Nhất", "Giải Nhất", published.entries[0]),
        ("Đã đạt Giải Nhì", "Giải Nhì", published.entries[1]),
    ]
    participation = valid(kind="participation").get()
    assert (participation.achievement, participation.entry, participation.prize) == (
        "Đã tham gia",
        published.entries[2],
        None,
    )
    # Each certificate records its recipient's unit: the entry's for presenters.
    for certificate in valid().exclude(kind="judge"):
        assert certificate.unit == certificate.entry.unit
    first = prizes[0]
    text = pdf_text(first.pdf.read())
    assert first.recipient_name in text and "T/M BAN THƯỜNG VỤ" in text
    # Issued: one audit event each, by the organiser who asked.
    assert sorted(CertificateEvent.objects.values_list("certificate_id", "action", "actor")) == [
        (c.pk, "issued", world.organiser.pk) for c in sorted(certificates, key=lambda c: c.pk)
    ]
    batch.refresh_from_db()
    assert (batch.status, batch.total, batch.kinds) == (
        "done",
        6,
        ["prize", "participation", "judge"],
    )


def test_issuing_again_returns_the_same_certificates(published):
    world = published.world
    first = issue(world)
    before = {c.pk: (c.serial, c.verification_code, c.sha256) for c in Certificate.objects.all()}
    services.render_batch(first.pk)  # the same batch again
    second = issue(world)  # and a new one
    assert {
        c.pk: (c.serial, c.verification_code, c.sha256) for c in Certificate.objects.all()
    } == before
    assert CertificateEvent.objects.count() == len(before)  # nothing issued the second time
    second.refresh_from_db()
    assert (second.status, second.total) == ("done", 0)


def test_judges_receive_appreciation_certificates_as_themselves(published):
    world = published.world
    issue(world, kinds=["judge"])
    judges = valid(kind="judge").select_related("person__user").order_by("serial")
    # Every judge seated on a panel; the judge of no panel gets none.
    assert [c.person.user for c in judges] == world.judges
    assert judges[0].recipient_name == "1 Giám khảo"  # family (last) name first
    # judge1 sits for the first unit; the others for none.
    assert [c.unit for c in judges] == [world.units[0], None, None]
    assert list(selectors.certificates_of(world.judges[1])) == [judges[1]]
    assert not valid(kind__in=["prize", "participation"]).exists()


def test_a_main_and_a_special_prize_are_two_certificates(published):
    world = published.world
    ranking = Ranking.objects.get(round=world.final, is_published=True)
    person = published.entries[0].presenters.get()
    # The first entry's presenter also presents the third, which wins the special prize.
    EntryPresenter.objects.create(entry=published.entries[2], person=person, order=2)
    special = Prize.objects.create(
        contest=world.contest, name="Giải Trình bày ấn tượng", tier=Prize.Tier.SPECIAL, order=9
    )
    Award.objects.create(prize=special, entry=published.entries[2], ranking=ranking)
    issue(world, kinds=["prize", "participation"])
    assert sorted(valid(person=person).values_list("kind", "prize__name", "serial")) == [
        ("prize", "Giải Nhất", 1),
        ("prize", "Giải Trình bày ấn tượng", 3),
    ]


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
    assert Certificate.objects.exclude(pdf="").count() == 6
    assert reconcile_certificate_batches() == []


def test_reconciler_finishes_a_running_batch_that_went_quiet(published, eager_celery):
    world = published.world
    batch = services.request_certificates(contest=world.contest, actor=world.organiser)
    chunks = services.start_batch(batch.pk)
    services.render_chunk(batch.pk, chunks[0][:2])  # then the worker was killed
    assert reconcile_certificate_batches() == []  # rendered just now: still running
    long_ago = timezone.now() - timedelta(minutes=31)
    CertificateBatch.objects.filter(pk=batch.pk).update(created_at=long_ago)
    Certificate.objects.exclude(rendered_at=None).update(rendered_at=long_ago)
    assert reconcile_certificate_batches() == [batch.pk]
    batch.refresh_from_db()
    assert batch.status == "done" and not Certificate.objects.filter(pdf="").exists()


def test_progress_counts_the_batch_rendered_certificates_against_its_total(published):
    world = published.world
    batch = services.request_certificates(contest=world.contest, actor=world.organiser)
    (chunk,) = services.start_batch(batch.pk)
    services.render_chunk(batch.pk, chunk[:4])
    progress = selectors.batch_with_progress(batch.pk)
    assert (progress.status, progress.rendered, progress.total) == ("running", 4, 6)
    services.finish_batch(batch.pk)
    progress = selectors.batch_with_progress(batch.pk)
    assert (progress.status, progress.rendered, progress.total) == ("done", 6, 6)


def test_republished_results_revoke_and_reissue_changed_prizes(published):
    world = published.world
    issue(world)
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
        ranking=scoring_services.compute_ranking(round=world.final),
        actor=world.organiser,
        confirm_missing={(world.judges[0].pk, published.entries[1].pk)},  # still not in
    )
    issue(world)
    third.refresh_from_db()
    assert third.revoked_at is not None
    reissued = Certificate.objects.get(entry=published.entries[2], revoked_at__isnull=True)
    # The third prize certificate of the contest; the revoked participation one keeps its 1.
    assert (reissued.achievement, reissued.kind, reissued.serial) == ("Đã đạt Giải Nhì", "prize", 3)
    assert sorted(Certificate.objects.exclude(kind="judge").values_list("kind", "serial")) == [
        ("participation", 1),
        ("prize", 1),
        ("prize", 2),
        ("prize", 3),
    ]
    revoked = CertificateEvent.objects.get(certificate=third, action="revoked")
    assert revoked.detail["replaced_by"] == reissued.pk and revoked.reason
    assert CertificateEvent.objects.get(certificate=reissued).action == "reissued"
    assert CertificateEvent.objects.get(certificate=reissued).detail["replaces"] == third.pk
    page = Client().get(f"/verify/{third.verification_code}/").content.decode()
    assert "This certificate has been revoked." in page
    assert third not in selectors.certificates_of(third.person.user)


def test_an_organiser_revokes_a_certificate_with_a_reason(published):
    world = published.world
    issue(world)
    certificate = valid(kind="prize", serial=1).get()
    with pytest.raises(NotAllowed):
        services.revoke_certificate(
            certificate=certificate, actor=world.representatives[0], reason="Sai tên"
        )
    with pytest.raises(DomainError) as error:
        services.revoke_certificate(certificate=certificate, actor=world.organiser, reason="  ")
    assert error.value.field == "reason"
    services.revoke_certificate(
        certificate=certificate, actor=world.organiser, reason="Sai chính tả tên"
    )
    certificate.refresh_from_db()
    assert certificate.revoked_at is not None and certificate.serial == 1
    event = certificate.events.get(action="revoked")
    assert (event.actor, event.reason) == (world.organiser, "Sai chính tả tên")
    with pytest.raises(DomainError, match="already revoked"):
        services.revoke_certificate(certificate=certificate, actor=world.organiser, reason="x")
    # The results still call for it: the next batch issues a new one in its place.
    issue(world)
    new = valid(kind="prize", person=certificate.person).get()
    assert new.serial == 3
    assert new.events.get().action == "reissued"
    assert new.events.get().detail["replaces"] == certificate.pk


def test_the_audit_trail_only_grows(published):
    world = published.world
    issue(world)
    first = list(CertificateEvent.objects.values())
    certificate = valid(kind="prize", serial=2).get()
    services.revoke_certificate(certificate=certificate, actor=world.organiser, reason="Nhầm")
    issue(world)
    after = list(CertificateEvent.objects.values())
    assert after[: len(first)] == first  # nothing earlier changed
    assert [e["action"] for e in after[len(first) :]] == ["revoked", "reissued"]


def test_batch_api_validates_kinds_and_reports_progress(published, eager_celery):
    world = published.world
    organiser = Client()
    organiser.force_login(world.organiser)
    url = f"/api/contests/{world.contest.slug}/certificate-batches/"
    for body in ({"kinds": ["gold"]}, {"kinds": []}, {"kinds": "prize"}, {"kinds": [None]}):
        response = organiser.post(url, body, content_type="application/json")
        assert response.status_code == 400 and "kinds" in response.json(), body
    response = organiser.post(url, {"kinds": ["judge"]}, content_type="application/json")
    assert response.status_code == 202
    batch = response.json()
    assert batch["kinds"] == ["judge"] and batch["status"] == "queued"
    services.render_batch(batch["id"])  # the test transaction never commits: run it here
    progress = organiser.get(f"/api/certificate-batches/{batch['id']}/").json()
    assert (progress["status"], progress["rendered"], progress["total"]) == ("done", 3, 3)
    assert [b["id"] for b in organiser.get(url).json()] == [batch["id"]]
    judge = Client()
    judge.force_login(world.judges[1])
    assert judge.get(f"/api/certificate-batches/{batch['id']}/").status_code == 403
    assert judge.post(url, {}, content_type="application/json").status_code == 403


def test_revoke_api_needs_a_reason_and_hides_others_certificates(published):
    world = published.world
    issue(world)
    certificate = valid(kind="prize", serial=1).get()
    url = f"/api/certificates/{certificate.pk}/revoke/"
    organiser = Client()
    organiser.force_login(world.organiser)
    response = organiser.post(url, {}, content_type="application/json")
    assert response.status_code == 400 and "reason" in response.json()
    stranger = Client()
    stranger.force_login(world.representatives[2])
    assert stranger.post(url, {"reason": "x"}, content_type="application/json").status_code == 404
    response = organiser.post(url, {"reason": "Sai tên"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["revoked_at"]
    response = organiser.post(url, {"reason": "Again"}, content_type="application/json")
    assert response.status_code == 400


def test_organiser_page_lists_batches_and_certificates_in_few_queries(
    published, django_assert_max_num_queries
):
    world = published.world
    issue(world)
    issue(world, kinds=["judge"])
    organiser = Client()
    organiser.force_login(world.organiser)
    with django_assert_max_num_queries(12):
        page = organiser.get(f"/contests/{world.contest.slug}/certificates/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("data-batch-progress") == 2 and "certificates/progress.js" in html
    assert html.count('data-testid="download-') == 6
    assert f"/contests/{world.contest.slug}/certificates/zip/" in html
    with django_assert_max_num_queries(8):
        listed = organiser.get(f"/api/contests/{world.contest.slug}/certificates/").json()
    assert listed["count"] == 6


def test_issue_and_revoke_buttons(published):
    world = published.world
    organiser = Client()
    organiser.force_login(world.organiser)
    response = organiser.post(
        f"/contests/{world.contest.slug}/certificates/issue/",
        {"choose_kinds": "1", "kinds": ["judge"]},
    )
    assert response.status_code == 302
    batch = CertificateBatch.objects.get()
    assert batch.kinds == ["judge"]
    services.render_batch(batch.pk)
    certificate = valid().first()
    response = organiser.post(
        f"/certificates/{certificate.pk}/revoke/", {"reason": "Trùng"}, follow=True
    )
    assert "The certificate is revoked." in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.revoked_at is not None
    response = organiser.post(
        f"/contests/{world.contest.slug}/certificates/issue/", {"choose_kinds": "1"}, follow=True
    )
    assert "Choose at least one kind" in response.content.decode()


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

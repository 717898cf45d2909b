"""The contest's lifecycle: each step recorded, and no step taken before its time."""

import pytest
from django.core import mail

from config.errors import DomainError, NotAllowed
from contest import services
from contest.models import Contest, ContestTransition, Entry
from scheduling import services as scheduling_services
from tests.integration.conftest import approve_one_entry_per_unit
from tests.world import build_world, session_start

pytestmark = pytest.mark.django_db


def step(world, status, **kwargs):
    return services.change_contest_status(
        contest=world.contest, to_status=status, actor=world.organiser, **kwargs
    )


def sign_up(world, rep_index=0, title="Dân vận khéo trong cải cách hành chính", **kwargs):
    return services.register_entry(
        contest=world.contest,
        user=world.representatives[rep_index],
        initiative_title=title,
        field=kwargs.pop("field", "political_system"),
        kind=kwargs.pop("kind", "individual"),
        presenters=kwargs.pop("presenters", [services.PresenterInput(full_name="Nguyễn Thị Hoa")]),
        **kwargs,
    )


def scheduled_world():
    world = build_world()
    entries = approve_one_entry_per_unit(world)
    panel = scheduling_services.create_panel(
        contest=world.contest,
        name="BGK",
        actor=world.organiser,
        seats=[scheduling_services.SeatInput(judge) for judge in world.judges],
    )
    session = scheduling_services.create_session(
        round=world.final,
        name="Chung khảo",
        starts_at=session_start(),
        panel=panel,
        actor=world.organiser,
    )
    scheduling_services.draw_running_order(session=session, actor=world.organiser)
    return world, entries


def test_each_step_is_recorded_with_who_and_when():
    world, _entries = scheduled_world()
    for status in ("signup_closed", "scheduled", "judging"):
        step(world, status, note=f"to {status}")
    transitions = list(ContestTransition.objects.filter(contest=world.contest))
    assert [(t.from_status, t.to_status) for t in transitions] == [
        ("signup_open", "signup_closed"),
        ("signup_closed", "scheduled"),
        ("scheduled", "judging"),
    ]
    assert all(t.actor == world.organiser and t.at is not None for t in transitions)
    assert transitions[0].note == "to signup_closed"


def test_a_step_cannot_be_skipped():
    world, _entries = scheduled_world()
    with pytest.raises(DomainError, match="cannot become"):
        step(world, "judging")
    world.contest.refresh_from_db()
    assert world.contest.status == Contest.Status.SIGNUP_OPEN
    assert not ContestTransition.objects.exists()


def test_no_signup_after_it_closes():
    world = build_world()
    step(world, "signup_closed")
    with pytest.raises(DomainError, match="not open"):
        sign_up(world)
    assert not Entry.objects.exists()


def test_signup_reopens_before_the_schedule_is_made():
    world = build_world()
    step(world, "signup_closed")
    step(world, "signup_open")
    assert sign_up(world).status == Entry.Status.PENDING


def test_schedule_waits_for_every_entry_to_be_decided():
    world, _entries = scheduled_world()
    sign_up(world, rep_index=1, title="Một mô hình đến muộn")
    step(world, "signup_closed")
    with pytest.raises(DomainError, match="1 entry still awaits approval"):
        step(world, "scheduled")


def test_no_scoring_before_judging_opens():
    world, _entries = scheduled_world()
    step(world, "signup_closed")
    step(world, "scheduled")
    with pytest.raises(DomainError, match="once the contest is in judging"):
        scheduling_services.set_round_status(
            round=world.final, status="open", actor=world.organiser
        )
    step(world, "judging")
    opened = scheduling_services.set_round_status(
        round=world.final, status="open", actor=world.organiser
    )
    assert opened.status == "open"


def test_judging_needs_a_schedule():
    world = build_world()
    approve_one_entry_per_unit(world)
    step(world, "signup_closed")
    step(world, "scheduled")
    with pytest.raises(DomainError, match="No round has a schedule"):
        step(world, "judging")


def test_results_are_published_by_publishing_the_final_ranking_not_by_hand():
    world, _entries = scheduled_world()
    for status in ("signup_closed", "scheduled", "judging"):
        step(world, status)
    with pytest.raises(DomainError, match="Publish the final round's ranking first"):
        step(world, "results_published")


def test_only_organisers_move_the_contest():
    world = build_world()
    with pytest.raises(NotAllowed):
        services.change_contest_status(
            contest=world.contest, to_status="signup_closed", actor=world.representatives[0]
        )


def test_the_contest_page_offers_the_next_steps_and_explains_a_refusal(client):
    world, _entries = scheduled_world()
    client.force_login(world.organiser)
    page = client.get(f"/contests/{world.contest.slug}/").content.decode()
    assert 'data-testid="status-signup_closed"' in page
    assert 'data-testid="status-judging"' not in page
    response = client.post(
        f"/contests/{world.contest.slug}/status/", {"status": "judging"}, follow=True
    )
    assert "cannot become" in response.content.decode()
    client.post(f"/contests/{world.contest.slug}/status/", {"status": "signup_closed"})
    world.contest.refresh_from_db()
    assert world.contest.status == Contest.Status.SIGNUP_CLOSED


def test_the_status_api_answers_a_refused_step_with_400(client):
    world, _entries = scheduled_world()
    client.force_login(world.organiser)
    response = client.post(
        f"/api/contests/{world.contest.slug}/status/",
        {"status": "closed"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "status" in response.json()
    response = client.post(
        f"/api/contests/{world.contest.slug}/status/",
        {"status": "nonsense"},
        content_type="application/json",
    )
    assert response.status_code == 400


def test_bulk_approval_is_all_or_nothing_and_mails_each_submitter(
    client, django_capture_on_commit_callbacks
):
    world = build_world()
    first = sign_up(world, 0)
    second = sign_up(world, 1, title="Mô hình thứ hai")
    withdrawn = sign_up(world, 2, title="Mô hình thứ ba")
    services.withdraw_entry(entry=withdrawn, actor=world.organiser, reason="Đơn vị xin rút")
    mail.outbox.clear()
    client.force_login(world.organiser)
    with pytest.raises(DomainError):
        services.decide_entries(
            contest=world.contest,
            entry_ids=[first.pk, withdrawn.pk],
            decision="approve",
            actor=world.organiser,
        )
    assert Entry.objects.get(pk=first.pk).status == Entry.Status.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/contests/{world.contest.slug}/decide/",
            {"entries": [first.pk, second.pk], "decision": "approve"},
        )
    assert set(Entry.objects.filter(status="approved").values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }
    assert sorted(m.to[0] for m in mail.outbox if "approved" in m.subject) == [
        "rep1@example.org",
        "rep2@example.org",
    ]


def test_withdrawal_is_recorded_and_needs_a_reason():
    world = build_world()
    entry = sign_up(world)
    with pytest.raises(DomainError, match="reason"):
        services.withdraw_entry(entry=entry, actor=world.organiser, reason=" ")
    entry = services.withdraw_entry(entry=entry, actor=world.organiser, reason="Đơn vị xin rút")
    entry.refresh_from_db()
    assert entry.status == Entry.Status.WITHDRAWN
    assert entry.withdrawn_by == world.organiser and entry.withdrawn_at is not None
    assert entry.withdrawal_reason == "Đơn vị xin rút"
    with pytest.raises(DomainError, match="already been withdrawn"):
        services.withdraw_entry(entry=entry, actor=world.organiser, reason="again")


def test_the_schedule_needs_an_approved_entry():
    world = build_world()
    sign_up(world)
    entry = Entry.objects.get(contest=world.contest)
    services.reject_entry(entry=entry, actor=world.organiser, reason="Không đúng lĩnh vực")
    step(world, "signup_closed")
    with pytest.raises(DomainError, match="No entry has been approved"):
        step(world, "scheduled")


def test_judging_reopens_only_after_the_final_ranking_is_unpublished(published_final):
    world, ranking = published_final
    world.contest.refresh_from_db()
    assert world.contest.status == "results_published"
    with pytest.raises(DomainError, match="Unpublish the final round's ranking first"):
        step(world, "judging")
    from scoring import services as scoring_services

    scoring_services.unpublish_ranking(ranking=ranking, actor=world.organiser)
    assert step(world, "judging").status == "judging"


def test_a_contest_closes_only_once_its_rounds_are_closed_so_no_sheet_comes_after(
    published_final,
):
    world, _ranking = published_final
    with pytest.raises(DomainError, match="Close every round first"):
        step(world, "closed")
    scheduling_services.set_round_status(round=world.final, status="closed", actor=world.organiser)
    assert step(world, "closed").status == "closed"
    assert ContestTransition.objects.filter(contest=world.contest, to_status="closed").exists()


@pytest.fixture
def published_final(published):
    from scoring.models import Ranking

    return published.world, Ranking.objects.get(is_published=True)

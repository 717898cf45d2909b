"""Advancement from the bloc to the city: the contest's rule picks its winners from the
published results and enters them, linked to the originals, in the contest they advance to."""

from datetime import timedelta

import pytest
from django.core import mail

from config.errors import DomainError, NotAllowed
from contest import services as contest_services
from contest.models import Contest, Entry, EntryPresenter, Membership, Person, Role, Unit
from scheduling.models import Session, Slot
from scoring import services
from scoring.models import Ranking
from tests.integration.conftest import head_judge_unscored, score_all
from tests.thin_path import client_for
from tests.world import make_user

pytestmark = pytest.mark.django_db


def set_rule(contest: Contest, rule: str, count: int | None = None) -> None:
    contest.advancement_rule, contest.advancement_count = rule, count
    contest.save(update_fields=["advancement_rule", "advancement_count"])


@pytest.fixture
def city_organiser(published):
    city = published.world.contest.advances_to
    user = make_user("city-organiser")
    Membership.objects.create(contest=city, user=user, role=Role.ORGANISER)
    return user


@pytest.fixture
def prize_winners(published):
    """The published bloc final (Nhất for the first entry, Nhì for the second, nothing for
    the third) under the rule "the first to third prize winners advance"."""
    set_rule(published.world.contest, Contest.AdvancementRule.PRIZE_TIERS)
    return published


def test_winners_enter_the_next_contest_approved_and_linked_with_the_same_presenters(
    prize_winners, django_capture_on_commit_callbacks
):
    world, first, second, third = prize_winners.world, *prize_winners.entries
    # The first entry has a second presenter: both go, in the same order.
    partner = Person(full_name="Lê Thị Hoa", family_name="Lê", middle_name="Thị", given_name="Hoa")
    partner.normalise()
    partner.save()
    EntryPresenter.objects.create(entry=first, person=partner, order=2)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.advance_winners(contest=world.contest, actor=world.organiser)
    city = world.contest.advances_to
    assert result.target == city and result.existing == [] and result.skipped == []
    assert [entry.advanced_from_id for entry in result.created] == [first.pk, second.pk]
    for entry in Entry.objects.filter(contest=city):
        source = entry.advanced_from
        assert (entry.initiative_id, entry.unit_id) == (source.initiative_id, source.unit_id)
        assert entry.status == Entry.Status.APPROVED
        assert entry.decided_by == world.organiser and entry.decided_at is not None
        assert entry.submitted_by == world.organiser
        assert list(entry.presenter_links.values_list("person_id", "order")) == list(
            source.presenter_links.values_list("person_id", "order")
        )
    advanced_first = Entry.objects.get(contest=city, advanced_from=first)
    assert [link.person for link in advanced_first.presenter_links.order_by("order")] == [
        first.presenter_links.get(order=1).person,
        partner,
    ]
    assert not Entry.objects.filter(contest=city, advanced_from=third).exists()
    # The units' representatives hear of it, and may send their files at the next level.
    assert sorted(message.to[0] for message in mail.outbox) == [
        "rep1@example.org",
        "rep2@example.org",
    ]
    assert all(city.name in message.subject for message in mail.outbox)
    assert result.representatives_added == 2
    assert set(
        Membership.objects.filter(contest=city, role=Role.UNIT_REPRESENTATIVE).values_list(
            "user__username", "unit_id"
        )
    ) == {("rep1", first.unit_id), ("rep2", second.unit_id)}


def test_advancing_twice_changes_nothing(prize_winners, django_capture_on_commit_callbacks):
    world = prize_winners.world
    first_run = services.advance_winners(contest=world.contest, actor=world.organiser)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.advance_winners(contest=world.contest, actor=world.organiser)
    assert again.created == [] and again.representatives_added == 0
    assert [entry.pk for entry in again.existing] == [entry.pk for entry in first_run.created]
    assert Entry.objects.filter(contest=world.contest.advances_to).count() == 2
    assert mail.outbox == []  # nobody is told twice


def test_an_advanced_entry_withdrawn_at_the_next_level_stays_withdrawn_and_is_recorded(
    prize_winners, city_organiser
):
    world = prize_winners.world
    created = services.advance_winners(contest=world.contest, actor=world.organiser).created
    contest_services.withdraw_entry(
        entry=created[1], actor=city_organiser, reason="Báo cáo viên chuyển công tác"
    )
    again = services.advance_winners(contest=world.contest, actor=world.organiser)
    assert again.created == []
    withdrawn = Entry.objects.get(pk=created[1].pk)
    assert withdrawn.status == Entry.Status.WITHDRAWN
    assert withdrawn.withdrawal_reason == "Báo cáo viên chuyển công tác"
    assert withdrawn.withdrawn_by == city_organiser and withdrawn.withdrawn_at is not None
    assert Entry.objects.filter(advanced_from=created[1].advanced_from).count() == 1
    page = client_for(world.organiser).get(f"/contests/{world.contest.slug}/advancement/")
    assert "Báo cáo viên chuyển công tác" in page.content.decode()


def test_winners_advance_only_from_a_published_final_ranking(scheduled):
    world = scheduled.world
    set_rule(world.contest, Contest.AdvancementRule.TOP_N, 2)
    score_all(scheduled)
    services.compute_ranking(round=world.final)  # computed, never published
    with pytest.raises(DomainError, match="final round's ranking is not published"):
        services.advance_winners(contest=world.contest, actor=world.organiser)
    assert not Entry.objects.filter(contest=world.contest.advances_to).exists()


def test_a_contest_without_a_rule_or_a_next_level_advances_nobody(published):
    world = published.world
    with pytest.raises(DomainError, match="no advancement rule"):
        services.advance_winners(contest=world.contest, actor=world.organiser)
    set_rule(world.contest, Contest.AdvancementRule.TOP_N, 1)
    Contest.objects.filter(pk=world.contest.pk).update(advances_to=None)
    world.contest.refresh_from_db()
    with pytest.raises(DomainError, match="no next-level contest"):
        services.advance_winners(contest=world.contest, actor=world.organiser)


def test_only_the_organisers_of_the_contest_advance_its_winners(prize_winners, city_organiser):
    world = prize_winners.world
    for user in (world.judges[0], world.secretary, world.representatives[0], city_organiser):
        with pytest.raises(NotAllowed):
            services.advance_winners(contest=world.contest, actor=user)
    assert not Entry.objects.filter(contest=world.contest.advances_to).exists()
    response = client_for(world.judges[1]).post(f"/contests/{world.contest.slug}/advancement/")
    assert response.status_code == 403
    page = client_for(city_organiser).get(f"/contests/{world.contest.slug}/advancement/")
    assert page.status_code == 403
    api = client_for(world.secretary).post(f"/api/contests/{world.contest.slug}/advance/")
    assert api.status_code == 403
    assert not Entry.objects.filter(contest=world.contest.advances_to).exists()


def test_the_best_n_of_the_final_advance_with_their_rank(published):
    world = published.world
    set_rule(world.contest, Contest.AdvancementRule.TOP_N, 1)
    plan_page = client_for(world.organiser).get(f"/contests/{world.contest.slug}/advancement/")
    assert "rank 1 of Vòng chung khảo" in plan_page.content.decode()
    result = services.advance_winners(contest=world.contest, actor=world.organiser)
    assert [entry.advanced_from_id for entry in result.created] == [published.entries[0].pk]


def test_the_best_of_each_cluster_advance(scheduled):
    """The final run in two clusters: the third entry presents alone in "Cụm 2"."""
    world, first, second, third = scheduled.world, *scheduled.entries
    cluster = Session.objects.create(
        round=world.final,
        name="Cụm 2",
        panel=scheduled.session.panel,
        starts_at=scheduled.session.starts_at + timedelta(hours=3),
    )
    Slot.objects.filter(round=world.final, entry=third).update(session=cluster, position=1)
    score_all(scheduled)
    services.publish_ranking(
        ranking=services.compute_ranking(round=world.final),
        actor=world.organiser,
        confirm_missing=head_judge_unscored(scheduled),
    )
    set_rule(world.contest, Contest.AdvancementRule.BEST_PER_CLUSTER, 1)
    page = client_for(world.organiser).get(f"/contests/{world.contest.slug}/advancement/")
    assert "rank 1 in cluster Cụm 2" in page.content.decode()
    result = services.advance_winners(contest=world.contest, actor=world.organiser)
    assert [entry.advanced_from_id for entry in result.created] == [first.pk, third.pk]
    assert second.pk not in {entry.advanced_from_id for entry in result.created}


def test_an_entry_advances_for_the_unit_its_unit_became_by_the_next_contests_year(
    prize_winners,
):
    world, first = prize_winners.world, prize_winners.entries[0]
    merged = Unit.objects.create(
        code="merged",
        name="Đảng bộ Sở Nội vụ (sau hợp nhất)",
        level=Unit.Level.GRASSROOTS,
        parent=world.bloc,
        valid_from_year=2020,
    )
    Unit.objects.filter(pk=first.unit_id).update(valid_to_year=2019, successor=merged)
    Contest.objects.filter(pk=world.contest.advances_to_id).update(year=2020)
    created = services.advance_winners(contest=world.contest, actor=world.organiser).created
    assert created[0].unit == merged and created[0].advanced_from.unit_id == first.unit_id
    # The old unit's representative does not speak for the merged unit unasked.
    city = world.contest.advances_to
    assert not Membership.objects.filter(contest=city, unit=merged).exists()


def test_the_city_contest_shows_where_each_entry_came_from(
    prize_winners, city_organiser, django_assert_max_num_queries
):
    world = prize_winners.world
    services.advance_winners(contest=world.contest, actor=world.organiser)
    city = world.contest.advances_to
    client = client_for(city_organiser)
    detail = client.get(f"/contests/{city.slug}/").content.decode()
    assert detail.count(f"From: {world.contest.name}") == 2
    with django_assert_max_num_queries(8):
        page = client.get(f"/contests/{city.slug}/advancement/")
    incoming = page.content.decode()
    assert "Giải Nhất / rank 1 of Vòng chung khảo" in incoming
    assert "Giải Nhì / rank 2 of Vòng chung khảo" in incoming


def test_the_advancement_page_previews_and_advances_for_organisers_in_few_queries(
    prize_winners, django_assert_max_num_queries
):
    world = prize_winners.world
    organiser = client_for(world.organiser)
    url = f"/contests/{world.contest.slug}/advancement/"
    with django_assert_max_num_queries(12):
        page = organiser.get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert world.contest.advances_to.name in text and "Giải Nhì" in text
    assert text.count("Not yet advanced") == 2
    response = organiser.post(url, follow=True)
    assert "2 entries advanced to" in response.content.decode()
    # With the advanced entries listed too, the count stays bounded.
    with django_assert_max_num_queries(12):
        text = organiser.get(url).content.decode()
    assert "Not yet advanced" not in text and text.count("Approved") >= 2


def test_the_advancement_page_turns_a_refusal_into_a_message(scheduled):
    world = scheduled.world
    set_rule(world.contest, Contest.AdvancementRule.TOP_N, 1)
    organiser = client_for(world.organiser)
    url = f"/contests/{world.contest.slug}/advancement/"
    assert "not published yet" in organiser.get(url).content.decode()
    response = organiser.post(url, follow=True)
    assert response.status_code == 200
    assert "not published yet" in response.content.decode()
    assert not Ranking.objects.filter(is_published=True).exists()


def test_the_api_advances_winners_once(prize_winners):
    world = prize_winners.world
    organiser = client_for(world.organiser)
    first = organiser.post(f"/api/contests/{world.contest.slug}/advance/")
    assert first.status_code == 200
    body = first.json()
    assert len(body["created"]) == 2 and body["existing"] == []
    again = organiser.post(f"/api/contests/{world.contest.slug}/advance/").json()
    assert again["created"] == [] and sorted(again["existing"]) == sorted(body["created"])

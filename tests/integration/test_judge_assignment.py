"""Judge assignment for a round with parallel panels: the service writes the seats, only
organisers may run it, and an impossible round is refused with the rule that cannot be met,
leaving the seats in force untouched."""

from dataclasses import dataclass

import pytest
from django.core.management import call_command

from config.demo import BLOC_CONTEST_SLUG
from config.errors import DomainError, NotAllowed
from contest.models import Contest, Entry, Membership, Role
from scheduling import assignment, services
from scheduling.models import JudgeConflict, Panel, PanelSeat, Round
from scheduling.selectors import judge_assignment_input
from tests.integration.conftest import approve_one_entry_per_unit
from tests.thin_path import client_for
from tests.world import World, make_user, session_start

pytestmark = pytest.mark.django_db


@dataclass
class Parallel:
    world: World
    entries: list[Entry]
    panels: list[Panel]
    head2: object


@pytest.fixture
def parallel(world) -> Parallel:
    """Two panels of two judges sitting at the same time: 'Cụm 1' sees the entries of units 1
    and 2, 'Cụm 2' the entry of unit 3. The pool: judge1 (head judge, unit 1), head2 (head
    judge, unit 3), judge2, judge3 and judge-elsewhere."""
    entries = approve_one_entry_per_unit(world)
    head2 = make_user("head2", "Trưởng ban", "Hai")
    Membership.objects.create(
        contest=world.contest, user=head2, role=Role.HEAD_JUDGE, unit=world.units[2]
    )
    panels = []
    for number, (seated, own_entries) in enumerate(
        [(world.judges[1], entries[:2]), (world.judges[2], entries[2:])], start=1
    ):
        panel = services.create_panel(
            contest=world.contest,
            name=f"Cụm {number}",
            seats=[services.SeatInput(seated)],
            actor=world.organiser,
        )
        Panel.objects.filter(pk=panel.pk).update(minimum_size=2)
        services.create_session(
            round=world.final,
            name=f"Cụm {number}",
            starts_at=session_start(),
            panel=panel,
            room_name=f"Phòng {number}",
            entries=own_entries,
            actor=world.organiser,
        )
        panels.append(panel)
    return Parallel(world=world, entries=entries, panels=panels, head2=head2)


def seats_of(panel: Panel) -> list[tuple[str, str, int | None]]:
    return [
        (seat.judge.username, seat.role, seat.unit_id)
        for seat in panel.seats.select_related("judge").order_by("order")
    ]


def test_organiser_seats_every_parallel_panel_within_the_rules(parallel):
    world = parallel.world
    result = services.assign_judges(round=world.final, actor=world.organiser)
    first, second = (seats_of(panel) for panel in parallel.panels)
    assert len(first) == len(second) == 2
    for seats in (first, second):
        assert [role for _name, role, _unit in seats].count(PanelSeat.Role.HEAD_JUDGE) == 1
        assert seats[0][1] == PanelSeat.Role.HEAD_JUDGE
    # Nobody on both panels: they sit at the same time.
    assert not {name for name, *_ in first} & {name for name, *_ in second}
    # judge1 (unit 1) may not judge 'Cụm 1', head2 (unit 3) not 'Cụm 2': each heads the other.
    assert first[0][0] == "head2" and second[0][0] == "judge1"
    # A seat carries the judge's own unit, so the running order still hides their entries.
    units = {name: unit for seats in (first, second) for name, _role, unit in seats}
    assert units.get("judge1", world.units[0].pk) == world.units[0].pk
    assert sorted(result.load.values()) == [0, 1, 1, 2, 2]


def test_judge_with_a_declared_conflict_is_kept_off_the_panel(parallel):
    world = parallel.world
    services.declare_judge_conflict(
        contest=world.contest,
        judge=world.judges[2],
        entry=parallel.entries[2],
        reason="Vợ của báo cáo viên",
        actor=world.organiser,
    )
    services.assign_judges(round=world.final, actor=world.organiser)
    assert "judge3" not in {name for name, *_ in seats_of(parallel.panels[1])}


def test_a_declared_conflict_names_an_entry_or_a_unit(parallel):
    world = parallel.world
    with pytest.raises(DomainError):
        services.declare_judge_conflict(
            contest=world.contest, judge=world.judges[2], actor=world.organiser
        )
    services.declare_judge_conflict(
        contest=world.contest, judge=world.judges[2], unit=world.units[2], actor=world.organiser
    )
    with pytest.raises(DomainError):
        services.declare_judge_conflict(
            contest=world.contest,
            judge=world.judges[2],
            unit=world.units[2],
            actor=world.organiser,
        )
    assert JudgeConflict.objects.count() == 1


@pytest.mark.parametrize("who", ["secretary", "judge", "representative"])
def test_only_organisers_may_assign_judges(parallel, who):
    world = parallel.world
    actor = {
        "secretary": world.secretary,
        "judge": world.judges[0],
        "representative": world.representatives[0],
    }[who]
    before = [seats_of(panel) for panel in parallel.panels]
    with pytest.raises(NotAllowed):
        services.assign_judges(round=world.final, actor=actor)
    response = client_for(actor).post(f"/api/rounds/{world.final.pk}/assign-judges/")
    assert response.status_code == 403
    assert [seats_of(panel) for panel in parallel.panels] == before


def test_api_returns_the_seats_and_the_entries_each_judge_scores(parallel):
    world = parallel.world
    response = client_for(world.organiser).post(f"/api/rounds/{world.final.pk}/assign-judges/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [panel["name"] for panel in body["panels"]] == ["Cụm 1", "Cụm 2"]
    for panel in body["panels"]:
        assert len(panel["judges"]) == 2 and panel["judges"][0] == panel["head_judge"]
    assert body["status"] == "optimal"
    assert sum(body["load"].values()) == 2 * 2 + 2 * 1


def test_impossible_round_is_refused_with_the_rule_and_the_seats_stay(parallel):
    world = parallel.world
    services.assign_judges(round=world.final, actor=world.organiser)
    before = [seats_of(panel) for panel in parallel.panels]
    Panel.objects.filter(pk=parallel.panels[0].pk).update(minimum_size=5)
    response = client_for(world.organiser).post(f"/api/rounds/{world.final.pk}/assign-judges/")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Panel 'Cụm 1' needs 5 judges but only 4 judges have no conflict with its "
        "entries and are free at that time."
    }
    assert [seats_of(panel) for panel in parallel.panels] == before


def test_panels_sitting_at_once_without_enough_judges_are_named(parallel):
    world = parallel.world
    Panel.objects.filter(pk__in=[p.pk for p in parallel.panels]).update(minimum_size=3)
    with pytest.raises(DomainError) as caught:
        services.assign_judges(round=world.final, actor=world.organiser)
    assert caught.value.message.startswith(
        "Panels 'Cụm 1', 'Cụm 2' sit at the same time and need 6 judges in all, but at most 5"
    )


def test_started_round_is_not_reassigned(parallel):
    world = parallel.world
    Round.objects.filter(pk=world.final.pk).update(status=Round.Status.OPEN)
    with pytest.raises(DomainError, match="has started"):
        services.assign_judges(round=world.final, actor=world.organiser)


def test_schedule_page_assigns_judges_and_shows_refusals(parallel):
    world = parallel.world
    client = client_for(world.organiser)
    page = client.post(f"/rounds/{world.final.pk}/assign-judges/", follow=True)
    assert page.status_code == 200
    assert "Judges assigned to 2 panels" in page.content.decode()
    assert "(head judge)" in page.content.decode()
    Panel.objects.filter(pk=parallel.panels[1].pk).update(minimum_size=9)
    page = client.post(f"/rounds/{world.final.pk}/assign-judges/", follow=True)
    assert page.status_code == 200
    assert "Not enough judges overall: panel &#x27;Cụm 2&#x27; needs 9 judges" in (
        page.content.decode()
    )


def test_reading_the_problem_takes_a_fixed_number_of_queries(
    parallel, django_assert_max_num_queries
):
    with django_assert_max_num_queries(9):
        problem = judge_assignment_input(parallel.world.final)
    assert [panel.name for panel in problem.panels] == ["Cụm 1", "Cụm 2"]
    assert {judge.name for judge in problem.judges if judge.head_capable} == {"judge1", "head2"}


def test_demo_contest_rounds_can_be_assigned_within_the_rules():
    call_command("load_demo", quiet=True)
    contest = Contest.objects.get(slug=BLOC_CONTEST_SLUG)
    for round in contest.rounds.all():
        problem = judge_assignment_input(round)
        result = assignment.assign_judges(problem.panels, problem.judges)
        assert assignment.violations(problem.panels, problem.judges, result) == []
        seated = {judge for seats in result.seats.values() for judge in seats}
        names = {judge.key: judge.name for judge in problem.judges}
        # giamkhao3's unit has an entry: never on the panel that sees it.
        assert "giamkhao3" not in {names[key] for key in seated}

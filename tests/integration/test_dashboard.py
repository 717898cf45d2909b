"""The organiser's dashboard: the contest at a glance, for its organisers only, in a fixed
number of queries whatever the contest's size."""

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contest.models import Entry, Initiative, Membership, Role, Unit
from scheduling import services as scheduling_services
from scheduling.models import Round
from scoring import selectors, services
from scoring.dashboard import STATUSES
from scoring.models import Ranking, ScoreSheet
from tests.integration.conftest import Scheduled
from tests.thin_path import client_for
from tests.world import make_user, session_start

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def dashboard_url(world) -> str:
    return reverse("contest-dashboard", args=[world.contest.slug])


def board_of(world, **headers):
    response = client_for(world.organiser).get(dashboard_url(world), **headers)
    assert response.status_code == 200
    return response.context["board"], response.content.decode()


def add_unit(world, name: str, **extra) -> Unit:
    extra.setdefault("parent", world.bloc)
    return Unit.objects.create(
        code=f"u-{Unit.objects.count() + 1}", name=name, level=Unit.Level.GRASSROOTS, **extra
    )


def add_entry(world, unit: Unit, title: str, status=Entry.Status.APPROVED, field="economy"):
    """An entry as signup leaves it; the signup rules are the contest tests' concern."""
    initiative = Initiative.objects.create(
        title=title, field=field, kind="collective", unit=unit, year=world.contest.year
    )
    decided = status != Entry.Status.PENDING
    return Entry.objects.create(
        contest=world.contest,
        unit=unit,
        initiative=initiative,
        status=status,
        decided_at=timezone.now() if decided else None,
        decision_reason="Không đạt" if status == Entry.Status.REJECTED else "",
        withdrawn_at=timezone.now() if status == Entry.Status.WITHDRAWN else None,
        withdrawal_reason="Rút" if status == Entry.Status.WITHDRAWN else "",
    )


def add_judges(world, count: int, prefix: str) -> list:
    judges = [make_user(f"{prefix}{i}", "Giám khảo", f"{prefix} {i}") for i in range(count)]
    Membership.objects.bulk_create(
        Membership(contest=world.contest, user=judge, role=Role.JUDGE) for judge in judges
    )
    return judges


def figure(html: str, ident: str) -> ET.Element:
    """The chart whose SVG has this id, parsed (the charts are well-formed XML)."""
    start = html.index(f'id="{ident}"')
    begin = html.rindex("<figure", 0, start)
    end = html.index("</figure>", start) + len("</figure>")
    return ET.fromstring(html[begin:end])


def bars(chart: ET.Element) -> dict[str, dict]:
    return {
        group.get("data-label"): {
            "value": Decimal(group.get("data-value")),
            **{key: float(group.find(f"{SVG}rect").get(key)) for key in ("x", "width")},
        }
        for group in chart.findall(f".//{SVG}g[@class='bar']")
    }


# --------------------------------------------------------------------------- who may see it


def test_only_the_contests_organisers_see_the_dashboard(world):
    url = dashboard_url(world)
    for user in [world.judges[0], world.judges[1], world.secretary, world.representatives[0]]:
        assert client_for(user).get(url).status_code == 403
    assert Client().get(url).status_code == 302  # to the login page
    assert client_for(world.organiser).get(url).status_code == 200


def test_an_organiser_of_another_contest_is_refused(world):
    other = make_user("other-organiser")
    Membership.objects.create(contest=world.other_contest, user=other, role=Role.ORGANISER)
    assert client_for(other).get(dashboard_url(world)).status_code == 403


# --------------------------------------------------------------------------- signup


def test_dashboard_counts_entries_by_unit_and_status(world):
    first, second, third = world.units
    add_entry(world, first, "Mô hình A")
    add_entry(world, first, "Mô hình B", Entry.Status.PENDING)
    add_entry(world, second, "Mô hình C", Entry.Status.REJECTED)
    add_entry(world, second, "Mô hình D", Entry.Status.WITHDRAWN)
    board, html = board_of(world)
    counts = {unit.name: unit.by_status for unit in board.signup.units}
    assert counts == {first.name: [1, 1, 0, 0], second.name: [0, 0, 1, 1], third.name: [0, 0, 0, 0]}
    assert board.signup.totals == [1, 1, 1, 1] and board.signup.total == 4
    assert 'data-testid="signup-total">4<' in html


def test_dashboard_counts_units_without_entries(world):
    first, second, third = world.units
    add_entry(world, first, "Mô hình A")
    add_entry(world, second, "Mô hình C", Entry.Status.REJECTED)  # nothing left in play
    board, html = board_of(world)
    assert board.signup.expected == 3
    assert board.signup.expected_without_entries == 2
    highlighted = {unit.name for unit in board.signup.units if not unit.in_play}
    assert highlighted == {second.name, third.name}
    assert "2 of the 3 units expected have no entry" in html
    assert html.count('class="no-entry"') == 2


def test_units_expected_are_the_grassroots_units_under_the_organiser_valid_that_year(world):
    add_unit(world, "Đảng bộ đã giải thể", valid_to_year=world.contest.year - 1)
    add_unit(world, "Đảng bộ thành lập sau", valid_from_year=world.contest.year + 1)
    elsewhere = Unit.objects.create(
        code="other-bloc", name="Khối khác", level=Unit.Level.BLOC, parent=world.city
    )
    stranger = add_unit(world, "Đảng bộ khối khác", parent=elsewhere)
    add_entry(world, stranger, "Mô hình khách")
    board, _html = board_of(world)
    expected = {unit.name for unit in board.signup.units if unit.expected}
    assert expected == {unit.name for unit in world.units}
    # A unit from elsewhere that entered is listed too, after the expected ones.
    assert [unit.name for unit in board.signup.units][-1] == stranger.name


def test_units_are_listed_in_vietnamese_alphabetical_order(world):
    board, _html = board_of(world)
    # Cục < Nội < Tài ("Đảng bộ" is common; đ sorts after d, so plain code points would agree,
    # but the prefix "Đảng bộ cơ quan Sở" must not come first by its length).
    assert [unit.name for unit in board.signup.units] == [
        "Đảng bộ cơ quan Sở Nội vụ",
        "Đảng bộ Cục Thuế",
        "Đảng bộ Sở Tài chính",
    ]


def test_approval_queue_shows_the_entries_waiting_longest_first(world):
    unit = world.units[0]
    waiting = [add_entry(world, unit, f"Chờ duyệt {i}", Entry.Status.PENDING) for i in range(7)]
    add_entry(world, unit, "Đã duyệt")
    board, html = board_of(world)
    assert board.pending_count == 7
    assert [entry.pk for entry in board.pending] == [entry.pk for entry in waiting[:5]]
    assert "7 entries await approval." in html
    assert reverse("contest-detail", args=[world.contest.slug]) in html


def test_entries_by_field_chart_counts_entries_in_play(world):
    unit = world.units[0]
    add_entry(world, unit, "A", field="economy")
    add_entry(world, unit, "B", Entry.Status.PENDING, field="economy")
    add_entry(world, unit, "C", field="culture_society")
    add_entry(world, unit, "D", Entry.Status.REJECTED, field="culture_society")
    _board, html = board_of(world)
    drawn = bars(figure(html, "chart-fields"))
    assert {label: bar["value"] for label, bar in drawn.items()} == {
        "Economy": 2,
        "Culture and society": 1,
        "Defence and security": 0,
        "Building the political system": 0,
    }
    assert drawn["Economy"]["width"] == pytest.approx(2 * drawn["Culture and society"]["width"])


# --------------------------------------------------------------------------- schedule, judging


def test_schedule_status_shows_sessions_drawn_and_the_published_version(scheduled):
    world = scheduled.world
    scheduling_services.publish_schedule(round=world.final, actor=world.organiser)
    preliminary = Round.objects.create(
        contest=world.contest, name="Vòng sơ khảo", kind=Round.Kind.PRELIMINARY, sequence=2
    )
    scheduling_services.create_session(
        round=preliminary,
        name="Cụm 1",
        starts_at=session_start(),
        panel=scheduled.session.panel,
        actor=world.organiser,
    )
    board, html = board_of(world)
    final, second = board.rounds
    assert (final.schedule_version, final.slots, final.drawn_sessions) == (1, 3, 1)
    assert (second.schedule_version, second.slots, second.drawn_sessions) == (None, 3, 0)
    assert "version 1 published" in html and "not published yet" in html


def test_judging_progress_counts_submitted_sheets_against_the_sheets_expected(scheduled):
    world = scheduled.world
    first, second, third = scheduled.entries
    for entry in scheduled.entries:
        services.save_score_sheet(
            judge=world.judges[1], round=world.final, entry=entry, marks=MARKS, submit=True
        )
    services.declare_not_scoring(
        judge=world.judges[2],
        round=world.final,
        entry=second,
        participation="conflict",
        reason="Người thân",
    )
    services.save_score_sheet(
        judge=world.judges[0], round=world.final, entry=third, marks=MARKS, submit=False
    )
    board, html = board_of(world)
    (row,) = board.rounds[0].sessions
    # Three judges and three entries, less the head judge's own unit's entry.
    assert (row.expected_sheets, row.submitted_sheets, row.draft_sheets) == (8, 4, 1)
    assert row.percent == 50
    assert "4 / 8" in html
    # The head judge's console agrees.
    cells = [
        state
        for line in selectors.session_progress(scheduled.session)["entries"]
        for state in line["judges"].values()
    ]
    assert len(cells) - cells.count("own_unit") == row.expected_sheets
    assert sum(state in ("submitted", "locked", "conflict", "abstained") for state in cells) == 4


MARKS = {"content": "8", "delivery": "7.5"}

# Judge -> the marks given to the first, second and third entry (the head judge, judge1,
# sits for the first entry's unit and owes no sheet for it).
SCORES = {1: [None, "8", "7"], 2: ["9", "8", "7"], 3: ["8.5", "7.5", "6.5"]}


def score_every_sheet(scheduled: Scheduled) -> None:
    world = scheduled.world
    for number, values in SCORES.items():
        for entry, value in zip(scheduled.entries, values, strict=True):
            if value is not None:
                services.save_score_sheet(
                    judge=world.judges[number - 1],
                    round=world.final,
                    entry=entry,
                    marks={"content": value, "delivery": value},
                    submit=True,
                )


@pytest.fixture
def published_final(scheduled) -> Scheduled:
    """The final with every sheet in and its first ranking published."""
    score_every_sheet(scheduled)
    ranking = services.compute_ranking(round=scheduled.world.final)
    services.publish_ranking(ranking=ranking, actor=scheduled.world.organiser)
    return scheduled


def change_a_sheet(scheduled: Scheduled) -> None:
    """The head judge reopens a submitted sheet and its judge submits it again, changed."""
    world = scheduled.world
    entry = scheduled.entries[1]
    sheet = ScoreSheet.objects.get(round=world.final, entry=entry, judge=world.judges[1])
    services.unlock_score_sheet(sheet=sheet, actor=world.judges[0], reason="Gõ nhầm")
    services.save_score_sheet(
        judge=world.judges[1], round=world.final, entry=entry, marks=MARKS, submit=True
    )


# --------------------------------------------------------------------------- rankings


def test_ranking_status_shows_the_newest_and_published_versions(published_final):
    board, html = board_of(published_final.world)
    final = board.rounds[0]
    assert final.newest.version == final.published.version == 1
    assert not final.stale
    assert 'data-testid="stale"' not in html and 'data-testid="unpublished-newer"' not in html


def test_ranking_status_flags_sheets_changed_since_the_newest_version(published_final):
    world = published_final.world
    change_a_sheet(published_final)
    board, html = board_of(world)
    assert board.rounds[0].stale
    assert 'data-testid="stale"' in html
    services.compute_ranking(round=world.final)
    board, html = board_of(world)
    final = board.rounds[0]
    assert not final.stale
    assert (final.newest.version, final.published.version) == (2, 1)
    assert 'data-testid="unpublished-newer"' in html


def test_score_chart_shows_the_published_ranking_even_when_a_newer_one_exists(published_final):
    world = published_final.world
    change_a_sheet(published_final)
    services.compute_ranking(round=world.final)
    _board, html = board_of(world)
    chart = figure(html, f"chart-scores-{world.final.pk}")
    counts = [int(group.get("data-count")) for group in chart.iter(f"{SVG}g")]
    assert sum(counts) == 3
    assert "published ranking version 1" in chart.find(f".//{SVG}desc").text


def test_score_chart_falls_back_to_the_newest_ranking_labelled_unpublished(scheduled):
    world = scheduled.world
    score_every_sheet(scheduled)
    services.compute_ranking(round=world.final)
    _board, html = board_of(world)
    chart = figure(html, f"chart-scores-{world.final.pk}")
    assert "ranking version 1, not published" in chart.find(f".//{SVG}desc").text


def test_judge_deviation_chart_draws_harsher_judges_left_of_zero(published_final):
    world = published_final.world
    _board, html = board_of(world)
    chart = figure(html, f"chart-bias-{world.final.pk}")
    zero = float(chart.find(f".//{SVG}line[@class='zero']").get("x1"))
    drawn = bars(chart)
    # Named as people write them, family name first (make_user's last name is the number).
    assert set(drawn) == {"1 Giám khảo", "2 Giám khảo", "3 Giám khảo"}
    generous, harsh = drawn["2 Giám khảo"], drawn["3 Giám khảo"]
    assert generous["value"] > 0 > harsh["value"]
    assert generous["x"] == pytest.approx(zero)
    assert harsh["x"] + harsh["width"] == pytest.approx(zero)
    # The values drawn are the ranking snapshot's own.
    bias = Ranking.objects.get(round=world.final).analytics["judge_bias"]
    assert generous["value"] == Decimal(bias[str(world.judges[1].pk)])


def test_charts_write_numbers_with_a_decimal_comma_in_vietnamese(published_final):
    world = published_final.world
    _board, html = board_of(world, HTTP_ACCEPT_LANGUAGE="vi")
    chart = figure(html, f"chart-bias-{world.final.pk}")
    values = [cell.text for cell in chart.iter("td")]
    assert len(values) == 3
    assert all("," in value and "." not in value for value in values)


def test_a_round_without_ranking_has_charts_that_say_so(scheduled):
    _board, html = board_of(scheduled.world)
    chart = figure(html, f"chart-scores-{scheduled.world.final.pk}")
    assert chart.get("data-chart") == "empty"


# --------------------------------------------------------------------------- cost


def grow(world) -> None:
    """Many more units, entries, judges, sessions and sheets, and a new ranking published."""
    units = [add_unit(world, f"Đảng bộ mở rộng {i}") for i in range(12)]
    entries = [
        add_entry(world, unit, f"Mô hình mở rộng {i}-{n}", field=field)
        for i, unit in enumerate(units)
        for n, field in enumerate(["economy", "defence_security"])
    ]
    add_entry(world, units[0], "Chờ duyệt", Entry.Status.PENDING)
    judges = add_judges(world, 8, "extra")
    for number, (panel_judges, session_entries) in enumerate(
        [(judges[:4], entries[:12]), (judges[4:], entries[12:])], start=2
    ):
        panel = scheduling_services.create_panel(
            contest=world.contest,
            name=f"BGK {number}",
            actor=world.organiser,
            seats=[scheduling_services.SeatInput(judge) for judge in panel_judges],
        )
        session = scheduling_services.create_session(
            round=world.final,
            name=f"Cụm {number}",
            starts_at=session_start(),
            panel=panel,
            actor=world.organiser,
            entries=session_entries,
        )
        scheduling_services.draw_running_order(session=session, actor=world.organiser)
        for judge in panel_judges:
            for entry in session_entries:
                services.save_score_sheet(
                    judge=judge,
                    round=world.final,
                    entry=entry,
                    marks={"content": str(5 + entry.pk % 5), "delivery": "7"},
                    submit=True,
                )
    ranking = services.compute_ranking(round=world.final)
    services.publish_ranking(ranking=ranking, actor=world.organiser)


def test_dashboard_uses_a_fixed_number_of_queries(published_final, django_assert_max_num_queries):
    """Session, user, contest, roles, the dashboard's thirteen reads, the header's person,
    the background-work notice's four."""
    world = published_final.world
    client = client_for(world.organiser)
    with django_assert_max_num_queries(22) as small:
        assert client.get(dashboard_url(world)).status_code == 200
    grow(world)
    with django_assert_max_num_queries(22) as large:
        response = client.get(dashboard_url(world))
    board = response.context["board"]
    assert len(board.rounds[0].sessions) == 3 and len(board.signup.units) == 15
    assert len(board.rounds[0].charted.analytics["judge_bias"]) == 11
    assert len(large) == len(small)


def test_dashboard_statuses_follow_the_entry_model():
    assert set(STATUSES) == set(Entry.Status.values)

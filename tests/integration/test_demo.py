"""The demo data (`manage.py load_demo`) tells the true story of the 2019 Hà Nội bloc contest.

The demo is loaded once for the module inside a transaction that is rolled back at the end;
each test runs in its own savepoint on top of it (on_commit hooks never fire, so no ranking task
runs: the rankings seen here are the ones the loader computed itself).
"""

import io
import unicodedata
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count

from contest.models import Contest, Entry, Field, Initiative, Membership, Person, Role, Unit
from contest.selectors import units_valid_in
from scheduling.models import PanelSeat, Round, Slot
from scoring.models import Mark, Ranking, ScoreSheet

BLOC_2019 = "dan-van-kheo-khoi-2019"
CITY_2019 = "dan-van-kheo-thanh-pho-2019"
BLOC_2020 = "dan-van-kheo-khoi-2020"
PASSWORD = "hoithi2019"
LOGINS = [
    "admin",
    "bantochuc",
    "thuky",
    "truongbgk",
    "giamkhao1",
    "giamkhao2",
    "giamkhao3",
    "giamkhao4",
    "donvi",
    "baocaovien",
]

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def demo(demo_data):
    return demo_data


def grassroots(year: int = 2019):
    return units_valid_in(year).filter(level=Unit.Level.GRASSROOTS, parent__level=Unit.Level.BLOC)


def initiatives_2019():
    return Initiative.objects.filter(year=2019)


def bloc_contest() -> Contest:
    return Contest.objects.get(slug=BLOC_2019)


def rounds() -> tuple[Round, Round]:
    preliminary, final = Round.objects.filter(contest__slug=BLOC_2019).order_by("sequence")
    return preliminary, final


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_units_form_a_tree_of_city_bloc_and_68_grassroots_organisations():
    bloc = Unit.objects.get(level=Unit.Level.BLOC)
    assert bloc.name == "Đảng ủy Khối các cơ quan Thành phố Hà Nội"
    assert bloc.kind == Unit.Kind.PARTY_COMMITTEE
    assert bloc.parent.level == Unit.Level.CITY
    assert bloc.parent.name == "Thành phố Hà Nội"
    assert grassroots().count() == 68
    assert grassroots().filter(parent=bloc).count() == 68


def test_37_grassroots_units_are_party_committees_and_31_are_party_cells():
    committees = grassroots().filter(kind=Unit.Kind.PARTY_COMMITTEE)
    cells = grassroots().filter(kind=Unit.Kind.PARTY_CELL)
    assert committees.count() == 37
    assert cells.count() == 31
    assert all(
        name.startswith(("Đảng bộ", "Đảng ủy"))
        for name in committees.values_list("name", flat=True)
    )
    assert all(name.startswith("Chi bộ") for name in cells.values_list("name", flat=True))
    assert all(grassroots().values_list("short_name", flat=True))


def test_real_units_are_there_by_name():
    names = set(grassroots().values_list("name", flat=True))
    assert {
        "Đảng bộ cơ quan Sở Nội vụ",
        "Đảng bộ Sở Tài chính",
        "Đảng bộ Sở Tài nguyên và Môi trường",
        "Đảng bộ Cục Thuế",
        "Chi bộ cơ quan Ban Nội chính Thành ủy",
        "Đảng ủy cơ quan Sở Xây dựng",
        "Đảng ủy cơ quan Ủy ban MTTQ Thành phố",
        "Đảng bộ Thanh tra Thành phố",
        "Đảng bộ Văn phòng UBND Thành phố",
    } <= names


def test_2019_initiatives_are_244_collective_and_98_individual():
    assert initiatives_2019().filter(kind=Initiative.Kind.COLLECTIVE).count() == 244
    assert initiatives_2019().filter(kind=Initiative.Kind.INDIVIDUAL).count() == 98


def test_so_xay_dung_has_the_most_collective_initiatives_alone():
    per_unit = (
        initiatives_2019()
        .filter(kind=Initiative.Kind.COLLECTIVE)
        .values("unit__name")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    assert per_unit[0] == {"unit__name": "Đảng ủy cơ quan Sở Xây dựng", "n": 16}
    assert per_unit[1]["n"] < 16


def test_mttq_has_the_most_individual_initiatives_alone():
    per_unit = (
        initiatives_2019()
        .filter(kind=Initiative.Kind.INDIVIDUAL)
        .values("unit__name")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    assert per_unit[0] == {"unit__name": "Đảng ủy cơ quan Ủy ban MTTQ Thành phố", "n": 45}
    assert per_unit[1]["n"] < 45


def test_initiatives_cover_every_field_with_titles_unique_per_unit():
    assert set(initiatives_2019().values_list("field", flat=True)) == set(Field.values)
    duplicates = Initiative.objects.values("unit", "title").annotate(n=Count("id")).filter(n__gt=1)
    assert not duplicates.exists()


def test_bloc_contest_advances_to_the_city_contest_and_is_judging():
    contest = bloc_contest()
    assert contest.level == Contest.Level.BLOC
    assert contest.year == 2019
    assert contest.status == Contest.Status.JUDGING
    assert contest.place == "Hà Nội"
    assert contest.organising_unit.level == Unit.Level.BLOC
    assert contest.advances_to.slug == CITY_2019
    assert contest.advances_to.level == Contest.Level.CITY
    assert contest.advances_to.status == Contest.Status.DRAFT
    assert Contest.objects.get(slug=BLOC_2020).status == Contest.Status.SIGNUP_OPEN


def test_bloc_contest_has_one_approved_entry_per_party_committee():
    entries = Entry.objects.filter(contest__slug=BLOC_2019)
    assert entries.count() == 37
    assert not entries.exclude(status=Entry.Status.APPROVED).exists()
    committees = set(
        grassroots().filter(kind=Unit.Kind.PARTY_COMMITTEE).values_list("pk", flat=True)
    )
    assert set(entries.values_list("unit", flat=True)) == committees
    for entry in entries.select_related("initiative").annotate(n=Count("presenters")):
        assert entry.initiative.unit_id == entry.unit_id
        if entry.initiative.kind == Initiative.Kind.INDIVIDUAL:
            assert entry.n == 1
        else:
            assert entry.n in (1, 2)


def test_2020_contest_has_pending_entries_and_a_representative_for_so_noi_vu():
    assert Entry.objects.filter(contest__slug=BLOC_2020, status=Entry.Status.PENDING).exists()
    for slug in (BLOC_2019, BLOC_2020):
        membership = Membership.objects.get(
            contest__slug=slug, user__username="donvi", role=Role.UNIT_REPRESENTATIVE
        )
        assert membership.unit.name == "Đảng bộ cơ quan Sở Nội vụ"
    assert Membership.objects.filter(
        contest__slug=BLOC_2020, user__username="bantochuc", role=Role.ORGANISER
    ).exists()


def test_panel_has_a_head_judge_and_four_judges():
    seats = PanelSeat.objects.filter(panel__contest__slug=BLOC_2019)
    assert seats.count() == 5
    assert set(seats.values_list("judge__username", flat=True)) == {
        "truongbgk",
        "giamkhao1",
        "giamkhao2",
        "giamkhao3",
        "giamkhao4",
    }
    assert seats.get(role=PanelSeat.Role.HEAD_JUDGE).judge.username == "truongbgk"
    assert not seats.filter(unit__isnull=True).exists()
    entered_units = Entry.objects.filter(contest__slug=BLOC_2019).values("unit")
    assert seats.filter(unit__in=entered_units).count() == 1


def test_contest_has_a_preliminary_and_a_final_round():
    preliminary, final = rounds()
    assert (preliminary.kind, preliminary.sequence, preliminary.name) == (
        Round.Kind.PRELIMINARY,
        1,
        "Vòng sơ khảo",
    )
    assert (final.kind, final.sequence, final.name) == (Round.Kind.FINAL, 2, "Vòng chung khảo")
    assert preliminary.status == Round.Status.CLOSED
    assert final.status == Round.Status.OPEN
    assert preliminary.sessions.count() == 4
    assert Slot.objects.filter(round=preliminary, position__isnull=False).count() == 37


def test_preliminary_ranking_is_published_with_37_standings():
    preliminary, _final = rounds()
    published = Ranking.objects.get(round=preliminary, is_published=True)
    assert published.standings.count() == 37


def test_final_takes_the_top_seven_of_the_published_preliminary_ranking():
    preliminary, final = rounds()
    published = Ranking.objects.get(round=preliminary, is_published=True)
    top = set(published.standings.order_by("rank", "id").values_list("entry", flat=True)[:7])
    final_entries = set(Slot.objects.filter(round=final).values_list("entry", flat=True))
    assert len(final_entries) == 7
    assert final_entries == top
    assert Ranking.objects.filter(round=final, is_published=False).exists()


def test_no_judge_scores_an_entry_of_their_own_unit():
    sheets = ScoreSheet.objects.filter(round__contest__slug=BLOC_2019).select_related("entry")
    own_unit = {
        seat.judge_id: seat.unit_id
        for seat in PanelSeat.objects.filter(panel__contest__slug=BLOC_2019)
    }
    assert all(own_unit[sheet.judge_id] != sheet.entry.unit_id for sheet in sheets)
    preliminary, _final = rounds()
    assert sheets.filter(round=preliminary).count() == 5 * 37 - 1


def test_giamkhao1_has_not_scored_the_final_but_the_others_have():
    _preliminary, final = rounds()
    judges = set(
        ScoreSheet.objects.filter(round=final, status=ScoreSheet.Status.SUBMITTED).values_list(
            "judge__username", flat=True
        )
    )
    assert judges == {"truongbgk", "giamkhao2", "giamkhao3", "giamkhao4"}


def test_marks_are_on_the_rubric_scale():
    marks = Mark.objects.filter(sheet__round__contest__slug=BLOC_2019).select_related("criterion")
    assert marks.exists()
    for mark in marks:
        assert Decimal("6") <= mark.value <= Decimal("9.75")
        assert mark.value <= mark.criterion.max_score
        assert mark.value % mark.criterion.step == 0


def test_presenter_login_belongs_to_a_finalist():
    _preliminary, final = rounds()
    person = Person.objects.get(user__username="baocaovien")
    assert Slot.objects.filter(round=final, entry__presenters=person).exists()
    assert Membership.objects.filter(
        contest__slug=BLOC_2019, user__username="baocaovien", role=Role.PRESENTER, person=person
    ).exists()


def test_every_name_is_stored_in_nfc():
    for person in Person.objects.all():
        for name in (person.full_name, person.family_name, person.middle_name, person.given_name):
            assert unicodedata.is_normalized("NFC", name)
    for name in Unit.objects.values_list("name", flat=True):
        assert unicodedata.is_normalized("NFC", name)
    for title in Initiative.objects.values_list("title", flat=True):
        assert unicodedata.is_normalized("NFC", title)


def test_loading_again_changes_nothing():
    before = row_counts()
    out = io.StringIO()
    call_command("load_demo", quiet=True, stdout=out)
    assert row_counts() == before
    assert "already loaded" in out.getvalue()
    assert "hoithi2019" in out.getvalue()


def test_demo_logins_authenticate(demo):
    assert "Demo logins (password for all: hoithi2019)" in demo
    for username in LOGINS:
        assert username in demo
        assert authenticate(username=username, password=PASSWORD) is not None, username


def test_every_round_has_a_published_schedule_without_blocking_problems():
    from scheduling import checks
    from scheduling.selectors import schedule_problems

    for round in rounds():
        version = round.schedule_versions.get()
        problems, _sessions = schedule_problems(round)
        assert [p for p in problems if p.severity == checks.BLOCKING] == []
        slots = [slot for session in version.snapshot["sessions"] for slot in session["slots"]]
        assert slots and all(slot["position"] and slot["start"] for slot in slots)


def test_units_merged_in_2025_keep_their_2019_names_and_continue_as_one():
    assert grassroots(2025).count() == 67
    merged = Unit.objects.get(code="so-tai-chinh-2025")
    old = Unit.objects.filter(successor=merged).order_by("code")
    assert [unit.name for unit in old] == [
        "Đảng bộ Sở Kế hoạch và Đầu tư",
        "Đảng bộ Sở Tài chính",
    ]
    assert all(unit.valid_in(2019) and not unit.valid_in(2025) for unit in old)
    assert set(bloc_contest().entries.values_list("unit__valid_to_year", flat=True)) <= {
        None,
        2024,
    }

"""Building a round's sessions, adjusting them by hand, and the public record of the draw."""

from collections import Counter

import pytest
from django.test import Client

from config.errors import DomainError, NotAllowed
from contest import services as contest_services
from scheduling import services
from scheduling.models import Draw, Panel, Session
from tests.thin_path import client_for
from tests.world import session_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(world):
    """Nine approved entries: three from each unit, in two fields."""
    entries = []
    for index in range(9):
        rep = world.representatives[index % 3]
        entry = contest_services.register_entry(
            contest=world.contest,
            user=rep,
            initiative_title=f"Mô hình {index + 1}",
            field="economy" if index < 6 else "culture_society",
            kind="collective",
            presenters=[contest_services.PresenterInput(full_name=f"Trần Thị Mười{index}")],
        )
        entries.append(contest_services.approve_entry(entry=entry, actor=world.organiser))
    return entries


def units_per_session(world):
    return [
        Counter(slot.entry.unit_id for slot in session.slots.select_related("entry"))
        for session in Session.objects.filter(round=world.final).order_by("name")
    ]


def test_entries_are_spread_into_clusters_each_unit_once_per_cluster(world, approved):
    sessions = services.build_sessions(
        round=world.final,
        count=3,
        starts_at=session_start(),
        rooms=["Phòng 201", "Phòng 202", "Hội trường A"],
        actor=world.organiser,
    )
    assert [s.name for s in sessions] == ["Cụm 1", "Cụm 2", "Cụm 3"]
    assert [s.room.name for s in sessions] == ["Phòng 201", "Phòng 202", "Hội trường A"]
    assert all(s.panel is not None for s in sessions)
    # Three units with three entries each, three sessions: one entry of each unit per session.
    assert units_per_session(world) == [Counter({u.pk: 1 for u in world.units})] * 3


def test_by_field_keeps_fields_together(world, approved):
    services.build_sessions(
        round=world.final, count=3, starts_at=session_start(), by_field=True, actor=world.organiser
    )
    fields = [
        {slot.entry.initiative.field for slot in session.slots.select_related("entry__initiative")}
        for session in Session.objects.filter(round=world.final).order_by("name")
    ]
    assert sorted(map(sorted, fields)) == [["culture_society"], ["economy"], ["economy"]]


def test_bad_requests_change_nothing(world, approved):
    with pytest.raises(DomainError) as refusal:
        services.build_sessions(
            round=world.final, count=10, starts_at=session_start(), actor=world.organiser
        )
    assert refusal.value.field == "count"
    with pytest.raises(DomainError) as refusal:
        services.build_sessions(
            round=world.final,
            count=2,
            starts_at=session_start(),
            rooms=["Only one"],
            actor=world.organiser,
        )
    assert refusal.value.field == "rooms"
    with pytest.raises(NotAllowed):
        services.build_sessions(
            round=world.final, count=2, starts_at=session_start(), actor=world.judges[0]
        )
    assert not Session.objects.filter(round=world.final).exists()

    page = client_for(world.organiser).post(
        f"/rounds/{world.final.pk}/schedule/",
        {"build_sessions": "1", "build-count": "0", "build-starts_at": "2019-10-05T08:00"},
    )
    assert page.status_code == 200 and "build-count" in page.content.decode()
    assert not Session.objects.filter(round=world.final).exists()


def test_the_organiser_builds_moves_draws_and_changes_one_place(world, approved):
    organiser = client_for(world.organiser)
    response = organiser.post(
        f"/rounds/{world.final.pk}/schedule/",
        {
            "build_sessions": "1",
            "build-count": "2",
            "build-starts_at": "2019-10-05T08:00",
            "build-units_apart": "on",
        },
    )
    assert response.status_code == 302
    first, second = Session.objects.filter(round=world.final).order_by("name")
    assert (first.slots.count(), second.slots.count()) == (5, 4)

    # Before the draw: an entry moves to the other session.
    slot = first.slots.first()
    organiser.post(f"/slots/{slot.pk}/move/", {"session": second.pk})
    assert (first.slots.count(), second.slots.count()) == (4, 5)

    organiser.post(f"/sessions/{second.pk}/draw/", {"witnesses": "Đại diện các đơn vị"})
    drawn = Draw.objects.get(session=second, is_current=True)
    order = list(second.slots.order_by("position").values_list("entry_id", flat=True))
    assert order == drawn.result_entries
    # Drawn: moving between sessions is refused; a place changes only with a reason.
    last = second.slots.get(position=5)
    organiser.post(f"/slots/{last.pk}/move/", {"session": first.pk})
    assert second.slots.count() == 5
    organiser.post(f"/slots/{last.pk}/move/", {"position": 1, "reason": ""})
    assert Draw.objects.filter(session=second).count() == 1
    organiser.post(f"/slots/{last.pk}/move/", {"position": 1, "reason": "Báo cáo viên phải về sớm"})
    manual = Draw.objects.get(session=second, is_current=True)
    assert manual.algorithm == "manual" and manual.reason == "Báo cáo viên phải về sớm"
    assert manual.result_entries == [order[4], *order[:4]]
    new_order = list(second.slots.order_by("position").values_list("entry_id", flat=True))
    assert new_order == manual.result_entries
    times = list(second.slots.order_by("position").values_list("planned_start", flat=True))
    assert times == sorted(times) and times[0] == second.starts_at
    drawn.refresh_from_db()
    assert not drawn.is_current  # kept in the record

    # The record is the organisers' until the schedule is published, then public: both
    # records, the draw reproducible from its seed.
    assert Client().get(f"/sessions/{second.pk}/draws/").status_code == 404
    assert organiser.get(f"/sessions/{second.pk}/draws/").status_code == 200
    Panel.objects.filter(pk__in=[first.panel_id, second.panel_id]).update(minimum_size=0)
    services.publish_schedule(round=world.final, actor=world.organiser)
    page = Client().get(f"/sessions/{second.pk}/draws/").content.decode()
    assert drawn.seed in page and "Báo cáo viên phải về sớm" in page
    assert page.count('data-testid="server-rerun"') == 1
    rerun = page[page.index('data-testid="server-rerun"') :]
    assert rerun[: rerun.index("</p>")].count("✓") == 1


def test_a_tampered_record_shows_up_on_the_public_page(scheduled):
    services.publish_schedule(round=scheduled.world.final, actor=scheduled.world.organiser)
    record = Draw.objects.get(session=scheduled.session, is_current=True)
    record.result_entries = list(reversed(record.result_entries))
    record.save(update_fields=["result_entries"])
    page = Client().get(f"/sessions/{scheduled.session.pk}/draws/").content.decode()
    rerun = page[page.index('data-testid="server-rerun"') :]
    assert "✗" in rerun[: rerun.index("</p>")]


def test_what_presented_or_is_on_stage_keeps_its_place(scheduled):
    world, session = scheduled.world, scheduled.session
    Session.objects.filter(pk=session.pk).update(current_position=2)
    last = session.slots.get(position=3)
    with pytest.raises(DomainError) as refusal:
        services.move_slot(slot=last, position=2, reason="Về sớm", actor=world.organiser)
    assert refusal.value.field == "position"
    first = session.slots.get(position=1)
    with pytest.raises(DomainError):
        services.move_slot(slot=first, position=3, reason="Nhầm", actor=world.organiser)
    assert list(session.slots.order_by("position").values_list("position", flat=True)) == [
        1,
        2,
        3,
    ]


def test_built_clusters_take_the_first_free_names(world, approved):
    from scheduling.models import Panel as PanelModel

    panel = PanelModel.objects.create(contest=world.contest, name="Tự đặt")
    Session.objects.create(round=world.final, name="Cụm 2", starts_at=session_start(), panel=panel)
    services.build_sessions(
        round=world.final, count=2, starts_at=session_start(), actor=world.organiser
    )
    names = sorted(Session.objects.filter(round=world.final).values_list("name", flat=True))
    assert names == ["Cụm 1", "Cụm 2", "Cụm 3"]

"""Publishing a round's schedule: graded problems, versions with their change list, breaks,
and what presenters see (the published version, never the working copy)."""

from datetime import timedelta

import pytest

from config.errors import DomainError
from contest.models import Person
from contest.templatetags.people import display_name
from scheduling import services
from scheduling.models import Panel, ScheduleVersion
from tests.thin_path import client_for
from tests.world import make_user

pytestmark = pytest.mark.django_db


def test_a_blocking_problem_stops_publication_and_says_what_it_is(scheduled):
    world = scheduled.world
    Panel.objects.filter(pk=scheduled.session.panel_id).update(minimum_size=5)
    with pytest.raises(DomainError) as refusal:
        services.publish_schedule(round=world.final, actor=world.organiser)
    (problem,) = refusal.value.errors["problems"]
    assert "3" in problem and "5" in problem and scheduled.session.name in problem
    assert not ScheduleVersion.objects.exists()

    page = client_for(world.organiser).get(f"/rounds/{world.final.pk}/schedule/")
    html = page.content.decode()
    block = html[html.index('data-testid="schedule-problems"') : html.index("</section>")]
    assert block.count('class="error"') == 1 and "at least 5" in block
    assert 'data-testid="publish-schedule" disabled' in html
    response = client_for(world.organiser).post(
        f"/rounds/{world.final.pk}/schedule/publish/", follow=True
    )
    assert "5" in response.content.decode() and not ScheduleVersion.objects.exists()

    # The organiser decides a small panel is only a warning for this round: it publishes, and
    # the version keeps the warnings it was published over.
    client_for(world.organiser).post(
        f"/rounds/{world.final.pk}/schedule/severities/", {"panel_too_small": "warning"}
    )
    version = services.publish_schedule(round=world.final, actor=world.organiser)
    assert version.number == 1 and any("5" in warning for warning in version.warnings)


def test_the_own_unit_warning_does_not_block(scheduled):
    world = scheduled.world
    version = services.publish_schedule(round=world.final, actor=world.organiser)
    # judge1 belongs to the first entry's unit: a warning, published over.
    assert version.number == 1
    (warning,) = version.warnings
    assert display_name(world.judges[0]) in warning and scheduled.session.name in warning


def test_presenters_see_the_published_version_and_versions_list_their_changes(scheduled):
    world = scheduled.world
    user = make_user("bcv-thu2")
    Person.objects.filter(entries=scheduled.entries[2]).update(user=user)
    presenter = client_for(user)
    assert "Mô hình số 3" not in presenter.get("/me/schedule/").content.decode()  # unpublished

    services.publish_schedule(round=world.final, actor=world.organiser)
    slot = scheduled.session.slots.get(entry=scheduled.entries[2])
    first_place = slot.position
    assert f"<td>{first_place}</td>" in presenter.get("/me/schedule/").content.decode()

    new_place = 1 if first_place != 1 else 3
    services.move_slot(slot=slot, position=new_place, reason="Về sớm", actor=world.organiser)
    # The working copy changed; the presenter still sees what was published.
    assert f"<td>{first_place}</td>" in presenter.get("/me/schedule/").content.decode()

    version = services.publish_schedule(round=world.final, actor=world.organiser, note="Đổi")
    assert version.number == 2
    moved = [c for c in version.changes if c.get("entry") == scheduled.entries[2].pk]
    assert moved == [
        {
            "kind": "reordered",
            "entry": scheduled.entries[2].pk,
            "session": scheduled.session.name,
            "before": first_place,
            "after": new_place,
        }
    ]
    assert f"<td>{new_place}</td>" in presenter.get("/me/schedule/").content.decode()
    page = client_for(world.organiser).get(f"/rounds/{world.final.pk}/schedule/")
    assert 'data-testid="version-2"' in page.content.decode()


def test_a_break_moves_the_later_presentations(scheduled):
    world = scheduled.world
    session = scheduled.session
    before = list(session.slots.order_by("position").values_list("planned_start", flat=True))
    organiser = client_for(world.organiser)
    organiser.post(
        f"/sessions/{session.pk}/breaks/", {"after_position": 1, "minutes": 20, "label": "Trà"}
    )
    after = list(session.slots.order_by("position").values_list("planned_start", flat=True))
    changeover = timedelta(minutes=session.changeover_minutes)
    assert after[0] == before[0]
    assert after[1] == before[1] - changeover + timedelta(minutes=20)
    assert after[2] - after[1] == before[2] - before[1]

    # A break after the last place, or twice after one place, is refused with a message.
    response = organiser.post(
        f"/sessions/{session.pk}/breaks/", {"after_position": 3, "minutes": 10}, follow=True
    )
    assert session.breaks.count() == 1 and response.status_code == 200
    organiser.post(f"/sessions/{session.pk}/breaks/", {"after_position": 1, "minutes": 10})
    assert session.breaks.count() == 1
    assert (
        client_for(world.judges[1])
        .post(f"/sessions/{session.pk}/breaks/", {"after_position": 2, "minutes": 10})
        .status_code
        == 403
    )

    organiser.post(f"/breaks/{session.breaks.get().pk}/delete/")
    restored = list(session.slots.order_by("position").values_list("planned_start", flat=True))
    assert restored == before


def test_the_presentation_length_plans_every_session_again(scheduled):
    from scoring.models import RubricPart

    world = scheduled.world
    RubricPart.objects.filter(rubric__round=world.final, name="Trình bày").update(minutes=12)
    organiser = client_for(world.organiser)
    page = organiser.get(f"/rounds/{world.final.pk}/schedule/").content.decode()
    hint = page[page.index('data-testid="rubric-parts"') :]
    assert "Đề cương" in hint[:300] and "Trình bày 12′" in hint[:300] and "12′)" in hint[:300]
    organiser.post(
        f"/rounds/{world.final.pk}/timing/", {"slot_minutes": 20, "changeover_minutes": 5}
    )
    starts = list(
        scheduled.session.slots.order_by("position").values_list("planned_start", flat=True)
    )
    assert [b - a for a, b in zip(starts, starts[1:], strict=False)] == [timedelta(minutes=25)] * 2
    organiser.post(
        f"/rounds/{world.final.pk}/timing/", {"slot_minutes": 0, "changeover_minutes": 5}
    )
    scheduled.session.refresh_from_db()
    assert scheduled.session.slot_minutes == 20

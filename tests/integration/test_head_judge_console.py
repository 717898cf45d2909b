"""The head judge's console: live progress of a session and the entry now on stage."""

import pytest

from scoring import services
from tests.thin_path import client_for

pytestmark = pytest.mark.django_db


def test_progress_shows_who_submitted_what_but_never_marks(scheduled):
    world = scheduled.world
    services.save_score_sheet(
        judge=world.judges[1],
        round=world.final,
        entry=scheduled.entries[1],
        marks={"content": "8", "delivery": "8"},
        submit=True,
    )
    services.declare_not_scoring(
        judge=world.judges[2],
        round=world.final,
        entry=scheduled.entries[1],
        participation="conflict",
        reason="Người nhà",
    )
    url = f"/api/sessions/{scheduled.session.pk}/progress/"
    progress = client_for(world.judges[0]).get(url).json()
    by_entry = {row["entry"]: row["judges"] for row in progress["entries"]}
    assert by_entry[scheduled.entries[1].pk] == {
        "judge1": "missing",
        "judge2": "submitted",
        "judge3": "conflict",
    }
    assert by_entry[scheduled.entries[0].pk]["judge1"] == "own_unit"
    cells = {cell for row in progress["entries"] for cell in row["judges"].values()}
    assert cells <= {"missing", "draft", "submitted", "locked", "own_unit", "conflict"}
    # Statuses and the sheet ids the head judge may unlock; never marks.
    assert set(progress["entries"][0]) == {"position", "entry", "title", "judges", "sheets"}
    assert "marks" not in str(progress)
    assert client_for(world.judges[1]).get(url).status_code == 403


def test_secretary_moves_the_session_to_the_entry_on_stage(scheduled):
    world = scheduled.world
    url = f"/api/sessions/{scheduled.session.pk}/advance/"
    secretary = client_for(world.secretary)
    response = secretary.post(url, {"position": 2}, content_type="application/json")
    assert response.status_code == 200 and response.json()["current_position"] == 2
    assert secretary.post(url, {"position": 9}, content_type="application/json").status_code == 400
    assert (
        client_for(world.judges[1])
        .post(url, {"position": 1}, content_type="application/json")
        .status_code
        == 403
    )
    page = client_for(world.judges[1]).get(f"/judge/sessions/{scheduled.session.pk}/")
    assert 'class="slot current"' in page.content.decode()


def test_the_timer_measures_overtime_and_proposes_the_parts_penalty(scheduled, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from scoring.models import RubricPart

    world = scheduled.world
    part = RubricPart.objects.get(rubric__round=world.final, order=2)
    part.minutes = 7
    part.save()
    part.penalty_rules.create(minutes_over=1, points="0.5")
    part.penalty_rules.create(minutes_over=2, points="1")
    clock = [timezone.now()]
    monkeypatch.setattr(services.timezone, "now", lambda: clock[0])
    head = client_for(world.judges[0])
    url = f"/api/rounds/{world.final.pk}/timers/"

    def act(action, after_seconds=0):
        clock[0] += timedelta(seconds=after_seconds)
        return head.post(
            url,
            {"entry": scheduled.entries[1].pk, "part": part.pk, "action": action},
            content_type="application/json",
        )

    assert act("start").json()["running"] is True
    paused = act("pause", after_seconds=300).json()  # 5 minutes, then a pause of 10
    assert paused["elapsed_seconds"] == "300.0" and paused["proposed_penalty"] == "0"
    act("start", after_seconds=600)
    stopped = act("stop", after_seconds=222).json()  # 8 min 42 s on stage: 1.7 min over
    assert stopped["elapsed_seconds"] == "522.0" and stopped["minutes_over"] == "1.70"
    assert stopped["proposed_penalty"] == "0.50" and stopped["stopped"] is True
    assert act("pause").status_code == 400
    assert (
        client_for(world.judges[1])
        .post(
            url,
            {"entry": scheduled.entries[1].pk, "part": part.pk, "action": "start"},
            content_type="application/json",
        )
        .status_code
        == 403
    )


def test_a_reminder_shows_on_the_judges_tablet_until_the_sheet_is_in(scheduled):
    world = scheduled.world
    head, judge, entry = world.judges[0], world.judges[1], scheduled.entries[1]
    url = f"/api/sessions/{scheduled.session.pk}/nudges/"
    console = f"/judge/sessions/{scheduled.session.pk}/console.json"
    tablet = client_for(judge)
    assert tablet.get(console).json()["nudges"] == []

    first = client_for(head).post(url, {"judge": judge.pk, "entry": entry.pk}, format="json")
    again = client_for(head).post(url, {"judge": judge.pk, "entry": entry.pk}, format="json")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]  # a second tap within a minute: one reminder
    assert [n["entry"] for n in tablet.get(console).json()["nudges"]] == [entry.pk]
    # Another judge's tablet shows nothing.
    assert client_for(world.judges[2]).get(console).json()["nudges"] == []

    services.save_score_sheet(
        judge=judge,
        round=world.final,
        entry=entry,
        marks={"content": "8", "delivery": "8"},
        submit=True,
    )
    assert tablet.get(console).json()["nudges"] == []
    late = client_for(head).post(url, {"judge": judge.pk, "entry": entry.pk}, format="json")
    assert late.status_code == 400
    assert "entry" in late.json()
    # Nobody is reminded of an entry they do not score: judge1 sits for the first entry's unit.
    own_unit = client_for(world.secretary).post(
        url, {"judge": head.pk, "entry": scheduled.entries[0].pk}, format="json"
    )
    assert own_unit.status_code == 400


def test_the_tablets_poll_gets_304_until_something_it_shows_changes(
    scheduled, django_assert_max_num_queries, monkeypatch
):
    from scoring import selectors

    monkeypatch.setattr(selectors, "console_refresh_period", lambda: 1)
    world = scheduled.world
    judge, entry = world.judges[1], scheduled.entries[1]
    console = f"/judge/sessions/{scheduled.session.pk}/console.json"
    tablet = client_for(judge)

    def poll(etag):
        return tablet.get(console, headers={"If-None-Match": etag})

    etag = tablet.get(console)["ETag"]
    # Nothing changed: answered from one state query, without building the document (login,
    # session and seat lookups aside).
    with django_assert_max_num_queries(5):
        assert poll(etag).status_code == 304

    changes = [
        lambda: client_for(world.secretary).post(
            f"/api/sessions/{scheduled.session.pk}/advance/",
            {"position": 2},
            content_type="application/json",
        ),
        lambda: client_for(world.judges[0]).post(
            f"/api/sessions/{scheduled.session.pk}/nudges/",
            {"judge": judge.pk, "entry": entry.pk},
            format="json",
        ),
        lambda: services.save_score_sheet(
            judge=judge,
            round=world.final,
            entry=entry,
            marks={"content": "8"},
            submit=False,
        ),
        lambda: services.save_score_sheet(
            judge=judge,
            round=world.final,
            entry=entry,
            marks={"content": "8", "delivery": "7"},
            submit=True,
        ),
        # A redraw that only swaps two entries.
        lambda: _swap_first_two_positions(scheduled.session),
        # A minute later, whatever happened: rebuilt.
        lambda: monkeypatch.setattr(selectors, "console_refresh_period", lambda: 2),
    ]
    for change in changes:
        change()
        response = poll(etag)
        assert response.status_code == 200, changes.index(change)
        assert response["ETag"] != etag
        etag = response["ETag"]
        assert poll(etag).status_code == 304
    # Another judge's sheet is none of this tablet's business: no new document.
    services.save_score_sheet(
        judge=world.judges[2],
        round=world.final,
        entry=entry,
        marks={"content": "6", "delivery": "6"},
        submit=True,
    )
    assert poll(etag).status_code == 304


def _swap_first_two_positions(session) -> None:
    first, second = session.slots.order_by("position")[:2]
    positions = first.position, second.position
    first.position, second.position = None, None
    first.save(update_fields=["position"])
    second.save(update_fields=["position"])
    first.position, second.position = positions[1], positions[0]
    first.save(update_fields=["position"])
    second.save(update_fields=["position"])

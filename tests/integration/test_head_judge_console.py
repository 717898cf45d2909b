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
    assert set(progress["entries"][0]) == {"position", "entry", "title", "judges"}  # no marks
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

"""Who may see and do what: every rule checked through the HTTP API and the pages."""

import pytest
from django.test import Client

from scoring import services as scoring_services
from scoring.models import ScoreSheet
from tests.integration.conftest import head_judge_unscored
from tests.thin_path import client_for

pytestmark = pytest.mark.django_db

GOOD_MARKS = {"content": "8", "delivery": "7.5"}


def submit(client, round_id, entry_id, marks=GOOD_MARKS, **extra):
    return client.post(
        "/api/score-sheets/",
        {"round": round_id, "entry": entry_id, "marks": marks, **extra},
        content_type="application/json",
    )


def test_judge_cannot_score_entry_from_own_unit(scheduled):
    judge = scheduled.world.judges[0]  # sits for units[0]
    own_entry = scheduled.entries[0]
    response = submit(client_for(judge), scheduled.world.final.pk, own_entry.pk)
    assert response.status_code == 403
    assert not ScoreSheet.objects.filter(judge=judge).exists()
    order = client_for(judge).get(f"/api/sessions/{scheduled.session.pk}/running-order/").json()
    assert own_entry.pk not in {slot["entry_id"] for slot in order}
    assert len(order) == 2


def test_judge_cannot_score_outside_their_panel(scheduled):
    outsider = client_for(scheduled.world.outsider_judge)
    response = submit(outsider, scheduled.world.final.pk, scheduled.entries[1].pk)
    assert response.status_code == 403
    running_order = outsider.get(f"/api/sessions/{scheduled.session.pk}/running-order/")
    assert running_order.status_code == 403
    assert not ScoreSheet.objects.exists()


def test_judge_never_reads_another_judges_sheets(scheduled):
    world = scheduled.world
    assert (
        submit(client_for(world.judges[1]), world.final.pk, scheduled.entries[1].pk).status_code
        == 201
    )
    other = client_for(world.judges[2]).get(f"/api/rounds/{world.final.pk}/my-sheets/").json()
    assert other == []
    own = client_for(world.judges[1]).get(f"/api/rounds/{world.final.pk}/my-sheets/").json()
    assert [sheet["marks"] for sheet in own] == [{"content": "8.00", "delivery": "7.50"}]
    # Nor the snapshots that aggregate them, before publication.
    assert (
        client_for(world.judges[2]).get(f"/api/rounds/{world.final.pk}/rankings/").status_code
        == 403
    )


def test_submitted_sheet_is_read_only_for_the_judge(scheduled):
    world = scheduled.world
    judge = client_for(world.judges[1])
    assert submit(judge, world.final.pk, scheduled.entries[1].pk).status_code == 201
    again = submit(
        judge, world.final.pk, scheduled.entries[1].pk, marks={"content": "10", "delivery": "10"}
    )
    assert again.status_code == 400
    assert ScoreSheet.objects.get().marks.get(criterion__code="content").value == 8


def test_anonymous_sees_only_published_results(scheduled):
    world = scheduled.world
    for judge in world.judges[1:]:
        for entry in scheduled.entries:
            assert submit(client_for(judge), world.final.pk, entry.pk).status_code == 201
    anonymous = Client()
    assert (
        anonymous.get(f"/api/public/contests/{world.contest.slug}/results/").json()["rounds"] == []
    )
    assert "Mô hình số 1" not in anonymous.get(f"/results/{world.contest.slug}/").content.decode()
    assert anonymous.get(f"/api/rounds/{world.final.pk}/rankings/").status_code == 403
    assert anonymous.get(f"/rounds/{world.final.pk}/rankings/").status_code == 302  # to login
    assert anonymous.get(f"/api/rounds/{world.final.pk}/my-sheets/").status_code == 403
    ranking = scoring_services.compute_ranking(round=world.final)
    scoring_services.publish_ranking(
        ranking=ranking, actor=world.organiser, confirm_missing=head_judge_unscored(scheduled)
    )
    published = anonymous.get(f"/api/public/contests/{world.contest.slug}/results/").json()
    assert len(published["rounds"][0]["standings"]) == 3
    assert "Mô hình số 1" in anonymous.get(f"/results/{world.contest.slug}/").content.decode()


def test_only_organisers_decide_entries_and_schedule(scheduled):
    world = scheduled.world
    rep = client_for(world.representatives[0])
    assert rep.post(f"/api/entries/{scheduled.entries[0].pk}/approve/").status_code == 403
    assert (
        rep.post(
            f"/api/sessions/{scheduled.session.pk}/draw/",
            {"reason": "x"},
            content_type="application/json",
        ).status_code
        == 403
    )
    judge = client_for(world.judges[1])
    assert (
        judge.post(
            f"/api/rounds/{world.final.pk}/status/",
            {"status": "closed"},
            content_type="application/json",
        ).status_code
        == 403
    )
    assert Client().post(f"/api/entries/{scheduled.entries[0].pk}/approve/").status_code == 403


def test_representative_sees_only_their_units_entries(scheduled):
    world = scheduled.world
    listed = (
        client_for(world.representatives[1])
        .get(f"/api/contests/{world.contest.slug}/entries/")
        .json()
    )
    assert [entry["id"] for entry in listed] == [scheduled.entries[1].pk]
    everything = (
        client_for(world.organiser).get(f"/api/contests/{world.contest.slug}/entries/").json()
    )
    assert len(everything) == 3


def test_panel_seats_take_the_judges_own_unit_from_their_membership(world):
    organiser = client_for(world.organiser)
    url = f"/api/contests/{world.contest.slug}/panels/"
    # A caller cannot drop a judge's unit (and with it the conflict of interest)...
    response = organiser.post(
        url, {"name": "P1", "judges": [{"username": "judge1"}]}, content_type="application/json"
    )
    assert response.status_code == 201
    from scheduling.models import PanelSeat

    assert PanelSeat.objects.get(panel_id=response.json()["id"]).unit == world.units[0]
    # ...nor seat someone who is not a judge of this contest.
    response = organiser.post(
        url, {"name": "P2", "judges": [{"username": "rep1"}]}, content_type="application/json"
    )
    assert response.status_code == 400 and "rep1" in response.json()["judges"][0]


def test_head_judge_does_not_see_unpublished_rankings(scheduled):
    head = client_for(scheduled.world.judges[0])
    assert head.get(f"/api/rounds/{scheduled.world.final.pk}/rankings/").status_code == 403
    assert head.get(f"/rounds/{scheduled.world.final.pk}/rankings/").status_code == 403


def test_draft_contests_are_listed_only_to_their_members(world):
    listed = {c["slug"] for c in Client().get("/api/contests/").json()["results"]}
    assert "khoi-2019" in listed and "city-2019" not in listed  # city-2019 is a draft
    assert "city-2019" not in Client().get("/").content.decode()

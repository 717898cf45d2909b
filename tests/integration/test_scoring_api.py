"""The scoring workflow through the API: unlock, declarations, penalties, tie-breaks, review."""

import pytest
from django.test import Client

from scoring.models import Penalty, RubricPart, ScoreSheet
from tests.integration.conftest import head_judge_unscored, score_all
from tests.thin_path import client_for, post_json

pytestmark = pytest.mark.django_db


def test_unlock_through_the_api_only_for_the_head_judge(scheduled):
    world = scheduled.world
    score_all(scheduled)
    sheet = ScoreSheet.objects.filter(judge=world.judges[1]).first()
    url = f"/api/score-sheets/{sheet.pk}/unlock/"
    assert post_json(client_for(world.judges[2]), url, {"reason": "x"}).status_code == 403
    assert post_json(client_for(world.judges[0]), url, {}).status_code == 400
    response = post_json(client_for(world.judges[0]), url, {"reason": "Nhầm tiêu chí"})
    assert response.status_code == 200 and response.json()["status"] == "draft"


def test_declaring_a_conflict_through_the_api(scheduled):
    world = scheduled.world
    response = post_json(
        client_for(world.judges[1]),
        "/api/declarations/",
        {
            "round": world.final.pk,
            "entry": scheduled.entries[1].pk,
            "participation": "conflict",
            "reason": "Cùng cơ quan với báo cáo viên",
        },
    )
    assert response.status_code == 201 and response.json()["marks"] == {}
    response = post_json(
        client_for(world.judges[1]),
        "/api/declarations/",
        {
            "round": world.final.pk,
            "entry": scheduled.entries[2].pk,
            "participation": "sleepy",
            "reason": "x",
        },
    )
    assert response.status_code == 400 and "participation" in response.json()


def test_overtime_penalty_from_the_parts_rules_changes_the_ranking(scheduled):
    world = scheduled.world
    score_all(scheduled, values=("9", "8.5", "7"))
    part = RubricPart.objects.get(rubric__round=world.final, order=2)
    part.penalty_rules.create(minutes_over=1, points="0.5")
    part.penalty_rules.create(minutes_over=2, points="1")
    organiser = client_for(world.organiser)
    url = f"/api/rounds/{world.final.pk}/penalties/"
    response = post_json(
        organiser,
        url,
        {
            "entry": scheduled.entries[0].pk,
            "part": part.pk,
            "minutes_over": "2.5",
            "reason": "Quá giờ 2 phút 30",
        },
    )
    assert response.status_code == 201 and response.json()["points"] == "1.00"
    assert (
        post_json(organiser, url, {"entry": scheduled.entries[0].pk, "reason": "x"}).status_code
        == 400
    )
    assert (
        post_json(
            client_for(world.judges[1]),
            url,
            {"entry": scheduled.entries[0].pk, "points": "1", "reason": "x"},
        ).status_code
        == 403
    )
    from scoring import services

    ranking = services.compute_ranking(round=world.final)
    standings = list(ranking.standings.order_by("rank"))
    # 9.00 − 1 = 8.00 now trails 8.50.
    assert [s.entry_id for s in standings] == [
        scheduled.entries[1].pk,
        scheduled.entries[0].pk,
        scheduled.entries[2].pk,
    ]
    assert standings[1].details["penalty"] == "1.00"
    assert Penalty.objects.count() == 1
    # The head judge's tap, retried over a flaky network with its key, deducts once.
    body = {"entry": scheduled.entries[2].pk, "points": "0.5", "reason": "Quá giờ"}
    head = client_for(world.judges[0])
    first = head.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="tap-1")
    again = head.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="tap-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Penalty.objects.filter(entry=scheduled.entries[2]).count() == 1


def test_tie_breaks_are_fixed_before_judging_and_explain_the_order(scheduled):
    world = scheduled.world
    organiser = client_for(world.organiser)
    url = f"/api/rounds/{world.final.pk}/tie-breaks/"
    body = {"tie_breaks": [{"criterion": "delivery"}]}
    assert organiser.put(url, body, content_type="application/json").status_code == 400  # open
    world.final.status = "planned"
    world.final.save()
    bad = organiser.put(
        url, {"tie_breaks": [{"criterion": "charm"}]}, content_type="application/json"
    )
    assert bad.status_code == 400 and "tie_breaks" in bad.json()
    assert organiser.put(url, body, content_type="application/json").status_code == 200
    world.final.status = "open"
    world.final.save()
    from scoring import services

    # Same weighted mean (8.40), but the second entry is better on delivery.
    for judge in world.judges[1:]:
        services.save_score_sheet(
            judge=judge,
            round=world.final,
            entry=scheduled.entries[1],
            marks={"content": "8", "delivery": "9"},
            submit=True,
        )
        services.save_score_sheet(
            judge=judge,
            round=world.final,
            entry=scheduled.entries[2],
            marks={"content": "8.5", "delivery": "8.25"},
            submit=True,
        )
    ranking = services.compute_ranking(round=world.final)
    review = client_for(world.organiser).get(f"/api/rounds/{world.final.pk}/rankings/").json()[0]
    first, second = review["standings"]
    assert (first["entry_id"], first["rank"], second["rank"]) == (scheduled.entries[1].pk, 1, 2)
    assert "Kỹ năng trình bày" in first["details"]["explanation"]
    assert ranking.parameters["tie_breaks"] == [{"criterion": "delivery"}]
    page = client_for(world.organiser).get(f"/rounds/{world.final.pk}/rankings/")
    assert first["details"]["explanation"] in page.content.decode()


def test_public_results_never_show_individual_judges(scheduled):
    world = scheduled.world
    score_all(scheduled)
    from scoring import services

    services.publish_ranking(
        ranking=services.compute_ranking(round=world.final),
        actor=world.organiser,
        confirm_missing=head_judge_unscored(scheduled),
    )
    public = Client().get(f"/api/public/contests/{world.contest.slug}/results/").json()
    assert "details" not in public["rounds"][0]["standings"][0]
    assert "analytics" not in public["rounds"][0]
    unpublished = post_json(
        client_for(world.organiser), f"/api/rankings/{public['rounds'][0]['id']}/unpublish/", {}
    )
    assert unpublished.status_code == 200
    assert (
        Client().get(f"/api/public/contests/{world.contest.slug}/results/").json()["rounds"] == []
    )


def test_a_sheet_queued_under_one_judges_login_is_refused_under_another(scheduled):
    world = scheduled.world
    body = {
        "round": world.final.pk,
        "entry": scheduled.entries[1].pk,
        "marks": {"content": "8", "delivery": "8"},
        "judge": world.judges[1].pk,  # written on judge2's page
    }
    other = client_for(world.judges[2])  # judge3 has logged in on the tablet since
    refused = post_json(other, "/api/score-sheets/", body)
    assert refused.status_code == 403
    assert not ScoreSheet.objects.filter(entry=scheduled.entries[1]).exists()
    assert post_json(client_for(world.judges[1]), "/api/score-sheets/", body).status_code == 201


def test_a_lapsed_login_is_told_apart_from_a_refusal(scheduled):
    from django.test import Client

    body = {"round": scheduled.world.final.pk, "entry": scheduled.entries[1].pk, "marks": {}}
    response = Client().post(
        "/api/score-sheets/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == 403 and response.json()["code"] == "login_required"
    judge = client_for(scheduled.world.judges[2])
    not_on_panel = post_json(judge, "/api/score-sheets/", {**body, "entry": 999999})
    assert "code" not in not_on_panel.json()


def test_a_parts_overtime_penalty_is_deducted_once(scheduled):
    world = scheduled.world
    part = RubricPart.objects.get(rubric__round=world.final, order=2)
    part.penalty_rules.create(minutes_over=1, points="0.5")
    url = f"/api/rounds/{world.final.pk}/penalties/"
    body = {"entry": scheduled.entries[2].pk, "part": part.pk, "minutes_over": "1.5"}
    head = client_for(world.judges[0])
    assert post_json(head, url, {**body, "reason": "Quá giờ"}).status_code == 201
    again = post_json(head, url, {**body, "reason": "Quá giờ (bấm lại)"})
    assert again.status_code == 400 and "part" in again.json()
    assert Penalty.objects.filter(entry=scheduled.entries[2]).count() == 1
    # The console, reloaded, knows the penalty is in.
    timers = f"/api/rounds/{world.final.pk}/timers/"
    for action in ("start", "stop"):
        timer = {"entry": scheduled.entries[2].pk, "part": part.pk, "action": action}
        assert post_json(head, timers, timer).status_code == 200
    progress = head.get(f"/api/sessions/{scheduled.session.pk}/progress/").json()
    assert [t["penalty_applied"] for t in progress["timers"]] == [True]


def test_the_sheet_answer_is_what_its_declared_fields_give(scheduled):
    """ScoreSheetSerializer writes its answer without building its fields (the hot path):
    the same as the fields, which the schema documents, for a draft, a submitted sheet as
    the write hands it back, and one read from the database."""
    from rest_framework import serializers

    from scoring import services
    from scoring.api.serializers import ScoreSheetSerializer

    world = scheduled.world

    def write(entry, submit):
        return services.save_score_sheet(
            judge=world.judges[1],
            round=world.final,
            entry=entry,
            marks={"content": "8", "delivery": "7.5"},
            submit=submit,
        )

    sheets = [write(scheduled.entries[1], False), write(scheduled.entries[2], True)]
    sheets.append(ScoreSheet.objects.prefetch_related("marks__criterion").get(pk=sheets[1].pk))
    for sheet in sheets:
        fields = serializers.Serializer.to_representation(ScoreSheetSerializer(), sheet)
        assert ScoreSheetSerializer(sheet).data == fields
    assert fields["submitted_at"] is not None and sheets[0].submitted_at is None

"""Publishing results: the review, the public document, the board, the ceremony.

Every public view is checked against a newer snapshot that differs from the published one:
nothing of it may show anywhere public until an organiser publishes it."""

import json

import pytest
from django.test import Client

from contest.models import Contest
from scoring import services
from scoring.models import PublicationEvent, Ranking, Reveal
from tests.integration.conftest import head_judge_unscored, score_all
from tests.thin_path import client_for, post_json

pytestmark = pytest.mark.django_db

RESULTS = "/api/public/contests/{slug}/results/"


def public_views(slug: str) -> dict[str, str]:
    """Everything an anonymous visitor can open about the contest's results."""
    anonymous = Client()
    return {
        "api": anonymous.get(RESULTS.format(slug=slug)).content.decode(),
        "page": anonymous.get(f"/results/{slug}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode(),
        "board": anonymous.get(f"/board/{slug}/").content.decode(),
    }


def rescore_third_entry(published) -> Ranking:
    """A late sheet lifts the third entry to (7 + 7 + 9.5) / 3 = 7.83: the newest snapshot
    differs from the published one, by a score found nowhere else."""
    world = published.world
    services.save_score_sheet(
        judge=world.judges[0],
        round=world.final,
        entry=published.entries[2],
        marks={"content": "9.5", "delivery": "9.5"},
        submit=True,
    )
    return services.compute_ranking(round=world.final)


def test_nothing_of_a_newer_unpublished_snapshot_is_public(published):
    slug = published.world.contest.slug
    newest = rescore_third_entry(published)
    assert str(newest.standings.get(entry=published.entries[2]).score) == "7.830000"
    document = json.loads(public_views(slug)["api"])
    (round_document,) = document["rounds"]
    assert round_document["version"] == newest.version - 1
    scores = {s["entry_id"]: s["score"] for s in round_document["standings"]}
    assert scores[published.entries[2].pk] == "7.00"
    for name, body in public_views(slug).items():
        assert "7.83" not in body and "7,83" not in body, name
    # Nor the individual marks behind them, nor the review's analytics.
    api = public_views(slug)["api"]
    assert "details" not in api and "analytics" not in api and '"judges"' not in api

    services.publish_ranking(
        ranking=newest,
        actor=published.world.organiser,
        confirm_missing={(published.world.judges[0].pk, published.entries[1].pk)},
    )
    scores = {
        s["entry_id"]: s["score"]
        for s in json.loads(public_views(slug)["api"])["rounds"][0]["standings"]
    }
    assert scores[published.entries[2].pk] == "7.83"
    assert "7,83" in public_views(slug)["page"]  # Vietnamese decimal comma


def test_the_api_and_the_page_answer_304_until_something_is_published(published):
    world = published.world
    slug = world.contest.slug
    anonymous = Client()
    first = anonymous.get(RESULTS.format(slug=slug))
    etag, modified = first["ETag"], first["Last-Modified"]
    assert first.status_code == 200 and etag.startswith('"')
    assert anonymous.get(RESULTS.format(slug=slug), HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert (
        anonymous.get(RESULTS.format(slug=slug), HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    )
    page = anonymous.get(f"/results/{slug}/")
    assert page.status_code == 200
    assert anonymous.get(f"/results/{slug}/", HTTP_IF_NONE_MATCH=page["ETag"]).status_code == 304
    # The page depends on the language and the login, so its tag does too.
    english = anonymous.get(f"/results/{slug}/", HTTP_ACCEPT_LANGUAGE="en")
    vietnamese = anonymous.get(f"/results/{slug}/", HTTP_ACCEPT_LANGUAGE="vi")
    assert english["ETag"] != vietnamese["ETag"]
    assert client_for(world.organiser).get(f"/results/{slug}/")["ETag"] != page["ETag"]

    # A recompute changes nothing public; a publish changes the tag at once.
    newest = rescore_third_entry(published)
    assert anonymous.get(RESULTS.format(slug=slug), HTTP_IF_NONE_MATCH=etag).status_code == 304
    services.publish_ranking(
        ranking=newest,
        actor=world.organiser,
        confirm_missing={(world.judges[0].pk, published.entries[1].pk)},
    )
    fresh = anonymous.get(RESULTS.format(slug=slug), HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200 and fresh["ETag"] != etag
    assert anonymous.get(f"/results/{slug}/", HTTP_IF_NONE_MATCH=page["ETag"]).status_code == 200
    assert Client().get(RESULTS.format(slug="no-such-contest")).status_code == 404


def test_unpublishing_is_recorded_and_empties_the_public_results(published):
    world = published.world
    ranking = Ranking.objects.get(is_published=True)
    organiser = client_for(world.organiser)
    response = organiser.post(f"/rankings/{ranking.pk}/unpublish/")
    assert response.status_code == 302
    assert json.loads(public_views(world.contest.slug)["api"])["rounds"] == []
    actions = list(
        PublicationEvent.objects.filter(ranking=ranking)
        .order_by("id")
        .values_list("action", "actor_id")
    )
    assert actions == [("published", world.organiser.pk), ("unpublished", world.organiser.pk)]
    page = organiser.get(f"/rounds/{world.final.pk}/rankings/").content.decode()
    assert 'data-testid="publication-record"' in page


def test_review_shows_the_newest_version_beside_the_published_one(published):
    world = published.world
    newest = rescore_third_entry(published)
    page = client_for(world.organiser).get(f"/rounds/{world.final.pk}/rankings/")
    html = page.content.decode()
    assert page.context["comparison"].newest.pk == newest.pk
    rows = {row.standing.entry_id: row for row in page.context["comparison"].rows}
    third = rows[published.entries[2].pk]
    assert third.score_changed and not third.rank_changed
    assert str(third.published.score) == "7.000000"
    assert not any(
        row.score_changed for entry, row in rows.items() if entry != third.standing.entry_id
    )
    assert f'data-testid="changed-{published.entries[2].pk}"' in html
    assert page.context["comparison"].sheets_added == 1


def test_only_a_head_judge_of_the_round_signs_off_and_once(published):
    world = published.world
    newest = rescore_third_entry(published)
    head, judge = world.judges[0], world.judges[1]
    assert post_json(client_for(judge), f"/api/rankings/{newest.pk}/sign-off/", {}).status_code == (
        403
    )
    assert (
        post_json(
            client_for(world.organiser), f"/api/rankings/{newest.pk}/sign-off/", {}
        ).status_code
        == 403
    )
    for _ in range(2):
        response = post_json(client_for(head), f"/api/rankings/{newest.pk}/sign-off/", {})
        assert response.status_code == 200 and response.json()["judge"] == head.pk
    assert PublicationEvent.objects.filter(ranking=newest, action="signed_off").count() == 1
    # The head judge reads the standings to sign, never a colleague's marks.
    sign_off_page = client_for(head).get(f"/rankings/{newest.pk}/sign-off/").content.decode()
    assert "Mô hình số 3" in sign_off_page and "9,50" not in sign_off_page
    review = client_for(world.organiser).get(f"/rounds/{world.final.pk}/rankings/")
    assert f'data-testid="sign-off-{newest.version}"' in review.content.decode()
    assert review.context["rankings"][0].signed_by


def publish_for_ceremony(scheduled) -> Ranking:
    score_all(scheduled)
    ranking = services.compute_ranking(round=scheduled.world.final)
    return services.publish_ranking(
        ranking=ranking,
        actor=scheduled.world.organiser,
        confirm_missing=head_judge_unscored(scheduled),
        ceremony=True,
    )


def test_the_ceremony_reveals_from_the_last_prize_to_the_first_and_nothing_early(scheduled):
    world = scheduled.world
    slug = world.contest.slug
    ranking = publish_for_ceremony(scheduled)
    reveal = Reveal.objects.get(ranking=ranking)
    assert reveal.total == 2  # Giải Nhất to the 9s, Giải Nhì to the 8s

    def public_round() -> dict:
        return json.loads(public_views(slug)["api"])["rounds"][0]

    round_document = public_round()
    assert round_document["status"] == "ceremony"
    assert round_document["standings"] == [] and round_document["reveal"]["revealed"] == []
    for name, body in public_views(slug).items():
        for title in ("Mô hình số 1", "Mô hình số 2", "Mô hình số 3"):
            assert title not in body, (name, title)

    remote = client_for(world.organiser)
    assert remote.get(f"/contests/{slug}/ceremony/").status_code == 200
    remote.post(f"/contests/{slug}/ceremony/", {"ranking": ranking.pk, "step": 0})
    round_document = public_round()
    assert [a["prize"] for a in round_document["reveal"]["revealed"]] == ["Giải Nhì"]
    assert round_document["reveal"]["revealed"][0]["initiative_title"] == "Mô hình số 2"
    assert "Mô hình số 1" not in "".join(public_views(slug).values())
    assert "score" not in round_document["reveal"]["revealed"][0]

    # A second tap from a remote that had not seen the step reveals nothing more.
    remote.post(f"/contests/{slug}/ceremony/", {"ranking": ranking.pk, "step": 0})
    assert public_round()["reveal"]["step"] == 1
    response = post_json(remote, f"/api/rankings/{ranking.pk}/reveal/", {"step": 1})
    assert response.json() == {"ranking": ranking.pk, "revealed": 2, "total": 2, "finished": True}
    round_document = public_round()
    assert round_document["status"] == "published"
    assert [a["prize"] for a in round_document["reveal"]["revealed"]] == ["Giải Nhì", "Giải Nhất"]
    assert len(round_document["standings"]) == 3
    assert list(
        PublicationEvent.objects.filter(ranking=ranking).order_by("id").values_list("action")
    ) == [("published",), ("reveal_started",), ("revealed",), ("revealed",), ("reveal_finished",)]


def test_only_organisers_drive_the_ceremony_and_bad_steps_are_refused(scheduled):
    world = scheduled.world
    ranking = publish_for_ceremony(scheduled)
    url = f"/api/rankings/{ranking.pk}/reveal/"
    assert post_json(client_for(world.judges[0]), url, {"step": 0}).status_code == 403
    assert post_json(Client(), url, {"step": 0}).status_code == 403
    refused = post_json(client_for(world.organiser), url, {"step": "one"})
    assert refused.status_code == 400 and "step" in refused.json()
    assert Reveal.objects.get(ranking=ranking).revealed == 0
    finished = post_json(client_for(world.organiser), f"{url}finish/", {})
    assert finished.json()["finished"] is True
    assert len(json.loads(public_views(world.contest.slug)["api"])["rounds"][0]["standings"]) == 3


def test_a_ceremony_needs_prizes(scheduled):
    world = scheduled.world
    score_all(scheduled)
    ranking = services.compute_ranking(round=world.final)
    world.contest.prizes.all().delete()
    response = post_json(
        client_for(world.organiser),
        f"/api/rankings/{ranking.pk}/publish/",
        {
            "ceremony": True,
            "confirm_missing": [
                {"judge": j, "entry": e} for j, e in head_judge_unscored(scheduled)
            ],
        },
    )
    assert response.status_code == 400
    assert not Ranking.objects.filter(is_published=True).exists()  # nothing half-done


def test_criterion_averages_and_judges_scores_are_public_only_when_the_contest_says(published):
    world = published.world
    slug = world.contest.slug
    standing = json.loads(public_views(slug)["api"])["rounds"][0]["standings"][0]
    assert "criteria" not in standing and "judges" not in standing
    contest = Contest.objects.get(pk=world.contest.pk)
    contest.public_criterion_averages = True
    contest.public_judge_marks = True
    contest.save()
    round_document = json.loads(public_views(slug)["api"])["rounds"][0]
    assert [c["code"] for c in round_document["criteria"]] == ["content", "delivery"]
    top = round_document["standings"][0]
    assert top["criteria"] == {"content": "9.00", "delivery": "9.00"}
    assert top["judges"] == [
        {"judge": "2 Giám khảo", "score": "9.00"},
        {"judge": "3 Giám khảo", "score": "9.00"},
    ]
    page = public_views(slug)["page"]
    assert 'data-testid="judge-scores"' in page


def test_the_board_colour_must_be_a_hex_colour(published):
    from config.errors import DomainError
    from contest import services as contest_services

    world = published.world
    with pytest.raises(DomainError) as refused:
        contest_services.update_contest(
            contest=world.contest, actor=world.organiser, brand_colour="red; background:url(x)"
        )
    assert refused.value.field == "brand_colour"
    contest_services.update_contest(
        contest=world.contest, actor=world.organiser, brand_colour="#0d47a1"
    )
    assert json.loads(public_views(world.contest.slug)["api"])["contest"]["colour"] == "#0d47a1"
    assert 'data-colour="#0d47a1"' in public_views(world.contest.slug)["board"]

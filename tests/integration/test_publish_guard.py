"""No publishing with score sheets still missing, unless the organiser confirms exactly which
ones are missing."""

import pytest

from config.errors import DomainError
from scoring import selectors, services
from scoring.models import Ranking
from tests.integration.conftest import head_judge_unscored, score_all
from tests.thin_path import client_for

pytestmark = pytest.mark.django_db

MARKS = {"content": "8", "delivery": "8"}


@pytest.fixture
def scored(scheduled):
    """Judges 2 and 3 have scored every entry; the head judge (judge1, of the first entry's
    unit) none: the second and third entries still wait for the head judge's sheet."""
    score_all(scheduled)
    scheduled.ranking = services.compute_ranking(round=scheduled.world.final)
    return scheduled


def head_judge_submits(scheduled, entry, submit=True):
    services.save_score_sheet(
        judge=scheduled.world.judges[0],
        round=scheduled.world.final,
        entry=entry,
        marks=MARKS,
        submit=submit,
    )


def test_publishing_with_sheets_missing_is_refused_naming_them(scored):
    world = scored.world
    with pytest.raises(services.SheetsMissing) as refusal:
        services.publish_ranking(ranking=scored.ranking, actor=world.organiser)
    assert {sheet.pair for sheet in refusal.value.missing} == head_judge_unscored(scored)
    # Named as people read them: the judge in Vietnamese order, the entry by its title.
    assert "2 score sheets are not in" in refusal.value.message
    assert "1 Giám khảo — Mô hình số 2" in refusal.value.message
    assert "1 Giám khảo — Mô hình số 3" in refusal.value.message
    assert "Mô hình số 1" not in refusal.value.message  # the head judge's own unit
    assert not Ranking.objects.filter(is_published=True).exists()


def test_confirming_exactly_the_missing_sheets_publishes(scored):
    world = scored.world
    services.publish_ranking(
        ranking=scored.ranking,
        actor=world.organiser,
        confirm_missing=head_judge_unscored(scored),
    )
    assert Ranking.objects.get(is_published=True) == scored.ranking


def test_a_confirmation_of_what_is_no_longer_missing_is_refused(scored):
    world, confirmed = scored.world, head_judge_unscored(scored)
    head_judge_submits(scored, scored.entries[1])  # came in after the organiser looked
    with pytest.raises(services.SheetsMissing, match="changed since you confirmed") as refusal:
        services.publish_ranking(
            ranking=scored.ranking, actor=world.organiser, confirm_missing=confirmed
        )
    assert [sheet.entry_id for sheet in refusal.value.missing] == [scored.entries[2].pk]
    # Confirming fewer than are missing is no confirmation either.
    with pytest.raises(services.SheetsMissing):
        services.publish_ranking(
            ranking=scored.ranking,
            actor=world.organiser,
            confirm_missing={(world.judges[0].pk, scored.entries[1].pk)},
        )
    assert not Ranking.objects.filter(is_published=True).exists()


def test_a_draft_sheet_is_still_missing(scored):
    head_judge_submits(scored, scored.entries[1], submit=False)
    missing = selectors.missing_sheets(scored.world.final)
    assert {sheet.pair for sheet in missing} == head_judge_unscored(scored)


def test_complete_sheets_publish_without_confirmation(scored):
    world = scored.world
    for entry in scored.entries[1:]:
        head_judge_submits(scored, entry)
    ranking = services.compute_ranking(round=world.final)
    assert selectors.missing_sheets(world.final) == []
    services.publish_ranking(ranking=ranking, actor=world.organiser)
    assert Ranking.objects.get(is_published=True) == ranking


def test_abstentions_and_declared_conflicts_are_not_missing(scored):
    world = scored.world
    for entry, participation in zip(scored.entries[1:], ("abstained", "conflict"), strict=True):
        services.declare_not_scoring(
            judge=world.judges[0],
            round=world.final,
            entry=entry,
            participation=participation,
            reason="Người quen của báo cáo viên",
        )
    services.publish_ranking(
        ranking=services.compute_ranking(round=world.final), actor=world.organiser
    )
    assert Ranking.objects.filter(is_published=True).exists()


def test_the_rankings_page_lists_the_missing_sheets_and_publishes_once_confirmed(scored):
    world = scored.world
    organiser = client_for(world.organiser)
    page = organiser.get(f"/rounds/{world.final.pk}/rankings/").content.decode()
    assert 'data-testid="missing-sheets"' in page and "Mô hình số 3" in page
    missing = [f"{judge}:{entry}" for judge, entry in sorted(head_judge_unscored(scored))]
    for value in missing:
        assert f'name="missing" value="{value}"' in page
    url = f"/rankings/{scored.ranking.pk}/publish/"
    refused = organiser.post(url, {"missing": missing}, follow=True)  # not ticked
    assert "2 score sheets are not in" in refused.content.decode()
    assert not Ranking.objects.filter(is_published=True).exists()
    published = organiser.post(url, {"missing": missing, "confirm_missing": "1"}, follow=True)
    assert "is published" in published.content.decode()
    assert Ranking.objects.get(is_published=True) == scored.ranking


def test_a_stale_confirmation_on_the_page_is_a_message_not_an_error(scored):
    world = scored.world
    organiser = client_for(world.organiser)
    stale = [f"{judge}:{entry}" for judge, entry in head_judge_unscored(scored)]
    head_judge_submits(scored, scored.entries[2])
    response = organiser.post(
        f"/rankings/{scored.ranking.pk}/publish/",
        {"missing": [*stale, "not-a-pair"], "confirm_missing": "1"},
        follow=True,
    )
    assert response.status_code == 200
    assert "changed since you confirmed" in response.content.decode()
    assert not Ranking.objects.filter(is_published=True).exists()


def test_the_api_lists_the_missing_sheets_and_publishes_with_them_confirmed(scored):
    world = scored.world
    organiser = client_for(world.organiser)
    url = f"/api/rankings/{scored.ranking.pk}/publish/"
    refused = organiser.post(url, {}, content_type="application/json")
    assert refused.status_code == 400
    body = refused.json()
    assert "not in" in body["detail"]
    listed = body["missing_sheets"]
    assert {(sheet["judge"], sheet["entry"]) for sheet in listed} == head_judge_unscored(scored)
    assert {sheet["title"] for sheet in listed} == {"Mô hình số 2", "Mô hình số 3"}
    confirmed = [{"judge": sheet["judge"], "entry": sheet["entry"]} for sheet in listed]
    published = organiser.post(url, {"confirm_missing": confirmed}, content_type="application/json")
    assert published.status_code == 200, published.content
    assert published.json()["is_published"] is True


def test_missing_sheets_is_a_domain_error_with_the_list(scored):
    with pytest.raises(DomainError) as refusal:
        services.publish_ranking(ranking=scored.ranking, actor=scored.world.organiser)
    assert refusal.value.code == "missing_sheets"
    assert len(refusal.value.as_dict()["missing_sheets"]) == 2

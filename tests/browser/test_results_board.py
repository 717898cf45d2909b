"""The live board on the projector, in real Chromium: it follows a publish within seconds, and
shows the ceremony one prize at a time as the organiser's remote steps through it."""

import pytest
from playwright.sync_api import expect

from scoring import services
from tests.browser_tools import outside_the_event_loop
from tests.integration.conftest import head_judge_unscored, schedule_final, score_all
from tests.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECONDS = 10_000  # the board polls every 2 s; a publish shows within one or two polls


def scored_final():
    scheduled = schedule_final(build_world())
    score_all(scheduled)
    return scheduled, services.compute_ranking(round=scheduled.world.final)


def test_the_board_follows_a_publish_and_the_ceremony(live_server, browser, eager_celery):
    scheduled, ranking = outside_the_event_loop(scored_final)
    world = scheduled.world
    board = browser.new_context(viewport={"width": 1280, "height": 720}, locale="vi-VN").new_page()
    board.goto(f"{live_server.url}/board/{world.contest.slug}/")
    body = board.locator("[data-testid=board-body]")
    assert body.locator(".board-waiting").count() == 1
    board.wait_for_selector("#board[data-polled]", state="attached")
    assert board.locator("[data-testid=board-standings]").count() == 0

    outside_the_event_loop(
        lambda: services.publish_ranking(
            ranking=ranking,
            actor=world.organiser,
            confirm_missing=head_judge_unscored(scheduled),
        )
    )
    rows = board.locator("[data-testid=board-standings] tbody tr")
    rows.first.wait_for(timeout=SECONDS)
    assert rows.count() == 3
    assert "Mô hình số 1" in rows.first.inner_text() and "9,00" in rows.first.inner_text()
    assert "Giải Nhất" in rows.first.inner_text()

    # The organiser takes it back and republishes it for the ceremony: the board empties,
    # then shows each prize as it is revealed, the last one first.
    def republish_for_the_ceremony():
        services.unpublish_ranking(ranking=ranking, actor=world.organiser)
        services.publish_ranking(
            ranking=ranking,
            actor=world.organiser,
            confirm_missing=head_judge_unscored(scheduled),
            ceremony=True,
        )

    outside_the_event_loop(republish_for_the_ceremony)
    board.wait_for_selector("[data-testid=board-standings]", state="detached", timeout=SECONDS)
    assert "Mô hình số" not in body.inner_text()
    outside_the_event_loop(
        lambda: services.reveal_next_prize(ranking=ranking, actor=world.organiser, step=0)
    )
    card = board.locator("[data-testid=reveal-card]")
    card.wait_for(timeout=SECONDS)
    assert "Giải Nhì" in card.inner_text() and "Mô hình số 2" in card.inner_text()
    assert "Mô hình số 1" not in body.inner_text()
    outside_the_event_loop(
        lambda: services.reveal_next_prize(ranking=ranking, actor=world.organiser, step=1)
    )
    expect(board.locator("[data-testid=board-body]")).to_contain_text(
        "Giải Nhất", use_inner_text=True, timeout=SECONDS
    )
    # The last prize ends the ceremony: the board goes back to the whole standings.
    rows.first.wait_for(timeout=SECONDS)
    assert rows.count() == 3

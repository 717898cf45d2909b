"""The judge's tablet in real Chromium on flaky Wi-Fi: every sheet lands exactly once."""

import json
import time
from types import SimpleNamespace

import pytest
from django.db import OperationalError
from playwright.sync_api import expect

from scoring.models import ScoreSheet, ScoreSheetEvent
from tests.browser_tools import (
    LANDSCAPE,
    PORTRAIT,
    CountingProxy,
    login,
    mark,
    outside_the_event_loop,
)
from tests.integration.conftest import schedule_final
from tests.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def scheduled_final():
    scheduled = schedule_final(build_world())
    world = scheduled.world
    order = list(scheduled.session.slots.order_by("position").values_list("entry_id", flat=True))
    return scheduled, world, order


def score(page, entry, content, delivery):
    page.click(f"[data-testid=slot-{entry}] button")
    mark(page, "content", content)
    mark(page, "delivery", delivery)
    page.click("[data-testid=submit-sheet]")
    page.click("[data-testid=confirm-submit]")


def judge_sheets(world):
    """The entries the judge's submitted sheets are for, and the number of audit events."""
    judge = world.judges[1]
    sheets = ScoreSheet.objects.filter(judge=judge, round=world.final)
    for attempt in range(50):
        try:
            return (
                sorted(sheets.filter(status="submitted").values_list("entry_id", flat=True)),
                ScoreSheetEvent.objects.filter(sheet__judge=judge).count(),
            )
        except OperationalError:  # SQLite: the live server's thread holds the table a moment
            if attempt == 49:
                raise
            time.sleep(0.1)


@pytest.mark.parametrize("viewport", [LANDSCAPE, PORTRAIT], ids=["1024x768", "768x1024"])
def test_a_judge_scores_three_entries_through_a_network_drop(
    live_server, browser, eager_celery, artifacts_dir, viewport
):
    scheduled, world, order = outside_the_event_loop(scheduled_final)
    first, second, third = order
    page = login(browser, live_server, "judge2", viewport=viewport)
    context = page.context
    page.goto(f"{live_server.url}/judge/sessions/{scheduled.session.pk}/")
    # The service worker has taken the page and kept a copy of it.
    page.wait_for_selector("html[data-offline-ready]")

    score(page, first, "9", "8.75")
    page.wait_for_selector(f"[data-testid=slot-{first}][data-state=submitted]")
    page.wait_for_selector("[data-testid=outbox-status][data-state=sent]")

    # The second sheet reaches the server, and the Wi-Fi drops before the answer comes back:
    # the tablet cannot know that the sheet landed.
    answered = []

    def lose_the_answer(route):
        answered.append(route.fetch().status)
        context.set_offline(True)
        route.abort("internetdisconnected")

    page.route("**/api/score-sheets/", lose_the_answer, times=1)
    score(page, second, "7.5", "8")
    # The sheet is queued on the tablet as soon as it is confirmed, before any answer.
    page.wait_for_selector(f"[data-testid=slot-{second}][data-state=queued]")
    while not answered:
        page.wait_for_timeout(50)
    assert answered == [201]
    status = page.locator("[data-testid=outbox-status]")
    page.wait_for_selector("[data-testid=outbox-status][data-waiting='1']")
    assert "1" in status.inner_text()
    assert outside_the_event_loop(lambda: judge_sheets(world)) == (sorted([first, second]), 2)

    # Reloading without a network still shows the running order and the queued sheet.
    page.reload()
    page.wait_for_selector(f"[data-testid=slot-{third}]")
    page.wait_for_selector(f"[data-testid=slot-{second}][data-state=queued]")
    page.wait_for_selector("[data-testid=outbox-status][data-waiting='1']")
    page.screenshot(path=str(artifacts_dir / f"judge-offline-{viewport['width']}.png"))

    # The network returns: the outbox sends the same request with the same key, and the
    # server answers with the sheet it already has.
    context.set_offline(False)
    page.wait_for_selector("[data-testid=outbox-status][data-state=sent]", timeout=15000)
    page.wait_for_selector(f"[data-testid=slot-{second}][data-state=submitted]")

    score(page, third, "6", "6.25")
    page.wait_for_selector(f"[data-testid=slot-{third}][data-state=submitted]")
    page.wait_for_selector("[data-testid=outbox-status][data-state=sent]")
    # After submitting, the judge can only read the sheet.
    assert page.locator("[data-testid=read-only]").is_visible()
    assert page.locator("[data-testid=submit-sheet]").count() == 0

    assert outside_the_event_loop(lambda: judge_sheets(world)) == (sorted(order), 3)


def test_the_running_order_follows_the_stage_and_the_page_weighs_little(
    live_server, browser, eager_celery, artifacts_dir
):
    scheduled, world, order = outside_the_event_loop(scheduled_final)
    proxy = CountingProxy(int(live_server.url.rsplit(":", 1)[1]))
    origin = f"http://localhost:{proxy.port}"
    page = login(browser, SimpleNamespace(url=origin), "judge2")
    url = f"{origin}/judge/sessions/{scheduled.session.pk}/"
    proxy.take()
    page.goto(url)
    page.wait_for_selector("html[data-offline-ready]")
    page.wait_for_load_state("networkidle")
    first_load = proxy.take()
    page.reload()
    page.wait_for_selector("[data-testid=running-order]")
    page.wait_for_load_state("networkidle")
    cached_load = proxy.take()

    # The head judge, on the console, moves the stage to the first and then the second
    # presenter, and reminds judge2 of the first sheet: the judge's page follows.
    head = login(browser, live_server, "judge1")
    head.goto(f"{live_server.url}/judge/sessions/{scheduled.session.pk}/head/")
    head.click("[data-testid=stage-next]")
    head.wait_for_selector("[data-testid=stage-now]:has-text('1.')")
    page.wait_for_selector(f"[data-testid=slot-{order[0]}].current", timeout=10000)
    head.click("[data-testid=stage-next]")
    head.wait_for_selector("[data-testid=stage-now]:has-text('2.')")
    page.wait_for_selector(f"[data-testid=slot-{order[1]}].current", timeout=10000)
    assert page.locator("[data-testid=on-stage]").count() == 1
    assert page.locator(f"[data-testid=sheet-{order[1]}]").is_visible()
    judge2 = outside_the_event_loop(lambda: world.judges[1].pk)
    head.click(f"[data-testid=nudge-{order[0]}-{judge2}]")
    page.wait_for_selector(f"[data-testid=nudge-{order[0]}]", timeout=10000)
    # The stopwatch of the first part of the presentation on stage.
    part = outside_the_event_loop(lambda: world.final.rubric.parts.order_by("order").first().pk)
    head.click(f"[data-testid=timer-start-{part}]")
    head.wait_for_selector(f"[data-testid=timer-{part}] .clock[data-running='1']")
    # Locators, not wait_for_function: the page's CSP forbids evaluating a string.
    expect(head.locator(f"[data-testid=timer-{part}] .clock")).not_to_have_text("0:00")
    head.click(f"[data-testid=timer-stop-{part}]")
    head.wait_for_selector(f"[data-testid=timer-{part}] .clock[data-running='0']")
    head.screenshot(path=str(artifacts_dir / "head-judge-console-1024x768.png"))
    page.context.close()
    proxy.close()

    weight = {"first_load_bytes": first_load, "cached_load_bytes": cached_load}
    (artifacts_dir / "judge-page-weight.json").write_text(json.dumps(weight))
    print(f"judge page: {first_load} bytes on first load, {cached_load} bytes when cached")
    assert 0 < cached_load < first_load / 2

"""Anyone re-runs the draw in their own browser (Web Crypto) from the published record."""

import pytest

from scheduling.models import Draw
from scheduling.services import publish_schedule
from tests.browser_tools import outside_the_event_loop
from tests.integration.conftest import schedule_final
from tests.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_browser_draws_the_same_order_from_the_seed(live_server, browser, eager_celery):
    def published_session() -> int:
        scheduled = schedule_final(build_world())
        publish_schedule(round=scheduled.world.final, actor=scheduled.world.organiser)
        return scheduled.session.pk

    session = outside_the_event_loop(published_session)
    page = browser.new_page()
    page.goto(f"{live_server.url}/sessions/{session}/draws/")
    page.click("button.rerun")
    page.wait_for_selector("output[data-matches]")
    assert page.get_attribute("output", "data-matches") == "yes"
    record = outside_the_event_loop(lambda: Draw.objects.get(session_id=session, is_current=True))
    shown = page.text_content("output")
    assert shown.endswith(", ".join(str(e) for e in record.result_entries))

    def tamper():
        record.result_entries = list(reversed(record.result_entries))
        record.save(update_fields=["result_entries"])

    outside_the_event_loop(tamper)
    page.reload()
    page.click("button.rerun")
    page.wait_for_selector("output[data-matches]")
    assert page.get_attribute("output", "data-matches") == "no"
    page.close()

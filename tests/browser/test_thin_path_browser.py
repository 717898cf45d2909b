"""The thin path in real Chromium, at the 1024x768 tablet viewport the judges use."""

import re

import pytest

from contest.models import Person
from tests.browser_tools import LANDSCAPE, PORTRAIT, login, mark, outside_the_event_loop
from tests.pdf import pdf_text
from tests.world import PASSWORD, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PRESENTER = "Phạm Thị Ánh Tuyết"


def set_password(full_name: str) -> str:
    user = Person.objects.get(full_name=full_name).user
    user.set_password(PASSWORD)
    user.save()
    return user.username


def test_thin_path_in_chromium(live_server, browser, eager_celery, artifacts_dir):
    # The browser is set up after the server so that it closes first: its kept-alive
    # connections hold request threads, and their database connections, open.
    world = outside_the_event_loop(build_world)
    slug = world.contest.slug

    rep = login(browser, live_server, "rep2")
    rep.goto(f"{live_server.url}/contests/{slug}/signup/")
    rep.fill("#id_initiative_title", "Dân vận khéo trong chuyển đổi số")
    rep.select_option("#id_field", "economy")
    rep.select_option("#id_kind", "individual")
    rep.fill("#id_presenter_name", PRESENTER)
    rep.fill("#id_presenter_email", "tuyet@example.org")
    rep.click("[data-testid=signup-submit]")
    rep.wait_for_url(f"{live_server.url}/contests/{slug}/")
    assert "Dân vận khéo trong chuyển đổi số" in rep.content()

    organiser = login(browser, live_server, "organiser")
    organiser.goto(f"{live_server.url}/contests/{slug}/")
    organiser.click("[data-testid^=approve-]")
    organiser.wait_for_load_state()
    assert organiser.locator(".badge.approved").count() == 1

    organiser.goto(f"{live_server.url}/rounds/{world.final.pk}/schedule/")
    organiser.fill("#id_panel-name", "Ban giám khảo")
    for judge in world.judges:
        organiser.check(f"input[name=panel-judges][value='{judge.pk}']")
    organiser.select_option("#id_panel-head_judge", str(world.judges[0].pk))
    organiser.click("button[name=create_panel]")
    organiser.wait_for_load_state()
    organiser.fill("#id_session-name", "Chung khảo")
    organiser.fill("#id_session-starts_at", "2019-10-05T08:00")
    organiser.fill("#id_session-room", "Hội trường A")
    organiser.select_option("#id_session-panel", label="Ban giám khảo")
    organiser.click("button[name=create_session]")
    organiser.wait_for_load_state()
    organiser.fill("textarea[name=witnesses]", "Đại diện Sở Tài chính")
    organiser.click("[data-testid^=draw-]")
    organiser.wait_for_load_state()
    seed = organiser.locator("[data-testid=seed]").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", seed)
    round_page = organiser.url
    organiser.goto(f"{live_server.url}/contests/{slug}/")
    for step in ("signup_closed", "scheduled", "judging"):
        organiser.click(f"[data-testid=status-{step}]")
        organiser.wait_for_load_state()
    assert organiser.locator("[data-testid=status-results_published]").count() == 1
    organiser.goto(round_page)
    organiser.click("[data-testid=open-round]")
    organiser.wait_for_load_state()

    judge = login(browser, live_server, "judge2")
    judge.goto(f"{live_server.url}/judge/")
    judge.click("text=Chung khảo")
    judge.click("[data-testid^=slot-]")
    mark(judge, "content", "9")
    mark(judge, "delivery", "8.75")
    assert judge.locator("[data-testid=live-total]").inner_text() == "8,90"
    # Everything the judge needs fits the tablet screen without sideways scrolling.
    assert judge.evaluate("document.documentElement.scrollWidth") <= LANDSCAPE["width"]
    judge.screenshot(path=str(artifacts_dir / "judge-scoring-1024x768.png"))
    # The same sheet on a tablet held upright.
    judge.set_viewport_size(PORTRAIT)
    assert judge.evaluate("document.documentElement.scrollWidth") <= PORTRAIT["width"]
    assert judge.locator("[data-testid=submit-sheet]").is_visible()
    judge.screenshot(path=str(artifacts_dir / "judge-scoring-768x1024.png"))
    judge.click("[data-testid=submit-sheet]")
    judge.click("[data-testid=confirm-submit]")
    judge.wait_for_selector("[data-testid=outbox-status][data-state=sent]")
    judge.wait_for_selector("[data-testid^=slot-][data-state=submitted]")
    assert judge.locator("[data-testid=read-only]").is_visible()

    organiser.goto(f"{live_server.url}/rounds/{world.final.pk}/rankings/")
    # Only judge2 has scored: the sheets of judges 1 and 3 are missing, and publishing
    # without them takes the organiser's confirmation.
    missing = organiser.locator("[data-testid=missing-sheets] tbody tr")
    assert missing.count() == 2
    assert "Dân vận khéo trong chuyển đổi số" in missing.first.inner_text()
    organiser.check("[data-testid=confirm-missing-1]")
    organiser.click("[data-testid=publish-1]")
    organiser.wait_for_load_state()

    phone = {"width": 390, "height": 844}
    public = browser.new_context(viewport=phone, locale="vi-VN").new_page()
    public.goto(f"{live_server.url}/results/{slug}/")
    assert "Dân vận khéo trong chuyển đổi số" in public.content()
    assert "8,90" in public.content()

    organiser.goto(f"{live_server.url}/contests/{slug}/")
    organiser.click("form[action$='/certificates/issue/'] button")
    organiser.wait_for_load_state()

    username = outside_the_event_loop(lambda: set_password(PRESENTER))
    presenter = login(browser, live_server, username)
    presenter.goto(f"{live_server.url}/me/certificates/")
    with presenter.expect_download() as download_info:
        presenter.click("[data-testid^=download-]")
    pdf = open(download_info.value.path(), "rb").read()
    assert PRESENTER in pdf_text(pdf)
    presenter.screenshot(path=str(artifacts_dir / "presenter-certificates.png"))

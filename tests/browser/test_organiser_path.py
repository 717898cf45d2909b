"""The organiser's year in real Chromium: signup with a written outline, approval in bulk, the
contest's stages, the schedule, publishing the final's ranking and sending its winners on."""

import pytest

from contest import services as contest_services
from contest.models import Contest, Entry, Membership, Role
from scoring import services as scoring_services
from tests.browser_tools import login, outside_the_event_loop
from tests.unit.test_uploads import office_file
from tests.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_up_by_service(world, index: int, title: str) -> None:
    contest_services.register_entry(
        contest=world.contest,
        user=world.representatives[index],
        initiative_title=title,
        field="economy",
        kind="individual",
        presenters=[contest_services.PresenterInput(full_name=f"Lê Thị Hạnh {index}")],
    )


def score_every_owed_sheet(world) -> None:
    """Every judge scores every entry they may judge: the one on stage first gets the most."""
    entries = list(Entry.objects.filter(contest=world.contest, status="approved").order_by("id"))
    world.final.refresh_from_db()  # opened in the browser meanwhile
    for judge in world.judges:
        for value, entry in zip(("9", "8", "7"), entries, strict=True):
            if judge == world.judges[0] and entry.unit == world.units[0]:
                continue  # the head judge sits for this entry's own unit
            scoring_services.save_score_sheet(
                judge=judge,
                round=world.final,
                entry=entry,
                marks={"content": value, "delivery": value},
                submit=True,
            )


def test_organiser_runs_the_contest_from_signup_to_advancement(
    live_server, browser, eager_celery, tmp_path
):
    world = outside_the_event_loop(build_world)
    slug = world.contest.slug
    url = live_server.url

    # A unit signs up its initiative with the written outline.
    outline = tmp_path / "Đề cương.docx"
    outline.write_bytes(office_file("word/document.xml"))
    rep = login(browser, live_server, "rep1")
    rep.goto(f"{url}/contests/{slug}/signup/")
    rep.fill("#id_initiative_title", "Dân vận khéo trong chuyển đổi số")
    rep.select_option("#id_field", "economy")
    rep.select_option("#id_kind", "individual")
    rep.fill("#id_presenter_name", "Phạm Thị Ánh Tuyết")
    rep.set_input_files("#id_outline", str(outline))
    rep.click("[data-testid=signup-submit]")
    rep.wait_for_url(f"{url}/contests/{slug}/")
    outside_the_event_loop(lambda: sign_up_by_service(world, 1, "Mô hình “Phường văn minh”"))
    outside_the_event_loop(lambda: sign_up_by_service(world, 2, "Mô hình “Chợ an toàn”"))

    # The organiser sets who advances, approves all three at once and moves the stages on.
    organiser = login(browser, live_server, "organiser")
    organiser.goto(f"{url}/contests/{slug}/settings/")
    organiser.select_option("#id_advancement_rule", "top_n")
    organiser.fill("#id_advancement_count", "2")
    organiser.click("[data-testid=contest-save]")
    organiser.wait_for_url(f"{url}/contests/{slug}/")
    for tick in organiser.locator("[data-testid^=tick-]").all():
        tick.check()
    organiser.click("[data-testid=bulk-approve]")
    organiser.wait_for_load_state()
    assert organiser.locator(".badge.approved").count() == 3
    with organiser.expect_download() as outline_download:
        organiser.goto(f"{url}/contests/{slug}/")
        organiser.click("[data-testid^=files-]")
        organiser.click("[data-testid=download-outline]")
    assert outline_download.value.suggested_filename == "Đề cương.docx"
    organiser.goto(f"{url}/contests/{slug}/")
    organiser.click("[data-testid=status-signup_closed]")
    organiser.wait_for_load_state()

    organiser.goto(f"{url}/rounds/{world.final.pk}/schedule/")
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
    organiser.click("[data-testid^=draw-]")
    organiser.wait_for_load_state()

    organiser.goto(f"{url}/contests/{slug}/")
    for step in ("scheduled", "judging"):
        organiser.click(f"[data-testid=status-{step}]")
        organiser.wait_for_load_state()
    organiser.goto(f"{url}/rounds/{world.final.pk}/schedule/")
    organiser.click("[data-testid=open-round]")
    organiser.wait_for_load_state()
    outside_the_event_loop(lambda: score_every_owed_sheet(world))

    # The dashboard shows every sheet in; the ranking is computed, published, winners sent on.
    organiser.goto(f"{url}/contests/{slug}/dashboard/")
    assert organiser.locator("svg").count() >= 1
    organiser.goto(f"{url}/rounds/{world.final.pk}/rankings/")
    organiser.click("form[action$='/rankings/compute/'] button")
    organiser.wait_for_load_state()
    organiser.reload()
    assert organiser.locator("[data-testid=missing-sheets]").count() == 0
    # Each saved sheet queued a recomputation; the newest version holds them all.
    version, standings = outside_the_event_loop(
        lambda: next(
            (ranking.version, ranking.standings.count())
            for ranking in world.final.rankings.order_by("-version")[:1]
        )
    )
    assert standings == 3
    organiser.click(f"[data-testid=publish-{version}]")
    organiser.wait_for_load_state()
    assert (
        outside_the_event_loop(lambda: Contest.objects.get(pk=world.contest.pk).status)
        == Contest.Status.RESULTS_PUBLISHED
    )

    organiser.goto(f"{url}/contests/{slug}/advancement/")
    assert organiser.locator("[data-testid=choices] tbody tr").count() == 2
    organiser.click("[data-testid=advance]")
    organiser.wait_for_load_state()
    organiser.click("[data-testid=advance]")  # a second run changes nothing
    organiser.wait_for_load_state()
    advanced = outside_the_event_loop(
        lambda: list(
            Entry.objects.filter(contest=world.contest.advances_to)
            .order_by("advanced_from__initiative__title")
            .values_list("initiative__title", "advanced_from__contest__slug", "status")
        )
    )
    assert advanced == [
        ("Dân vận khéo trong chuyển đổi số", slug, "approved"),
        ("Mô hình “Phường văn minh”", slug, "approved"),
    ]

    # The city contest's page says where each entry came from (to its own organisers).
    outside_the_event_loop(
        lambda: Membership.objects.create(
            contest=world.contest.advances_to, user=world.organiser, role=Role.ORGANISER
        )
    )
    organiser.goto(f"{url}/contests/{world.contest.advances_to.slug}/")
    assert organiser.locator("[data-testid^=origin-]").count() == 2
    assert world.contest.name in organiser.locator("[data-testid^=origin-]").first.inner_text()

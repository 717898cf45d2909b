"""Creating a contest and setting its rules from the organiser's pages."""

import pytest

from config.errors import DomainError
from contest import services
from contest.models import Contest, Membership, Role
from tests.world import build_world, make_user

pytestmark = pytest.mark.django_db


def contest_form(world, **overrides):
    form = {
        "name": "Hội thi báo cáo viên năm 2020",
        "slug": "khoi-2020",
        "level": "bloc",
        "year": "2020",
        "organising_unit": str(world.bloc.pk),
        "place": "Hà Nội",
        "max_entries_per_unit": "1",
        "allowed_fields": ["economy", "political_system"],
        "initiative_year_from": "2018",
        "initiative_year_to": "2020",
        "required_presenter_attributes": ["phone"],
        "advances_to": str(world.contest.advances_to_id),
        "advancement_rule": "top_n",
        "advancement_count": "3",
        "brand_colour": "#b71c1c",
    }
    form.update(overrides)
    return form


def test_a_superuser_creates_a_draft_contest_and_becomes_its_organiser(client):
    world = build_world()
    admin = make_user("admin", is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.post("/contests/new/", contest_form(world))
    assert response.status_code == 302, response.context["form"].errors
    contest = Contest.objects.get(slug="khoi-2020")
    assert contest.status == Contest.Status.DRAFT
    assert contest.allowed_fields == ["economy", "political_system"]
    assert contest.required_presenter_attributes == ["phone"]
    assert (contest.advancement_rule, contest.advancement_count) == ("top_n", 3)
    assert Membership.objects.filter(contest=contest, user=admin, role=Role.ORGANISER).exists()


def test_bad_settings_are_form_errors_not_half_a_contest(client):
    world = build_world()
    client.force_login(make_user("admin", is_superuser=True, is_staff=True))
    response = client.post(
        "/contests/new/",
        contest_form(world, initiative_year_from="2021", advancement_count=""),
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Contest.objects.filter(slug="khoi-2020").exists()


def test_only_people_allowed_to_create_contests_see_the_form(client):
    world = build_world()
    client.force_login(world.organiser)
    assert client.get("/contests/new/").status_code == 403


def test_an_organiser_edits_the_rules_until_signup_closes(client):
    world = build_world()
    client.force_login(world.organiser)
    form = contest_form(world, slug="ignored", name=world.contest.name, year="2019")
    response = client.post(f"/contests/{world.contest.slug}/settings/", form)
    assert response.status_code == 302
    world.contest.refresh_from_db()
    assert world.contest.max_entries_per_unit == 1 and world.contest.slug == "khoi-2019"

    services.change_contest_status(
        contest=world.contest, to_status="signup_closed", actor=world.organiser
    )
    with pytest.raises(DomainError, match="cannot change after signup has closed"):
        services.update_contest(
            contest=world.contest, actor=world.organiser, max_entries_per_unit=2
        )
    kept = services.update_contest(
        contest=world.contest, actor=world.organiser, place="Hà Nội, Việt Nam"
    )
    assert kept.place == "Hà Nội, Việt Nam" and kept.max_entries_per_unit == 1


def test_other_people_cannot_open_a_contests_settings(client):
    world = build_world()
    client.force_login(world.representatives[0])
    assert client.get(f"/contests/{world.contest.slug}/settings/").status_code == 403

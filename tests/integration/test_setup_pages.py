"""Organisers set a contest up from its pages: rounds and their rubrics, prizes, rooms and
roles; everything the Django admin was needed for before."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from config.errors import DomainError
from contest import services as contest_services
from contest.models import Membership, Person, Role, Unit
from scheduling.models import Room, Round, Session
from scoring import services as scoring_services
from scoring.models import Award, Criterion, PenaltyRule, Prize, Rubric, RubricPart
from tests.thin_path import client_for
from tests.world import World, make_user

pytestmark = pytest.mark.django_db

User = get_user_model()


def rubric_url(round) -> str:
    return f"/rounds/{round.pk}/rubric/"


def post_ok(client, url, data):
    """A page write that must succeed: it redirects onwards, else its form errors show."""
    response = client.post(url, data)
    assert response.status_code == 302, _errors(response)
    return response


def _errors(response):
    context = response.context
    if context is None:
        return {}
    return {
        name: context[name].errors
        for name in context.keys()
        if hasattr(context[name], "is_bound") and context[name].errors
    }


def new_round(client, world: World, **overrides) -> Round:
    data = {
        "round-name": "Vòng sơ khảo",
        "round-kind": "preliminary",
        "round-sequence": "",
        "round-method": "mean",
        "round-decimals": "2",
    }
    data.update(overrides)
    post_ok(client, f"/contests/{world.contest.slug}/rounds/", data)
    return Round.objects.get(contest=world.contest, name=data["round-name"])


def add_part(client, round, name, minutes=""):
    post_ok(
        client,
        rubric_url(round),
        {"action": "add_part", "part-name": name, "part-minutes": minutes},
    )
    return RubricPart.objects.get(rubric__round=round, name=name)


def criterion_data(part, **overrides):
    data = {
        "action": "add_criterion",
        "criterion-part": str(part.pk) if part else "",
        "criterion-name": "Nội dung",
        "criterion-code": "",
        "criterion-description": "",
        "criterion-max_score": "10",
        "criterion-step": "0.5",
        "criterion-weight": "1",
        "criterion-required": "on",
        "criterion-descriptors": "",
    }
    data.update(overrides)
    return data


def as_edit_page(data: dict) -> dict:
    """The rubric page's "add a criterion" form as the criterion's own edit page posts it."""
    return {key.removeprefix("criterion-"): value for key, value in data.items() if key != "action"}


# --- rounds and rubrics -------------------------------------------------------------------


def test_an_organiser_builds_a_round_with_a_rubric_of_two_parts_and_three_criteria(world):
    client = client_for(world.organiser)
    round = new_round(client, world)
    assert (round.kind, round.sequence, round.status) == ("preliminary", 2, "planned")
    rubric = Rubric.objects.get(round=round)
    assert (rubric.method, rubric.decimals) == ("mean", 2)

    outline = add_part(client, round, "Đề cương", "5")
    talk = add_part(client, round, "Trình bày", "10,5")
    assert (outline.order, talk.order, talk.minutes) == (1, 2, Decimal("10.5"))
    post_ok(
        client,
        rubric_url(round),
        criterion_data(
            outline,
            **{
                "criterion-weight": "3",
                "criterion-descriptors": "8–10: Xuất sắc\n5-7,5: Khá\n\n0 - 4.5: Chưa đạt",
            },
        ),
    )
    post_ok(
        client,
        rubric_url(round),
        criterion_data(
            outline,
            **{
                "criterion-name": "Hình thức trình bày đề cương",
                "criterion-max_score": "5",
                "criterion-step": "0.25",
                "criterion-required": "",
            },
        ),
    )
    post_ok(
        client,
        rubric_url(round),
        criterion_data(
            talk,
            **{
                "criterion-name": "Phong cách",
                "criterion-code": "style",
                "criterion-step": "1",
                "criterion-weight": "0",
                "criterion-independent": "on",
            },
        ),
    )
    content, form, style = Criterion.objects.filter(rubric=rubric).order_by("part__order", "order")
    assert (content.code, content.part, content.weight) == ("noi-dung", outline, Decimal(3))
    assert content.descriptors == [
        {"from": "8", "to": "10", "text": "Xuất sắc"},
        {"from": "5", "to": "7.5", "text": "Khá"},
        {"from": "0", "to": "4.5", "text": "Chưa đạt"},
    ]
    assert (form.code, form.step, form.required) == (
        "hinh-thuc-trinh-bay-de-cuong",
        Decimal("0.25"),
        False,
    )
    assert (style.code, style.part, style.counts_toward_total) == ("style", talk, False)

    post_ok(
        client,
        rubric_url(round),
        {
            "action": "settings",
            "settings-method": "trimmed_mean",
            "settings-drop_highest": "1",
            "settings-drop_lowest": "1",
            "settings-decimals": "3",
            "settings-ranking_style": "dense",
            "settings-disagreement_threshold": "2,5",
        },
    )
    rubric.refresh_from_db()
    assert (rubric.method, rubric.drop_highest, rubric.drop_lowest) == ("trimmed_mean", 1, 1)
    assert (rubric.decimals, rubric.ranking_style) == (3, "dense")
    assert rubric.disagreement_threshold == Decimal("2.5")

    post_ok(
        client,
        rubric_url(round),
        {
            "action": "add_rule",
            "rule-part": talk.pk,
            "rule-minutes_over": "1",
            "rule-points": "0.5",
        },
    )
    assert list(PenaltyRule.objects.filter(part=talk).values_list("minutes_over", "points")) == [
        (1, Decimal("0.5"))
    ]

    # Order: the presentation before the outline, and the form criterion before the content.
    post_ok(client, f"/rubric-parts/{talk.pk}/move/", {"direction": "up"})
    post_ok(client, f"/criteria/{form.pk}/move/", {"direction": "up"})
    assert list(rubric.parts.order_by("order").values_list("name", flat=True)) == [
        "Trình bày",
        "Đề cương",
    ]
    assert list(
        Criterion.objects.filter(part=outline).order_by("order").values_list("code", flat=True)
    ) == ["hinh-thuc-trinh-bay-de-cuong", "noi-dung"]

    edit = client.get(f"/criteria/{content.pk}/edit/")
    assert "8–10: Xuất sắc" in edit.content.decode()
    data = criterion_data(
        outline, **{"criterion-name": "Nội dung mô hình", "criterion-code": "content"}
    )
    data = as_edit_page(data)
    post_ok(client, f"/criteria/{content.pk}/edit/", data)
    content.refresh_from_db()
    assert (content.name, content.code, content.descriptors) == ("Nội dung mô hình", "content", [])

    page = client.get(rubric_url(round)).content.decode()
    assert "Phong cách" in page and 'data-testid="rubric-fixed"' not in page
    assert "Vòng sơ khảo" in client.get(f"/contests/{world.contest.slug}/rounds/").content.decode()


def test_the_contest_page_links_the_organiser_to_the_setup_pages(world):
    page = client_for(world.organiser).get(f"/contests/{world.contest.slug}/").content.decode()
    for name in ("rounds", "prizes", "rooms", "roles"):
        assert f'href="/contests/{world.contest.slug}/{name}/"' in page


def test_the_setup_pages_render_in_vietnamese(world):
    client = client_for(world.organiser)
    criterion = world.final.rubric.criteria.first()
    prize = world.contest.prizes.first()
    room = Room.objects.create(contest=world.contest, name="Phòng 1")
    for url in [
        *(
            f"/contests/{world.contest.slug}/{name}/"
            for name in ("rounds", "prizes", "rooms", "roles")
        ),
        rubric_url(world.final),
        f"/rounds/{world.final.pk}/edit/",
        f"/criteria/{criterion.pk}/edit/",
        f"/rubric-parts/{criterion.part_id}/edit/",
        f"/prizes/{prize.pk}/edit/",
        f"/rooms/{room.pk}/edit/",
    ]:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="vi")
        assert response.status_code == 200, url
        assert 'lang="vi"' in response.content.decode()


def test_a_step_other_than_a_quarter_a_half_or_one_is_a_form_error(world):
    client = client_for(world.organiser)
    part = world.final.rubric.parts.first()
    response = client.post(
        rubric_url(world.final), criterion_data(part, **{"criterion-step": "0.3"})
    )
    assert response.status_code == 200
    assert "step" in response.context["criterion_form"].errors
    with pytest.raises(DomainError) as refused:
        scoring_services.save_criterion(
            rubric=world.final.rubric,
            actor=world.organiser,
            name="Bước lạ",
            max_score="10",
            step="0.3",
        )
    assert refused.value.field == "step"
    assert (
        not Criterion.objects.filter(name__in=["Nội dung", "Bước lạ"], part=part)
        .exclude(code="content")
        .exists()
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"criterion-max_score": "0"}, "max_score"),
        ({"criterion-max_score": "7.3"}, "max_score"),  # not a whole number of steps
        ({"criterion-max_score": "mười"}, "max_score"),
        ({"criterion-weight": "-1"}, "weight"),
        ({"criterion-descriptors": "Xuất sắc"}, "descriptors"),
        ({"criterion-descriptors": "8–12: Quá điểm tối đa"}, "descriptors"),
        ({"criterion-code": "content"}, "code"),  # the world's rubric has it already
        ({"criterion-code": "Không hợp lệ!"}, "code"),
    ],
)
def test_bad_criteria_are_form_errors_not_500s(world, overrides, field):
    client = client_for(world.organiser)
    before = Criterion.objects.count()
    part = world.final.rubric.parts.first()
    response = client.post(rubric_url(world.final), criterion_data(part, **overrides))
    assert response.status_code == 200
    assert field in response.context["criterion_form"].errors
    assert Criterion.objects.count() == before


def test_drops_are_only_for_the_trimmed_methods(world):
    response = client_for(world.organiser).post(
        rubric_url(world.final),
        {
            "action": "settings",
            "settings-method": "mean",
            "settings-drop_highest": "1",
            "settings-drop_lowest": "0",
            "settings-decimals": "2",
            "settings-ranking_style": "standard",
        },
    )
    assert response.status_code == 200
    assert "drop_highest" in response.context["settings_form"].errors
    world.final.rubric.refresh_from_db()
    assert world.final.rubric.drop_highest == 0


def test_the_rubric_is_fixed_once_the_round_is_open(scheduled):
    world = scheduled.world
    client = client_for(world.organiser)
    rubric = world.final.rubric
    page = client.get(rubric_url(world.final))
    assert 'data-testid="rubric-fixed"' in page.content.decode()

    response = client.post(rubric_url(world.final), {"action": "add_part", "part-name": "Hỏi đáp"})
    assert response.status_code == 200
    assert "fixed once the round has been opened" in str(
        response.context["part_form"].non_field_errors()
    )
    assert rubric.parts.count() == 2

    content = rubric.criteria.get(code="content")
    data = criterion_data(
        content.part, **{"criterion-code": "content", "criterion-max_score": "20"}
    )
    data = as_edit_page(data)
    response = client.post(f"/criteria/{content.pk}/edit/", data)
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    client.post(f"/criteria/{content.pk}/delete/")
    content.refresh_from_db()
    assert content.max_score == Decimal(10)

    with pytest.raises(DomainError, match="fixed once the round has been opened"):
        scoring_services.update_rubric_settings(
            rubric=rubric, actor=world.organiser, method="median", decimals=2
        )


def test_a_round_keeps_its_kind_once_open_and_a_contest_has_one_final(scheduled):
    world = scheduled.world
    client = client_for(world.organiser)
    response = client.post(
        f"/rounds/{world.final.pk}/edit/",
        {"name": "Chung kết", "kind": "preliminary", "sequence": "1"},
    )
    assert response.status_code == 200 and "kind" in response.context["form"].errors
    post_ok(
        client,
        f"/rounds/{world.final.pk}/edit/",
        {"name": "Chung kết", "kind": "final", "sequence": "3"},
    )
    world.final.refresh_from_db()
    assert (world.final.name, world.final.sequence) == ("Chung kết", 3)

    response = client.post(
        f"/contests/{world.contest.slug}/rounds/",
        {
            "round-name": "Chung kết lần hai",
            "round-kind": "final",
            "round-method": "mean",
            "round-decimals": "2",
        },
    )
    assert response.status_code == 200 and "kind" in response.context["form"].errors
    response = client.post(
        f"/contests/{world.contest.slug}/rounds/",
        {
            "round-name": "Sơ khảo",
            "round-kind": "preliminary",
            "round-sequence": "3",
            "round-method": "mean",
            "round-decimals": "2",
        },
    )
    assert response.status_code == 200 and "sequence" in response.context["form"].errors
    assert world.contest.rounds.count() == 1


def test_a_round_made_without_a_rubric_gets_one_from_its_page(world):
    round = Round.objects.create(
        contest=world.contest, name="Sơ khảo", kind="preliminary", sequence=2
    )
    client = client_for(world.organiser)
    assert 'data-testid="rubric-create"' in client.get(rubric_url(round)).content.decode()
    post_ok(client, rubric_url(round), {"action": "create_rubric"})
    assert Rubric.objects.get(round=round).method == "mean"


def test_a_part_with_criteria_or_a_special_prize_is_not_deleted(world):
    client = client_for(world.organiser)
    outline = world.final.rubric.parts.get(name="Đề cương")
    client.post(f"/rubric-parts/{outline.pk}/delete/")
    assert RubricPart.objects.filter(pk=outline.pk).exists()
    empty = add_part(client, world.final, "Hỏi đáp")
    Prize.objects.create(
        contest=world.contest, name="Giải phụ", tier="special", part=empty, order=9
    )
    response = client.post(f"/rubric-parts/{empty.pk}/delete/", follow=True)
    assert "A special prize is given for this part" in response.content.decode()
    assert RubricPart.objects.filter(pk=empty.pk).exists()


def test_a_criterion_in_the_tie_break_chain_follows_a_rename_and_is_not_deleted(world):
    rubric = world.final.rubric
    scoring_services.set_tie_breaks(
        rubric=rubric, steps=[{"criterion": "delivery"}], actor=world.organiser
    )
    delivery = rubric.criteria.get(code="delivery")
    client = client_for(world.organiser)
    data = criterion_data(
        delivery.part,
        **{"criterion-name": "Trình bày", "criterion-code": "talk", "criterion-step": "0.25"},
    )
    data = as_edit_page(data)
    post_ok(client, f"/criteria/{delivery.pk}/edit/", data)
    rubric.refresh_from_db()
    assert rubric.tie_breaks == [{"criterion": "talk"}]
    client.post(f"/criteria/{delivery.pk}/delete/")
    assert Criterion.objects.filter(pk=delivery.pk).exists()


# --- prizes -------------------------------------------------------------------------------


def prize_data(**overrides):
    data = {
        "name": "Giải Ba",
        "tier": "third",
        "quota": "1",
        "min_score": "",
        "part": "",
        "order": "",
    }
    data.update(overrides)
    return data


def test_an_organiser_sets_the_prizes_of_the_contest(world):
    client = client_for(world.organiser)
    url = f"/contests/{world.contest.slug}/prizes/"
    talk = world.final.rubric.parts.get(name="Trình bày")
    post_ok(client, url, prize_data())
    post_ok(
        client,
        url,
        prize_data(name="Giải Khuyến khích", tier="consolation", quota="2", min_score="6,5"),
    )
    post_ok(
        client,
        url,
        prize_data(name="Giải Trình bày hay nhất", tier="special", part=str(talk.pk)),
    )
    prizes = list(world.contest.prizes.order_by("order").values_list("name", "tier", "order"))
    assert prizes == [
        ("Giải Nhất", "first", 1),
        ("Giải Nhì", "second", 2),
        ("Giải Ba", "third", 3),
        ("Giải Khuyến khích", "consolation", 4),
        ("Giải Trình bày hay nhất", "special", 5),
    ]
    consolation = Prize.objects.get(name="Giải Khuyến khích")
    assert (consolation.quota, consolation.min_score) == (2, Decimal("6.5"))

    post_ok(
        client,
        f"/prizes/{consolation.pk}/edit/",
        prize_data(name="Giải Khuyến khích", tier="consolation", quota="3", order="4"),
    )
    consolation.refresh_from_db()
    assert (consolation.quota, consolation.min_score) == (3, None)

    extra = Prize.objects.get(name="Giải Ba")
    post_ok(client, f"/prizes/{extra.pk}/delete/", {})
    assert not Prize.objects.filter(pk=extra.pk).exists()
    assert "Giải Trình bày hay nhất" in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"tier": "special"}, "part"),  # a special prize names its part
        ({"name": "Giải Nhất"}, "name"),  # taken
        ({"order": "1"}, "order"),  # taken
        ({"tier": "first", "name": "Giải Nhất bổ sung"}, "order"),  # a first after a second
        ({"quota": "0"}, "quota"),
        ({"min_score": "-1"}, "min_score"),
    ],
)
def test_bad_prizes_are_form_errors(world, overrides, field):
    before = Prize.objects.count()
    response = client_for(world.organiser).post(
        f"/contests/{world.contest.slug}/prizes/", prize_data(**overrides)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Prize.objects.count() == before


def test_a_prize_part_from_another_contest_is_refused(world):
    other_round = Round.objects.create(
        contest=world.other_contest, name="Chung khảo", kind="final", sequence=1
    )
    other_part = RubricPart.objects.create(
        rubric=Rubric.objects.create(round=other_round), name="Trình bày", order=1
    )
    with pytest.raises(DomainError) as refused:
        scoring_services.save_prize(
            contest=world.contest,
            actor=world.organiser,
            name="Giải phụ",
            tier="special",
            part=other_part,
        )
    assert refused.value.field == "part"


def test_deleting_or_changing_an_awarded_prize_is_refused(published):
    world = published.world
    first = Prize.objects.get(contest=world.contest, name="Giải Nhất")
    assert Award.objects.filter(prize=first).exists()
    client = client_for(world.organiser)
    response = client.post(f"/prizes/{first.pk}/delete/", {})
    assert response.status_code == 200
    assert "cannot be deleted" in str(response.context["delete_form"].non_field_errors())
    assert Prize.objects.filter(pk=first.pk).exists()
    response = client.post(
        f"/prizes/{first.pk}/edit/",
        prize_data(name="Giải Nhất", tier="first", quota="2", order="1"),
    )
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    first.refresh_from_db()
    assert first.quota == 1


# --- rooms --------------------------------------------------------------------------------


def test_an_organiser_sets_up_the_rooms(scheduled):
    world = scheduled.world
    client = client_for(world.organiser)
    url = f"/contests/{world.contest.slug}/rooms/"
    post_ok(
        client,
        url,
        {
            "name": "Hội trường A",
            "address": "Tầng 3",
            "capacity": "200",
            "available_from": "2019-10-05T07:30",
            "available_until": "2019-10-05T12:00",
        },
    )
    room = Room.objects.get(contest=world.contest, name="Hội trường A")
    assert (room.capacity, room.address) == (200, "Tầng 3")
    response = client.post(url, {"name": "hội trường a"})
    assert "name" in response.context["form"].errors
    response = client.post(
        f"/rooms/{room.pk}/edit/",
        {
            "name": "Hội trường A",
            "available_from": "2019-10-05T12:00",
            "available_until": "2019-10-05T07:30",
        },
    )
    assert "available_until" in response.context["form"].errors

    Session.objects.filter(pk=scheduled.session.pk).update(room=room)
    response = client.post(f"/rooms/{room.pk}/delete/", {})
    assert response.status_code == 200 and response.context["delete_form"].non_field_errors()
    Session.objects.filter(pk=scheduled.session.pk).update(room=None)
    post_ok(client, f"/rooms/{room.pk}/delete/", {})
    assert not Room.objects.filter(pk=room.pk).exists()


# --- roles --------------------------------------------------------------------------------


def role_data(**overrides):
    data = {
        "role": "unit_representative",
        "unit": "",
        "account": "existing",
        "username": "",
        "full_name": "",
        "email": "",
    }
    data.update(overrides)
    return data


def test_an_organiser_adds_a_representative_with_a_new_account_and_a_secretary(
    world, django_capture_on_commit_callbacks
):
    client = client_for(world.organiser)
    url = f"/contests/{world.contest.slug}/roles/"
    unit = world.units[1]
    with django_capture_on_commit_callbacks(execute=True):
        post_ok(
            client,
            url,
            role_data(
                unit=str(unit.pk),
                account="new",
                full_name="Trần Thị Minh Ánh",
                email="Anh.Tran@Example.org",
            ),
        )
    user = User.objects.get(username="anh.tran@example.org")
    assert not user.has_usable_password()
    membership = Membership.objects.get(contest=world.contest, user=user)
    assert (membership.role, membership.unit) == (Role.UNIT_REPRESENTATIVE, unit)
    person = Person.objects.get(user=user)
    assert (person.given_name, person.family_name, person.unit) == ("Ánh", "Trần", unit)
    (message,) = mail.outbox
    assert message.to == ["anh.tran@example.org"] and "/accounts/reset/" in message.body

    colleague = make_user("thuky2", email="thuky2@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, role_data(role="secretary", username="ThuKy2"), follow=True)
    assert "The existing account “thuky2”" in response.content.decode()
    assert Membership.objects.filter(
        contest=world.contest, user=colleague, role=Role.SECRETARY
    ).exists()
    page = client.get(url).content.decode()
    assert "Trần Thị Minh Ánh" in page and "thuky2" in page


def test_an_existing_account_is_never_adopted_as_a_new_one(world):
    client = client_for(world.organiser)
    response = client.post(
        f"/contests/{world.contest.slug}/roles/",
        role_data(role="secretary", account="new", full_name="Ai đó", email="REP1@example.org"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["email"]
    assert "already exists (username “rep1”)" in errors[0]
    assert not Membership.objects.filter(
        contest=world.contest, user=world.representatives[0], role=Role.SECRETARY
    ).exists()
    assert User.objects.filter(email__iexact="rep1@example.org").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"role": "secretary", "username": "nobody"}, "username"),
        ({"role": "secretary", "username": "secretary"}, "username"),  # has the role already
        ({"role": "unit_representative", "username": "judge2"}, "unit"),  # which unit?
        ({"role": "judge", "username": "judge-elsewhere"}, "role"),  # not given from here
        ({"role": "secretary", "account": "new", "email": "x@example.org"}, "full_name"),
    ],
)
def test_bad_roles_are_form_errors(world, overrides, field):
    before = Membership.objects.count()
    response = client_for(world.organiser).post(
        f"/contests/{world.contest.slug}/roles/", role_data(**overrides)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Membership.objects.count() == before


def test_a_representative_speaks_for_a_unit_of_the_contest_in_its_year(world):
    later = Unit.objects.create(
        code="new-unit",
        name="Đảng bộ mới",
        level="grassroots",
        parent=world.bloc,
        valid_from_year=2021,
    )
    for unit in (later, world.city):
        with pytest.raises(DomainError) as refused:
            contest_services.give_contest_role(
                contest=world.contest,
                actor=world.organiser,
                role=Role.UNIT_REPRESENTATIVE,
                unit=unit,
                username="judge2",
            )
        assert refused.value.field == "unit"
    choices = client_for(world.organiser).get(f"/contests/{world.contest.slug}/roles/")
    units = list(choices.context["form"].fields["unit"].queryset)
    assert set(units) == set(world.units)


def test_roles_are_removed_but_the_last_organiser_stays(world):
    client = client_for(world.organiser)
    secretary = Membership.objects.get(contest=world.contest, role=Role.SECRETARY)
    post_ok(client, f"/memberships/{secretary.pk}/remove/", {})
    assert not Membership.objects.filter(pk=secretary.pk).exists()
    organiser = Membership.objects.get(contest=world.contest, role=Role.ORGANISER)
    response = client.post(f"/memberships/{organiser.pk}/remove/", {}, follow=True)
    assert "at least one organiser" in response.content.decode()
    assert Membership.objects.filter(pk=organiser.pk).exists()
    judge = Membership.objects.filter(contest=world.contest, role=Role.JUDGE).first()
    client.post(f"/memberships/{judge.pk}/remove/", {})
    assert Membership.objects.filter(pk=judge.pk).exists()


# --- who may -------------------------------------------------------------------------------


def setup_urls(world: World) -> list[str]:
    part = world.final.rubric.parts.first()
    criterion = world.final.rubric.criteria.first()
    prize = world.contest.prizes.first()
    room = Room.objects.create(contest=world.contest, name="Phòng 1")
    rule = PenaltyRule.objects.create(part=part, minutes_over=1, points=1)
    membership = Membership.objects.filter(contest=world.contest, role=Role.SECRETARY).first()
    slug = world.contest.slug
    return [
        f"/contests/{slug}/rounds/",
        f"/rounds/{world.final.pk}/edit/",
        f"/rounds/{world.final.pk}/rubric/",
        f"/rubric-parts/{part.pk}/edit/",
        f"/rubric-parts/{part.pk}/delete/",
        f"/rubric-parts/{part.pk}/move/",
        f"/criteria/{criterion.pk}/edit/",
        f"/criteria/{criterion.pk}/delete/",
        f"/criteria/{criterion.pk}/move/",
        f"/penalty-rules/{rule.pk}/delete/",
        f"/contests/{slug}/prizes/",
        f"/prizes/{prize.pk}/edit/",
        f"/prizes/{prize.pk}/delete/",
        f"/contests/{slug}/rooms/",
        f"/rooms/{room.pk}/edit/",
        f"/rooms/{room.pk}/delete/",
        f"/contests/{slug}/roles/",
        f"/memberships/{membership.pk}/remove/",
    ]


def counts() -> tuple:
    return (
        Round.objects.count(),
        RubricPart.objects.count(),
        Criterion.objects.count(),
        PenaltyRule.objects.count(),
        Prize.objects.count(),
        Room.objects.count(),
        Membership.objects.count(),
    )


def test_only_the_contests_organisers_reach_the_setup_pages(world, client):
    urls = setup_urls(world)
    other_organiser = make_user("organiser-elsewhere")
    Membership.objects.create(
        contest=world.other_contest, user=other_organiser, role=Role.ORGANISER
    )
    before = counts()
    for user in (world.secretary, world.representatives[0], world.judges[0], other_organiser):
        visitor = client_for(user)
        for url in urls:
            assert visitor.get(url).status_code in {403, 405}, (user.username, url)
            post = visitor.post(
                url,
                {"action": "add_part", "part-name": "X", "name": "X", "direction": "up"},
            )
            assert post.status_code == 403, (user.username, url)
    for url in urls:
        response = client.get(url)
        assert response.status_code in {302, 405} and (
            response.status_code == 405 or "/accounts/login/" in response["Location"]
        )
    assert counts() == before


# --- no N+1 --------------------------------------------------------------------------------


def test_the_setup_list_pages_read_in_a_bounded_number_of_queries(
    world, django_assert_max_num_queries
):
    for sequence in range(2, 8):
        round = Round.objects.create(
            contest=world.contest, name=f"Vòng {sequence}", kind="preliminary", sequence=sequence
        )
        rubric = Rubric.objects.create(round=round)
        for order in range(1, 4):
            part = RubricPart.objects.create(rubric=rubric, name=f"Phần {order}", order=order)
            PenaltyRule.objects.create(part=part, minutes_over=1, points=1)
            for number in range(3):
                Criterion.objects.create(
                    rubric=rubric,
                    part=part,
                    code=f"c{order}-{number}",
                    name=f"Tiêu chí {number}",
                    max_score=10,
                    order=number + 1,
                )
        Prize.objects.create(
            contest=world.contest,
            name=f"Giải phụ {sequence}",
            tier="special",
            part=part,
            order=sequence + 10,
        )
        Room.objects.create(contest=world.contest, name=f"Phòng {sequence}")
    for number in range(8):
        user = make_user(f"more-rep{number}", email=f"more{number}@example.org")
        Membership.objects.create(
            contest=world.contest, user=user, role=Role.UNIT_REPRESENTATIVE, unit=world.units[0]
        )
    client = client_for(world.organiser)
    slug = world.contest.slug
    rubric_round = Round.objects.get(contest=world.contest, sequence=7)
    for url, limit in [
        (f"/contests/{slug}/rounds/", 8),
        (f"/rounds/{rubric_round.pk}/rubric/", 15),
        (f"/contests/{slug}/prizes/", 8),
        (f"/contests/{slug}/rooms/", 7),
        (f"/contests/{slug}/roles/", 9),
    ]:
        with django_assert_max_num_queries(limit):
            assert client.get(url).status_code == 200

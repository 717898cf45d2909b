"""Bad input gets a clear, field-level 400 (or a form error) and leaves no half-written data."""

import pytest

from contest.models import Entry, Initiative, Person
from scheduling.models import Draw
from scoring.models import Mark, ScoreSheet
from tests.thin_path import client_for, post_json

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("marks", "field", "message"),
    [
        ({"content": "8.3", "delivery": "7"}, "content", "steps of 0.5"),
        ({"content": "8", "delivery": "7.1"}, "delivery", "steps of 0.25"),
        ({"content": "10.5", "delivery": "7"}, "content", "maximum"),
        ({"content": "-1", "delivery": "7"}, "content", "negative"),
        ({"content": "tám", "delivery": "7"}, "content", "number"),
        ({"content": "NaN", "delivery": "7"}, "content", "number"),
        ({"content": "8"}, "delivery", "required"),
        ({"content": "8", "delivery": "7", "charisma": "9"}, "charisma", "not in the rubric"),
    ],
)
def test_invalid_marks_are_refused_per_criterion(scheduled, marks, field, message):
    world = scheduled.world
    response = post_json(
        client_for(world.judges[1]),
        "/api/score-sheets/",
        {"round": world.final.pk, "entry": scheduled.entries[1].pk, "marks": marks},
    )
    assert response.status_code == 400
    errors = response.json()["marks"]
    assert message in errors[field][0]
    assert not ScoreSheet.objects.exists() and not Mark.objects.exists()


def test_decimal_comma_is_accepted(scheduled):
    world = scheduled.world
    response = post_json(
        client_for(world.judges[1]),
        "/api/score-sheets/",
        {
            "round": world.final.pk,
            "entry": scheduled.entries[1].pk,
            "marks": {"content": "8,5", "delivery": "7,25"},
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["marks"] == {"content": "8.50", "delivery": "7.25"}


def test_scoring_refused_while_round_is_not_open(scheduled):
    world = scheduled.world
    world.final.status = "closed"
    world.final.save()
    response = post_json(
        client_for(world.judges[1]),
        "/api/score-sheets/",
        {
            "round": world.final.pk,
            "entry": scheduled.entries[1].pk,
            "marks": {"content": "8", "delivery": "7"},
        },
    )
    assert response.status_code == 400
    assert "not open" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"round": "x", "entry": 1, "marks": {}}, "round"),
        ({"round": 999999, "entry": 1, "marks": {}}, "round"),
        ({"entry": 1, "marks": {}}, "round"),
        ({"round": None, "entry": 1, "marks": []}, "marks"),
    ],
)
def test_malformed_sheet_requests_name_the_field(scheduled, body, field):
    response = post_json(client_for(scheduled.world.judges[1]), "/api/score-sheets/", body)
    assert response.status_code == 400
    assert field in response.json()


def test_signup_with_a_bad_presenter_writes_nothing(world):
    response = post_json(
        client_for(world.representatives[0]),
        f"/api/contests/{world.contest.slug}/entries/",
        {
            "initiative_title": "Mô hình tốt",
            "field": "economy",
            "kind": "collective",
            "presenters": [{"full_name": "Nguyễn Văn An"}, {"full_name": "   "}],
        },
    )
    assert response.status_code == 400
    assert "presenters" in response.json()
    assert not Entry.objects.exists() and not Initiative.objects.exists()
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "initiative_title": "",
                "field": "economy",
                "kind": "collective",
                "presenters": [{"full_name": "An"}],
            },
            "initiative_title",
        ),
        (
            {
                "initiative_title": "X",
                "field": "sports",
                "kind": "collective",
                "presenters": [{"full_name": "An"}],
            },
            "field",
        ),
        (
            {"initiative_title": "X", "field": "economy", "kind": "collective", "presenters": []},
            "presenters",
        ),
        (
            {
                "initiative_title": "X",
                "field": "economy",
                "kind": "individual",
                "presenters": [{"full_name": "An"}, {"full_name": "Bình"}],
            },
            "presenters",
        ),
        (
            {
                "initiative_title": "X",
                "field": "economy",
                "kind": "individual",
                "presenters": [{"full_name": "An", "email": "not-an-email"}],
            },
            "presenters",
        ),
    ],
)
def test_signup_errors_are_field_level(world, body, field):
    response = post_json(
        client_for(world.representatives[0]), f"/api/contests/{world.contest.slug}/entries/", body
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Entry.objects.exists()


def test_signup_refused_when_contest_is_not_open(world):
    world.contest.status = "judging"
    world.contest.save()
    response = post_json(
        client_for(world.representatives[0]),
        f"/api/contests/{world.contest.slug}/entries/",
        {
            "initiative_title": "X",
            "field": "economy",
            "kind": "individual",
            "presenters": [{"full_name": "Trần An"}],
        },
    )
    assert response.status_code == 400
    assert "not open" in response.json()["detail"]


def test_signup_page_shows_form_errors(world):
    client = client_for(world.representatives[0])
    response = client.post(
        f"/contests/{world.contest.slug}/signup/",
        {"initiative_title": "", "field": "economy", "kind": "individual"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"initiative_title", "presenter_name"}
    assert not Entry.objects.exists()


def test_reject_needs_a_reason(scheduled):
    world = scheduled.world
    response = post_json(
        client_for(world.organiser),
        f"/api/entries/{scheduled.entries[0].pk}/reject/",
        {"reason": ""},
    )
    assert response.status_code == 400
    assert "reason" in response.json()


def test_redraw_needs_a_reason_and_keeps_the_old_draw(scheduled):
    world = scheduled.world
    world.final.status = "planned"
    world.final.save()
    organiser = client_for(world.organiser)
    url = f"/api/sessions/{scheduled.session.pk}/draw/"
    response = post_json(organiser, url, {"witnesses": "A"})
    assert response.status_code == 400 and "reason" in response.json()
    response = post_json(organiser, url, {"reason": "Thiếu đại diện đơn vị khi bốc thăm"})
    assert response.status_code == 201
    assert Draw.objects.filter(session=scheduled.session).count() == 2
    assert Draw.objects.filter(session=scheduled.session, is_current=True).count() == 1


def test_unparseable_json_is_a_400(scheduled):
    response = client_for(scheduled.world.judges[1]).post(
        "/api/score-sheets/", b"{not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_scoring_page_shows_errors_on_the_criterion(scheduled):
    world = scheduled.world
    judge = client_for(world.judges[1])
    url = f"/judge/rounds/{world.final.pk}/entries/{scheduled.entries[1].pk}/"
    response = judge.post(url, {"content": "8.3", "delivery": "11", "submit": "1"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "steps of 0.5" in errors["content"][0] and "maximum" in errors["delivery"][0]
    assert not ScoreSheet.objects.exists()
    response = judge.post(url, {"content": "8.5", "delivery": "9.75", "submit": "1"})
    assert response.status_code == 302
    assert ScoreSheet.objects.get().status == "submitted"
    # Read-only afterwards: the page shows the marks and ignores a second post.
    page = judge.get(url)
    assert page.context["read_only"] is True
    judge.post(url, {"content": "1", "delivery": "1", "submit": "1"})
    assert ScoreSheet.objects.get().marks.get(criterion__code="content").value == 8.5


def test_same_presenter_on_two_entries_and_duplicate_emails(world):
    rep = client_for(world.representatives[0])
    url = f"/api/contests/{world.contest.slug}/entries/"
    presenter = {"full_name": "Lê Văn Cường", "email": "cuong@example.org"}
    ids = []
    for title in ["Mô hình A", "Mô hình B"]:
        body = {
            "initiative_title": title,
            "field": "economy",
            "kind": "individual",
            "presenters": [presenter],
        }
        response = post_json(rep, url, body)
        assert response.status_code == 201
        ids.append(response.json()["id"])
    organiser = client_for(world.organiser)
    for entry_id in ids:
        assert organiser.post(f"/api/entries/{entry_id}/approve/").status_code == 200
    assert Person.objects.filter(email="cuong@example.org").count() == 1
    twice = post_json(
        rep,
        url,
        {
            "initiative_title": "Mô hình C",
            "field": "economy",
            "kind": "collective",
            "presenters": [
                {"full_name": "Nguyễn An", "email": "an@example.org"},
                {"full_name": "Trần Bình", "email": "AN@example.org"},
            ],
        },
    )
    assert twice.status_code == 400 and "presenters" in twice.json()


def test_an_existing_account_is_never_adopted_by_a_typed_email(world):
    rep = client_for(world.representatives[0])
    response = post_json(
        rep,
        f"/api/contests/{world.contest.slug}/entries/",
        {
            "initiative_title": "Mô hình D",
            "field": "economy",
            "kind": "individual",
            "presenters": [{"full_name": "Kẻ Mạo Danh", "email": "organiser"}],
        },
    )
    assert response.status_code == 400  # not an email
    world.organiser.username = "organiser@example.org"
    world.organiser.save()
    response = post_json(
        rep,
        f"/api/contests/{world.contest.slug}/entries/",
        {
            "initiative_title": "Mô hình E",
            "field": "economy",
            "kind": "individual",
            "presenters": [{"full_name": "Kẻ Mạo Danh", "email": "organiser@example.org"}],
        },
    )
    entry_id = response.json()["id"]
    assert client_for(world.organiser).post(f"/api/entries/{entry_id}/approve/").status_code == 200
    assert Person.objects.get(full_name="Kẻ Mạo Danh").user is None


@pytest.mark.parametrize(
    "name", ["Mai", "A" * 60, "B" * 55 + " Lan"], ids=["one-word", "long-given", "long-family"]
)
def test_any_typed_name_gets_an_answer_not_an_error(world, name):
    response = post_json(
        client_for(world.representatives[0]),
        f"/api/contests/{world.contest.slug}/entries/",
        {
            "initiative_title": "X",
            "field": "economy",
            "kind": "individual",
            "presenters": [{"full_name": name}],
        },
    )
    page = client_for(world.representatives[1]).post(
        f"/contests/{world.contest.slug}/signup/",
        {"initiative_title": "Y", "field": "economy", "kind": "individual", "presenter_name": name},
    )
    if name == "Mai":
        assert response.status_code == 201 and page.status_code == 302
    else:
        assert response.status_code == 400 and "full_name" in str(response.json())
        assert page.status_code == 200 and page.context["form"].errors


def test_huge_ids_are_a_400(scheduled):
    organiser = client_for(scheduled.world.organiser)
    response = post_json(
        organiser,
        f"/api/rounds/{scheduled.world.final.pk}/sessions/",
        {
            "name": "x",
            "starts_at": "2020-01-01T00:00",
            "panel": 1,
            "entries": [1180591620717411303424],
        },
    )
    assert response.status_code == 400 and "entries" in response.json()


def test_oversized_bodies_are_refused_before_parsing(scheduled):
    body = b'{"marks": {"x": "' + b"9" * (3 * 1024 * 1024) + b'"}}'
    response = client_for(scheduled.world.judges[1]).post(
        "/api/score-sheets/", body, content_type="application/json"
    )
    assert response.status_code == 413


@pytest.mark.parametrize("value", ["1_0", "1e1", "٨", "Infinity", " "])
def test_marks_must_be_plain_decimal_numbers(scheduled, value):
    world = scheduled.world
    response = post_json(
        client_for(world.judges[1]),
        "/api/score-sheets/",
        {
            "round": world.final.pk,
            "entry": scheduled.entries[1].pk,
            "marks": {"content": value, "delivery": "8"},
        },
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="deeply-nested-json"),
        pytest.param(b'{"round": 1, "entry": 2, "marks": {"content": "\xff\xfe"}}', id="bad-utf8"),
        pytest.param(
            b'{"round": 1, "entry": 2, "marks": {"content": "\\ud800"}}', id="lone-surrogate"
        ),
        pytest.param(b'{"round": 1, "entry": 2, "marks": {"\\udfff": "1"}}', id="surrogate-key"),
        pytest.param(b'{"round": NaN, "entry": 2, "marks": {}}', id="nan"),
    ],
)
def test_malformed_json_is_a_400_and_writes_nothing(scheduled, body):
    response = client_for(scheduled.world.judges[1]).post(
        "/api/score-sheets/",
        body,
        content_type="application/json",
        headers={"idempotency-key": "3f0c9b8e-0000-4000-8000-000000000001"},
    )
    assert response.status_code == 400, response.content[:300]
    assert not ScoreSheet.objects.exists()

"""Secretaries' double entry of paper sheets when a tablet fails."""

import pytest

from contest.models import Membership, Role
from scoring.models import PaperSheet, ScoreSheet, ScoreSheetEvent
from tests.thin_path import client_for
from tests.world import make_user

pytestmark = pytest.mark.django_db

MARKS = {"content": "8.5", "delivery": "9.25"}


@pytest.fixture
def secretaries(scheduled):
    second = make_user("secretary2")
    Membership.objects.create(contest=scheduled.world.contest, user=second, role=Role.SECRETARY)
    return client_for(scheduled.world.secretary), client_for(second)


def enter(client, scheduled, marks=MARKS, judge="judge2"):
    return client.post(
        f"/api/rounds/{scheduled.world.final.pk}/paper-sheets/",
        {"entry": scheduled.entries[1].pk, "judge": judge, "marks": marks},
        content_type="application/json",
    )


def test_a_second_secretary_confirms_and_the_judges_sheet_is_submitted(scheduled, secretaries):
    first, second = secretaries
    assert enter(first, scheduled).json()["status"] == "pending"
    assert not ScoreSheet.objects.exists()
    confirmed = enter(second, scheduled)
    assert confirmed.status_code == 201 and confirmed.json()["status"] == "confirmed"
    sheet = ScoreSheet.objects.get()
    assert sheet.judge.username == "judge2" and sheet.status == "submitted"
    event = ScoreSheetEvent.objects.get(sheet=sheet)
    assert event.actor.username == "secretary2" and "secretary" in event.reason


def test_the_same_mark_typed_differently_is_no_mismatch(scheduled, secretaries):
    first, second = secretaries
    enter(first, scheduled, {"content": "8.5", "delivery": "9"})
    confirmed = enter(second, scheduled, {"content": "8,50", "delivery": "9.00"})
    assert confirmed.json()["status"] == "confirmed"


def test_the_same_secretary_cannot_confirm(scheduled, secretaries):
    first, _second = secretaries
    enter(first, scheduled)
    again = enter(first, scheduled)
    assert again.status_code == 400 and "different secretary" in again.json()["detail"]
    assert not ScoreSheet.objects.exists()


def test_a_mismatch_is_flagged_for_the_head_judge_and_nothing_is_submitted(scheduled, secretaries):
    first, second = secretaries
    enter(first, scheduled)
    mismatch = enter(second, scheduled, {"content": "8.5", "delivery": "9"})
    assert mismatch.json()["status"] == "mismatch"
    assert not ScoreSheet.objects.exists()
    flagged = (
        client_for(scheduled.world.judges[0])
        .get(f"/api/rounds/{scheduled.world.final.pk}/paper-sheets/")
        .json()
    )
    assert [(p["status"], p["second_marks"]) for p in flagged] == [
        ("mismatch", {"content": "8.50", "delivery": "9.00"})
    ]
    assert enter(first, scheduled).json()["status"] == "pending"  # typed in afresh


def test_only_secretaries_type_in_and_only_for_judges_of_the_panel(scheduled, secretaries):
    first, _second = secretaries
    judge = client_for(scheduled.world.judges[1])
    assert enter(judge, scheduled).status_code == 403
    assert enter(first, scheduled, judge="judge-elsewhere").status_code == 403
    assert enter(first, scheduled, judge="nobody").status_code == 400
    assert enter(first, scheduled, {"content": "8.3", "delivery": "9"}).status_code == 400
    assert not PaperSheet.objects.exists()


def test_a_confirmation_the_database_refuses_is_no_final_answer(
    scheduled, secretaries, broken_mark_check
):
    """The confirmed sheet's write fails in the database (here a negative mark past a broken
    check): a 400 to try again, the paper sheet still waits for confirmation, no score sheet,
    and a retry with the same Idempotency-Key runs again rather than replaying the 400."""
    from scoring.models import IdempotentRequest

    first, second = secretaries
    assert enter(first, scheduled).status_code == 201
    url = f"/api/rounds/{scheduled.world.final.pk}/paper-sheets/"
    body = {"entry": scheduled.entries[1].pk, "judge": "judge2", "marks": MARKS}

    def confirm():
        return second.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")

    refused = confirm()
    assert refused.status_code == 400
    assert refused.json()["detail"] == "The sheet changed meanwhile; reload and try again."
    assert PaperSheet.objects.get().status == "pending" and not ScoreSheet.objects.exists()
    assert not IdempotentRequest.objects.filter(key="k").exists()
    broken_mark_check()  # mended
    # Run again: the marks now differ from the first entry's (made under the broken check).
    assert confirm().json()["status"] == "mismatch"

"""Score sheets: draft, submitted, locked; abstention and conflicts; the head judge's unlock;
an append-only audit trail of every change to a submitted sheet."""

import pytest

from config.errors import DomainError, NotAllowed
from scoring import services
from scoring.models import Criterion, ScoreSheet, ScoreSheetEvent

pytestmark = pytest.mark.django_db

MARKS = {"content": "8", "delivery": "7.5"}


def submit(scheduled, judge_index, entry_index, marks=MARKS):
    world = scheduled.world
    return services.save_score_sheet(
        judge=world.judges[judge_index],
        round=world.final,
        entry=scheduled.entries[entry_index],
        marks=marks,
        submit=True,
    )


def test_head_judge_unlocks_with_a_reason_and_the_change_is_audited(scheduled):
    world = scheduled.world
    sheet = submit(scheduled, 1, 1)
    with pytest.raises(DomainError, match="reason"):
        services.unlock_score_sheet(sheet=sheet, actor=world.judges[0], reason=" ")
    with pytest.raises(NotAllowed):
        services.unlock_score_sheet(sheet=sheet, actor=world.judges[2], reason="typo")
    with pytest.raises(NotAllowed):
        services.unlock_score_sheet(sheet=sheet, actor=world.organiser, reason="typo")
    services.unlock_score_sheet(sheet=sheet, actor=world.judges[0], reason="Nhập nhầm 7,5")
    submit(scheduled, 1, 1, {"content": "8", "delivery": "9.5"})
    events = list(ScoreSheetEvent.objects.filter(sheet=sheet).order_by("id"))
    assert [e.action for e in events] == ["submitted", "unlocked", "changed"]
    changed = events[-1]
    assert changed.before["marks"] == {"content": "8.00", "delivery": "7.50"}
    assert changed.after["marks"] == {"content": "8.00", "delivery": "9.50"}
    assert changed.reason == "Nhập nhầm 7,5" and changed.actor == world.judges[1]
    assert events[1].actor == world.judges[0]


def test_audit_events_cannot_be_edited_through_the_admin(scheduled, admin_client):
    sheet = submit(scheduled, 1, 1)
    event = sheet.events.get()
    response = admin_client.post(f"/admin/scoring/scoresheetevent/{event.pk}/change/", {})
    assert response.status_code == 403
    response = admin_client.post(
        f"/admin/scoring/scoresheetevent/{event.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert ScoreSheetEvent.objects.filter(pk=event.pk).exists()


def test_abstained_and_conflicted_sheets_count_in_no_aggregate(scheduled):
    world = scheduled.world
    submit(scheduled, 1, 1, {"content": "10", "delivery": "10"})
    services.declare_not_scoring(
        judge=world.judges[2],
        round=world.final,
        entry=scheduled.entries[1],
        participation="conflict",
        reason="Người thân của báo cáo viên",
    )
    services.declare_not_scoring(
        judge=world.judges[0],
        round=world.final,
        entry=scheduled.entries[1],
        participation="abstained",
        reason="Vắng mặt khi trình bày",
    )
    standing = services.compute_ranking(round=world.final).standings.get()
    assert standing.judges_counted == 1 and str(standing.score) == "10.000000"
    sheets = ScoreSheet.objects.filter(entry=scheduled.entries[1])
    assert sorted(sheets.values_list("participation", flat=True)) == [
        "abstained",
        "conflict",
        "scored",
    ]
    with pytest.raises(DomainError, match="reason"):
        services.declare_not_scoring(
            judge=world.judges[1],
            round=world.final,
            entry=scheduled.entries[2],
            participation="abstained",
            reason="",
        )


def test_judge_from_the_entrys_unit_cannot_declare_anything_for_it(scheduled):
    world = scheduled.world
    with pytest.raises(NotAllowed):
        services.declare_not_scoring(
            judge=world.judges[0],
            round=world.final,
            entry=scheduled.entries[0],
            participation="abstained",
            reason="x",
        )


def test_locked_sheets_cannot_be_unlocked(scheduled):
    from scheduling.services import set_round_status

    world = scheduled.world
    sheet = submit(scheduled, 1, 1)
    set_round_status(round=world.final, status="closed", actor=world.organiser)
    sheet.refresh_from_db()
    with pytest.raises(DomainError):
        services.unlock_score_sheet(sheet=sheet, actor=world.judges[0], reason="late")


def test_descriptors_and_independent_criteria_on_the_judges_sheet(scheduled):
    from decimal import Decimal

    from scoring.models import Criterion
    from tests.thin_path import client_for

    world = scheduled.world
    content = Criterion.objects.get(code="content")
    content.descriptors = [{"from": "8", "to": "10", "text": "Sáng tạo, hiệu quả rõ rệt"}]
    content.save()
    Criterion.objects.create(
        rubric=content.rubric,
        code="attire",
        name="Trang phục",
        max_score=Decimal(10),
        step=Decimal(1),
        weight=Decimal(5),
        counts_toward_total=False,
        required=False,
        order=3,
    )
    url = f"/judge/rounds/{world.final.pk}/entries/{scheduled.entries[1].pk}/"
    page = client_for(world.judges[1]).get(url).content.decode()
    assert "Sáng tạo, hiệu quả rõ rệt" in page and "Not counted in the total" in page
    submit(scheduled, 1, 1, {"content": "8", "delivery": "8", "attire": "2"})
    standing = services.compute_ranking(round=world.final).standings.get()
    assert str(standing.score) == "8.000000"  # the independent 2 (weight 5) changes nothing
    assert standing.details["criteria"]["attire"] == "2.00"  # but it is shown


def test_the_judges_slot_comes_with_the_rubric_in_order(scheduled):
    """The hot path reads the judge's slot and the rubric in one query: the same criteria, in
    the same order, as reading the rubric on its own; none while the round has no rubric."""
    from scoring import selectors

    world = scheduled.world
    judge, entry = world.judges[1], scheduled.entries[1]
    content = world.final.rubric.criteria.get(code="content")
    content.descriptors = [{"band": "7–8", "text": "Rõ ràng, thuyết phục"}]
    content.save(update_fields=["descriptors"])
    slot = selectors.judging_slot(judge, world.final.pk, entry.pk)
    assert [c.code for c in slot.criteria] == ["content", "delivery"]

    def values(criteria):  # every column, as the ORM loads it (Decimals, JSON, booleans)
        fields = Criterion._meta.concrete_fields
        return [[field.value_from_object(c) for field in fields] for c in criteria]

    assert values(slot.criteria) == values(world.final.rubric.criteria.order_by("order", "id"))
    assert values(slot.criteria) == values(selectors.criteria_of_round(world.final.pk))
    assert slot.criteria[0].descriptors[0]["text"] == "Rõ ràng, thuyết phục"
    own_unit_entry = next(e for e in scheduled.entries if e.unit_id == world.units[0].pk)
    assert selectors.judging_slot(world.judges[0], world.final.pk, own_unit_entry.pk) is None
    world.final.rubric.criteria.all().delete()
    slot = selectors.judging_slot(judge, world.final.pk, entry.pk)
    assert slot is not None and slot.criteria == []
    with pytest.raises(DomainError, match="no rubric yet"):
        submit(scheduled, 1, 1)

"""Ranking snapshots: computed from submitted sheets, versioned, caught up by the reconciler."""

import threading

import pytest
from django.db.models import F

from scoring import services
from scoring.models import Ranking
from scoring.tasks import reconcile_rankings

pytestmark = pytest.mark.django_db

MARKS = {"content": "8", "delivery": "7.5"}


def test_reconciler_computes_rounds_whose_sheets_changed_since_the_newest_snapshot(scheduled):
    world = scheduled.world
    # This test's transaction never commits, so the on-commit queueing never happened:
    # exactly the situation of a broker that was down when the sheet was submitted.
    services.save_score_sheet(
        judge=world.judges[1],
        round=world.final,
        entry=scheduled.entries[1],
        marks=MARKS,
        submit=True,
    )
    assert not Ranking.objects.exists()
    assert reconcile_rankings() == [world.final.pk]
    assert Ranking.objects.get().sheet_count == 1
    assert reconcile_rankings() == []  # nothing changed since
    services.save_score_sheet(
        judge=world.judges[2],
        round=world.final,
        entry=scheduled.entries[1],
        marks=MARKS,
        submit=True,
    )
    assert reconcile_rankings() == [world.final.pk]
    assert list(Ranking.objects.values_list("version", "sheet_count")) == [(2, 2), (1, 1)]


def test_recomputing_without_changes_adds_no_version(scheduled):
    world = scheduled.world
    services.save_score_sheet(
        judge=world.judges[1],
        round=world.final,
        entry=scheduled.entries[1],
        marks=MARKS,
        submit=True,
    )
    first = services.compute_ranking(round=world.final)
    assert services.compute_ranking(round=world.final) == first
    assert Ranking.objects.count() == 1


def test_draft_sheets_count_in_no_ranking(scheduled):
    world = scheduled.world
    services.save_score_sheet(
        judge=world.judges[1],
        round=world.final,
        entry=scheduled.entries[1],
        marks=MARKS,
        submit=False,
    )
    services.save_score_sheet(
        judge=world.judges[2],
        round=world.final,
        entry=scheduled.entries[1],
        marks={"content": "4", "delivery": "4"},
        submit=True,
    )
    standing = services.compute_ranking(round=world.final).standings.get()
    assert standing.judges_counted == 1 and str(standing.score) == "4.000000"


def test_publishing_a_new_version_leaves_one_published_and_fixes_prizes(published):
    world, scheduled = published.world, published
    first = Ranking.objects.get(is_published=True)
    services.save_score_sheet(
        judge=world.judges[0],
        round=world.final,
        entry=scheduled.entries[2],
        marks={"content": "10", "delivery": "10"},
        submit=True,
    )
    second = services.compute_ranking(round=world.final)
    first.refresh_from_db()
    assert first.is_published and not second.is_published  # recompute never touches it
    services.publish_ranking(
        ranking=second,
        actor=world.organiser,
        confirm_missing={(world.judges[0].pk, scheduled.entries[1].pk)},  # still not in
    )
    assert list(Ranking.objects.filter(is_published=True)) == [second]
    # The late 10 lifts the third entry to (7 + 7 + 10) / 3 = 8.00, level with the second:
    # equal ranks receive equal prizes, so the one-place quota of Giải Nhì widens to two.
    prizes = {a.entry_id: a.prize.name for a in second.awards.select_related("prize")}
    first_entry, second_entry, third_entry = (e.pk for e in scheduled.entries)
    assert prizes == {first_entry: "Giải Nhất", second_entry: "Giải Nhì", third_entry: "Giải Nhì"}
    first_prizes = {a.entry_id: a.prize.name for a in first.awards.select_related("prize")}
    assert first_prizes == {first_entry: "Giải Nhất", second_entry: "Giải Nhì"}
    world.contest.refresh_from_db()
    assert world.contest.status == "results_published"


def test_round_status_moves_forward_and_closing_locks_sheets(scheduled):
    from config.errors import DomainError
    from scheduling.services import set_round_status
    from scoring.models import ScoreSheet, ScoreSheetEvent

    world = scheduled.world
    services.save_score_sheet(
        judge=world.judges[1],
        round=world.final,
        entry=scheduled.entries[1],
        marks=MARKS,
        submit=True,
    )
    with pytest.raises(DomainError, match="cannot go from"):
        set_round_status(round=world.final, status="planned", actor=world.organiser)
    set_round_status(round=world.final, status="closed", actor=world.organiser)
    sheet = ScoreSheet.objects.get()
    assert sheet.status == "locked"
    assert ScoreSheetEvent.objects.filter(sheet=sheet, action="locked").count() == 1
    with pytest.raises(DomainError, match="reason"):
        set_round_status(round=world.final, status="open", actor=world.organiser)
    set_round_status(
        round=world.final, status="open", actor=world.organiser, reason="Giám khảo 2 nộp nhầm phiếu"
    )
    assert list(world.final.transitions.values_list("to_status", flat=True)) == [
        "open",
        "closed",
        "open",
    ]


def test_reconciler_sees_an_edit_that_leaves_count_and_times_alone(scheduled):
    from scoring.models import ScoreSheet

    world = scheduled.world
    services.save_score_sheet(
        judge=world.judges[1],
        round=world.final,
        entry=scheduled.entries[1],
        marks=MARKS,
        submit=True,
    )
    services.compute_ranking(round=world.final)
    assert reconcile_rankings() == []
    # A change committed late, stamped earlier than what the snapshot saw: only the version moves.
    ScoreSheet.objects.update(version=F("version") + 1)
    assert reconcile_rankings() == [world.final.pk]


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_worker_recomputes_on_commit_without_touching_the_published_version(
    celery_worker_on_redis,
):
    from tests.integration.conftest import schedule_final
    from tests.thin_path import wait_for
    from tests.world import build_world

    scheduled = schedule_final(build_world())
    world = scheduled.world
    for judge in world.judges[1:]:
        services.save_score_sheet(
            judge=judge, round=world.final, entry=scheduled.entries[1], marks=MARKS, submit=True
        )
    first = wait_for(lambda: Ranking.objects.filter(round=world.final, sheet_count=2).first())
    # Published early, every other sheet confirmed missing.
    head, *others = world.judges
    services.publish_ranking(
        ranking=first,
        actor=world.organiser,
        confirm_missing={(head.pk, entry.pk) for entry in scheduled.entries[1:]}
        | {
            (judge.pk, entry.pk)
            for judge in others
            for entry in (scheduled.entries[0], scheduled.entries[2])
        },
    )
    # A burst of sheets, debounced into few recomputes, ends in one snapshot that saw them all.
    for judge in world.judges[1:]:
        for entry in (scheduled.entries[0], scheduled.entries[2]):
            services.save_score_sheet(
                judge=judge, round=world.final, entry=entry, marks=MARKS, submit=True
            )
    newest = wait_for(lambda: Ranking.objects.filter(round=world.final, sheet_count=6).first())
    first.refresh_from_db()
    assert first.is_published and not newest.is_published
    assert newest.changes["sheets_added"] == 6 - first.sheet_count
    assert Ranking.objects.filter(round=world.final).count() <= 1 + 4


@pytest.mark.postgres
def test_marks_reach_the_engine_the_same_from_postgresql_as_from_the_orm(scheduled):
    from django.db.models import TextField
    from django.db.models.functions import Cast

    from scoring import selectors, tabulation
    from scoring.models import Mark, ScoreSheet

    world = scheduled.world
    first, second, third = scheduled.entries[:3]
    services.save_score_sheet(
        judge=world.judges[1], round=world.final, entry=first, marks=MARKS, submit=True
    )
    services.save_score_sheet(
        judge=world.judges[2],
        round=world.final,
        entry=first,
        marks={"content": "9.5"},
        submit=False,
    )  # a draft: never counted
    services.save_score_sheet(
        judge=world.judges[2], round=world.final, entry=second, marks=MARKS, submit=True
    )
    services.declare_not_scoring(
        judge=world.judges[1],
        round=world.final,
        entry=third,
        participation=ScoreSheet.Participation.ABSTAINED,
        reason="Ốm",
    )

    counted = Mark.objects.filter(
        sheet__round=world.final,
        sheet__status__in=selectors.COUNTED,
        sheet__participation=ScoreSheet.Participation.SCORED,
    ).values_list(
        Cast("sheet__entry_id", TextField()),
        Cast("sheet__judge_id", TextField()),
        "criterion__code",
        Cast("value", TextField()),
    )
    sheets = selectors.counted_marks(world.final)

    assert sheets == tabulation.sheets_from_marks(counted)
    assert sheets == {
        str(first.pk): {str(world.judges[1].pk): {"content": "8.00", "delivery": "7.50"}},
        str(second.pk): {str(world.judges[2].pk): {"content": "8.00", "delivery": "7.50"}},
    }


@pytest.mark.postgres
def test_halves_read_on_two_connections_see_one_snapshot(scheduled, transactional_db, monkeypatch):
    """Outside any transaction (as in the Celery task), the marks are read in two halves on
    two connections sharing one snapshot: together they are exactly the one-query read, and a
    sheet committed meanwhile by someone else is in neither."""
    from django.db import connection, transaction

    from scoring import selectors
    from tests.integration.conftest import score_all

    world = scheduled.world
    score_all(scheduled)
    second_connection = []  # what the second connection read: not the fallback's read
    read_in_snapshot = selectors._document_in_snapshot

    def spy(*args):
        second_connection.append(read_in_snapshot(*args))
        return second_connection[-1]

    monkeypatch.setattr(selectors, "_document_in_snapshot", spy)
    with transaction.atomic():
        connection.cursor().execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        whole = selectors.counted_marks(world.final)
        # Committed on another connection after this transaction's snapshot was taken.
        thread = threading.Thread(target=_submit_a_late_sheet, args=(scheduled,))
        thread.start()
        thread.join()
        before = len(second_connection)
        halves = selectors.counted_marks(world.final, in_parallel=True)
    assert halves == whole
    assert len(second_connection) == before + 1 and second_connection[-1]
    assert {int(entry) % 2 for entry in halves} == {0, 1}  # both halves hold entries
    assert selectors.counted_marks(world.final) != whole  # the late sheet, now visible

    ranking = services.compute_ranking(round=world.final)  # the parallel path, committed
    assert ranking.standings.count() == len(scheduled.entries)


def _submit_a_late_sheet(scheduled) -> None:
    from django.db import connection

    try:
        services.save_score_sheet(
            judge=scheduled.world.judges[0],
            round=scheduled.world.final,
            entry=scheduled.entries[-1],
            marks={"content": "1", "delivery": "1"},
            submit=True,
        )
    finally:
        connection.close()

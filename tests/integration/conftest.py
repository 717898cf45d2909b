import io
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from contest import services as contest_services
from contest.models import Contest, Entry
from scheduling import services as scheduling_services
from scheduling.models import Session
from scoring import services as scoring_services
from tests.celery_workers import workers  # noqa: F401  (a fixture)
from tests.world import World, build_world, session_start


@dataclass
class Scheduled:
    world: World
    entries: list[Entry]
    session: Session


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """`manage.py load_demo`, once for the module, in a transaction rolled back at its end
    (each test runs in a savepoint on top of it; on_commit hooks never fire). Its output."""
    # Hash with the fast hasher tests/conftest.py gives every test, so the logins check out.
    fast_hashing = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    )
    with django_db_blocker.unblock(), fast_hashing, transaction.atomic():
        out = io.StringIO()
        call_command("load_demo", quiet=True, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def scheduled(world, eager_celery) -> Scheduled:
    """Three approved entries (one per unit) in a drawn session of an open final round."""
    return schedule_final(world)


def approve_one_entry_per_unit(world: World) -> list[Entry]:
    """One approved individual entry from each unit, "Mô hình số 1" to "Mô hình số 3"."""
    entries = []
    for index, rep in enumerate(world.representatives):
        entry = contest_services.register_entry(
            contest=world.contest,
            user=rep,
            initiative_title=f"Mô hình số {index + 1}",
            field="economy",
            kind="individual",
            presenters=[
                contest_services.PresenterInput(
                    full_name=f"Nguyễn Văn Thứ{index}", email=f"p{index}@example.org"
                )
            ],
        )
        entries.append(contest_services.approve_entry(entry=entry, actor=world.organiser))
    return entries


def schedule_final(world: World) -> Scheduled:
    entries = approve_one_entry_per_unit(world)
    panel = scheduling_services.create_panel(
        contest=world.contest,
        name="BGK",
        actor=world.organiser,
        seats=[scheduling_services.SeatInput(world.judges[0], head=True)]
        + [scheduling_services.SeatInput(judge) for judge in world.judges[1:]],
    )
    session = scheduling_services.create_session(
        round=world.final,
        name="Chung khảo",
        starts_at=session_start(),
        panel=panel,
        actor=world.organiser,
    )
    scheduling_services.draw_running_order(session=session, actor=world.organiser)
    # The contest's own steps up to judging are the lifecycle tests' concern.
    Contest.objects.filter(pk=world.contest.pk).update(status=Contest.Status.JUDGING)
    scheduling_services.set_round_status(round=world.final, status="open", actor=world.organiser)
    world.final.refresh_from_db()
    return Scheduled(world=world, entries=entries, session=session)


def score_all(scheduled: Scheduled, values=("9", "8", "7")) -> None:
    """Judges 2 and 3 submit every entry, the n-th entry getting values[n] on each criterion."""
    world = scheduled.world
    for judge in world.judges[1:]:
        for entry, value in zip(scheduled.entries, values, strict=True):
            scoring_services.save_score_sheet(
                judge=judge,
                round=world.final,
                entry=entry,
                marks={"content": value, "delivery": value},
                submit=True,
            )


def head_judge_unscored(scheduled: Scheduled) -> set[tuple[int, int]]:
    """What score_all leaves missing: the head judge (judge1, of the first entry's unit, so
    owing no sheet for it) never scores the second and third entries. The (judge, entry)
    pairs an organiser confirms to publish without them."""
    head = scheduled.world.judges[0]
    return {(head.pk, entry.pk) for entry in scheduled.entries[1:]}


@pytest.fixture
def published(scheduled) -> Scheduled:
    """The scheduled final, scored 9 > 8 > 7 and its ranking published, the organiser
    confirming the head judge's two sheets missing."""
    score_all(scheduled)
    ranking = scoring_services.compute_ranking(round=scheduled.world.final)
    scoring_services.publish_ranking(
        ranking=ranking,
        actor=scheduled.world.organiser,
        confirm_missing=head_judge_unscored(scheduled),
    )
    return scheduled


@pytest.fixture
def broken_mark_check(monkeypatch):
    """validate_marks passing marks negated, as if it had a bug, so that the database's check
    refuses the write. Call the returned function to mend it."""
    real = scoring_services.validate_marks

    def negated(criteria, raw_marks, *, complete):
        valid = real(criteria, raw_marks, complete=complete)
        return {criterion: -value for criterion, value in valid.items()}

    monkeypatch.setattr(scoring_services, "validate_marks", negated)
    return lambda: monkeypatch.setattr(scoring_services, "validate_marks", real)

"""List pages and list endpoints do not issue a query per row.

The bounds are the exact counts with three rows, so one query per row would break them.
"""

import pytest
from django.test import Client

from tests.thin_path import client_for

pytestmark = pytest.mark.django_db


def test_public_results_are_built_in_a_fixed_number_of_queries_then_served_with_none(
    published, django_assert_max_num_queries, django_assert_num_queries
):
    slug = published.world.contest.slug
    # Contest, rankings, standings, awards, reveals, presenters, last publication event.
    with django_assert_max_num_queries(7):
        assert Client().get(f"/api/public/contests/{slug}/results/").status_code == 200
    with django_assert_num_queries(0):
        assert Client().get(f"/api/public/contests/{slug}/results/").status_code == 200
    with django_assert_num_queries(0):
        assert Client().get(f"/results/{slug}/").status_code == 200


def test_entry_list_uses_a_fixed_number_of_queries(published, django_assert_max_num_queries):
    organiser = client_for(published.world.organiser)
    slug = published.world.contest.slug
    with django_assert_max_num_queries(6):
        assert len(organiser.get(f"/api/contests/{slug}/entries/").json()) == 3
    # The organiser's page also lists each entry's files and the contest's history, and asks
    # whether background work is waiting (config/background.py: four queries).
    with django_assert_max_num_queries(17):
        assert organiser.get(f"/contests/{slug}/").status_code == 200


def test_judge_running_order_uses_a_fixed_number_of_queries(
    published, django_assert_max_num_queries
):
    judge = client_for(published.world.judges[1])
    session = published.session.pk
    with django_assert_max_num_queries(7):
        assert len(judge.get(f"/api/sessions/{session}/running-order/").json()) == 3
    # The page carries the rubric and the judge's own marks for its offline script.
    with django_assert_max_num_queries(11):
        assert judge.get(f"/judge/sessions/{session}/").status_code == 200
    # The state query behind the poll's ETag, then the document.
    with django_assert_max_num_queries(11):
        assert judge.get(f"/judge/sessions/{session}/console.json").status_code == 200


def test_submitting_a_score_sheet_uses_a_fixed_number_of_queries(
    scheduled, django_assert_max_num_queries
):
    """The judges' hot path: session, user, the key's claim, one query for round, entry, seat
    and rubric, then the sheet, its marks and its audit event in one transaction."""
    judge = client_for(scheduled.world.judges[1])
    body = {
        "round": scheduled.world.final.pk,
        "entry": scheduled.entries[1].pk,
        "marks": {"content": "8", "delivery": "7.5"},
    }
    with django_assert_max_num_queries(15):
        first = judge.post(
            "/api/score-sheets/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
        )
    assert first.status_code == 201 and first.json()["marks"] == {
        "content": "8.00",
        "delivery": "7.50",
    }
    with django_assert_max_num_queries(9):  # the same key again: the stored answer
        again = judge.post(
            "/api/score-sheets/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
        )
    assert again.json() == first.json()

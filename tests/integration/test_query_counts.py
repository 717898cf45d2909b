"""List pages and list endpoints do not issue a query per row.

The bounds are the exact counts with three rows, so one query per row would break them.
"""

import pytest
from django.test import Client

from tests.thin_path import client_for

pytestmark = pytest.mark.django_db


def test_public_results_use_a_fixed_number_of_queries(published, django_assert_max_num_queries):
    slug = published.world.contest.slug
    with django_assert_max_num_queries(4):
        assert Client().get(f"/api/public/contests/{slug}/results/").status_code == 200
    with django_assert_max_num_queries(4):
        assert Client().get(f"/results/{slug}/").status_code == 200


def test_entry_list_uses_a_fixed_number_of_queries(published, django_assert_max_num_queries):
    organiser = client_for(published.world.organiser)
    slug = published.world.contest.slug
    with django_assert_max_num_queries(6):
        assert len(organiser.get(f"/api/contests/{slug}/entries/").json()) == 3
    with django_assert_max_num_queries(11):
        assert organiser.get(f"/contests/{slug}/").status_code == 200


def test_judge_running_order_uses_a_fixed_number_of_queries(
    published, django_assert_max_num_queries
):
    judge = client_for(published.world.judges[1])
    session = published.session.pk
    with django_assert_max_num_queries(7):
        assert len(judge.get(f"/api/sessions/{session}/running-order/").json()) == 3
    with django_assert_max_num_queries(9):
        assert judge.get(f"/judge/sessions/{session}/").status_code == 200

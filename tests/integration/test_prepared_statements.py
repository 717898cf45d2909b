"""On PostgreSQL the statements a connection repeats are prepared (config/settings.py): the
database parses and plans a judge's write once per connection, not on every sheet."""

import json
import os
import subprocess
import sys
import uuid

import pytest
from django.db import connection

from tests.thin_path import client_for, post_sheet

pytestmark = pytest.mark.django_db


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def write(judge, body, **headers):
    return post_sheet(judge, body, str(uuid.uuid4()), **headers)


@pytest.mark.postgres
def test_a_judges_repeated_writes_run_as_prepared_statements(scheduled):
    judge = client_for(scheduled.world.judges[1])
    body = {
        "round": scheduled.world.final.pk,
        "entry": scheduled.entries[1].pk,
        "marks": {"content": "8", "delivery": "7.5"},
        "submit": False,  # a draft, saved again and again
    }
    for _ in range(6):  # prepared from the sixth run of a statement on the connection
        assert write(judge, body).status_code == 201
    prepared = prepared_statements()
    assert any("hoithi_idempotency_claim" in statement for statement in prepared)
    assert any("scheduling_slot" in statement for statement in prepared)  # the judge's slot

    # A tablet that last saw another version is refused without a rollback, which would make
    # psycopg drop every prepared statement of the connection.
    other_entry = {**body, "entry": scheduled.entries[2].pk}
    stale = write(judge, other_entry, HTTP_IF_MATCH='"v7"')
    assert stale.status_code == 412 and "version 1" in stale.json()["detail"]
    assert write(judge, body, HTTP_IF_MATCH='"v3"').status_code == 412
    assert any("hoithi_idempotency_claim" in statement for statement in prepared_statements())


def database_options(**env: str) -> dict:
    """The OPTIONS of the default database as config.settings builds them under `env`."""
    code = "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
    run = subprocess.run(
        [sys.executable, "-c", f"import json, django; from django.conf import settings; {code}"],
        env={
            **{name: value for name, value in os.environ.items() if not name.startswith("DB_")},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            **env,
        },
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_prepared_statements_are_on_for_postgresql_unless_turned_off():
    url = "postgres://postgres@127.0.0.1:5432/hoithi"
    on = database_options(DATABASE_URL=url)
    assert on["server_side_binding"] is True and on["prepare_threshold"] == 5
    off = database_options(DATABASE_URL=url, DB_PREPARED_STATEMENTS="0")
    assert "server_side_binding" not in off and "prepare_threshold" not in off
    sqlite = database_options(DATABASE_URL="sqlite:///unused.sqlite3")
    assert "server_side_binding" not in sqlite

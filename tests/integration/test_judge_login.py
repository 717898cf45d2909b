"""Judges log in on tablets with a personal link (no password), revocable; password logins
are locked per account after repeated failures, whatever the IP."""

import re

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext

from contest import services
from contest.auth import LOCKOUT, MAX_FAILURES, account_digest, count_attempt
from contest.models import LoginFailure, LoginLink, Membership
from tests.thin_path import client_for
from tests.world import PASSWORD

pytestmark = pytest.mark.django_db


def issue_link(world, username="judge2") -> str:
    organiser = client_for(world.organiser)
    membership = Membership.objects.get(contest=world.contest, user__username=username)
    organiser.post(
        f"/contests/{world.contest.slug}/login-links/",
        {"membership": membership.pk, "action": "issue"},
    )
    page = organiser.get(f"/contests/{world.contest.slug}/login-links/").content.decode()
    url = re.search(rf'data-testid="link-{username}">([^<]+)<', page).group(1)
    assert "<svg" in page  # the printable QR code
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_a_judge_logs_in_with_the_link_until_it_is_revoked(world):
    path = issue_link(world)
    tablet = Client()
    response = tablet.get(path)
    assert response.status_code == 302 and response["Location"] == "/judge/"
    assert tablet.get("/judge/").context["user"].username == "judge2"
    link = LoginLink.objects.get()
    organiser = client_for(world.organiser)
    organiser.post(
        f"/contests/{world.contest.slug}/login-links/",
        {"membership": link.membership_id, "action": "revoke"},
    )
    assert tablet.get("/judge/").status_code == 302  # the session ended with the link
    assert Client().get(path).status_code == 404


def test_a_new_link_replaces_the_old_one(world):
    first = issue_link(world)
    second = issue_link(world)
    assert first != second
    assert Client().get(first).status_code == 404 and Client().get(second).status_code == 302


def revoke(world):
    services.revoke_login_link(link=LoginLink.objects.get(revoked_at=None), actor=world.organiser)


def test_a_new_link_ends_the_sessions_of_the_old_one(world):
    tablet = Client()
    assert tablet.get(issue_link(world)).status_code == 302
    assert tablet.get("/judge/").status_code == 200
    issue_link(world)
    assert tablet.get("/judge/").status_code == 302


def test_a_deleted_link_ends_its_sessions(world):
    """Deleting the judge's membership (from the admin) takes the link, and its sessions."""
    tablet = Client()
    assert tablet.get(issue_link(world)).status_code == 302
    LoginLink.objects.get().membership.delete()
    assert tablet.get("/judge/").status_code == 302


def test_a_link_session_ends_with_the_link_after_a_new_session_key(world):
    tablet = Client()
    assert tablet.get(issue_link(world)).status_code == 302
    old_key = tablet.session.session_key
    new_password = "mới-Mật-khẩu-9"
    changed = tablet.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert changed.status_code == 302 and tablet.session.session_key != old_key
    assert tablet.get("/judge/").status_code == 200
    revoke(world)
    assert tablet.get("/judge/").status_code == 302


def test_a_link_opened_in_another_users_session_is_revocable_too(world):
    tablet = client_for(world.secretary)
    assert tablet.get(issue_link(world)).status_code == 302
    assert tablet.get("/judge/").context["user"].username == "judge2"
    revoke(world)
    assert tablet.get("/judge/").status_code == 302


def test_a_revoked_links_session_is_flushed_and_a_password_login_works_after_it(world):
    tablet = Client()
    assert tablet.get(issue_link(world)).status_code == 302
    revoke(world)
    assert tablet.get("/judge/").status_code == 302
    assert "login_link" not in tablet.session and "_auth_user_id" not in tablet.session
    login = tablet.post("/accounts/login/", {"username": "judge2", "password": PASSWORD})
    assert login.status_code == 302
    assert tablet.get("/judge/").context["user"].username == "judge2"
    # A password login in a session a link opened is no longer tied to that link.
    linked = Client()
    assert linked.get(issue_link(world)).status_code == 302
    linked.post("/accounts/login/", {"username": "judge2", "password": PASSWORD})
    revoke(world)
    assert linked.get("/judge/").context["user"].username == "judge2"


def test_a_tablet_request_checks_its_link_in_the_users_own_query(world):
    tablet = Client()
    assert tablet.get(issue_link(world)).status_code == 302
    tablet.get("/judge/")
    with CaptureQueriesContext(connection) as queries:
        assert tablet.get("/judge/").status_code == 200
    naming_links = [q["sql"] for q in queries if LoginLink._meta.db_table in q["sql"]]
    assert len(naming_links) == 1 and '"auth_user" AS account' in naming_links[0]


def test_only_organisers_issue_links_and_only_for_judges(world):
    judge = client_for(world.judges[1])
    assert judge.get(f"/contests/{world.contest.slug}/login-links/").status_code == 403
    rep = Membership.objects.get(contest=world.contest, user__username="rep1")
    client_for(world.organiser).post(
        f"/contests/{world.contest.slug}/login-links/", {"membership": rep.pk, "action": "issue"}
    )
    assert not LoginLink.objects.exists()
    assert Client().get("/j/not-a-token/").status_code == 404
    for bad in ("abc", "", "99999999"):
        response = client_for(world.organiser).post(
            f"/contests/{world.contest.slug}/login-links/", {"membership": bad, "action": "issue"}
        )
        assert response.status_code == 404


def test_five_wrong_passwords_lock_the_account_not_the_venue(world):
    for _attempt in range(5):
        response = Client().post(
            "/accounts/login/", {"username": "judge2", "password": "x"}, REMOTE_ADDR="203.0.113.9"
        )
        assert response.status_code == 200
    locked = Client().post(
        "/accounts/login/", {"username": "judge2", "password": PASSWORD}, REMOTE_ADDR="203.0.113.9"
    )
    assert "Too many failed attempts" in locked.content.decode()
    # Another judge on the same venue Wi-Fi is not affected.
    other = Client().post(
        "/accounts/login/", {"username": "judge3", "password": PASSWORD}, REMOTE_ADDR="203.0.113.9"
    )
    assert other.status_code == 302


def log_in(username: str, password: str):
    return Client().post("/accounts/login/", {"username": username, "password": password})


def test_the_lockout_ends_fifteen_minutes_after_the_first_failure_and_a_login_clears_it(world):
    for _attempt in range(MAX_FAILURES):
        assert log_in("Judge2 ", "x").status_code == 200  # the name as typed on a tablet
    assert "Too many failed attempts" in log_in("judge2", PASSWORD).content.decode()
    failure = LoginFailure.objects.get(account=account_digest("judge2"))
    assert failure.failures == MAX_FAILURES  # the locked attempt is not counted
    assert "judge2" not in failure.account  # only a digest of the name is kept

    failure.window_started_at -= LOCKOUT
    failure.save()
    assert log_in("judge2", "x").status_code == 200  # the window had run out: 1 failure
    assert LoginFailure.objects.get(account=account_digest("judge2")).failures == 1
    assert log_in("judge2", PASSWORD).status_code == 302
    assert not LoginFailure.objects.exists()  # a login clears the count


def test_a_form_without_a_password_does_not_reset_the_count(world):
    for _attempt in range(MAX_FAILURES - 1):
        log_in("judge2", "x")
    assert log_in("judge2", "").status_code == 200  # a field error: nothing was tried
    log_in("judge2", "x")
    assert "Too many failed attempts" in log_in("judge2", PASSWORD).content.decode()


def test_every_attempt_is_counted_before_its_password_is_checked(world):
    """Guesses in parallel each take a count under the row lock first: past the fifth, none
    reaches the password check."""
    account = account_digest("judge2")
    assert [count_attempt(account) for _ in range(MAX_FAILURES + 2)] == [True] * MAX_FAILURES + [
        False
    ] * 2
    assert LoginFailure.objects.get(account=account).failures == MAX_FAILURES


def test_the_admin_login_locks_too(world, django_user_model):
    django_user_model.objects.create_user("staff1", password=PASSWORD, is_staff=True)

    def admin_log_in(password: str):
        return Client().post("/admin/login/", {"username": "staff1", "password": password})

    for _attempt in range(MAX_FAILURES):
        assert admin_log_in("x").status_code == 200
    assert "Too many failed attempts" in admin_log_in(PASSWORD).content.decode()


def test_guessing_many_names_leaves_no_rows_once_their_windows_run_out(world):
    for name in ("ghost1", "ghost2", "ghost3"):
        log_in(name, "x")
    LoginFailure.objects.update(window_started_at=F("window_started_at") - LOCKOUT)
    log_in("ghost4", "x")
    assert list(LoginFailure.objects.values_list("account", flat=True)) == [
        account_digest("ghost4")
    ]


def test_the_page_can_tell_who_is_signed_in_on_the_tablet(world):
    from django.test import Client

    from tests.world import PASSWORD

    tablet = Client()
    tablet.post("/accounts/login/", {"username": "judge2", "password": PASSWORD})
    assert tablet.cookies["hoithi_user"].value == str(world.judges[1].pk)
    assert not tablet.cookies["hoithi_user"]["httponly"]  # the judge page's script reads it
    tablet.post("/accounts/logout/")
    assert tablet.cookies["hoithi_user"].value == ""  # deleted

"""Password login with a lockout per account.

All the judges' tablets share the venue's one public IP, so failures are counted per account,
never per address: five wrong passwords within fifteen minutes lock that account until fifteen
minutes after the first of them. Counted in the database (LoginFailure), so the lockout holds
while Redis is down."""

import functools
import hashlib
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config import rows
from contest.models import LoginFailure, LoginLink, Membership

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)


def account_digest(username: str) -> str:
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()


def count_attempt(account: str) -> bool:
    """Count a password attempt on the account before the password is checked, under the row's
    lock, so that guesses sent in parallel cannot all pass a check made before any of them
    failed. False, and not counted, when the account is locked; a login clears the count
    (`clear_failures`), so what stays counted are the failures."""
    now = timezone.now()
    # Windows that ran out mean nothing: a guesser trying many names leaves no rows behind.
    # A statement of its own, before the row lock below: inside the same transaction, two
    # attempts each deleting the other's expired row would deadlock.
    LoginFailure.objects.filter(window_started_at__lte=now - LOCKOUT).exclude(
        account=account
    ).delete()
    with transaction.atomic():
        failure, created = LoginFailure.objects.select_for_update().get_or_create(
            account=account, defaults={"failures": 1, "window_started_at": now}
        )
        if created:
            return True
        if failure.window_started_at <= now - LOCKOUT:
            failure.failures, failure.window_started_at = 1, now
        elif failure.failures >= MAX_FAILURES:
            return False
        else:
            failure.failures += 1
        failure.save(update_fields=["failures", "window_started_at"])
        return True


def clear_failures(account: str) -> None:
    LoginFailure.objects.filter(account=account).delete()


class LockoutAuthenticationForm(AuthenticationForm):
    locked = {"locked": _("Too many failed attempts for this account; try again in 15 minutes.")}
    error_messages = {**AuthenticationForm.error_messages, **locked}

    def clean(self):
        username = self.cleaned_data.get("username")
        if not username or not self.cleaned_data.get("password"):
            return super().clean()  # a field is missing: no password was tried
        account = account_digest(username)
        if not count_attempt(account):
            raise ValidationError(self.error_messages["locked"], code="locked")
        cleaned = super().clean()  # a wrong password raises: the attempt stays counted
        clear_failures(account)
        return cleaned


class LockoutAdminAuthenticationForm(LockoutAuthenticationForm, AdminAuthenticationForm):
    """The admin's login, with the same lockout: staff passwords are the ones most worth
    guessing."""

    error_messages = {**AdminAuthenticationForm.error_messages, **LockoutAuthenticationForm.locked}


@dataclass
class LinkCheck:
    """The login link a request's session was opened with; `live` once the user is read."""

    link_id: int
    live: bool | None = None


# Set by LoginLinkMiddleware for a session opened with a login link: reading the session's
# user then checks that the link is still live, in the same query, so a revoked link ends its
# sessions at their next request at no cost to the tablets' requests.
session_login_link: ContextVar[LinkCheck | None] = ContextVar("session_login_link", default=None)


class UserBackend(ModelBackend):
    """Django's ModelBackend, with the user of a signed-in session read in SQL of its own: it
    runs on every request of every tablet, and compiling the ORM query cost more than running
    it. A session opened with a login link has no user once the link is revoked."""

    def get_user(self, user_id):
        check = session_login_link.get()
        with connection.cursor() as cursor:
            if check is None:
                cursor.execute(_user_sql(), [user_id])
            else:
                cursor.execute(_user_sql(with_link=True), [check.link_id, user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        if check is not None:
            check.live = bool(row[-1])
            if not check.live:
                return None
        (user,) = rows.instances(row, get_user_model())
        return user if self.user_can_authenticate(user) else None


@functools.cache
def _user_sql(with_link: bool = False) -> str:
    """The user by id; `with_link`: and whether the login link (the first parameter) of one of
    the user's memberships is live, as a last column."""
    User = get_user_model()
    pk = connection.ops.quote_name(User._meta.pk.column)
    link_live = (
        f", EXISTS (SELECT 1 FROM {rows.table(LoginLink)} AS link "
        f"JOIN {rows.table(Membership)} AS membership ON membership.id = link.membership_id "
        f"WHERE link.id = %s AND link.revoked_at IS NULL AND membership.user_id = account.{pk})"
        if with_link
        else ""
    )
    return (
        f"SELECT {rows.columns(User, 'account')}{link_live} FROM {rows.table(User)} AS account "
        f"WHERE account.{pk} = %s"
    )

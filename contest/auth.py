"""Password login with a lockout per account.

All the judges' tablets share the venue's one public IP, so failures are counted per account,
never per address: five wrong passwords within fifteen minutes lock that account until fifteen
minutes after the first of them. Counted in the database (LoginFailure), so the lockout holds
while Redis is down."""

import functools
import hashlib
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config import rows
from contest.models import LoginFailure

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)


def account_digest(username: str) -> str:
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()


def is_locked(account: str) -> bool:
    return LoginFailure.objects.filter(
        account=account,
        failures__gte=MAX_FAILURES,
        window_started_at__gt=timezone.now() - LOCKOUT,
    ).exists()


def record_failure(account: str) -> None:
    """One more wrong password for the account; a window that has run out starts again. The
    row lock makes concurrent guesses count one by one."""
    now = timezone.now()
    with transaction.atomic():
        # Windows that ran out mean nothing: a guesser trying many names leaves no rows behind.
        LoginFailure.objects.filter(window_started_at__lte=now - LOCKOUT).exclude(
            account=account
        ).delete()
        failure, created = LoginFailure.objects.select_for_update().get_or_create(
            account=account, defaults={"failures": 1, "window_started_at": now}
        )
        if created:
            return
        if failure.window_started_at <= now - LOCKOUT:
            failure.failures, failure.window_started_at = 1, now
        else:
            failure.failures += 1
        failure.save(update_fields=["failures", "window_started_at"])


def clear_failures(account: str) -> None:
    LoginFailure.objects.filter(account=account).delete()


class LockoutAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("Too many failed attempts for this account; try again in 15 minutes."),
    }

    def clean(self):
        account = account_digest(self.cleaned_data.get("username") or "")
        if is_locked(account):
            raise ValidationError(self.error_messages["locked"], code="locked")
        try:
            cleaned = super().clean()
        except ValidationError:
            record_failure(account)
            raise
        clear_failures(account)
        return cleaned


class UserBackend(ModelBackend):
    """Django's ModelBackend, with the user of a signed-in session read in SQL of its own: it
    runs on every request of every tablet, and compiling the ORM query cost more than running
    it."""

    def get_user(self, user_id):
        with connection.cursor() as cursor:
            cursor.execute(_user_sql(), [user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        (user,) = rows.instances(row, get_user_model())
        return user if self.user_can_authenticate(user) else None


@functools.cache
def _user_sql() -> str:
    User = get_user_model()
    pk = connection.ops.quote_name(User._meta.pk.column)
    return (
        f"SELECT {rows.columns(User, 'account')} FROM {rows.table(User)} AS account "
        f"WHERE account.{pk} = %s"
    )

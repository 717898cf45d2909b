"""Password login with a lockout per account.

All the judges' tablets share the venue's one public IP, so failures are counted per account,
never per address: five wrong passwords lock that account for fifteen minutes."""

import functools
import hashlib

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext_lazy as _

from config import rows

MAX_FAILURES = 5
LOCKOUT_SECONDS = 15 * 60


def _failures_key(username: str) -> str:
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()
    return f"login-failures:{digest}"


class LockoutAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("Too many failed attempts for this account; try again in 15 minutes."),
    }

    def clean(self):
        key = _failures_key(self.cleaned_data.get("username") or "")
        if cache.get(key, 0) >= MAX_FAILURES:
            raise ValidationError(self.error_messages["locked"], code="locked")
        try:
            cleaned = super().clean()
        except ValidationError:
            cache.add(key, 0, LOCKOUT_SECONDS)
            cache.incr(key)
            raise
        cache.delete(key)
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

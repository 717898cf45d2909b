"""Password login with a lockout per account.

All the judges' tablets share the venue's one public IP, so failures are counted per account,
never per address: five wrong passwords lock that account for fifteen minutes."""

import hashlib

from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

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

"""The one domain error type that services raise and every interface turns into a clear message."""


class DomainError(Exception):
    """A business rule refused the request.

    `field` names the input at fault, if one is; `errors` carries several fields' messages
    at once, shaped like a DRF validation error body.
    """

    def __init__(
        self,
        message: str = "",
        *,
        field: str | None = None,
        errors: dict | None = None,
        code: str = "invalid",
    ):
        super().__init__(message or str(errors))
        self.message = str(message)
        self.field = field
        self.errors = errors
        self.code = code

    def as_dict(self) -> dict:
        if self.errors:
            return self.errors
        if self.field:
            return {self.field: [self.message]}
        return {"detail": self.message}


class NotAllowed(DomainError):
    """The user may not do this (a 403, not a 400)."""

    def __init__(self, message: str):
        super().__init__(message, code="permission_denied")


class StaleVersion(DomainError):
    """The client's copy is out of date (If-Match no longer matches): a 412."""

    def __init__(self, message: str):
        super().__init__(message, code="precondition_failed")


class LostRace(DomainError):
    """A concurrent write got there first (the database refused this one): a 400 like any
    refusal, but no final answer, so an Idempotency-Key retry runs again (scoring/idempotency)."""

"""The one domain error type that services raise and every interface turns into a clear message."""


class DomainError(Exception):
    """A business rule refused the request. `field` names the input at fault, if one is."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = str(message)
        self.field = field
        self.code = code

    def as_dict(self) -> dict:
        if self.field:
            return {self.field: [self.message]}
        return {"detail": self.message}


class NotAllowed(DomainError):
    """The user may not do this (a 403, not a 400)."""

    def __init__(self, message: str):
        super().__init__(message, code="permission_denied")

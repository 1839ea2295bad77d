"""Errors raised by services and selectors; the API and the console turn them into answers."""


class DomainError(Exception):
    status = 400

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}


class InvalidInput(DomainError):
    """Input that is well-formed but not acceptable; names the fields and why."""

    status = 422

    @classmethod
    def field(cls, name: str, message: str) -> "InvalidInput":
        return cls(message, {name: [message]})


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class TooManyRequests(DomainError):
    status = 429

    def __init__(self, detail: str, *, retry_after: int):
        super().__init__(detail)
        self.retry_after = retry_after

"""Domain errors: raised by services, mapped to HTTP statuses in one handler."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotAuthenticated(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    """Refused by a rule: wrong phase, over the budget or the cap."""

    status_code = 409


class Invalid(DomainError):
    status_code = 422


class RateLimited(DomainError):
    status_code = 429

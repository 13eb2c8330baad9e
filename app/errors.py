"""Domain errors: raised by services, mapped to HTTP statuses in one handler.

A message is an English template with named fields, so pages can show it translated
(the template is the catalog's msgid) while the JSON API answers in English.
"""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, template: str, **params: object) -> None:
        self.template = template
        self.params = params
        self.detail = template.format(**params) if params else template
        super().__init__(self.detail)


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


class TooLarge(DomainError):
    status_code = 413


class RateLimited(DomainError):
    status_code = 429


class Unavailable(DomainError):
    """Not now, but soon: the database could not take a change, a file is still being drawn, the
    render workers are busy. Answered with Retry-After: `seconds`; nothing was changed."""

    status_code = 503

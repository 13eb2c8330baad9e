"""Domain rules. Plain functions taking a Session; they know nothing of HTTP or templates.

Commit rule: every service that changes data commits its own unit of work before it
returns (so an acknowledged change is durable) and raises a DomainError, with nothing
written, when a rule refuses it.
"""

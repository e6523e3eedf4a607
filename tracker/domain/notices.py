"""Notices: what a committed write wants the person who made it to decide next.

A handler in the transaction may find something the user should look at, without it being an
error: reverting a completion leaves the student's certificate valid (the school may still want
it to stand, or revoke it). The handler records a notice with ``tx.notice(...)``; the write's
:class:`~tracker.services.outcome.Outcome` carries the notices of every unit of work that
committed, and the GUI asks the user (the main window offers to revoke the certificate).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Notice:
    """Base class of notices."""


@dataclass(frozen=True)
class CertificateStillValid(Notice):
    """A completion was reverted; the certificate it earned still stands."""

    serial: str
    student: str
    activity: str

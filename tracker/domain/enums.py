"""Enumerations stored in the database as their string values."""

from __future__ import annotations

import enum


class Role(str, enum.Enum):
    ADMIN = "admin"
    TEACHER = "teacher"
    STUDENT = "student"
    PARENT = "parent"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ProgressStatus(str, enum.Enum):
    """Enrollment status: the single source of truth is activity_progress.status."""

    ACTIVE = "active"
    COMPLETED = "completed"
    DROPPED = "dropped"
    WAITLISTED = "waitlisted"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class LeadRole(str, enum.Enum):
    LEAD = "lead"
    CO_LEAD = "co-lead"

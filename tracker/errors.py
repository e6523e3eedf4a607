"""Domain exceptions shared by services, the façade, the CLI and the UI.

Every error carries a plain-language message meant to be shown to a person as is.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class TrackerError(Exception):
    """Base class: anything the application reports to a user."""


class AuthError(TrackerError):
    """Sign-in failed: wrong credentials, locked or disabled account."""


class PermissionDenied(TrackerError):
    """The acting user may not do this."""


class NotFound(TrackerError):
    """The record asked for does not exist (or is not visible)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, and where: a field, or a file/row/column."""

    message: str
    field: str | None = None
    file: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        if self.field and not self.column:
            where.append(self.field)
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class ValidationError(TrackerError):
    """Bad input. Nothing was changed. `problems` lists every field/row message."""

    message: str
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        extra = [p for p in self.problems if p.message != self.message or p.row is not None]
        if not extra:
            return self.message
        lines = [self.message] + [f"  - {p}" for p in extra]
        return "\n".join(lines)

    @classmethod
    def field(cls, name: str, message: str) -> "ValidationError":
        return cls(message, [Problem(message, field=name)])


class ConflictError(TrackerError):
    """Someone else changed the record since it was read; nothing was overwritten."""


class DatabaseError(TrackerError):
    """The database cannot be used: not a database, too new, unreachable, damaged, full."""


class DatabaseBusy(DatabaseError):
    """Another change holds the database (another workstation, an import); nothing was saved and
    the same change can simply be tried again."""


class ServerUnreachable(DatabaseError):
    """The school's database server cannot be reached (the network or the server is down)."""


class NotAvailableOffline(TrackerError):
    """Working offline: this needs the school database (the whole school, an administrator's
    change) and waits for the connection to come back."""


class Cancelled(TrackerError):
    """The person stopped a long job (an export); nothing it was writing is left behind."""

    def __init__(self, message: str = "Export cancelled") -> None:
        super().__init__(message)

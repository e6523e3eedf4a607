"""Roster readers: flat CSV/XLSX student lists and OneRoster 1.1 / 1.2 CSV bundles.

:func:`read_roster` picks the reader from what the path is; readers never touch the database.
A file that cannot be read (damaged, encrypted, too large) comes back as a problem naming it,
like any other refused file, never as an exception (see :mod:`tracker.importers.sources`).
"""

from __future__ import annotations

from pathlib import Path

from tracker.errors import Problem
from tracker.importers.common import RosterData


def read_roster(path: str | Path, mapping: dict[str, str] | None = None) -> RosterData:
    from tracker.importers.csv_xlsx import parse_flat
    from tracker.importers.oneroster import parse_oneroster

    p = Path(path)
    if not p.exists():
        data = RosterData(format="unknown")
        data.problems.append(Problem(f"There is no file or folder {p}.", file=p.name))
        return data
    if p.is_dir() or p.suffix.lower() == ".zip":
        return parse_oneroster(p)
    if p.suffix.lower() in (".xlsx", ".xlsm", ".csv", ".txt", ".tsv"):
        return parse_flat(p, mapping)
    data = RosterData(format="unknown")
    data.problems.append(Problem("Choose a CSV or XLSX file, or a OneRoster folder or .zip.", file=p.name))
    return data


__all__ = ["RosterData", "read_roster"]

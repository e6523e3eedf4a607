"""A leaderboard as CSV: rank, name and points of exactly the rows the service gave.

The rows come from ``LeaderboardService.export_rows``, so a student who opted out is never in
the file and names follow the board's privacy mode. Text a spreadsheet would take for a
formula is neutralised (as in the effectiveness export); the file is written beside its target
and renamed into place, so nobody ever opens half a file.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path

from tracker.domain.leaderboard import LeaderRow
from tracker.reports.safe_files import neutralise, replacing

HEADER = ("Rank", "Name", "Points")


def leaderboard_csv(rows: Sequence[LeaderRow]) -> str:
    """The rows as CSV text with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows((r.rank, neutralise(r.display_name), r.points) for r in rows)
    return out.getvalue()


def write_leaderboard_csv(rows: Sequence[LeaderRow], path: str | os.PathLike[str]) -> Path:
    """Write the rows at ``path`` (UTF-8 with a byte-order mark, for Excel), whole or not at all."""
    target = Path(path)
    with replacing(target) as f:
        f.write(leaderboard_csv(rows).encode("utf-8-sig"))
    return target

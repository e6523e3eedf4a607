"""`activity-tracker backup [--out FILE]` and `activity-tracker restore FILE`.

Both act as the first active administrator, like every other command (whoever may open the
database file runs the school's command line). A database the program cannot back up or restore
itself (PostgreSQL without pg_dump; any restore on PostgreSQL) exits 2 with what to do instead.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_UNAVAILABLE = 2


def cmd_backup(args: argparse.Namespace) -> int:
    """Print ``Backup written: PATH`` once the copy is verified."""
    from tracker.cli import _services, _system_actor
    from tracker.services.backups import BackupUnavailable

    with _services(args) as services:
        try:
            path = services.backups.back_up(_system_actor(services), out=Path(args.out) if args.out else None)
        except BackupUnavailable as exc:
            print(f"activity-tracker: {exc}", file=sys.stderr)
            return EXIT_UNAVAILABLE
    print(f"Backup written: {path}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Print ``Restored FILE (schema REV)`` and where the data as it was before went."""
    from tracker.cli import _services, _system_actor
    from tracker.services.backups import BackupUnavailable

    with _services(args) as services:
        try:
            result = services.backups.restore(_system_actor(services), Path(args.file))
        except BackupUnavailable as exc:
            print(f"activity-tracker: {exc}", file=sys.stderr)
            return EXIT_UNAVAILABLE
    print(f"Restored {args.file} (schema {result.revision})")
    print(f"The data as it was before: {result.safety_backup}")
    return 0

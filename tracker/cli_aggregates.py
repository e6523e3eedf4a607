"""`activity-tracker check-aggregates [--fix]`: the maintained attendance counts
(:mod:`tracker.services.attendance_aggregates`) recounted from the attendance records.

The application keeps the counts with every write, so a difference means the database was
changed behind its back (by hand, by another program, by a restore of half a database); --fix
rebuilds them from the records in one transaction, audited.
"""

from __future__ import annotations

import argparse

from tracker.cli_analytics import table


def cmd_check_aggregates(args: argparse.Namespace) -> int:
    """Print every difference, or "Aggregates OK": exit 0 when there are none (or --fix rebuilt
    them), 1 when differences were found and left."""
    from tracker.cli import db_target
    from tracker.db.engine import require_folder
    from tracker.db.uow import read_only, unit_of_work
    from tracker.services.attendance_aggregates import check, rebuild
    from tracker.services.bootstrap import open_database

    target = db_target(args)
    require_folder(target)
    db, _ = open_database(target)
    try:
        with read_only(db) as s:
            found = check(s.connection())
        if not found:
            print("Aggregates OK")
            return 0
        print("\n".join(table(("Table", "Key", "Stored", "Recomputed"),
                              [(d.table, f"{d.key_name} {d.key}", str(d.stored), str(d.recomputed))
                               for d in found], indent="")))
        many = f"{len(found)} difference{'s' if len(found) != 1 else ''}"
        if not args.fix:
            print(f"{many} found. Run again with --fix to rebuild the counts from the records.")
            return 1
        with unit_of_work(db) as tx:
            rebuild(tx.session.connection())
            tx.audit(None, "rebuild", "attendance_aggregates", None, None, {"differences": len(found)})
        with read_only(db) as s:
            left = check(s.connection())
        if left:  # another program kept writing behind our back
            print(f"Rebuilt, but {len(left)} differ again: something else is changing the records.")
            return 1
        print(f"{many} found; the counts were rebuilt from the records. Aggregates OK")
        return 0
    finally:
        db.dispose()

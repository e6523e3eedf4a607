"""`activity-tracker letters`: the letters to the parents of an activity's students (all, or
those in one standing) as one PDF. Signs in like the other commands: the first administrator, or
``--user`` (a teacher: the activities they lead)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tracker.errors import TrackerError


def cmd_letters(args: argparse.Namespace) -> int:
    """Write the combined PDF atomically (a refused or failed write leaves no file)."""
    from tracker.cli import _actor, _services
    from tracker.reports.certificate_pdf import write_atomically

    with _services(args) as services:
        actor = _actor(args, services)
        students = services.letters.students_for(actor, args.activity, standing=args.standing)
        if not students:
            which = f"{args.standing} " if args.standing else ""
            raise TrackerError(f"No {which}students in activity {args.activity} to write to; nothing was written.")
        pdf = services.letters.letters_pdf(actor, args.activity, [st.student_id for st in students],
                                           note=args.note or "", paper=args.paper)
    try:
        write_atomically(Path(args.out), pdf)
    except OSError as exc:
        raise TrackerError(f"Cannot write {args.out}: {exc.strerror or exc}") from None
    if args.json:
        print(json.dumps({"activity_id": args.activity, "path": str(args.out), "letters": len(students),
                          "students": [{"id": st.student_id, "name": st.name, "standing": st.standing.value}
                                       for st in students]}, ensure_ascii=False))
    else:
        print(f"Wrote {len(students)} letter{'' if len(students) == 1 else 's'} to {args.out}")
    return 0

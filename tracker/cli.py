"""The command line: `activity-tracker [--db PATH_OR_URL] SUBCOMMAND …`.

No subcommand starts the GUI. GUI subcommands (the GUI itself, `screenshot`) are handed to the
callables the launcher in ``ui`` passes in, so that this module never imports Qt.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Callable, Sequence

from tracker.errors import DatabaseError, TrackerError

log = logging.getLogger("tracker.cli")

GuiHandler = Callable[[argparse.Namespace], int]

DEMO_PASSWORD = "demo-pass-2026"


def _add_db(p: argparse.ArgumentParser, *, top: bool) -> None:
    p.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        default=None if top else argparse.SUPPRESS,
        help="SQLite file or SQLAlchemy URL (default: $TRACKER_DB or the per-user data folder)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="activity-tracker",
        description="Track students' progress in extracurricular activities. "
        "With no subcommand, starts the desktop application.",
    )
    _add_db(parser, top=True)
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND")

    p = sub.add_parser("gui", help="start the desktop application (the default)")
    _add_db(p, top=False)

    p = sub.add_parser("demo", help="create a realistic demo school database")
    _add_db(p, top=False)
    p.add_argument("--students", type=int, default=600, help="number of students (default 600)")
    p.add_argument("--seed", type=int, default=1, help="random seed (same seed, same school)")
    p.add_argument("--password", default=DEMO_PASSWORD, help="password of every demo account")
    p.add_argument("--force", action="store_true", help="overwrite an existing database")
    p.add_argument("--if-missing", action="store_true",
                   help="do nothing (but print the accounts) when the database already exists")

    p = sub.add_parser("create-user", help="create an account")
    _add_db(p, top=False)
    p.add_argument("--role", required=True, choices=["admin", "teacher", "student", "parent"])
    p.add_argument("--username", required=True)
    p.add_argument("--display-name", default="")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from standard input (first line)")

    p = sub.add_parser("migrate", help="create or upgrade the database schema (with a backup)")
    _add_db(p, top=False)

    p = sub.add_parser("export-ics", help="write an activity's sessions as an iCalendar (.ics) file")
    _add_db(p, top=False)
    p.add_argument("--activity", type=int, required=True, metavar="ID", help="activity id")
    p.add_argument("--out", required=True, metavar="FILE.ics", help="file to write")
    p.add_argument("--tz", default=None, help="time zone of the school (default: the system's)")

    p = sub.add_parser("import-ics", help="add the meetings of an .ics file as sessions")
    _add_db(p, top=False)
    p.add_argument("file", metavar="FILE.ics")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--activity", type=int, metavar="ID", help="add to this activity")
    target.add_argument("--new-activity", metavar="NAME", help="create a new activity with this name")
    p.add_argument("--from", dest="start", type=_iso_date, default=None, metavar="YYYY-MM-DD",
                   help="first day to import (default: the calendar's first event)")
    p.add_argument("--to", dest="end", type=_iso_date, default=None, metavar="YYYY-MM-DD",
                   help="last day to import (default: a year after its last dated event)")
    p.add_argument("--tz", default=None, help="time zone of the school (default: the system's)")

    p = sub.add_parser("import-roster", help="import students (CSV, XLSX) or a OneRoster bundle, all or nothing")
    _add_db(p, top=False)
    p.add_argument("path", metavar="PATH", help="CSV/XLSX file, or a OneRoster folder or .zip")
    p.add_argument("--dry-run", action="store_true", help="print what would change and write nothing")
    p.add_argument("--map", action="append", default=[], metavar="HEADER=FIELD",
                   help="map a column the importer does not recognise (repeatable), e.g. --map 'Pupil=full_name'; "
                        "for OneRoster, --map 'class:SOURCEDID=ACTIVITY_ID' (or =skip) instead of a new activity")

    p = sub.add_parser("screenshot", help="render a view as a user, offscreen, to a PNG file")
    _add_db(p, top=False)
    p.add_argument("--user", help="username to render as")
    p.add_argument("--password", default=None, help="password (default: the demo password)")
    p.add_argument("--view", default="dashboard", help="view name (see --list-views)")
    p.add_argument("--out", help="PNG file to write")
    p.add_argument("--size", default="1280x800", help="window size WxH (default 1280x800)")
    p.add_argument("--list-views", action="store_true", help="list the views and exit")
    return parser


def main(argv: Sequence[str] | None = None, gui: dict[str, GuiHandler] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command not in (None, "gui"):  # the GUI starts its log once its window is on screen
        from tracker.logs import setup_logging

        setup_logging()
    if args.version:
        from tracker import __version__

        print(f"activity-tracker {__version__}")
        return 0
    command = args.command or "gui"
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "demo": cmd_demo,
        "create-user": cmd_create_user,
        "migrate": cmd_migrate,
        "import-roster": cmd_import_roster,
        "export-ics": cmd_export_ics,
        "import-ics": cmd_import_ics,
    }
    try:
        if command in handlers:
            return handlers[command](args)
        if gui and command in gui:
            return gui[command](args)
        print(f"activity-tracker: {command} needs the desktop interface (ui package).", file=sys.stderr)
        return 2
    except DatabaseError as exc:
        print(f"activity-tracker: {exc}", file=sys.stderr)
        return 3
    except TrackerError as exc:
        print(f"activity-tracker: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("activity-tracker: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - never a traceback in a user's face: a line and the log
        from tracker.logs import redact, setup_logging

        log_path = setup_logging()
        log.error("unexpected error in %s", command, exc_info=True)
        where = f" Details are in {log_path}." if log_path else ""
        print(f"activity-tracker: unexpected error ({type(exc).__name__}: {redact(str(exc)).splitlines()[0][:200]})."
              f"{where}", file=sys.stderr)
        return 1


def db_target(args: argparse.Namespace) -> str | None:
    return getattr(args, "db", None) or os.environ.get("TRACKER_DB") or None


def cmd_migrate(args: argparse.Namespace) -> int:
    from tracker.db.engine import describe_url
    from tracker.services.bootstrap import open_database

    db, result = open_database(db_target(args))
    where = describe_url(db.url)
    db.dispose()
    assert result is not None
    if result.created:
        print(f"Created a new database at {where} (schema {result.to_revision}).")
    elif result.upgraded:
        print(f"Upgraded {where} from {result.from_revision} to {result.to_revision}.")
        if result.backup:
            print(f"Backup of the old database: {result.backup}")
    else:
        print(f"{where} is up to date (schema {result.to_revision}).")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from tracker.domain.enums import Role
    from tracker.services import Services
    from tracker.services.bootstrap import open_database
    from tracker.services.people import UserInput

    if args.password_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {args.username}: ")
    if not password:
        raise TrackerError("No password given; nothing was created.")
    db, _ = open_database(db_target(args))
    try:
        services = Services(db)
        role = Role(args.role)
        if role is Role.ADMIN and not services.auth.has_admin():
            actor = services.auth.create_first_admin(args.username, password, args.display_name)
            print(f"Created administrator {actor.username}.")
            return 0
        system = _system_actor(services)
        info = services.people.create_user(
            system,
            UserInput(args.username, args.display_name or args.username, role, password=password),
        )
        print(f"Created {info.role.value} {info.username} (id {info.id}).")
        return 0
    finally:
        db.dispose()


def _system_actor(services: object):  # type: ignore[no-untyped-def]
    """The command line runs with the rights of the machine's operator: the first active admin."""
    from sqlalchemy import select

    from tracker.db.models import User
    from tracker.db.uow import read_only
    from tracker.domain.enums import Role
    from tracker.services.auth import actor_of

    with read_only(services.db) as s:  # type: ignore[attr-defined]
        admin = s.scalar(
            select(User).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id)
        )
        if admin is None:
            raise TrackerError("Create an administrator first: create-user --role admin …")
        return actor_of(admin)


def cmd_demo(args: argparse.Namespace) -> int:
    from tracker.demo import DemoOptions, describe_accounts, generate_demo

    target = db_target(args)
    if target is None:
        from tracker.db.engine import default_db_path

        target = str(default_db_path())
    opts = DemoOptions(students=args.students, seed=args.seed, password=args.password, force=args.force)
    if args.if_missing and _exists(target):
        print(f"Demo school already at {target}.")
        print(describe_accounts(target, args.password))
        return 0

    def progress(done: int, total: int, text: str) -> None:
        if sys.stderr.isatty():
            print(f"\r{text:<60} {100 * done // max(total, 1):3d}%", end="", file=sys.stderr)

    result = generate_demo(target, opts, progress=progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(f"Created demo school {result.school_name!r} at {target} in {result.seconds:.1f} s.")
    print(describe_accounts(target, args.password))
    return 0


def _exists(target: str) -> bool:
    if "://" in target:
        return False
    return os.path.exists(target) and os.path.getsize(target) > 0


def _iso_date(text: str):  # type: ignore[no-untyped-def]
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-09-01") from None


def cmd_export_ics(args: argparse.Namespace) -> int:
    from tracker.services import Services
    from tracker.services.bootstrap import open_database
    from tracker.services.ical import write_atomic

    db, _ = open_database(db_target(args))
    try:
        services = Services(db)
        data = services.ical.export_ics(_system_actor(services), args.activity, tz=args.tz)
        try:
            write_atomic(args.out, data)
        except OSError as exc:
            raise TrackerError(f"Cannot write {args.out}: {exc.strerror or exc}") from None
        events = data.count(b"BEGIN:VEVENT")
        print(f"Wrote {args.out}: activity {args.activity}, {events} event{'s' if events != 1 else ''}.")
        return 0
    finally:
        db.dispose()


def cmd_import_ics(args: argparse.Namespace) -> int:
    from tracker.services import Services
    from tracker.services.bootstrap import open_database

    db, _ = open_database(db_target(args))
    try:
        services = Services(db)
        result = services.ical.import_ics(_system_actor(services), args.file, activity_id=args.activity,
                                          new_activity_name=args.new_activity, start=args.start,
                                          end=args.end, tz=args.tz)
        print(f"Imported {args.file} into {result.summary()}")
        return 0
    finally:
        db.dispose()


def cmd_import_roster(args: argparse.Namespace) -> int:
    """Preview (and unless --dry-run, apply) a roster import as the first active admin."""
    from tracker.services import Services
    from tracker.services.bootstrap import open_database

    mapping = {}
    for item in args.map:
        header, sep, field = item.partition("=")
        if not sep:
            raise TrackerError(f"--map needs HEADER=FIELD, not {item!r}.")
        mapping[header.strip()] = field.strip()
    db, _ = open_database(db_target(args))
    try:
        services = Services(db)
        actor = _system_actor(services)
        preview = services.imports.preview(actor, args.path, mapping or None)
        for line in preview.summary_lines():
            print(line)
        for problem in preview.errors:
            print(f"  error: {problem}")
        if preview.needs_mapping:
            known = ", ".join(preview.known_fields)
            print(f"Map the columns with --map 'HEADER=FIELD'; fields: {known}", file=sys.stderr)
            return 1
        if preview.errors:
            print("Nothing was imported.", file=sys.stderr)
            return 1
        if args.dry_run:
            print("Dry run: nothing was written.")
            return 0
        result = services.imports.apply(actor, args.path, mapping or None)
        print(f"Imported in {result.seconds:.1f} s: {len(result.created_ids)} created, "
              f"{len(result.updated_ids)} updated.")
        return 0
    finally:
        db.dispose()

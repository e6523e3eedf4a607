"""The command line: `activity-tracker [--db PATH_OR_URL] SUBCOMMAND …`.

No subcommand starts the GUI. GUI subcommands (the GUI itself, `screenshot`) are handed to the
callables the launcher in ``ui`` passes in, so that this module never imports Qt. The grammar
(descriptions, examples, option help) is in :mod:`tracker.cli_parser`.

Commands act as the first active administrator (the person who may open the database file runs
the school's command line); the listing commands can sign in as someone else (``--user``).
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.cli_aggregates import cmd_check_aggregates
from tracker.cli_backup import cmd_backup, cmd_restore
from tracker.cli_badges import cmd_badge_png, cmd_badges
from tracker.cli_email import cmd_outbox
from tracker.cli_export import cmd_export
from tracker.cli_letters import cmd_letters
from tracker.cli_parser import DEMO_PASSWORD, build_parser
from tracker.errors import DatabaseError, TrackerError
from tracker.paths import configured_database

if TYPE_CHECKING:
    from tracker.domain.policy import Actor
    from tracker.services import Services
    from tracker.services.imports import ImportPreview

log = logging.getLogger("tracker.cli")

GuiHandler = Callable[[argparse.Namespace], int]

__all__ = ["DEMO_PASSWORD", "build_parser", "main"]


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
        "backup": cmd_backup,
        "restore": cmd_restore,
        "import-roster": cmd_import_roster,
        "export-ics": cmd_export_ics,
        "import-ics": cmd_import_ics,
        "activities": cmd_activities,
        "users": cmd_users,
        "analytics": cmd_analytics,
        "check-aggregates": cmd_check_aggregates,
        "certificates": cmd_certificates,
        "revoke-certificate": cmd_revoke_certificate,
        "public-key": cmd_public_key,
        "verify": cmd_verify,
        "badges": cmd_badges,
        "badge-png": cmd_badge_png,
        "transcript": cmd_transcript,
        "outbox": cmd_outbox,
        "letters": cmd_letters,
        "export": cmd_export,
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
    except BrokenPipeError:  # `activity-tracker users | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error when Python exits
        return 0
    except Exception as exc:  # noqa: BLE001 - never a traceback in a user's face: a line and the log
        from tracker.logs import redact, setup_logging

        log_path = setup_logging()
        log.error("unexpected error in %s", command, exc_info=True)
        where = f" Details are in {log_path}." if log_path else ""
        print(f"activity-tracker: unexpected error ({type(exc).__name__}: {redact(str(exc)).splitlines()[0][:200]})."
              f"{where}", file=sys.stderr)
        return 1


def db_target(args: argparse.Namespace) -> str | None:
    return getattr(args, "db", None) or configured_database()


@contextmanager
def _services(args: argparse.Namespace) -> Iterator[Services]:
    """The services on the database of ``--db``, closed afterwards. A file in a folder that does
    not exist is refused: a mistyped path must not create folders and an empty database."""
    from tracker.db.engine import require_folder
    from tracker.services import Services
    from tracker.services.bootstrap import open_database

    target = db_target(args)
    require_folder(target)
    db, _ = open_database(target)
    try:
        yield Services(db)
    finally:
        db.dispose()


def _read_password(args: argparse.Namespace, username: str) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return getpass.getpass(f"Password for {username}: ")


def cmd_migrate(args: argparse.Namespace) -> int:
    from tracker.db.engine import describe_url, require_folder
    from tracker.services.bootstrap import open_database

    require_folder(db_target(args))
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
    from tracker.services.people import UserInput

    password = _read_password(args, args.username)
    if not password:
        raise TrackerError("No password given; nothing was created.")
    with _services(args) as services:
        role = Role(args.role)
        if role is Role.ADMIN and not services.auth.has_admin():
            actor = services.auth.create_first_admin(args.username, password, args.display_name)
            print(f"Created administrator {actor.username}.")
            return 0
        info = services.people.create_user(
            _system_actor(services),
            UserInput(args.username, args.display_name or args.username, role, password=password),
        )
        print(f"Created {info.role.value} {info.username} (id {info.id}).")
        return 0


def _system_actor(services: Services) -> Actor:
    """The command line runs with the rights of the machine's operator: the first active admin."""
    from sqlalchemy import select

    from tracker.db.models import User
    from tracker.db.uow import read_only
    from tracker.domain.enums import Role
    from tracker.services.auth import actor_of

    with read_only(services.db) as s:
        admin = s.scalar(
            select(User).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id)
        )
        if admin is None:
            raise TrackerError("Create an administrator first: create-user --role admin …")
        return actor_of(admin)


def _actor(args: argparse.Namespace, services: Services) -> Actor:
    """``--user`` signs in as that person (their password checked, as in the application);
    otherwise the first active administrator."""
    if args.user:
        return services.auth.login(args.user, _read_password(args, args.user))
    if args.password_stdin:
        raise TrackerError("--password-stdin needs --user: whose password is it?")
    return _system_actor(services)


def _print_records(records: list[dict[str, Any]], as_json: bool, line: Callable[[dict[str, Any]], list[str]]) -> None:
    """A JSON array, or one tab-separated line per record starting with its id."""
    if as_json:
        print(json.dumps(records, ensure_ascii=False, indent=2))
        return
    for record in records:
        print("\t".join([str(record["id"]), *line(record)]))


def cmd_activities(args: argparse.Namespace) -> int:
    from tracker.api import TrackerAPI

    with _services(args) as services:
        rows = TrackerAPI(services).list_activities(_actor(args, services))

    def line(a: dict[str, Any]) -> list[str]:
        return [a["name"], a["category"], ", ".join(a["leads"]) or "no lead", f"{a['enrolled']} enrolled",
                *(["archived"] if a["archived"] else [])]

    _print_records(rows, args.json, line)
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    from tracker.api import TrackerAPI

    with _services(args) as services:
        rows = TrackerAPI(services).find_users(_actor(args, services), role=args.role)

    def line(u: dict[str, Any]) -> list[str]:
        school = [f"{label} {u[key]}" for label, key in
                  (("class", "class_name"), ("grade", "grade"), ("number", "student_number")) if u.get(key)]
        return [u["username"], u["display_name"], u["role"], *school, *([] if u["active"] else ["inactive"])]

    _print_records(rows, args.json, line)
    return 0


def cmd_analytics(args: argparse.Namespace) -> int:
    """The school's figures, or one activity's (exit 2 for an activity that does not exist)."""
    from tracker.api import TrackerAPI
    from tracker.cli_analytics import activity_text, school_text
    from tracker.errors import NotFound

    school_only = [name for name, value in (("--from", args.start), ("--to", args.end),
                                            ("--category", args.category), ("--grade", args.grade)) if value]
    if args.activity is not None and school_only:
        print(f"activity-tracker: {', '.join(school_only)} narrow the school's figures; leave out --activity "
              "or the filters.", file=sys.stderr)
        return 2
    with _services(args) as services:
        api, actor = TrackerAPI(services), _actor(args, services)
        if args.activity is None:
            figures = api.get_school_analytics(actor, start=args.start, end=args.end, category=args.category,
                                               grade=args.grade)
        else:
            try:
                figures = api.get_activity_analytics(actor, args.activity)
            except NotFound:
                print(f"activity-tracker: there is no activity with id {args.activity} "
                      "(activity-tracker activities lists them).", file=sys.stderr)
                return 2
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        print(school_text(figures) if args.activity is None else activity_text(figures))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from tracker.demo import DemoOptions, accounts_file, describe_accounts, generate_demo, write_accounts_file

    target = db_target(args)
    if target is None:
        from tracker.db.engine import default_db_path

        target = str(default_db_path())
    opts = DemoOptions(students=args.students, seed=args.seed, password=args.password, force=args.force)
    if args.if_missing and _exists(target):
        print(f"Demo school already at {target}.")
        print(describe_accounts(target, args.password, every_teacher=True))
        listing = accounts_file(target)
        if listing is not None and listing.exists():
            print(f"Every account is listed in {listing}")
        return 0

    def progress(done: int, total: int, text: str) -> None:
        if sys.stderr.isatty():
            print(f"\r{text:<60} {100 * done // max(total, 1):3d}%", end="", file=sys.stderr)

    result = generate_demo(target, opts, progress=progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(f"Created demo school {result.school_name!r} at {target} in {result.seconds:.1f} s.")
    print(describe_accounts(target, args.password, every_teacher=True))
    written = write_accounts_file(target, args.password)
    if written is not None:
        path, count = written
        print(f"All {count} accounts (students and parents too) are listed in {path}")
    return 0


def _exists(target: str) -> bool:
    if "://" in target:
        return False
    return os.path.exists(target) and os.path.getsize(target) > 0


def cmd_export_ics(args: argparse.Namespace) -> int:
    from tracker.services.ical import write_atomic

    with _services(args) as services:
        data = services.ical.export_ics(_system_actor(services), args.activity, tz=args.tz)
    try:
        write_atomic(args.out, data)
    except OSError as exc:
        raise TrackerError(f"Cannot write {args.out}: {exc.strerror or exc}") from None
    events = data.count(b"BEGIN:VEVENT")
    print(f"Wrote {args.out}: activity {args.activity}, {events} event{'s' if events != 1 else ''}.")
    return 0


#: all-day events listed after an import that skipped them
ALL_DAY_SHOWN = 20


def cmd_import_ics(args: argparse.Namespace) -> int:
    if args.holidays:
        if args.all_day_at is not None:
            print("activity-tracker import-ics: --all-day-at is for an activity's import; with --holidays "
                  "every all-day event is a holiday.", file=sys.stderr)
            return 2
        with _services(args) as services:
            holidays = services.ical.import_holidays(_system_actor(services), args.file, args.start, args.end)
        print(holidays.summary())
        return 0
    at, ends = args.all_day_at or (None, None)
    with _services(args) as services:
        result = services.ical.import_ics(_system_actor(services), args.file, activity_id=args.activity,
                                          new_activity_name=args.new_activity, start=args.start,
                                          end=args.end, tz=args.tz, all_day_at=at, all_day_ends=ends)
    print(f"Imported {args.file} into {result.summary()}")
    if result.all_day_skipped:
        print(f"{result.all_day_skipped} all-day event{'s' if result.all_day_skipped != 1 else ''} skipped "
              "(add them as sessions with --all-day-at HH:MM, or import the file as school holidays "
              "with --holidays):")
        for entry in result.all_day[:ALL_DAY_SHOWN]:
            print(f"  {entry.describe()}")
        if len(result.all_day) > ALL_DAY_SHOWN:
            print(f"  … and {len(result.all_day) - ALL_DAY_SHOWN} more")
    return 0


def _unreadable(preview: ImportPreview) -> bool:
    """Nothing could be read from the path at all (missing, damaged, empty, not a roster): no
    summary of "unknown, 0 rows" before the reason."""
    return bool(preview.errors) and not preview.headers and not preview.rows \
        and not preview.format.startswith("oneroster-")


def _about_the_path(preview: ImportPreview, path: str) -> bool:
    """Every problem is with the path itself (missing, damaged, empty), not with a file inside
    a bundle, whose name the listing must show."""
    return all(problem.file in (None, Path(path).name) for problem in preview.errors)


def cmd_import_roster(args: argparse.Namespace) -> int:
    """Preview (and unless --dry-run, apply) a roster import as the first active admin."""
    mapping = {}
    for item in args.map:
        header, sep, field = item.partition("=")
        if not sep:
            raise TrackerError(f"--map needs HEADER=FIELD, not {item!r}.")
        mapping[header.strip()] = field.strip()
    with _services(args) as services:
        actor = _system_actor(services)
        preview = services.imports.preview(actor, args.path, mapping or None)
        unreadable = _unreadable(preview)
        if unreadable and _about_the_path(preview, args.path):  # one plain sentence naming the file
            for problem in preview.errors:
                said = problem.message if problem.file and problem.file in problem.message else str(problem)
                print(f"activity-tracker: {said}", file=sys.stderr)
            return 1
        for line in [] if unreadable else preview.summary_lines():
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


def cmd_certificates(args: argparse.Namespace) -> int:
    """Issue and write the PDFs; one ``serial code path`` line each (or JSON)."""
    with _services(args) as services:
        issued = services.certificates.issue(_actor(args, services), args.activity, args.student,
                                             template=args.template, out_dir=args.out, force=args.force)
    if args.json:
        print(json.dumps([{"serial": c.serial, "code": c.code, "student_id": c.student_id, "path": c.path}
                          for c in issued], ensure_ascii=False, indent=2))
    for c in [] if args.json else issued:
        print(f"{c.serial} {c.code} {c.path or '(file pending)'}")
    if not issued:
        print("No student has completed this activity: no certificate written.", file=sys.stderr)
    return 0


def cmd_revoke_certificate(args: argparse.Namespace) -> int:
    with _services(args) as services:
        c = services.certificates.revoke(_actor(args, services), args.serial, reason=args.reason)
    if args.json:
        print(json.dumps({"serial": c.serial, "status": c.status.value, "reason": c.reason}, ensure_ascii=False))
    else:
        print(f"Revoked {c.serial} ({c.student}, {c.activity}): {c.reason}")
    return 0


def cmd_public_key(args: argparse.Namespace) -> int:
    from tracker.services.ical import write_atomic

    with _services(args) as services:
        key = services.certificates.public_key()
    if args.out:
        try:
            write_atomic(args.out, key.pem)
        except OSError as exc:
            raise TrackerError(f"Cannot write {args.out}: {exc.strerror or exc}") from None
    print(key.did)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Exit 0 only for VALID: scripts can test a certificate with the exit code alone."""
    from tracker.services.certificates import CertificateStatus

    with _services(args) as services:
        result = services.certificates.verify(args.text)
    print(result.line())
    return 0 if result.status is CertificateStatus.VALID else 1


def cmd_transcript(args: argparse.Namespace) -> int:
    """Write the signed co-curricular record atomically (a refused or failed write leaves no file)."""
    from tracker.reports.certificate_pdf import write_atomically

    with _services(args) as services:
        pdf = services.portfolios.transcript_pdf(_actor(args, services), args.student)
    try:
        write_atomically(Path(args.out), pdf)
    except OSError as exc:
        raise TrackerError(f"Cannot write {args.out}: {exc.strerror or exc}") from None
    if args.json:
        print(json.dumps({"student_id": args.student, "path": str(args.out)}, ensure_ascii=False))
    else:
        print(f"Wrote {args.out}")
    return 0

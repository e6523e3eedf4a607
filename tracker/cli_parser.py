"""The command line's grammar: every subcommand with a description, an example and help for
every option (``activity-tracker SUBCOMMAND --help``). The commands themselves are in
:mod:`tracker.cli`; this module only describes them, so that ``--help`` is one place to read."""

from __future__ import annotations

import argparse
import textwrap
from datetime import date, time

from tracker.domain.enums import Role

DEMO_PASSWORD = "demo-pass-2026"

AS_ADMIN = """\
The command acts as the first active administrator of the database: whoever may open the
database file runs the school's command line (as with every other subcommand)."""

SIGN_IN = """\
It acts as the first active administrator of the database (whoever may open the database file
runs the school's command line), or with --user as that person after checking their password
(asked for, or the first line of standard input with --password-stdin), and then lists only
what that person may see, as in the application."""

EXIT_CODES = """\
Exit codes: 0 done, 1 refused or failed (the reason is printed), 2 wrong usage,
3 the database cannot be opened or is not an Activity Tracker database."""


def _db(p: argparse.ArgumentParser, *, top: bool) -> None:
    p.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        default=None if top else argparse.SUPPRESS,
        help="SQLite file or SQLAlchemy URL (default: $TRACKER_DB or the per-user data folder); "
             "the folder of a file must exist",
    )


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-09-01") from None


def _time_range(text: str) -> tuple[time, time | None]:
    """'15:30' or '15:30-17:00' → (start, end or None)."""
    first, _, second = text.partition("-")
    try:
        begins = time.fromisoformat(first.strip())
        ends = time.fromisoformat(second.strip()) if second.strip() else None
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time like 15:30 (or 15:30-17:00)") from None
    if ends is not None and ends <= begins:
        raise argparse.ArgumentTypeError(f"{text!r}: the end must be after the start")
    return begins, ends


def _wrap(text: str) -> str:
    """Paragraphs (separated by a blank line) filled to 80 columns: the raw formatter keeps the
    examples' own lines, so the prose is wrapped here."""
    return "\n\n".join(textwrap.fill(paragraph, 80) for paragraph in text.split("\n\n"))


def _command(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, summary: str,
             description: str, *examples: str, notes: str = "") -> argparse.ArgumentParser:
    """A subcommand whose --help says what it does, how it acts, and shows an example."""
    epilog = "Example:\n" if len(examples) == 1 else "Examples:\n"
    epilog += "\n".join(f"  {e}" for e in examples)
    if notes:
        epilog += "\n\n" + _wrap(notes)
    p = sub.add_parser(name, help=summary, description=_wrap(description), epilog=epilog,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    _db(p, top=False)
    return p


def _sign_in_options(p: argparse.ArgumentParser, *,
                     json_help: str = "print a JSON array of objects instead of lines") -> None:
    p.add_argument("--user", metavar="USERNAME", default=None,
                   help="act as this person (their password is checked) instead of the first administrator")
    p.add_argument("--password-stdin", action="store_true",
                   help="with --user: read the password from the first line of standard input")
    p.add_argument("--json", action="store_true", help=json_help)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="activity-tracker",
        description=_wrap("Track students' progress in extracurricular activities. "
                          "With no subcommand, starts the desktop application."),
        epilog="Examples:\n  activity-tracker demo --db school.db\n  activity-tracker --db school.db\n"
               "  activity-tracker activities --db school.db\n\n"
               "Run activity-tracker SUBCOMMAND --help for a subcommand's options and an example.\n\n"
               + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _db(parser, top=True)
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND")

    _command(sub, "gui", "start the desktop application (the default)",
             "Start the desktop application on a database (it needs a display; see README).",
             "activity-tracker gui --db school.db")

    p = _command(sub, "demo", "create a realistic demo school database",
                 "Create a demo school (students, teachers, parents, activities, a term of attendance) "
                 "to try the application with.\n\nIt prints the accounts to sign in with and writes every "
                 "account to NAME-accounts.txt beside the database (readable by you only).",
                 "activity-tracker demo --db school.db --students 300",
                 notes="The database is written all or nothing; an existing file is left alone unless --force.")
    p.add_argument("--students", type=int, default=600, help="number of students, 1 to 20,000 (default 600)")
    p.add_argument("--seed", type=int, default=1, help="random seed (same seed, same school)")
    p.add_argument("--password", default=DEMO_PASSWORD,
                   help=f"password of every demo account (default {DEMO_PASSWORD})")
    p.add_argument("--force", action="store_true", help="overwrite an existing database")
    p.add_argument("--if-missing", action="store_true",
                   help="do nothing (but print the accounts) when the database already exists")

    p = _command(sub, "create-user", "create an account",
                 "Create an account. The first administrator of a new database is created directly; "
                 "any other account by the first active administrator.",
                 "echo 'a long secret' | activity-tracker create-user --db school.db --role teacher \\\n"
                 "      --username t.garcia --display-name 'Teresa Garcia' --password-stdin",
                 notes="Passwords have at least 8 characters. Without --password-stdin it is asked for.")
    p.add_argument("--role", required=True, choices=[r.value for r in Role], help="the account's role")
    p.add_argument("--username", required=True, help="the name to sign in with (letters, digits, . _ @ -)")
    p.add_argument("--display-name", default="", help="the name shown in the application (default: the username)")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from standard input (first line)")

    _command(sub, "migrate", "create or upgrade the database schema (with a backup)",
             "Create a new database, or upgrade an older one to this version's schema. An SQLite "
             "database is first copied (verified) into the backup folder as "
             "activity-tracker-STAMP-before-migration-from-REVISION.db.",
             "activity-tracker migrate --db school.db",
             notes="The folder of the database file must exist: a mistyped path is refused, not created "
                   "(the default data folder is created when needed).")

    p = _command(sub, "backup", "make a verified backup of the database now",
                 "Copy the database with SQLite's online backup API, check the copy (PRAGMA integrity_check) "
                 "and only then give it its name: into the backup folder (Settings; by default 'backups' "
                 "beside the database, rotated with the automatic backups), or exactly --out FILE. Prints "
                 "\"Backup written: PATH\".\n\nA PostgreSQL database is written with pg_dump --format=custom "
                 "(the PostgreSQL client tools must be installed; otherwise it exits 2 saying so).",
                 "activity-tracker backup --db school.db",
                 "activity-tracker backup --db school.db --out /media/usb/school-2026-07-01.db",
                 notes=AS_ADMIN)
    p.add_argument("--out", default=None, metavar="FILE", help="write the backup to this file instead")

    p = _command(sub, "restore", "replace the database with a backup (the current data is backed up first)",
                 "Replace the database with FILE, all or nothing: the current database is backed up first "
                 "(reason before-restore); FILE must be an intact Activity Tracker database no newer than "
                 "this program (an older one is upgraded); then it replaces the database in one rename. "
                 "Prints \"Restored FILE (schema REVISION)\". Close the application on other "
                 "workstations first.\n\nPostgreSQL: restore with pg_restore (exit 2).",
                 "activity-tracker restore --db school.db backups/activity-tracker-20260701-080000-daily.db",
                 notes=AS_ADMIN)
    p.add_argument("file", metavar="FILE", help="the backup to restore")

    p = _command(sub, "check-aggregates", "check the maintained attendance counts against the records",
                 "Recount every enrollment's and every session's attendance marks from the attendance "
                 "records and compare with the counts kept for fast rates and trends. Prints each "
                 "difference (table, key, stored, recomputed), or \"Aggregates OK\". Exit 0 when they agree, "
                 "1 when differences were found; with --fix they are rebuilt (in one transaction) and it "
                 "exits 0.",
                 "activity-tracker check-aggregates --db school.db --fix",
                 notes="Needed only after the database was changed by hand or by another program: the "
                       "application keeps the counts with every write.")
    p.add_argument("--fix", action="store_true", help="rebuild the counts from the records when they differ")

    p = _command(sub, "export-ics", "write an activity's sessions as an iCalendar (.ics) file",
                 "Write an activity's timetable as an iCalendar file for calendar programs: one recurring "
                 "event per weekly pattern, with its cancelled and moved dates, and the single sessions.",
                 "activity-tracker export-ics --db school.db --activity 3 --out chess.ics",
                 notes=AS_ADMIN + "\n\nActivity ids: activity-tracker activities")
    p.add_argument("--activity", type=int, required=True, metavar="ID", help="activity id (see: activities)")
    p.add_argument("--out", required=True, metavar="FILE.ics", help="file to write")
    p.add_argument("--tz", default=None, help="time zone of the school (default: $TRACKER_TZ or the system's)")

    p = _command(sub, "import-ics", "add the meetings of an .ics file as sessions, or holidays",
                 "Add the meetings of an iCalendar file to an activity, or create an activity from it. "
                 "A recurring event becomes a weekly pattern with its cancelled and moved dates; other "
                 "meetings become single sessions. All-day events are skipped and listed, unless "
                 "--all-day-at gives them a time.\n\nWith --holidays, the file's all-day events become "
                 "school holidays instead (administrators).",
                 "activity-tracker import-ics chess.ics --db school.db --activity 3",
                 "activity-tracker import-ics club.ics --new-activity 'Chess Club'",
                 "activity-tracker import-ics district-2026.ics --holidays",
                 notes=AS_ADMIN + " Importing the same file again adds nothing.")
    p.add_argument("file", metavar="FILE.ics", help="the iCalendar file to read")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--activity", type=int, metavar="ID", help="add to this activity (see: activities)")
    target.add_argument("--new-activity", metavar="NAME", help="create a new activity with this name")
    target.add_argument("--holidays", action="store_true",
                        help="make the file's all-day events school holidays (a district's holiday calendar)")
    p.add_argument("--from", dest="start", type=_iso_date, default=None, metavar="YYYY-MM-DD",
                   help="first day to import (default: the calendar's first event)")
    p.add_argument("--to", dest="end", type=_iso_date, default=None, metavar="YYYY-MM-DD",
                   help="last day to import (default: a year after its last dated event)")
    p.add_argument("--all-day-at", type=_time_range, default=None, metavar="HH:MM[-HH:MM]",
                   help="add all-day events as sessions at this time (an hour long unless an end is given); "
                        "default: skip them and list them")
    p.add_argument("--tz", default=None, help="time zone of the school (default: $TRACKER_TZ or the system's)")

    p = _command(sub, "import-roster", "import students (CSV, XLSX) or a OneRoster bundle, all or nothing",
                 "Import people, activities and enrollments from a CSV or Excel file with a header row, or "
                 "from a OneRoster 1.1/1.2 CSV bundle (folder or .zip). Every problem is listed with its "
                 "file, row and column; nothing is written unless there is none. Importing the same file "
                 "again changes nothing.",
                 "activity-tracker import-roster students.csv --db school.db --dry-run",
                 "activity-tracker import-roster export.xlsx --map 'Pupil=full_name' --map 'Ref=student_number'",
                 notes=AS_ADMIN)
    p.add_argument("path", metavar="PATH", help="CSV/XLSX file, or a OneRoster folder or .zip")
    p.add_argument("--dry-run", action="store_true", help="print what would change and write nothing")
    p.add_argument("--map", action="append", default=[], metavar="HEADER=FIELD",
                   help="map a column the importer does not recognise (repeatable), e.g. --map 'Pupil=full_name'; "
                        "for OneRoster, --map 'class:SOURCEDID=ACTIVITY_ID' (or =skip) instead of a new activity")

    p = _command(sub, "activities", "list the activities with their ids",
                 "List the activities, one a line: id, name, category, leads, students enrolled "
                 "(archived ones marked). The ids are what --activity options take.",
                 "activity-tracker activities --db school.db",
                 "activity-tracker activities --json --user t.garcia --password-stdin < password.txt",
                 notes=SIGN_IN)
    _sign_in_options(p)

    p = _command(sub, "users", "list the people with their ids, by role",
                 "List people, one a line: id, username, name, role (students with class, grade and "
                 "student number; accounts that are switched off marked inactive).",
                 "activity-tracker users --db school.db --role teacher",
                 "activity-tracker users --role student --json",
                 notes=SIGN_IN)
    p.add_argument("--role", type=str.lower, default=None, choices=[r.value for r in Role],
                   help="only people with this role (default: everyone)")
    _sign_in_options(p)

    p = _command(sub, "analytics", "print the school's analytics, or one activity's",
                 "Print which activities work: for each activity the students placed, completion, drop-out and "
                 "retention rates, average attendance and progress, and the median days to completion; then "
                 "participation by category and grade, the weekly attendance trend and the drop-out reasons. "
                 "With --activity, that activity's figures instead: attendance by week, the spread of progress, "
                 "the milestone funnel, standing over time, participation ratings and skills.",
                 "activity-tracker analytics --db school.db",
                 "activity-tracker analytics --db school.db --activity 3 --json",
                 "activity-tracker analytics --from 2026-09-01 --to 2026-12-18 --category Sports",
                 notes=SIGN_IN.replace("lists only\nwhat that person may see", "prints only\nwhat that person "
                                       "may see (a teacher: the activities they lead; students and parents are "
                                       "refused)") + "\n\nDefinitions of every figure: docs/analytics.md.")
    p.add_argument("--activity", type=int, default=None, metavar="ID",
                   help="one activity's figures (see: activities) instead of the school's")
    p.add_argument("--from", dest="start", type=_iso_date, default=None, metavar="YYYY-MM-DD",
                   help="school figures: sessions and enrollments from this day")
    p.add_argument("--to", dest="end", type=_iso_date, default=None, metavar="YYYY-MM-DD",
                   help="school figures: sessions and enrollments up to this day")
    p.add_argument("--category", default=None, help="school figures: only activities of this category")
    p.add_argument("--grade", default=None, help="school figures: only students of this grade")
    _sign_in_options(p, json_help="print one JSON object (the figures as tracker.api returns them) instead of tables")

    p = _command(sub, "certificates", "write certificates (PDF) for an activity's completed students",
                 "Issue a certificate to every student who completed the activity (or to the students "
                 "named) and write one PDF per student. Prints one line per certificate: serial, "
                 "verification code, file. A student who already holds a valid certificate gets the same "
                 "one again; a student who has not completed is refused, unless an administrator names "
                 "them with --student and adds --force.",
                 "activity-tracker certificates --db school.db --activity 3 --out ./certificates",
                 notes=SIGN_IN.replace("lists only\nwhat that person may see", "may only do\nwhat that person may do")
                 + "\n\nWithout --out the files go to the school's certificate folder.")
    p.add_argument("--activity", type=int, required=True, metavar="ID", help="activity id (see: activities)")
    p.add_argument("--student", type=int, action="append", default=None, metavar="ID",
                   help="only this student (repeatable; see: users --role student)")
    p.add_argument("--template", default=None, metavar="NAME",
                   help="certificate design, e.g. classic, modern, minimal (default: classic)")
    p.add_argument("--out", default=None, metavar="DIR", help="folder to write the PDFs to")
    p.add_argument("--force", action="store_true",
                   help="administrators: issue to the --student named even without completion")
    _sign_in_options(p)

    p = _command(sub, "revoke-certificate", "revoke a certificate (it then verifies as REVOKED)",
                 "Revoke a certificate by its serial number. The reason is kept in the register and "
                 "shown to whoever verifies the certificate.",
                 "activity-tracker revoke-certificate 2026-000123 --db school.db --reason 'Issued by mistake'",
                 notes=SIGN_IN.replace("lists only\nwhat that person may see", "may only do\nwhat that person may do"))
    p.add_argument("serial", metavar="SERIAL", help="the certificate's serial number, e.g. 2026-000123")
    p.add_argument("--reason", required=True, metavar="TEXT", help="why it is revoked (required)")
    _sign_in_options(p)

    p = _command(sub, "public-key", "write the school's certificate public key and print its did:key",
                 "Print the school's did:key (the name its certificates are signed under) and, with --out, "
                 "write its public key as PEM (SubjectPublicKeyInfo) so that anyone can verify the "
                 "certificates with any JOSE library. The key is created on first use.",
                 "activity-tracker public-key --db school.db --out school-key.pem")
    p.add_argument("--out", default=None, metavar="FILE.pem", help="file to write the public key to")

    p = _command(sub, "verify", "check a certificate: QR text, short code or PDF file",
                 "Check a certificate offline against this school's keys. Prints one line starting with "
                 "VALID, REVOKED, SUPERSEDED, UNKNOWN or INVALID (tampered, or another key), then the "
                 "details.",
                 "activity-tracker verify --db school.db 'Chess Club - Sam Student - 2026-000123.pdf'",
                 "activity-tracker verify K7M3QX9TPW",
                 notes="Exit code 0 only for VALID, 1 otherwise. No account is needed.")
    p.add_argument("text", metavar="TEXT_OR_FILE", help="the QR code's text, the short code, or a certificate PDF")

    p = _command(sub, "transcript", "write a student's co-curricular record (PDF, signed)",
                 "Write a student's co-curricular record: the school's header, the items the student chose to "
                 "feature in their portfolio (or, when none is featured, everything you may see, saying so), "
                 "their reflections, and a verification QR code signed with the school's key. "
                 "activity-tracker verify checks the file.",
                 "activity-tracker transcript --db school.db --student 42 --out record.pdf",
                 notes=SIGN_IN.replace("lists only\nwhat that person may see", "may only do\nwhat that person may do")
                 + "\n\nStudent ids: activity-tracker users --role student")
    p.add_argument("--student", type=int, required=True, metavar="ID", help="student id (see: users --role student)")
    p.add_argument("--out", required=True, metavar="FILE.pdf", help="file to write")
    _sign_in_options(p, json_help="print a JSON object (student_id, path) instead of a line")

    p = _command(sub, "letters", "write letters to the parents of an activity's students (one PDF)",
                 "Write a printable letter to the parents or carers of each student enrolled in an activity "
                 "(or only those in one standing): the school's letterhead, the date, progress, attendance, "
                 "the standing and why, the milestones still needed, your note, signed with the lead "
                 "teacher's name. One combined PDF, each letter on its own pages.",
                 "activity-tracker letters --db school.db --activity 3 --standing at-risk --out letters.pdf",
                 notes=SIGN_IN.replace("lists only\nwhat that person may see", "may only do\nwhat that person may do")
                 + "\n\nActivity ids: activity-tracker activities")
    p.add_argument("--activity", type=int, required=True, metavar="ID", help="activity id (see: activities)")
    p.add_argument("--standing", choices=("at-risk", "behind", "on-track", "completed"), default=None,
                   help="only the students in this standing (default: every enrolled student)")
    p.add_argument("--out", required=True, metavar="FILE.pdf", help="file to write")
    p.add_argument("--note", default="", metavar="TEXT", help="the teacher's note, printed in every letter")
    p.add_argument("--paper", choices=("A4", "Letter"), default="A4", help="paper size (default: A4)")
    _sign_in_options(p, json_help="print a JSON object (activity_id, path, letters, students) instead of a line")

    p = _command(sub, "export", "export records: a workbook, CSV files, a PDF report or the year's archive",
                 "Export one activity's records, or the whole school's (a teacher: the activities they lead), "
                 "for the registrar: xlsx (sheets Progress, Attendance, Milestones, Skills, Badges, "
                 "Certificates, About), csv (one file per table into a folder, or a zip when PATH ends in "
                 ".zip), pdf (one activity's report, or with --student one student's progress report) or archive (one zip with the workbook, the CSVs, every "
                 "certificate, records.json and a manifest of checksums; see docs/records.md). --from/--to "
                 "narrow sessions, ticks, assessments, awards and certificates to those days. A progress "
                 "bar shows on a terminal; the file appears only once written whole.",
                 "activity-tracker export --db school.db --school --format xlsx --out records.xlsx",
                 "activity-tracker export --activity 3 --format archive --out chess-2026.zip --from 2025-09-01",
                 "activity-tracker export --student 41 --format pdf --out nora-progress.pdf",
                 notes=SIGN_IN.replace("lists only\nwhat that person may see", "exports only\nwhat that person "
                                       "may see") + "\n\nActivity ids: activity-tracker activities")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--activity", type=int, default=None, metavar="ID", help="one activity (see: activities)")
    which.add_argument("--school", action="store_true", help="every activity you may see")
    which.add_argument("--student", type=int, default=None, metavar="ID",
                       help="--format pdf: one student's progress report (see: users --role student)")
    p.add_argument("--format", required=True, choices=("xlsx", "csv", "pdf", "archive"), help="what to write")
    p.add_argument("--out", required=True, metavar="PATH", help="file (or folder, for csv) to write")
    p.add_argument("--from", dest="start", type=_iso_date, default=None, metavar="YYYY-MM-DD",
                   help="only records from this day")
    p.add_argument("--to", dest="end", type=_iso_date, default=None, metavar="YYYY-MM-DD",
                   help="only records up to this day")
    p.add_argument("--no-bom", action="store_true", help="csv: UTF-8 without the byte-order mark Excel wants")
    _sign_in_options(p, json_help=argparse.SUPPRESS)

    p = _command(sub, "outbox", "show the e-mail outbox; with --send, send what is due now",
                 "List the e-mail outbox, newest first, one message a line: id, status (queued, digest = "
                 "waiting for the daily digest, sending, sent, failed), recipient, subject, attempts, next try, "
                 "last error.\n\nWith --send, first send every message that is due now through the school's "
                 "SMTP server and print a summary line; exit 0 when everything due went, 1 otherwise (the "
                 "messages stay queued and are retried with back-off).",
                 "activity-tracker outbox --db school.db",
                 "activity-tracker outbox --db school.db --send",
                 notes=AS_ADMIN + "\n\nThe SMTP server is set in Settings ▸ E-mail (docs/email.md).")
    p.add_argument("--send", action="store_true", help="send the messages that are due now, then list")
    p.add_argument("--resend", type=int, action="append", default=[], metavar="ID",
                   help="queue this failed message again (repeatable), e.g. one that may not have arrived")
    p.add_argument("--limit", type=int, default=50, metavar="N", help="list at most N messages (default 50)")
    p.add_argument("--json", action="store_true", help="print a JSON array of objects instead of lines")

    p = _command(sub, "badges", "list the badges with their ids and how many hold each",
                 "List the badges, one a line: id, name, activity (or school-wide), what earns it, points, "
                 "how many students hold it (revoked awards not counted). Archived badges are left out.\n\n"
                 "With --student, that student's awards instead: award id, badge, date, activity, who awarded "
                 "it (the rules or a person), revoked ones marked. The award ids are what badge-png takes.",
                 "activity-tracker badges --db school.db",
                 "activity-tracker badges --db school.db --activity 3 --json",
                 "activity-tracker badges --db school.db --student 42",
                 notes=SIGN_IN)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--activity", type=int, default=None, metavar="ID",
                       help="only this activity's badges and the school-wide ones (see: activities)")
    which.add_argument("--student", type=int, default=None, metavar="ID",
                       help="this student's awards, with their ids (see: users --role student)")
    _sign_in_options(p)

    p = _command(sub, "badge-png", "save a student's badge as an Open Badges 3.0 PNG (and SVG)",
                 "Write one award as a PNG baked with its Open Badges 3.0 credential (a JWT signed with the "
                 "school's key, whose did:key any verifier resolves offline); with --svg, also as a baked "
                 "SVG. The student is named in the credential only by a salted hash. A revoked award is "
                 "refused.",
                 "activity-tracker badge-png --db school.db --award 17 --out robot-builder.png",
                 "activity-tracker badge-png --award 17 --out badge.png --svg badge.svg",
                 notes=SIGN_IN.replace("lists only\nwhat that person may see", "may only save\nwhat that person "
                                       "may see (their own badges, a child's, or a student they teach)")
                 + "\n\nAward ids: activity-tracker badges --student ID")
    p.add_argument("--award", type=int, required=True, metavar="ID", help="the award's id")
    p.add_argument("--out", required=True, metavar="FILE.png", help="PNG file to write")
    p.add_argument("--svg", default=None, metavar="FILE.svg", help="also write the baked SVG here")
    _sign_in_options(p, json_help="print a JSON object (award_id, badge, paths) instead of a line")

    p = _command(sub, "screenshot", "render a view as a user, offscreen, to a PNG file",
                 "Render one view of the application as a user would see it, without a display, to a PNG "
                 "file.",
                 "activity-tracker screenshot --db school.db --user admin --view dashboard --out shot.png",
                 notes="activity-tracker screenshot --list-views lists the views.")
    p.add_argument("--user", help="username to render as")
    p.add_argument("--password", default=None, help="password (default: the demo password)")
    p.add_argument("--view", default="dashboard", help="view name (see --list-views)")
    p.add_argument("--out", help="PNG file to write")
    p.add_argument("--size", default="1280x800", help="window size WxH (default 1280x800)")
    p.add_argument("--list-views", action="store_true", help="list the views and exit")
    return parser


__all__ = ["DEMO_PASSWORD", "build_parser"]

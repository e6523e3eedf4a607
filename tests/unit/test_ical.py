"""iCalendar export and import (RFC 5545), and the export-ics / import-ics commands."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import icalendar
import ics
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tracker import cli
from tracker.db.models import Activity, ActivitySession
from tracker.db.uow import read_only
from tracker.errors import PermissionDenied, ValidationError
from tracker.services.calendar import ScheduleInput

DATA = Path(__file__).resolve().parent.parent / "data" / "ics"
LONDON = "Europe/London"


def weekly(days=(0, 2), start="15:30", end="16:30", first=date(2026, 3, 2), last=date(2026, 4, 8), location="Room 12"):
    return ScheduleInput(list(days), time.fromisoformat(start), time.fromisoformat(end), first, last, location)


def times(services, actor, activity_id, *, include_cancelled=False):
    return [(s.starts_at, s.ends_at) for s in services.calendar.list_sessions(actor, activity_id)
            if include_cancelled or not s.cancelled]


@pytest.fixture
def busy_chess(school):
    """Chess with a pattern across the UK clock change, a holiday, a cancellation, a moved
    session and an extra one-off session."""
    cal = school.services.calendar
    cal.add_holiday(school.admin, date(2026, 3, 11), "Inset day")
    cal.add_schedule(school.teacher, school.chess, weekly())
    cal.add_schedule(school.teacher, school.chess, weekly(days=(4,), start="07:45", end="08:30", location="Hall"))
    sessions = cal.list_sessions(school.teacher, school.chess)
    mondays = [s for s in sessions if s.starts_at.weekday() == 0]
    cal.cancel_session(school.teacher, mondays[1].id, "Trip")
    cal.move_session(school.teacher, mondays[2].id, datetime(2026, 3, 17, 12, 0), datetime(2026, 3, 17, 13, 0),
                     location="Library")
    cal.add_extra_session(school.teacher, school.chess, datetime(2026, 3, 21, 10), datetime(2026, 3, 21, 14),
                          "Town hall", "Tournament")
    return school


def test_export_is_one_recurring_event_per_pattern_with_exdates_and_overrides(busy_chess):
    school = busy_chess
    data = school.services.ical.export_ics(school.teacher, school.chess, tz=LONDON)
    cal = icalendar.Calendar.from_ical(data)
    events = list(cal.walk("VEVENT"))
    recurring = [e for e in events if e.get("RRULE") is not None]
    overrides = [e for e in events if e.get("RECURRENCE-ID") is not None]
    plain = [e for e in events if e.get("RRULE") is None and e.get("RECURRENCE-ID") is None]
    assert len(recurring) == 2 and len(overrides) == 1 and len(plain) == 1
    mon_wed = next(e for e in recurring if "MO" in e["RRULE"]["BYDAY"])
    assert mon_wed["RRULE"]["FREQ"] == ["WEEKLY"] and mon_wed["RRULE"]["BYDAY"] == ["MO", "WE"]
    assert mon_wed["RRULE"]["UNTIL"][0] == datetime(2026, 4, 8, 14, 30, tzinfo=mon_wed["RRULE"]["UNTIL"][0].tzinfo)
    assert mon_wed["DTSTART"].params["TZID"] == LONDON
    exdates = sorted(d.dt.replace(tzinfo=None) for ex in _list(mon_wed["EXDATE"]) for d in ex.dts)
    assert exdates == [datetime(2026, 3, 9, 15, 30), datetime(2026, 3, 11, 15, 30)]  # cancelled, holiday
    assert overrides[0]["UID"] == mon_wed["UID"]
    assert overrides[0]["RECURRENCE-ID"].dt.replace(tzinfo=None) == datetime(2026, 3, 16, 15, 30)
    assert overrides[0]["DTSTART"].dt.replace(tzinfo=None) == datetime(2026, 3, 17, 12, 0)
    assert str(overrides[0]["LOCATION"]) == "Library"
    assert plain[0]["DTSTART"].dt.replace(tzinfo=None) == datetime(2026, 3, 21, 10, 0)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == [LONDON]
    assert {str(e["SUMMARY"]) for e in events} == {"Chess Club"}


def _list(value):
    return value if isinstance(value, list) else [value]


def test_uids_are_stable_across_exports(busy_chess):
    school = busy_chess
    uids = [sorted(str(e["UID"]) for e in icalendar.Calendar.from_ical(
        school.services.ical.export_ics(school.admin, school.chess, tz=LONDON)).walk("VEVENT")) for _ in range(2)]
    assert uids[0] == uids[1]
    assert all(u.endswith("@activity-tracker") for u in uids[0])


def test_round_trip_export_then_import_into_a_new_activity_gives_the_same_sessions(busy_chess):
    school = busy_chess
    s = school.services
    data = s.ical.export_ics(school.teacher, school.chess, tz=LONDON)
    result = s.ical.import_ics(school.admin, data, new_activity_name="Chess (copy)", tz=LONDON)
    assert result.created_activity and result.unchanged == 0
    original = times(s, school.admin, school.chess)
    assert times(s, school.admin, result.activity_id) == original
    assert result.added == len(original)
    copy = s.activities.get_activity(school.admin, result.activity_id)
    assert copy.name == "Chess (copy)"
    assert (copy.start_date, copy.end_date) == (original[0][0].date(), original[-1][0].date())


def test_round_trip_keeps_wall_time_in_new_york_across_the_clock_change(school):
    s = school.services
    s.calendar.add_schedule(school.teacher, school.chess, weekly(days=(3,), first=date(2026, 10, 22),
                                                                 last=date(2026, 11, 12)))
    data = s.ical.export_ics(school.teacher, school.chess, tz="America/New_York")
    result = s.ical.import_ics(school.admin, data, new_activity_name="Copy", tz="America/New_York")
    assert times(s, school.admin, result.activity_id) == times(s, school.admin, school.chess)
    assert {a.time() for a, _ in times(s, school.admin, result.activity_id)} == {time(15, 30)}


def test_reimporting_the_same_file_adds_nothing(busy_chess):
    school = busy_chess
    s = school.services
    data = s.ical.export_ics(school.teacher, school.chess, tz=LONDON)
    again = s.ical.import_ics(school.teacher, data, activity_id=school.chess, tz=LONDON)
    assert again.added == 0 and again.unchanged == len(times(s, school.admin, school.chess))


def test_the_independent_ics_parser_reads_our_export(busy_chess):
    school = busy_chess
    text = school.services.ical.export_ics(school.teacher, school.chess, tz=LONDON).decode()
    parsed = ics.Calendar(text)
    names = {e.name for e in parsed.events}
    assert names == {"Chess Club"}
    assert len(parsed.events) >= 3  # two recurring patterns (+ override) and the one-off
    one_off = [e for e in parsed.events if e.location == "Town hall"]
    assert len(one_off) == 1 and one_off[0].begin.datetime.hour == 10


def test_an_outlook_file_with_windows_zone_names(school):
    s = school.services
    result = s.ical.import_ics(school.teacher, DATA / "outlook_windows_tz.ics", activity_id=school.chess,
                               tz="Europe/Berlin")
    got = times(s, school.teacher, school.chess)
    assert result.added == 6 and result.skipped == 1  # the all-day entry is not a session
    lab = [(a, b) for a, b in got if a.weekday() == 1]
    # "W. Europe Standard Time" is Berlin: 16:00 stays 16:00 after the clocks change on 29 March
    assert lab == [(datetime(2026, 3, d, 16, 0), datetime(2026, 3, d, 17, 30)) for d in (10, 17, 24, 31)] + \
        [(datetime(2026, 4, 7, 16, 0), datetime(2026, 4, 7, 17, 30))]
    # 10:00 "Eastern Standard Time" on 12 March (New York already on summer time) is 15:00 in Berlin
    assert (datetime(2026, 3, 12, 15, 0), datetime(2026, 3, 12, 16, 0)) in got


def test_a_google_file_with_utc_times_exdate_and_a_moved_occurrence(school):
    s = school.services
    result = s.ical.import_ics(school.admin, DATA / "google_utc.ics", new_activity_name="Debate Society",
                               tz="America/New_York")
    sessions = s.calendar.list_sessions(school.admin, result.activity_id)
    got = [(x.starts_at, x.location) for x in sessions]
    assert got == [
        (datetime(2026, 1, 5, 15, 30), "Room 14"),
        (datetime(2026, 1, 12, 15, 30), "Room 14"),
        # 19 January is an EXDATE; 26 January was moved an hour later to the library
        (datetime(2026, 1, 26, 16, 30), "Library"),
        (datetime(2026, 2, 2, 15, 30), "Room 14"),
        # the spring series is in the New York zone: 15:30 before and after 8 March; RDATE adds 26 March
        (datetime(2026, 3, 2, 15, 30), "Room 14"),
        (datetime(2026, 3, 9, 15, 30), "Room 14"),
        (datetime(2026, 3, 23, 15, 30), "Room 14"),
        (datetime(2026, 3, 26, 15, 30), "Room 14"),
    ]
    assert result.skipped == 1  # the cancelled event


def test_a_date_range_limits_the_import(school):
    s = school.services
    result = s.ical.import_ics(school.admin, DATA / "google_utc.ics", activity_id=school.chess,
                               start=date(2026, 3, 1), end=date(2026, 3, 10), tz="America/New_York")
    assert result.added == 2


def test_a_broken_file_names_the_file_and_line_and_writes_nothing(school):
    s = school.services
    with pytest.raises(ValidationError) as err:
        s.ical.import_ics(school.admin, DATA / "broken_dtstart.ics", new_activity_name="Broken")
    text = str(err.value)
    assert "broken_dtstart.ics" in text and "line 10" in text and "DTSTART" in text
    with read_only(s.db) as session:
        assert session.scalar(select(func.count(Activity.id)).where(Activity.name == "Broken")) == 0
        assert session.scalar(select(func.count(ActivitySession.id))) == 0


@pytest.mark.parametrize("content", [b"", b"hello world", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n",
                                     b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n"
                                     b"DTSTART;TZID=Mars/Olympus:20260101T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"])
def test_garbage_is_a_validation_error(school, content):
    with pytest.raises(ValidationError, match="junk.ics"):
        school.services.ical.import_ics(school.admin, content, activity_id=school.chess, file_name="junk.ics")
    assert school.services.calendar.list_sessions(school.admin, school.chess) == []


def test_import_permissions(school):
    s = school.services
    data = (DATA / "google_utc.ics").read_bytes()
    with pytest.raises(PermissionDenied):
        s.ical.import_ics(school.other_teacher, data, activity_id=school.chess)
    with pytest.raises(PermissionDenied):
        s.ical.import_ics(school.teacher, data, new_activity_name="Teacher's own")
    with pytest.raises(PermissionDenied):
        s.ical.import_ics(school.student, data, activity_id=school.chess)
    with pytest.raises(PermissionDenied):
        s.ical.export_ics(school.other_teacher, school.chess)
    assert s.ical.export_ics(school.parent, school.chess).startswith(b"BEGIN:VCALENDAR")


def test_cli_export_and_import(busy_chess, db_path, capsys, tmp_path):
    school = busy_chess
    out = tmp_path / "chess.ics"
    assert cli.main(["--db", str(db_path), "export-ics", "--activity", str(school.chess), "--out", str(out),
                     "--tz", LONDON]) == 0
    assert "Wrote" in capsys.readouterr().out
    assert out.read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert cli.main(["import-ics", str(out), "--new-activity", "Chess copy", "--db", str(db_path),
                     "--tz", LONDON]) == 0
    printed = capsys.readouterr().out
    assert "new activity 'Chess copy'" in printed and "sessions added, 0 unchanged" in printed
    assert cli.main(["import-ics", str(out), "--activity", str(school.chess), "--db", str(db_path),
                     "--tz", LONDON]) == 0
    assert "0 sessions added" in capsys.readouterr().out


def test_cli_import_errors_exit_non_zero(school, db_path, capsys):
    code = cli.main(["import-ics", str(DATA / "broken_dtstart.ics"), "--activity", str(school.chess),
                     "--db", str(db_path)])
    assert code == 1
    assert "broken_dtstart.ics" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["import-ics", str(DATA / "google_utc.ics"), "--db", str(db_path)])  # needs a target


def test_the_school_zone_defaults_to_tracker_tz(school, monkeypatch):
    monkeypatch.setenv("TRACKER_TZ", "Europe/Paris")
    school.services.calendar.add_schedule(school.teacher, school.chess, weekly())
    cal = icalendar.Calendar.from_ical(school.services.ical.export_ics(school.teacher, school.chess))
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    with pytest.raises(ValidationError, match="Unknown time zone"):
        school.services.ical.export_ics(school.teacher, school.chess, tz="Atlantis/Capital")


SAMPLE_LINES = (DATA / "google_utc.ics").read_text().splitlines() + \
    (DATA / "outlook_windows_tz.ics").read_text().splitlines()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(
    st.sampled_from(SAMPLE_LINES),
    st.sampled_from(["DTSTART:2026", "RRULE:FREQ=WEEKLY;BYDAY=XX", "EXDATE:garbage", "DTEND;TZID=Nowhere:20260101T1000",
                     "RECURRENCE-ID:20260126T203000Z", "BEGIN:VEVENT", "END:VEVENT", "DURATION:PT1H", ":", "",
                     "RRULE:FREQ=DAILY;COUNT=5", "DTSTART;VALUE=DATE:20260301"]),
    st.text(max_size=30)), max_size=60))
def test_any_ics_text_imports_or_fails_cleanly(lines):
    from zoneinfo import ZoneInfo

    from tracker.services.ical import parse_ics

    text = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", *lines, "END:VCALENDAR"]).encode("utf-8", "replace")
    try:
        parsed = parse_ics(text, "fuzz.ics", ZoneInfo("Europe/London"), date(2026, 1, 1), date(2026, 6, 30))
    except ValidationError as exc:
        assert "fuzz.ics" in str(exc)
    else:
        for s in parsed.sessions:
            assert s.ends_at > s.starts_at and s.starts_at.tzinfo is None


def test_names_with_line_breaks_are_refused_and_stored_ones_still_export(school):
    from tracker.db.uow import unit_of_work
    from tracker.services.activities import ActivityInput

    s = school.services
    for bad in ("Chess\nClub", "Chess\tClub", "Chess\x00Club", "Chess\u2028Club"):
        with pytest.raises(ValidationError) as err:
            s.activities.create_activity(school.admin, ActivityInput(bad, lead_ids=[school.teacher.id]))
        assert "one line of text" in str(err.value)
    with pytest.raises(ValidationError, match="one line"):
        s.milestones.create_milestone(school.teacher, school.chess, title="Step\none")
    # a name stored before the check existed (or by another program) is exported, on one line
    with unit_of_work(s.db) as tx:
        tx.session.get(Activity, school.chess).name = "Chess\r\nClub"
    s.calendar.add_schedule(school.admin, school.chess,
                            ScheduleInput([0], time(15), time(16), date(2026, 3, 2), date(2026, 3, 30)))
    data = s.ical.export_ics(school.teacher, school.chess)
    cal = icalendar.Calendar.from_ical(data)
    assert str(cal["X-WR-CALNAME"]) == "Chess Club"
    assert {str(e["SUMMARY"]) for e in cal.walk("VEVENT")} == {"Chess Club"}

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
    got = [(x.starts_at, x.location) for x in sessions if not x.cancelled]
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
    # both series are weekly patterns; their EXDATEs are cancelled dates, the RDATE an extra session
    assert result.patterns == 2 and result.cancelled == 2
    assert [x.starts_at for x in sessions if x.cancelled] == [datetime(2026, 1, 19, 15, 30),
                                                              datetime(2026, 3, 16, 15, 30)]
    moved = next(x for x in sessions if x.location == "Library")
    assert moved.moved and moved.original_starts_at == datetime(2026, 1, 26, 15, 30)
    assert [x.extra for x in sessions if x.starts_at.date() == date(2026, 3, 26)] == [True]


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


# --------------------------------------------------------------------------- recurring events become patterns

ROBOTICS = DATA / "robotics_weekly.ics"  # Tue/Thu 15:45, 8 Sep - 15 Oct 2026, one EXDATE, one moved, one one-off


def test_a_recurring_event_becomes_a_weekly_pattern_with_its_exceptions(school):
    s = school.services
    result = s.ical.import_ics(school.admin, ROBOTICS, new_activity_name="Robotics", tz=LONDON)
    assert (result.patterns, result.cancelled, result.added) == (1, 1, 12)  # 11 of the pattern + the open evening
    (pattern,) = s.calendar.list_schedules(school.admin, result.activity_id)
    assert pattern.weekdays == (1, 3) and (pattern.start_time, pattern.end_time) == (time(15, 45), time(17, 0))
    assert (pattern.start_date, pattern.end_date, pattern.location) == (date(2026, 9, 8), date(2026, 10, 15), "Lab 2")
    sessions = s.calendar.list_sessions(school.admin, result.activity_id)
    assert [x.starts_at for x in sessions if x.cancelled] == [datetime(2026, 9, 24, 15, 45)]  # the EXDATE
    moved = next(x for x in sessions if x.moved)
    assert (moved.starts_at, moved.ends_at, moved.location) == (datetime(2026, 10, 2, 12), datetime(2026, 10, 2, 13),
                                                                "Library")
    assert moved.original_starts_at == datetime(2026, 10, 1, 15, 45) and moved.schedule_id == pattern.id
    (one_off,) = [x for x in sessions if x.extra]
    assert (one_off.starts_at, one_off.location) == (datetime(2026, 10, 10, 18), "Hall")
    # the pattern is editable like one made by hand: a new end date regenerates, keeping the exceptions
    s.calendar.update_schedule(school.admin, pattern.id, weekly(days=(1, 3), start="15:45", end="17:00",
                                                                first=date(2026, 9, 8), last=date(2026, 10, 8),
                                                                location="Lab 2"))
    again = s.calendar.list_sessions(school.admin, result.activity_id)
    assert sum(x.cancelled for x in again) == 1 and sum(x.moved for x in again) == 1
    assert max(x.starts_at for x in again if not x.extra) == datetime(2026, 10, 8, 15, 45)


def test_reexporting_an_imported_series_gives_one_recurring_event(school):
    s = school.services
    result = s.ical.import_ics(school.admin, ROBOTICS, new_activity_name="Robotics", tz=LONDON)
    events = list(icalendar.Calendar.from_ical(s.ical.export_ics(school.admin, result.activity_id, tz=LONDON))
                  .walk("VEVENT"))
    recurring = [e for e in events if e.get("RRULE") is not None]
    overrides = [e for e in events if e.get("RECURRENCE-ID") is not None]
    assert len(recurring) == 1 and len(overrides) == 1 and len(events) == 3  # + the open evening
    assert recurring[0]["RRULE"]["BYDAY"] == ["TU", "TH"]
    assert [d.dt.replace(tzinfo=None) for ex in _list(recurring[0]["EXDATE"]) for d in ex.dts] == \
        [datetime(2026, 9, 24, 15, 45)]
    assert overrides[0]["RECURRENCE-ID"].dt.replace(tzinfo=None) == datetime(2026, 10, 1, 15, 45)


def test_importing_a_series_twice_adds_nothing(school):
    s = school.services
    first = s.ical.import_ics(school.teacher, ROBOTICS, activity_id=school.chess, tz=LONDON)
    again = s.ical.import_ics(school.teacher, ROBOTICS, activity_id=school.chess, tz=LONDON)
    assert first.patterns == 1 and (again.added, again.patterns, again.unchanged) == (0, 0, 12)
    assert len(s.calendar.list_schedules(school.teacher, school.chess)) == 1


def test_a_series_that_is_not_a_weekly_pattern_stays_single_sessions(school):
    s = school.services
    text = ROBOTICS.read_bytes().replace(b"FREQ=WEEKLY;WKST=MO;", b"FREQ=WEEKLY;INTERVAL=2;WKST=MO;")
    result = s.ical.import_ics(school.teacher, text, activity_id=school.chess, tz=LONDON, file_name="fortnightly.ics")
    assert result.patterns == 0 and s.calendar.list_schedules(school.teacher, school.chess) == []
    sessions = s.calendar.list_sessions(school.teacher, school.chess)
    assert all(x.extra and not x.cancelled for x in sessions) and len(sessions) == result.added == 7


def test_a_series_whose_meetings_exist_already_is_matched_not_doubled(school):
    """An activity imported before recurring events became patterns keeps its sessions."""
    s = school.services
    s.calendar.add_extra_session(school.teacher, school.chess, datetime(2026, 9, 8, 15, 45),
                                 datetime(2026, 9, 8, 17, 0))
    result = s.ical.import_ics(school.teacher, ROBOTICS, activity_id=school.chess, tz=LONDON)
    assert result.patterns == 0 and (result.added, result.unchanged) == (11, 1)


def test_meetings_of_a_series_on_a_school_holiday_are_left_out_and_counted(school):
    s = school.services
    s.calendar.add_holiday(school.admin, date(2026, 9, 15), "Inset day")
    result = s.ical.import_ics(school.teacher, ROBOTICS, activity_id=school.chess, tz=LONDON)
    assert (result.patterns, result.on_holidays, result.added) == (1, 1, 11)
    assert "1 meeting on school holidays left out" in result.summary()
    assert date(2026, 9, 15) not in {x.starts_at.date() for x in s.calendar.list_sessions(school.admin, school.chess)}


# --------------------------------------------------------------------------- all-day events

OUTLOOK = DATA / "outlook_windows_tz.ics"  # 6 timed meetings and one all-day competition on 20 March
HOLIDAYS = DATA / "district_holidays.ics"  # 17 closed days in five all-day events, and a board meeting


def test_all_day_events_are_listed_and_skipped_by_default(school):
    result = school.services.ical.import_ics(school.teacher, OUTLOOK, activity_id=school.chess, tz="Europe/Berlin")
    assert result.all_day_skipped == 1 and result.all_day_added == 0
    assert [e.describe() for e in result.all_day] == ["Fri 20 Mar 2026: Robotics competition day (all day)"]
    preview = school.services.ical.preview_ics(school.teacher, OUTLOOK, school.chess, tz="Europe/Berlin")
    assert (preview.meetings, preview.patterns, len(preview.all_day)) == (6, 1, 1)
    with pytest.raises(PermissionDenied):
        school.services.ical.preview_ics(school.other_teacher, OUTLOOK, school.chess)
    with pytest.raises(PermissionDenied):
        school.services.ical.preview_ics(school.teacher, OUTLOOK)  # a new activity: administrators


def test_all_day_events_can_be_added_at_a_chosen_time(school):
    s = school.services
    result = s.ical.import_ics(school.teacher, OUTLOOK, activity_id=school.chess, tz="Europe/Berlin",
                               all_day_at=time(9, 0), all_day_ends=time(15, 0))
    assert (result.added, result.all_day_added, result.skipped) == (7, 1, 0)
    assert (datetime(2026, 3, 20, 9), datetime(2026, 3, 20, 15)) in times(s, school.teacher, school.chess)
    again = s.ical.import_ics(school.teacher, OUTLOOK, activity_id=school.chess, tz="Europe/Berlin",
                              all_day_at=time(9, 0))
    assert again.added == 0 and again.unchanged == 7


def test_a_file_of_only_all_day_events_does_not_make_an_empty_activity(school):
    with pytest.raises(ValidationError, match="only 6 all-day events.*school holidays"):
        school.services.ical.import_ics(school.admin, HOLIDAYS.read_bytes().replace(
            b"DTSTART;TZID=America/New_York:20261210T190000", b"DTSTART;VALUE=DATE:20261210").replace(
            b"DTEND;TZID=America/New_York:20261210T210000", b"DTEND;VALUE=DATE:20261211"),
            new_activity_name="District", file_name="district.ics")
    result = school.services.ical.import_ics(school.admin, HOLIDAYS, new_activity_name="Board", tz=LONDON,
                                             all_day_at=time(8))
    assert result.added == 1 + 17  # the board meeting and a session on each closed day


def test_a_holiday_calendar_becomes_the_school_holidays(school):
    s = school.services
    s.calendar.add_schedule(school.teacher, school.chess, weekly(days=(3,), first=date(2026, 11, 2),
                                                                 last=date(2026, 12, 17)))
    s.calendar.add_holiday(school.admin, date(2026, 12, 24), "Christmas Eve")
    preview = s.ical.preview_holidays(school.admin, HOLIDAYS)
    assert len(preview.days) == 17 and len(preview.new) == 16 and preview.timed == 1 and preview.added == 0
    result = s.ical.import_holidays(school.admin, HOLIDAYS)
    assert (result.added, result.sessions_removed) == (16, 1)  # Thursday 26 November's session went
    holidays = {h.day: h.name for h in s.calendar.list_holidays(school.admin)}
    assert holidays[date(2026, 11, 26)] == "Thanksgiving break" and holidays[date(2027, 1, 1)] == "Winter break"
    assert holidays[date(2026, 12, 24)] == "Christmas Eve"  # a day already a holiday keeps its name
    assert holidays[date(2027, 10, 15)] == "Founders' Day"  # the yearly event, both years
    assert date(2026, 11, 26) not in {x.starts_at.date() for x in s.calendar.list_sessions(school.admin, school.chess)}
    assert result.summary() == ("district_holidays.ics: 16 holidays added, 1 already holidays; 1 session on those days "
                                "removed; 1 timed meeting ignored (not holidays).")
    assert s.ical.import_holidays(school.admin, HOLIDAYS).added == 0


def test_only_administrators_import_holidays_and_a_file_without_all_day_events_is_refused(school):
    with pytest.raises(PermissionDenied):
        school.services.ical.import_holidays(school.teacher, HOLIDAYS)
    with pytest.raises(PermissionDenied):
        school.services.ical.preview_holidays(school.teacher, HOLIDAYS)
    with pytest.raises(ValidationError, match="holds no all-day events"):
        school.services.ical.import_holidays(school.admin, ROBOTICS)
    assert school.services.calendar.list_holidays(school.admin) == []


def test_cli_import_ics_lists_skipped_all_day_events_and_imports_holidays(school, db_path, capsys):
    assert cli.main(["import-ics", str(OUTLOOK), "--activity", str(school.chess), "--db", str(db_path),
                     "--tz", "Europe/Berlin"]) == 0
    out = capsys.readouterr().out
    assert "6 sessions added, 0 unchanged, 1 skipped (all-day or cancelled); 1 weekly pattern" in out
    assert ("1 all-day event skipped (add them as sessions with --all-day-at HH:MM, or import the file as school "
            "holidays with --holidays):\n  Fri 20 Mar 2026: Robotics competition day (all day)\n") in out
    assert cli.main(["import-ics", str(OUTLOOK), "--activity", str(school.chess), "--db", str(db_path),
                     "--tz", "Europe/Berlin", "--all-day-at", "09:30"]) == 0
    out = capsys.readouterr().out
    assert "1 sessions added, 6 unchanged" not in out and "1 session added, 6 unchanged" in out
    assert "all-day event skipped" not in out
    assert (datetime(2026, 3, 20, 9, 30), datetime(2026, 3, 20, 10, 30)) in times(
        school.services, school.admin, school.chess)
    assert cli.main(["import-ics", str(HOLIDAYS), "--holidays", "--db", str(db_path)]) == 0
    assert capsys.readouterr().out.startswith("district_holidays.ics: 17 holidays added, 0 already holidays")
    assert cli.main(["import-ics", str(HOLIDAYS), "--holidays", "--all-day-at", "09:00", "--db", str(db_path)]) == 2
    assert "--all-day-at is for an activity's import" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        cli.main(["import-ics", str(OUTLOOK), "--activity", "1", "--all-day-at", "9 o'clock", "--db", str(db_path)])
    assert exc.value.code == 2 and "not a time like 15:30" in capsys.readouterr().err

"""Pasting tab-separated text from a spreadsheet into the attendance grid: all or nothing."""

from __future__ import annotations

from array import array
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.errors import ValidationError
from tracker.services.attendance import (
    NO_MARK,
    NOT_APPLICABLE,
    AttendanceGrid,
    SessionRef,
    StatusInfo,
    StudentRef,
    parse_paste,
)

STATUSES = (
    StatusInfo(11, "P", "Present", "#009E73", True, True, 0, True),
    StatusInfo(12, "L", "Late", "#E69F00", True, True, 1, True),
    StatusInfo(13, "E", "Excused", "#56B4E9", False, False, 2, True),
    StatusInfo(14, "A", "Absent", "#D55E00", False, True, 3, True),
    StatusInfo(15, "X", "Old code", "#888888", False, True, 4, False),
)


def make_grid(cells: list[int]) -> AttendanceGrid:
    """A grid of len(cells) // 3 students × 3 sessions."""
    n_sessions = 3
    rows = len(cells) // n_sessions
    students = tuple(StudentRef(100 + i, f"Student {i}", "7", "7A", None, None, "active")
                     for i in range(rows))
    start = datetime(2026, 3, 2, 15, 30)
    sessions = tuple(SessionRef(200 + j, 1, start + timedelta(days=7 * j), start + timedelta(days=7 * j, hours=1),
                                "Hall", False, "") for j in range(n_sessions))
    versions = array("i", [1 if c >= 0 else 0 for c in cells])
    return AttendanceGrid(1, "Club", STATUSES, students, sessions, array("b", cells), versions,
                          array("b", [0] * len(cells)))


GRID = make_grid([NO_MARK, 0, NOT_APPLICABLE,
                  3, NO_MARK, NO_MARK,
                  NO_MARK, NO_MARK, NO_MARK])


def test_codes_and_labels_any_case_from_a_spreadsheet_with_crlf():
    changes = parse_paste(GRID, 0, 0, "p\tpresent\t\r\n late \t\tA\r\n")
    assert [(c.session_id, c.student_id, c.status_id, c.expected_version) for c in changes] == [
        (200, 100, 11, None),  # (0,1) already Present: left out
        (200, 101, 12, 1),
        (202, 101, 14, None),
    ]


def test_every_bad_value_is_reported_with_its_row_and_column_and_nothing_is_returned():
    with pytest.raises(ValidationError) as err:
        parse_paste(GRID, 1, 1, "P\tQ\n\tmaybe\nP\tX\nA")
    where = {(p.row, p.column) for p in err.value.problems}
    assert where == {(1, "2"), (2, "2"), (3, "1"), (3, "2"), (4, "1")}  # Q, maybe, retired X, outside
    assert "nothing was changed" in str(err.value)


def test_not_applicable_cells_are_refused():
    with pytest.raises(ValidationError) as err:
        parse_paste(GRID, 0, 2, "P")
    assert err.value.problems[0].row == 1 and err.value.problems[0].column == "1"
    assert "cannot be marked" in err.value.problems[0].message


def test_empty_cells_leave_the_grid_unchanged_and_empty_text_changes_nothing():
    assert parse_paste(GRID, 0, 0, "") == []
    assert parse_paste(GRID, 0, 0, "\t\t\n\t\t\n") == []
    assert parse_paste(GRID, 2, 2, "\t\t\t\n\t\n") == []  # blanks may hang over the edge


cell_values = st.sampled_from([NO_MARK, NOT_APPLICABLE, 0, 1, 2, 3, 4])
token = st.sampled_from(["", " ", "P", "p", "L", "present", " Absent ", "EXCUSED", "late", "x", "Q",
                         "old code", "1", "?"])


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(cell_values, min_size=3, max_size=18).map(lambda c: c[: len(c) // 3 * 3]),
       top=st.integers(-1, 6), left=st.integers(-1, 4),
       block=st.lists(st.lists(token, min_size=1, max_size=4), min_size=1, max_size=5),
       newline=st.sampled_from(["\n", "\r\n"]), trailing=st.booleans())
def test_paste_is_either_refused_whole_or_every_change_lands_inside_the_grid(
        cells, top, left, block, newline, trailing):
    grid = make_grid(cells)
    text = newline.join("\t".join(row) for row in block) + (newline if trailing else "")
    try:
        changes = parse_paste(grid, top, left, text)
    except ValidationError as err:
        assert err.problems
        for p in err.problems:
            assert p.row is not None and 1 <= p.row <= len(block)
            assert p.column is not None and 1 <= int(p.column) <= len(block[p.row - 1])
            assert block[p.row - 1][int(p.column) - 1].strip()  # an empty cell is never a problem
        return
    students = {s.id: i for i, s in enumerate(grid.students)}
    sessions = {s.id: j for j, s in enumerate(grid.sessions)}
    by_id = {s.id: s for s in STATUSES}
    for c in changes:
        row, col = students[c.student_id], sessions[c.session_id]
        assert top <= row < top + len(block) and left <= col
        value = grid.cells[grid.index(row, col)]
        assert value != NOT_APPLICABLE
        assert by_id[c.status_id].active
        assert c.expected_version == (grid.versions[grid.index(row, col)] or None)
        typed = block[row - top][col - left].strip()
        assert typed.upper() == by_id[c.status_id].code or typed.casefold() == by_id[c.status_id].label.casefold()
    assert len({(c.session_id, c.student_id) for c in changes}) == len(changes)


def test_dates_in_messages_are_readable():
    with pytest.raises(ValidationError) as err:
        parse_paste(GRID, 0, 2, "A")
    assert date(2026, 3, 16).strftime("%d %b") in err.value.problems[0].message

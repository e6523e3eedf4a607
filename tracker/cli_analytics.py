"""`activity-tracker analytics` as text: the façade's analytics dicts laid out as plain tables.

The text is built from the very dicts ``--json`` prints (``tracker.api``), so both say the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Row = Sequence[object]


def table(headers: Row, rows: Sequence[Row], *, indent: str = "  ") -> list[str]:
    """Columns padded to their widest cell: text left, numbers (and "—") right."""
    cells = [[_cell(v) for v in headers], *[[_cell(v) for v in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    right = [all(_numeric(r[i]) for r in cells[1:]) and bool(rows) for i in range(len(headers))]
    return [indent + "  ".join(c.rjust(w) if right[i] else c.ljust(w)
                               for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip()
            for r in cells]


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _numeric(text: str) -> bool:
    return text == "—" or text.rstrip("%").replace(".", "", 1).lstrip("-").isdigit()


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:g}%"


def _section(title: str, lines: list[str], empty: str) -> list[str]:
    return ["", title, *(lines if len(lines) > 1 else [f"  {empty}"])]


def school_text(a: dict[str, Any]) -> str:
    f = a["filters"]
    narrowed = ", ".join(f"{k} {v}" for k, v in (("from", f["start"]), ("to", f["end"]), ("category", f["category"]),
                                                   ("grade", f["grade"])) if v)
    out = [f"School analytics{f' ({narrowed})' if narrowed else ''}",
           f"Median days to completion: {_cell(a['median_days_to_completion'])}"]
    out += _section("Activities", table(
        ("ID", "Activity", "Category", "Placed", "Completed", "Dropped", "Retained", "Attendance", "Progress",
         "Median days"),
        [(r["activity_id"], r["activity"], r["category"], r["placed"], pct(r["completion_rate"]),
          pct(r["dropout_rate"]), pct(r["retention_rate"]), pct(r["average_attendance_rate"]),
          pct(r["average_progress"]), r["median_days_to_completion"]) for r in a["effectiveness"]]),
        "No activity to show.")
    for key, title in (("by_category", "Participation by category"), ("by_grade", "Participation by grade")):
        out += _section(title, table(("", "Places", "Students"),
                                     [(c["key"], c["places"], c["students"]) for c in a[key]]), "Nobody enrolled.")
    out += _weeks(a["weekly_attendance"])
    out += _section("Drop-out reasons", table(("Reason", "Students"),
                                              [(d["reason"], d["count"]) for d in a["drop_reasons"]]),
                    "Nobody dropped out.")
    return "\n".join(out)


def _weeks(weeks: list[dict[str, Any]]) -> list[str]:
    return _section("Weekly attendance", table(
        ("Week of", "Sessions", "Marks", "Present", "Rate"),
        [(w["week_start"], w["sessions_held"], w["marks"], w["present"], pct(w["rate"])) for w in weeks]),
        "No sessions held yet.")


def activity_text(a: dict[str, Any]) -> str:
    out = [
        f"{a['activity']} (id {a['activity_id']})",
        f"Enrolled {a['enrolled']}: active {a['active']}, completed {a['completed']}, dropped {a['dropped']}; "
        f"waitlisted {a['waitlisted']}",
        f"Completion {pct(a['completion_rate'])}, attendance {pct(a['average_attendance_rate'])}, "
        f"progress {pct(a['average_progress'])}; median days to completion {_cell(a['median_days_to_completion'])}",
        f"At risk {a['at_risk']}, behind {a['behind']}",
    ]
    out += _weeks(a["weekly_attendance"])
    out += _section("Progress of active and completed students", table(
        ("Progress", "Students", "Completed"),
        [(f"{b['low']}–{b['high']}%", b["count"], b["completed"]) for b in a["progress_histogram"]]),
        "Nobody enrolled.")
    out += _section("Milestones in order", table(
        ("Milestone", "Reached", "Stalled here"),
        [(m["title"], m["reached"], m["stalled"]) for m in a["milestone_funnel"]]), "No milestones.")
    out += _section("Standing at the end of each week", table(
        ("Week of", "On track", "Behind", "At risk", "Completed"),
        [(w["week_start"], w["on_track"], w["behind"], w["at_risk"], w["completed"])
         for w in a["standing_over_time"]]), "No weeks yet.")
    out += _section("Participation ratings", table(
        ("Week of", "Average", "Ratings"),
        [(w["week_start"], w["average_rating"], w["ratings"]) for w in a["participation_trend"]]),
        "No ratings given yet.")
    out += _section("Skills: average level at first and latest assessment", table(
        ("Skill", "Students", "First", "Latest"),
        [(k["skill"], k["students"], k["first_level"], k["latest_level"]) for k in a["skills_now_vs_start"]]),
        "No skills assessed yet.")
    out += _section("Drop-out reasons", table(("Reason", "Students"),
                                              [(d["reason"], d["count"]) for d in a["drop_reasons"]]),
                    "Nobody dropped out.")
    return "\n".join(out)

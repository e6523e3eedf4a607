"""The audit log's before → after, in words: only what changed ("Status: active → completed").

A pure function of the two JSON values an audit entry stores, so the Audit page, its CSV export
and the tests all read the same diff.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

EMPTY = "—"
#: how long one value may be in the one-line summary (the details pane shows it whole)
SHORT = 60

_ACTIONS = {
    "create": "Created", "update": "Changed", "delete": "Deleted", "activate": "Reactivated",
    "deactivate": "Deactivated", "enroll": "Enrolled", "re-enroll": "Re-enrolled", "drop": "Dropped",
    "complete": "Completed", "uncomplete": "Un-ticked", "revoke": "Revoked", "issue": "Issued",
    "award": "Awarded", "link": "Linked", "unlink": "Unlinked", "erase": "Erased personal details of",
    "subject_access": "Exported everything about", "reset_password": "Reset the password of",
    "change_password": "Changed the password of", "lock": "Locked", "unlock": "Unlocked",
    "update_progress": "Updated progress of", "update_notes": "Changed notes of",
    "archive": "Archived", "unarchive": "Unarchived",
}


@dataclass(frozen=True)
class FieldChange:
    field: str  # the stored key
    label: str  # the key in words ("Display name")
    before: str  # the value in words ("—" when absent)
    after: str


def field_label(key: str) -> str:
    """``display_name`` → "Display name"."""
    words = key.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else key


def action_words(action: str) -> str:
    """``update_progress`` → "Updated progress of"; an action without words of its own reads as
    its name with spaces ("set_skills" → "Set skills")."""
    return _ACTIONS.get(action, field_label(action))


def entity_words(entity: str) -> str:
    """``activity_progress`` → "Activity progress"."""
    return field_label(entity)


def value_text(value: Any) -> str:
    """One stored value in words: None → "—", booleans as yes / no, lists and objects as JSON."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def audit_diff(before: Any, after: Any) -> list[FieldChange]:
    """The fields that differ between ``before`` and ``after`` (in key order); a value that is
    not an object (a bare list or number) is one field named "value"."""
    old = before if isinstance(before, dict) else ({} if before is None else {"value": before})
    new = after if isinstance(after, dict) else ({} if after is None else {"value": after})
    changes = []
    for key in sorted(set(old) | set(new), key=str):
        a, b = old.get(key), new.get(key)
        if key in old and key in new and a == b:
            continue
        if a in (None, "") and b in (None, ""):  # empty before and after ("notes": "" on creation): no news
            continue
        changes.append(FieldChange(str(key), field_label(str(key)), value_text(a), value_text(b)))
    return changes


def _short(text: str) -> str:
    return text if len(text) <= SHORT else text[: SHORT - 1] + "…"


def change_line(change: FieldChange, *, short: bool = False) -> str:
    """"Status: active → completed"."""
    before, after = (_short(change.before), _short(change.after)) if short else (change.before, change.after)
    if before == EMPTY:
        return f"{change.label}: {after}"
    if after == EMPTY:
        return f"{change.label}: {before} → {EMPTY}"
    return f"{change.label}: {before} → {after}"


def diff_summary(changes: list[FieldChange]) -> str:
    """Every change on one line, values shortened ("Status: active → completed; Progress: 40 → 100")."""
    return "; ".join(change_line(c, short=True) for c in changes)


def diff_text(changes: list[FieldChange]) -> str:
    """Every change whole, one a line (the details pane, the CSV's "changes" column)."""
    return "\n".join(change_line(c) for c in changes) if changes else "No fields recorded."

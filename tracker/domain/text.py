"""Names are one line of printable text: what every service checks before storing a name.

A line break or other control character in a name breaks the formats that carry it (an .ics
content line, a CSV row, a PDF heading) and cannot be seen on screen, so it is refused with a
message; what is already stored is exported through :func:`one_line`.
"""

from __future__ import annotations

import re
import unicodedata

from tracker.errors import Problem

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def has_control_characters(text: str) -> bool:
    return bool(_CONTROL.search(text)) or any(unicodedata.category(ch) == "Cc" for ch in text)


def one_line(text: str) -> str:
    """The text with every control character (line breaks, tabs) turned into one space."""
    return re.sub(r" {2,}", " ", _CONTROL.sub(" ", text)).strip()


def check_name(value: object, label: str, field: str, problems: list[Problem]) -> None:
    """Add a problem when a name holds a line break, a tab or another control character."""
    if isinstance(value, str) and has_control_characters(value):
        problems.append(Problem(f"The {label} must be one line of text, without line breaks, tabs or "
                                "other control characters.", field=field))

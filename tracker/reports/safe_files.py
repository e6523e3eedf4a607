"""Two rules every file the school exports follows, in one place.

* **Formula injection:** text a spreadsheet would read as a formula (starting with = + - @, or a
  tab / carriage return) gets a leading apostrophe (OWASP's advice against CSV injection), so a
  student named "=HYPERLINK(…)" is shown as text, never run, in CSV and XLSX alike.
* **Whole or nothing:** a file is written beside its target and renamed into place, so a reader
  (or a cancelled or failed export) never leaves half a file under the real name.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """``text`` with an apostrophe in front when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@contextmanager
def replacing(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A binary file beside ``path`` that replaces it once written whole (nothing on failure,
    including cancellation: the exception removes the temporary file)."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

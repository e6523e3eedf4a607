"""The records as CSV, one file per table (RFC 4180: the ``csv`` module, CRLF line ends, fields
quoted when they must be), UTF-8 with or without the byte-order mark Excel needs to read accents.

Into a folder (written under a temporary name beside it and renamed when whole, so a failed or
cancelled export leaves nothing) or into a zip. Dates are ISO 8601, a percentage is its number
0–100, an empty cell is an empty field; text goes through
:func:`~tracker.reports.safe_files.neutralise` like the workbook's.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import IO

from tracker.reports.records_data import Cell, Kind, Records, Table, Ticker, chunks
from tracker.reports.safe_files import neutralise


def file_name(table: Table) -> str:
    return f"{table.key}.csv"


def plain(value: Cell, kind: Kind) -> str | int | float:
    """A cell as CSV and JSON hold it: ISO dates, percentages 0–100, neutralised text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return neutralise(value)
    if kind is Kind.PCT:
        return round(float(value) * 100, 2)
    return value


def write_csv(table: Table, out: IO[bytes], *, bom: bool = True, ticker: Ticker | None = None) -> None:
    """One table into ``out`` (a binary stream the caller closes)."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig" if bom else "utf-8", newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([neutralise(c.title) for c in table.columns])
    kinds = [c.kind for c in table.columns]
    for part in chunks(table.rows):
        writer.writerows([plain(v, k) for v, k in zip(row, kinds, strict=True)] for row in part)
        if ticker is not None:
            ticker.rows(len(part), table.title)
    text.flush()
    text.detach()


def write_folder(records: Records, folder: Path, *, bom: bool = True, ticker: Ticker | None = None) -> tuple[str, ...]:
    """Every table as ``folder/<key>.csv``; the folder appears only once all are written (an
    existing folder of that name is replaced)."""
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        names = []
        for table in records.tables():
            with open(work / file_name(table), "wb") as f:
                write_csv(table, f, bom=bom, ticker=ticker)
            names.append(file_name(table))
        os.chmod(work, 0o755)
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(work, folder)
        return tuple(names)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def write_into_zip(records: Records, archive: zipfile.ZipFile, *, prefix: str = "", bom: bool = True,
                   ticker: Ticker | None = None) -> tuple[str, ...]:
    """Every table as a member ``<prefix><key>.csv`` of an open zip."""
    names = []
    for table in records.tables():
        name = prefix + file_name(table)
        with archive.open(name, "w") as member:
            write_csv(table, member, bom=bom, ticker=ticker)
        names.append(name)
    return tuple(names)

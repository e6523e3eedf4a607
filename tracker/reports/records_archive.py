"""The end-of-year archive: one zip a school can keep for good, checkable without the application.

Members (documented in docs/records.md): ``records.xlsx`` (the workbook), ``csv/<table>.csv``,
``certificates/<file>.pdf`` (every certificate of the scope whose PDF is on disk),
``records.json`` (every table as JSON objects, schema :data:`RECORDS_VERSION`) and, last,
``manifest.json``: the sha256 and size of every other member, and the certificates whose file
was missing (listed, never a failure: a certificate's record is in the tables either way).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import IO, Any

from tracker.reports.records_csv import plain, write_csv
from tracker.reports.records_data import Kind, Records, Table, Ticker
from tracker.reports.records_xlsx import write_workbook

#: the version of records.json's layout (raise it when a key changes meaning or goes away)
RECORDS_VERSION = 1
_COPY = 1 << 16


class _Hashing(io.RawIOBase):
    """A write-only stream into a zip member that keeps the sha256 and size of what passes."""

    def __init__(self, member: IO[bytes]) -> None:
        self.member = member
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.sha256.update(chunk)
        self.size += len(chunk)
        self.member.write(chunk)
        return len(chunk)


def json_key(title: str) -> str:
    """A column title as a records.json key: "Progress %" → "progress_pct"."""
    return re.sub(r"[^a-z0-9]+", "_", title.lower().replace("%", "pct")).strip("_")


def table_json(table: Table) -> list[dict[str, Any]]:
    keys = [(json_key(c.title), c.kind) for c in table.columns]
    return [{k: (None if v is None else plain(v, kind)) for (k, kind), v in zip(keys, row, strict=True)}
            for row in table.rows]


def records_json(records: Records) -> dict[str, Any]:
    """The records as one JSON object (docs/records.md)."""
    return {
        "version": RECORDS_VERSION,
        "about": {json_key(label): (None if v is None else plain(v, Kind.TEXT)) for label, v in records.about},
        "attendance_statuses": [{"code": s.code, "label": s.label, "colour": s.colour} for s in records.statuses],
        "tables": {t.key: table_json(t) for t in records.tables()},
    }


def write_archive(records: Records, out: IO[bytes], *, bom: bool = True, ticker: Ticker | None = None) -> tuple[str, ...]:
    """The archive into ``out``; returns the member names (the manifest last)."""
    manifest: dict[str, Any] = {"version": RECORDS_VERSION, "files": {}, "missing": []}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:

        def member(name: str) -> tuple[_Hashing, IO[bytes]]:
            raw = archive.open(name, "w", force_zip64=True)
            return _Hashing(raw), raw

        def done(name: str, sink: _Hashing, raw: IO[bytes]) -> None:
            raw.close()
            manifest["files"][name] = {"sha256": sink.sha256.hexdigest(), "size": sink.size}

        with tempfile.TemporaryFile() as book:
            write_workbook(records, book, ticker)
            book.seek(0)
            sink, raw = member("records.xlsx")
            shutil.copyfileobj(book, sink, _COPY)
            done("records.xlsx", sink, raw)
        for table in records.tables():
            name = f"csv/{table.key}.csv"
            sink, raw = member(name)
            write_csv(table, sink, bom=bom, ticker=ticker)  # type: ignore[arg-type]
            done(name, sink, raw)
        for name, path in records.certificate_files:
            arcname = f"certificates/{name}"
            if path is None or not Path(path).is_file():
                manifest["missing"].append({"name": arcname, "path": path})
                continue
            with open(path, "rb") as source:
                sink, raw = member(arcname)
                shutil.copyfileobj(source, sink, _COPY)
                done(arcname, sink, raw)
            if ticker is not None:
                ticker.check("Certificates")
        data = json.dumps(records_json(records), ensure_ascii=False, indent=1).encode("utf-8")
        sink, raw = member("records.json")
        sink.write(data)
        done("records.json", sink, raw)
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    return (*manifest["files"], "manifest.json")

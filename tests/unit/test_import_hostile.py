"""Damaged and hostile OneRoster zips: a plain message naming the file and the member, nothing written.

Each zip is made here from the 1.2 sample and then damaged the way fuzzed and real files were.
Every one of these used to escape the importer as a traceback (BadZipFile, zlib.error, LZMAError,
OSError, NotImplementedError, RuntimeError, _csv.Error) or, for the bombs, to take gigabytes.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import School
from tracker.db.models import Activity, ActivityLead, ActivityProgress, AuditEntry, GuardianLink, User
from tracker.db.uow import read_only
from tracker.errors import ValidationError
from tracker.importers import sources

V12 = Path(__file__).resolve().parents[1] / "data" / "oneroster" / "v1.2.zip"
with zipfile.ZipFile(V12) as _z:
    MEMBERS = {n: _z.read(n) for n in _z.namelist()}
MANIFEST = b"propertyName,value\r\noneroster.version,1.1\r\n"


def state(school: School) -> tuple[int, ...]:
    with read_only(school.services.db) as s:
        return tuple(s.scalar(select(func.count(t.id))) or 0
                     for t in (User, Activity, ActivityProgress, ActivityLead, GuardianLink, AuditEntry))


def bundle(method: int = zipfile.ZIP_DEFLATED, users: bytes | None = None) -> bytearray:
    """The 1.2 sample as zip bytes, users.csv compressed with ``method`` (and replaced by ``users``)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, raw in MEMBERS.items():
            info = zipfile.ZipInfo(name, (2025, 9, 1, 0, 0, 0))
            info.compress_type = method if name == "users.csv" else zipfile.ZIP_DEFLATED
            z.writestr(info, users if users is not None and name == "users.csv" else raw)
    return bytearray(buf.getvalue())


def central_entry(raw: bytearray, name: str) -> int:
    """Where the central directory record of ``name`` starts (method, flags and sizes live there)."""
    at = raw.find(b"PK\x01\x02")
    while at != -1:
        length = struct.unpack_from("<H", raw, at + 28)[0]
        if raw[at + 46:at + 46 + length] == name.encode():
            return at
        at = raw.find(b"PK\x01\x02", at + 4)
    raise KeyError(name)


def member_data(raw: bytearray, name: str) -> tuple[int, int]:
    """(offset, length) of the compressed bytes of ``name``."""
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as z:
        info = z.getinfo(name)
    name_len, extra_len = struct.unpack_from("<HH", raw, info.header_offset + 26)
    return info.header_offset + 30 + name_len + extra_len, info.compress_size


def refused(school: School, tmp_path: Path, raw: bytes | bytearray, name: str = "bundle.zip") -> str:
    """The one problem the preview reports; apply refuses with it and writes nothing."""
    path = tmp_path / name
    path.write_bytes(bytes(raw))
    before = state(school)
    preview = school.services.imports.preview(school.admin, path)
    assert len(preview.errors) == 1, preview.errors
    with pytest.raises(ValidationError) as err:
        school.services.imports.apply(school.admin, path)
    assert [str(p) for p in err.value.problems] == [str(preview.errors[0])]
    assert state(school) == before
    return str(preview.errors[0])


def damaged(raw: bytearray, at: int, patch: bytes) -> bytearray:
    raw[at:at + len(patch)] = patch
    return raw


# --------------------------------------------------------------------------- one test per crash signature


def test_bad_magic_number_of_a_member_header(school: School, tmp_path: Path) -> None:
    raw = bundle()
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as z:
        header = z.getinfo("users.csv").header_offset
    message = refused(school, tmp_path, damaged(raw, header, b"XX"))
    assert message == ("users.csv: users.csv in bundle.zip cannot be read: it is damaged. "
                       "Export or download it again.")


def test_bad_crc_of_a_stored_member(school: School, tmp_path: Path) -> None:
    raw = bundle(zipfile.ZIP_STORED)
    at, length = member_data(raw, "users.csv")
    raw[at + length // 2] ^= 0x20  # one letter changes case: the data still reads, the CRC fails
    assert "users.csv in bundle.zip cannot be read: it is damaged" in refused(school, tmp_path, raw)


def test_damaged_deflate_stream(school: School, tmp_path: Path) -> None:  # zlib.error
    raw = bundle()
    at, _ = member_data(raw, "users.csv")
    assert "users.csv in bundle.zip cannot be read: it is damaged" in refused(
        school, tmp_path, damaged(raw, at, b"\xff" * 8))


def test_damaged_lzma_stream(school: School, tmp_path: Path) -> None:  # lzma.LZMAError
    raw = bundle(zipfile.ZIP_LZMA)
    at, _ = member_data(raw, "users.csv")
    assert "users.csv in bundle.zip cannot be read: it is damaged" in refused(
        school, tmp_path, damaged(raw, at + 4, b"\xff" * 36))


def test_truncated_lzma_member(school: School, tmp_path: Path) -> None:
    raw = bundle(zipfile.ZIP_LZMA)
    entry = central_entry(raw, "users.csv")
    size = struct.unpack_from("<I", raw, entry + 20)[0]
    struct.pack_into("<I", raw, entry + 20, size // 2)  # the compressed size now cuts the stream
    assert "users.csv in bundle.zip cannot be read: it is damaged" in refused(school, tmp_path, raw)


def test_damaged_bzip2_stream(school: School, tmp_path: Path) -> None:  # OSError: Invalid data stream
    raw = bundle(zipfile.ZIP_BZIP2)
    at, _ = member_data(raw, "users.csv")
    assert "users.csv in bundle.zip cannot be read: it is damaged" in refused(
        school, tmp_path, damaged(raw, at + 10, b"\x00" * 20))


def test_unsupported_compression_method(school: School, tmp_path: Path) -> None:  # NotImplementedError
    raw = bundle()
    struct.pack_into("<H", raw, central_entry(raw, "users.csv") + 10, 9)  # Deflate64, as Windows makes
    assert refused(school, tmp_path, raw) == (
        "users.csv: users.csv in bundle.zip is compressed with Deflate64, which this application cannot "
        "read: make the zip again with ordinary (Deflate) compression.")


def test_zip_version_this_reader_does_not_know(school: School, tmp_path: Path) -> None:  # "zip file version 15.0"
    raw = bundle()
    struct.pack_into("<H", raw, central_entry(raw, "users.csv") + 6, 150)
    assert refused(school, tmp_path, raw) == (
        "bundle.zip: bundle.zip cannot be opened as a zip file: it was made with a zip feature this "
        "application cannot read.")


def test_encrypted_member(school: School, tmp_path: Path) -> None:  # RuntimeError: password required
    raw = bundle()
    raw[central_entry(raw, "users.csv") + 8] |= 0x1
    assert refused(school, tmp_path, raw) == (
        "users.csv: users.csv in bundle.zip is password-protected: export the bundle again without a "
        "password.")


def test_a_quote_left_open_past_the_csv_field_limit(school: School, tmp_path: Path) -> None:  # _csv.Error
    users = b'sourcedId,role,givenName,familyName\r\nstu-1,student,"Ava' + b"x" * 200_000 + b"\r\n"
    message = refused(school, tmp_path, bundle(users=users))
    assert message == ("users.csv, row 2: users.csv in bundle.zip cannot be read: a value is longer than "
                       "131,072 characters (is a quote left open?).")


def test_running_out_of_memory_while_reading_is_a_message(school: School, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def exhausted(self: zipfile.ZipExtFile, n: int = -1) -> bytes:
        raise MemoryError

    monkeypatch.setattr(zipfile.ZipExtFile, "read", exhausted)
    assert refused(school, tmp_path, bundle()) == (
        "manifest.csv: manifest.csv in bundle.zip cannot be read: it is too large to read. Export or download "
        "it again.")


def test_a_file_that_is_not_a_zip(school: School, tmp_path: Path) -> None:
    assert refused(school, tmp_path, bytes(bundle())[:300]) == (
        "bundle.zip: bundle.zip cannot be opened as a zip file: it is not a zip file, or it is damaged.")


# --------------------------------------------------------------------------- bombs: bounded memory


def test_a_zip_listing_thousands_of_files_is_refused_before_its_directory_is_loaded(
        school: School, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_DIRECTORY", 4096)  # the check a zip of millions of names meets
    buf = io.BytesIO(bytes(bundle()))
    with zipfile.ZipFile(buf, "a") as z:
        for n in range(100):
            z.writestr(f"resources/{n:05}.csv", b"")
    loaded: list[str] = []
    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", lambda self: loaded.append("directory"))
    assert refused(school, tmp_path, buf.getvalue()) == (
        "bundle.zip: bundle.zip lists 7 KB of file names: a roster bundle has a dozen files, so the zip "
        "is refused.")
    assert loaded == []


def bomb(path: Path, fill: bytes, size: int, *, level: int = 6) -> Path:
    """A bundle whose users.csv is ``size`` bytes of ``fill``, written as a stream (never in memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        z.writestr("manifest.csv", MANIFEST)
        info = zipfile.ZipInfo("users.csv", (2025, 9, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w") as member:
            chunk = fill * (1 << 20)
            for _ in range(size >> 20):
                member.write(chunk)
    return path


def test_65_kb_zip_of_64_mb_of_new_lines_is_refused_before_reading(school: School, tmp_path: Path) -> None:
    path = bomb(tmp_path / "lines.zip", b"\n", 64 << 20)
    assert path.stat().st_size < 70_000
    assert refused(school, tmp_path, path.read_bytes(), "lines.zip") == (
        "users.csv: users.csv in lines.zip would unpack to 64 MB from 64 KB: a roster export never shrinks "
        "that much, so the file is refused.")


def test_zip_of_200_mb_of_commas_is_refused_by_its_size(school: School, tmp_path: Path) -> None:
    path = bomb(tmp_path / "commas.zip", b",", 200 << 20, level=1)
    assert refused(school, tmp_path, path.read_bytes(), "commas.zip").startswith(
        "users.csv: users.csv in commas.zip is 200 MB: a roster file may be at most 64 MB")


def test_a_bomb_that_lies_about_its_size_stops_at_the_size_it_declared(school: School, tmp_path: Path) -> None:
    raw = bytearray(bomb(tmp_path / "liar.zip", b"\n", 64 << 20).read_bytes())
    entry = central_entry(raw, "users.csv")
    struct.pack_into("<I", raw, entry + 24, 100_000)  # "100 KB": under every limit checked beforehand
    assert "users.csv in bundle.zip cannot be read: it is damaged" in refused(school, tmp_path, raw)


def folder(tmp_path: Path, users: bytes) -> Path:
    path = tmp_path / "export"
    path.mkdir()
    (path / "manifest.csv").write_bytes(MANIFEST)
    (path / "users.csv").write_bytes(users)
    return path


def test_a_row_with_thousands_of_values_is_refused(school: School, tmp_path: Path) -> None:
    path = folder(tmp_path, b"sourcedId,role\r\n" + b"," * 5_000 + b"\r\n")
    (problem,) = school.services.imports.preview(school.admin, path).errors
    assert (problem.file, problem.row) == ("users.csv", 2)
    assert problem.message == "users.csv (in the folder export) cannot be read: a row has more than 2,000 values."


def test_a_record_spanning_lines_cannot_dodge_the_value_limit(school: School, tmp_path: Path) -> None:
    quoted_lines = (b"," * 1_000 + b'"\r\n"') * 3  # a quoted new line between every thousand commas
    path = folder(tmp_path, b"sourcedId,role\r\n" + quoted_lines + b"\r\n")
    (problem,) = school.services.imports.preview(school.admin, path).errors
    assert "a row has more than 2,000 values" in problem.message


def test_a_line_of_a_million_characters_is_refused(school: School, tmp_path: Path) -> None:
    path = folder(tmp_path, b"sourcedId,role\r\nstu-1,student" + b" " * 1_000_000)
    (problem,) = school.services.imports.preview(school.admin, path).errors
    assert "a line is longer than 1,000,000 characters" in problem.message


def test_rows_are_counted_blank_ones_too(school: School, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_ROWS", 50)  # the same check as a million new lines, quicker
    path = folder(tmp_path, b"sourcedId,role\r\n" + b"\r\n" * 60)
    (problem,) = school.services.imports.preview(school.admin, path).errors
    assert (problem.row, problem.message) == (
        51, "users.csv (in the folder export) has more than 50 rows: that is not a roster file, or it must be split.")


def test_a_flat_csv_over_the_size_limit_is_refused_before_reading(school: School, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_BYTES", 1024)
    path = tmp_path / "roster.csv"
    path.write_bytes(b"Student ID,First Name,Surname\n" + b"S1,Ann,Lee\n" * 200)

    def never(self: Path, *args: object, **kwargs: object) -> None:
        raise AssertionError(f"{self.name} was opened")

    monkeypatch.setattr(Path, "open", never)
    (problem,) = school.services.imports.preview(school.admin, path).errors
    assert problem.message.startswith("roster.csv is 2 KB: a roster file may be at most 1 KB")

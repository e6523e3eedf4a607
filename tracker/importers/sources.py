"""Reading roster files that may be damaged or hostile, in bounded memory.

A roster comes from outside (an SIS export, an e-mail attachment, a USB stick). Fuzzed OneRoster
zips used to crash the import with a traceback (bad CRC, truncated deflate, an encrypted member,
an unsupported compression method) or to unpack 64 MB of newlines into gigabytes of memory.
Here a file becomes CSV records, or an :class:`Unreadable` carrying one plain
:class:`~tracker.errors.Problem` that names the file and the zip it came in; the readers turn it
into a refused preview, so nothing is written.

Limits are checked before anything is read (the size of a zip's table of contents, the size a
member declares and its compression ratio, the size of a file on disk) and again while reading: a file is streamed twice, once to
count its bytes and choose the encoding and once to parse it, and is never held whole. At most
:data:`MAX_BYTES` bytes are decompressed, :data:`MAX_ROWS` records and :data:`MAX_FIELDS` values
per record parsed.
"""

from __future__ import annotations

import codecs
import csv
import io
import lzma
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

from tracker.errors import Problem

#: a roster of 100,000 students is a few MB; no file of a bundle may unpack to more
MAX_BYTES = 64 * 1024 * 1024
#: CSV compresses about 5 to 10 times; a member over RATIO_FREE bytes that shrinks more is a bomb
MAX_RATIO = 100
RATIO_FREE = 1024 * 1024
MAX_ROWS = 1_000_000  # records per file, blank ones included (a district's enrollments fit)
MAX_FIELDS = 2_000  # values per record (OneRoster files have about 20 columns)
MAX_LINE = 1_000_000  # characters per physical line
MAX_DIRECTORY = 1024 * 1024  # a zip's table of contents: some 20,000 names (a bundle has a dozen)
CHUNK = 1024 * 1024

#: what reading a damaged or unusual file or zip member raises (zipfile, zlib, bz2, lzma, io)
READ_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError, OSError, EOFError,
    NotImplementedError, RuntimeError, ValueError, IndexError, KeyError, OverflowError, struct.error,
    MemoryError,
)
METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "Deflate", zipfile.ZIP_BZIP2: "bzip2",
           zipfile.ZIP_LZMA: "LZMA"}
UNSUPPORTED_METHODS = {9: "Deflate64", 93: "Zstandard", 95: "XZ", 96: "JPEG", 97: "WavPack", 98: "PPMd",
                       99: "AES encryption"}


class Unreadable(Exception):
    """A file that cannot be read at all; ``problem`` says which and why, plainly."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@dataclass(frozen=True)
class Source:
    """One file to read: a file on disk or a member of a zip, opened only when read."""

    name: str  # what problems name ("users.csv")
    label: str  # how a message names it ("users.csv in export.zip")
    size: int  # the bytes it says it holds
    opener: Callable[[], IO[bytes]]


def file_source(path: Path, label: str | None = None) -> Source:
    label = label or path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise Unreadable(Problem(f"{label} cannot be read: {_why(exc)}.", file=path.name)) from exc
    return Source(path.name, label, size, lambda: path.open("rb"))


def check_size(src: Source) -> None:
    if src.size > MAX_BYTES:
        raise Unreadable(Problem(
            f"{src.label} is {_size(src.size)}: a roster file may be at most {_size(MAX_BYTES)} (a school of "
            "100,000 students takes a few MB). Export it again, or split it.", file=src.name))


class Bundle:
    """The files of a OneRoster bundle, a folder or a .zip, listed without reading them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._entries: dict[str, Path | zipfile.ZipInfo] = {}
        folder = path.is_dir()
        try:
            if folder:
                self._entries = {p.name.lower(): p for p in path.iterdir() if p.is_file()}
                return
            listed = _directory_size(path)
            if listed <= MAX_DIRECTORY:
                self._zip = zipfile.ZipFile(path)
                infos = self._zip.infolist()
        except READ_ERRORS as exc:
            what = "read" if folder else "opened as a zip file"
            raise Unreadable(Problem(f"{path.name} cannot be {what}: {_why(exc)}.", file=path.name)) from exc
        if listed > MAX_DIRECTORY:
            raise Unreadable(Problem(f"{path.name} lists {_size(listed)} of file names: a roster bundle has a "
                                     "dozen files, so the zip is refused.", file=path.name))
        for info in infos:
            name = info.filename.replace("\\", "/")
            if not name.endswith("/") and "__MACOSX" not in name:
                self._entries[name.rsplit("/", 1)[-1].lower()] = info

    def __enter__(self) -> Bundle:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    @property
    def names(self) -> set[str]:
        """The file names in the bundle, lower case, without folders."""
        return set(self._entries)

    def source(self, name: str) -> Source | None:
        """The file called ``name`` (any case), checked against the limits; None when absent."""
        entry = self._entries.get(name.lower())
        if entry is None:
            return None
        if isinstance(entry, Path):
            return file_source(entry, f"{entry.name} (in the folder {self.path.name})")
        info = entry
        shown = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
        label = f"{shown} in {self.path.name}"
        if info.flag_bits & 0x1:
            raise Unreadable(Problem(f"{label} is password-protected: export the bundle again without a "
                                     "password.", file=shown))
        if info.compress_type not in METHODS:
            method = UNSUPPORTED_METHODS.get(info.compress_type, f"method {info.compress_type}")
            raise Unreadable(Problem(f"{label} is compressed with {method}, which this application cannot "
                                     "read: make the zip again with ordinary (Deflate) compression.", file=shown))
        src = Source(shown, label, info.file_size, lambda: self._open(info))
        check_size(src)
        if info.file_size > RATIO_FREE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise Unreadable(Problem(
                f"{label} would unpack to {_size(info.file_size)} from {_size(info.compress_size)}: a roster "
                "export never shrinks that much, so the file is refused.", file=shown))
        return src

    def _open(self, info: zipfile.ZipInfo) -> IO[bytes]:
        assert self._zip is not None
        return self._zip.open(info)


def _directory_size(path: Path) -> int:
    """The size of a zip's table of contents, as its end record gives it, read before ZipFile
    loads every entry into memory; 0 when there is no end record (ZipFile then says what is wrong)."""
    with path.open("rb") as f:
        end = f.seek(0, io.SEEK_END)
        f.seek(max(0, end - 22 - 65_535))  # the end record, then a comment of up to 64 KB
        tail = f.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            return 0
        size: int = struct.unpack_from("<I", tail, at + 12)[0]
        if size != 0xFFFFFFFF or at < 20 or tail[at - 20:at - 16] != b"PK\x06\x07":
            return size
        f.seek(struct.unpack_from("<Q", tail, at - 12)[0])  # zip64: its own end record has the size
        record = f.read(56)
        return int(struct.unpack_from("<Q", record, 40)[0]) if record[:4] == b"PK\x06\x06" and len(record) == 56 else 0


def csv_records(src: Source) -> Iterator[tuple[int, list[str]]]:
    """The non-blank records of a CSV file with their row numbers (the header is row 1).

    CRLF or LF, quoted commas and new lines, ``;`` or tab delimiters (Excel in some locales);
    UTF-8 with or without BOM, else Windows-1252 (old Excel); NULs are dropped. Raises
    :class:`Unreadable` for a file over the limits or that cannot be read."""
    check_size(src)
    encoding = _encoding(src)
    with _reading(src), src.opener() as raw, \
            io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="") as text:
        lines = _Lines(text, src)
        reader = csv.reader(lines, delimiter=lines.delimiter, strict=False)
        while True:
            lines.row += 1
            lines.fields_left = MAX_FIELDS
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                limit = csv.field_size_limit()
                why = (f"a value is longer than {limit:,} characters (is a quote left open?)"
                       if "field limit" in str(exc) else "it is not CSV text")
                raise Unreadable(Problem(f"{src.label} cannot be read: {why}.", file=src.name,
                                         row=lines.row)) from exc
            if lines.row > MAX_ROWS:
                raise Unreadable(Problem(f"{src.label} has more than {MAX_ROWS:,} rows: that is not a roster "
                                         "file, or it must be split.", file=src.name, row=lines.row))
            if "".join(record).strip():  # not blank
                yield lines.row, record


class _Lines:
    """The physical lines of a text stream for ``csv.reader``, refusing what no roster has.

    ``fields_left`` bounds the values of the record being parsed (the reader pulls the lines of
    one record at a time): every delimiter spends one, quoted ones too, a safe over-estimate.
    Without it one line of commas, or a record spanning many lines, becomes a list of millions."""

    def __init__(self, text: IO[str], src: Source) -> None:
        self._text, self._src = text, src
        self.row = 0
        self._first: str | None = self._read()
        self.delimiter = _delimiter(self._first)
        self.fields_left = MAX_FIELDS

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._first if self._first is not None else self._read()
        self._first = None
        if not line:
            raise StopIteration
        self.fields_left -= line.count(self.delimiter)
        if self.fields_left < 0:
            raise Unreadable(Problem(f"{self._src.label} cannot be read: a row has more than {MAX_FIELDS:,} "
                                     "values.", file=self._src.name, row=self.row))
        return line

    def _read(self) -> str:
        line = self._text.readline(MAX_LINE)
        if len(line) >= MAX_LINE and not line.endswith(("\n", "\r")):
            raise Unreadable(Problem(f"{self._src.label} cannot be read: a line is longer than {MAX_LINE:,} "
                                     "characters.", file=self._src.name, row=max(self.row, 1)))
        return line.replace("\x00", "") if "\x00" in line else line


def _delimiter(first_line: str) -> str:
    line = first_line[:4096]
    if line.count(";") > line.count(","):
        return ";"  # Excel in locales with a decimal comma
    if line.count("\t") > line.count(","):
        return "\t"
    return ","


def _encoding(src: Source) -> str:
    """UTF-8 (BOM or not) if every byte decodes, else Windows-1252; refuses more than MAX_BYTES."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    utf8, total = True, 0
    with _reading(src), src.opener() as stream:
        while chunk := stream.read(CHUNK):
            total += len(chunk)
            if total > MAX_BYTES:  # the size declared can lie; the bytes read cannot
                raise Unreadable(Problem(f"{src.label} unpacks to more than {_size(MAX_BYTES)}, more than a "
                                         "roster file may hold.", file=src.name))
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    return "utf-8-sig" if utf8 else "cp1252"


@contextmanager
def _reading(src: Source) -> Iterator[None]:
    """Turns whatever reading ``src`` raises into an :class:`Unreadable` naming it."""
    try:
        yield
    except READ_ERRORS as exc:
        raise Unreadable(Problem(f"{src.label} cannot be read: {_why(exc)}. Export or download it again.",
                                 file=src.name)) from exc


def _why(exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return "it is too large to read"
    if isinstance(exc, PermissionError):
        return "this account may not read it"
    if isinstance(exc, FileNotFoundError):
        return "it is no longer there"
    if isinstance(exc, EOFError):
        return "it ends too early (the download or copy was cut short)"
    if isinstance(exc, NotImplementedError):
        return "it was made with a zip feature this application cannot read"
    if isinstance(exc, RuntimeError) and "encrypted" in str(exc):
        return "it is password-protected"
    if isinstance(exc, zipfile.BadZipFile) and "not a zip file" in str(exc):
        return "it is not a zip file, or it is damaged"
    return "it is damaged"


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):,.0f} MB"
    return f"{max(1, round(n / 1024)):,} KB"

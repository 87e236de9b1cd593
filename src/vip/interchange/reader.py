"""Reading a bundle (a folder or a .zip of CSV files) row by row, never whole.

``open_bundle`` checks the container; ``BundleSource.rows`` yields each data row
of one file with its line number and reports problems of the file itself
(empty file, bad header, bad bytes, broken CSV) as ``Problem`` values.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings

from vip.interchange.deidentified import MANIFEST, PREFIX
from vip.interchange.schema import BUNDLE_MANIFEST, FIELD_FILE_NAMES, FILES_BY_NAME, FileSpec

# Security row 46: a physical line (and a cell) longer than ``VIP_IMPORT_MAX_LINE_BYTES`` is
# refused before it is held in memory: it is read in chunks and thrown away, and reported with
# its file, line and column. A row whose quoted cells span lines may be ROW_LINES times as long.
ROW_LINES = 4
# Zip bombs: refuse a member that expands past this many bytes (or past this ratio once
# larger than 10 MB), and a bundle whose members together expand past MAX_TOTAL_BYTES. The
# sizes a zip declares are checked first; the bytes actually read are counted as well.
MAX_MEMBER_BYTES = 2 * 1024**3
MAX_TOTAL_BYTES = 4 * 1024**3
MAX_COMPRESSION_RATIO = 200
# What a damaged or hostile zip raises while it is read.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    OSError,
)


def max_line_bytes() -> int:
    """The configured limit of a line and of a cell (``VIP_IMPORT_MAX_LINE_BYTES``)."""
    return int(settings.VIP_IMPORT_MAX_LINE_BYTES)


def limit_cells() -> int:
    """Make the csv module refuse a cell longer than the limit (it counts characters), and
    return the limit."""
    limit = max_line_bytes()
    csv.field_size_limit(limit)
    return limit


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column or '-'}: {self.message}"


class BundleError(Exception):
    """The bundle as a whole cannot be read (not a folder or zip, unreadable)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class Header:
    names: list[str]  # normalised (trimmed, lower-case) names, in file order
    index: dict[str, int]  # column name -> position, for known columns


class _CountingReader(io.RawIOBase):
    """Counts the bytes read from an underlying binary stream (for progress bars), and
    stops at ``limit`` bytes: a zip member that expands past what it declared."""

    def __init__(self, raw: IO[bytes], on_bytes: Callable[[int], None] | None, limit: int | None = None) -> None:
        self._raw = raw
        self._on_bytes = on_bytes
        self._limit = limit
        self._total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            data = self._raw.read(len(buffer))
        except ZIP_ERRORS as exc:
            raise _BadBytesError(0, f"damaged zip member: {exc}") from None
        n = len(data)
        self._total += n
        if self._limit is not None and self._total > self._limit:
            raise _BadBytesError(0, f"refused: expands past {self._limit} bytes")
        buffer[:n] = data
        if self._on_bytes is not None and n:
            self._on_bytes(n)
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def _refuse_deidentified(bundle: str, name: str) -> None:
    """Security row 42: de-identified data never comes back in as records."""
    lowered = name.lower()
    if lowered == MANIFEST.lower() or lowered.startswith(PREFIX):
        raise BundleError(
            Problem(
                bundle,
                0,
                "",
                f"refused: a de-identified export ({name}), not a bundle; "
                "de-identified data cannot be imported (docs/deidentification.md)",
            )
        )


class BundleSource:
    """The CSV files of a bundle, by name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self.members: dict[str, str | zipfile.ZipInfo] = {}
        self.unknown_files: list[str] = []
        if path.is_dir():
            for child in sorted(path.iterdir()):
                _refuse_deidentified(path.name, child.name)
                if child.is_file() and child.suffix.lower() == ".csv":
                    self._add(child.name, str(child))
        elif path.is_file():
            if not zipfile.is_zipfile(path):
                with open(path, "rb") as handle:
                    if handle.read(4) == b"PK\x03\x04":
                        raise BundleError(
                            Problem(path.name, 0, "", "damaged zip file: truncated (its table of contents is missing)")
                        )
                raise BundleError(
                    Problem(path.name, 0, "", "not a zip file or folder (a bundle is a folder or a .zip of CSV files)")
                )
            try:
                self._zip = zipfile.ZipFile(path)
                total = 0
                for info in self._zip.infolist():
                    _refuse_deidentified(path.name, Path(info.filename).name)
                    if info.is_dir() or not info.filename.lower().endswith(".csv"):
                        continue
                    self._check_member(info)
                    total += info.file_size
                    if total > MAX_TOTAL_BYTES:
                        raise BundleError(
                            Problem(path.name, 0, "", f"refused: the files expand to more than {MAX_TOTAL_BYTES} bytes")
                        )
                    self._add(Path(info.filename).name, info)
            except BundleError:
                self.close()
                raise
            except ZIP_ERRORS as exc:
                self.close()
                raise BundleError(Problem(path.name, 0, "", f"damaged zip file: {exc}")) from exc
        else:
            raise BundleError(Problem(str(path), 0, "", "no such file or folder"))

    def _check_member(self, info: zipfile.ZipInfo) -> None:
        parts = info.filename.replace("\\", "/").split("/")
        if info.filename.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
            raise BundleError(Problem(info.filename, 0, "", "refused: a file name that points outside the bundle"))
        if info.flag_bits & 0x1:
            raise BundleError(Problem(info.filename, 0, "", "refused: the file is encrypted"))
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_MEMBER_BYTES or (info.file_size > 10_000_000 and ratio > MAX_COMPRESSION_RATIO):
            raise BundleError(
                Problem(info.filename, 0, "", f"refused: expands to {info.file_size} bytes (ratio {ratio:.0f}:1)")
            )

    def _add(self, name: str, member: str | zipfile.ZipInfo) -> None:
        if name.lower() == BUNDLE_MANIFEST:
            return  # written by an export for other tools; the importer reads the files themselves
        if name.lower() in FILES_BY_NAME or name.lower() in FIELD_FILE_NAMES:
            if name.lower() in self.members:
                raise BundleError(Problem(name, 0, "", "the bundle holds this file twice"))
            self.members[name.lower()] = member
        else:
            self.unknown_files.append(name)

    def size(self, name: str) -> int:
        member = self.members[name]
        if isinstance(member, zipfile.ZipInfo):
            return member.file_size
        return Path(member).stat().st_size

    def total_size(self) -> int:
        return sum(self.size(name) for name in self.members)

    def _open(self, name: str) -> IO[bytes]:
        member = self.members[name]
        if isinstance(member, zipfile.ZipInfo):
            assert self._zip is not None
            return self._zip.open(member)
        return open(member, "rb")

    def _limit(self, name: str) -> int | None:
        member = self.members[name]
        return member.file_size if isinstance(member, zipfile.ZipInfo) else None

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> BundleSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def rows(
        self,
        spec: FileSpec,
        problems: Callable[[Problem], None],
        on_bytes: Callable[[int], None] | None = None,
    ) -> Iterator[tuple[int, Header, list[str]]]:
        """Yield ``(line, header, cells)`` for each data row of a file.

        Problems with the file itself are passed to ``problems``; after a
        header problem or unreadable bytes no further rows are yielded. A row
        whose width differs from the header's is yielded: the row parser rejects it.
        """
        name = spec.name
        try:
            opened = self._open(name)
        except ZIP_ERRORS as exc:
            problems(Problem(name, 0, "", f"damaged zip member: {exc}"))
            return
        raw = _CountingReader(opened, on_bytes, self._limit(name))
        binary = io.BufferedReader(raw, 1 << 16)
        header: Header | None = None

        def oversized(line: int, position: int | None, limit: int) -> None:
            column = ""
            if header is not None and position is not None and position < len(header.names):
                column = header.names[position]
            problems(Problem(name, line, column, f"line longer than {limit} bytes: refused"))

        lines = _DecodedLines(binary, oversized)
        limit_cells()
        reader = csv.reader(lines, strict=True)
        line = 1
        try:
            try:
                lines.new_record()
                first = next(reader, None)
            except _BadBytesError as exc:
                problems(Problem(name, exc.line or lines.number + 1, "", exc.message))
                return
            except csv.Error as exc:
                problems(Problem(name, 1, "", _csv_message(exc)))
                return
            if first is None:
                problems(Problem(name, 1, "", "empty file: expected a header row"))
                return
            header = _read_header(spec, first, problems)
            if header is None:
                return
            while True:
                start = reader.line_num + 1
                lines.new_record()
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except _BadBytesError as exc:
                    problems(Problem(name, exc.line or lines.number + 1, "", exc.message))
                    return
                except csv.Error as exc:
                    problems(Problem(name, start, "", _csv_message(exc)))
                    return
                line = start
                if not cells:
                    continue  # a blank line, or an over-long one (reported, thrown away)
                yield line, header, cells
        finally:
            binary.close()


class _BadBytesError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _DecodedLines:
    """Physical lines of a binary stream decoded as UTF-8 one by one, so that a
    bad byte is reported on its own line (a byte-order mark is dropped).

    Security row 46: a line longer than the limit is never held whole. It is read on in
    chunks of the limit's size and thrown away; when it starts a row, the row is reported
    (``oversized(line, column position where the limit was crossed, limit)``) and the reader
    goes on with the next line; when it is inside a quoted cell spanning lines, or a row's
    lines together pass ``ROW_LINES`` times the limit, the file stops there (``_BadBytesError``)."""

    def __init__(
        self,
        binary: IO[bytes],
        oversized: Callable[[int, int | None, int], None] | None = None,
        delimiter: str = ",",
    ) -> None:
        self._binary = binary
        self._oversized = oversized
        self._delimiter = delimiter.encode()
        self._limit = max_line_bytes()
        self._row_bytes = 0
        self._row_lines = 0
        self.number = 0

    def new_record(self) -> None:
        """The csv reader is about to read a new row (its next line starts one)."""
        self._row_bytes = 0
        self._row_lines = 0

    def __iter__(self) -> _DecodedLines:
        return self

    def _throw_away(self, prefix: bytes) -> int:
        """Read the rest of an over-long line in chunks, keeping none; the number of quote
        characters in the whole line."""
        quotes = prefix.count(b'"')
        chunk = prefix
        while not chunk.endswith(b"\n"):
            chunk = self._binary.readline(self._limit)
            if not chunk:
                break
            quotes += chunk.count(b'"')
        return quotes

    def __next__(self) -> str:
        limit = self._limit
        raw = self._binary.readline(limit + 1)
        if not raw:
            raise StopIteration
        self.number += 1
        first_of_row = self._row_lines == 0
        self._row_lines += 1
        if len(raw) > limit:
            position = _cell_position(raw, self._delimiter)
            quotes = self._throw_away(raw)
            if not first_of_row or quotes % 2 or self._oversized is None:
                raise _BadBytesError(self.number, f"line longer than {limit} bytes: refused")
            self._oversized(self.number, position, limit)
            self._row_lines = 0
            return "\n"  # read as a blank line: skipped
        self._row_bytes += len(raw)
        if self._row_bytes > ROW_LINES * limit:
            raise _BadBytesError(self.number, f"row longer than {ROW_LINES * limit} bytes: refused")
        if self.number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if self.number == 1 and raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise _BadBytesError(
                self.number, "saved as UTF-16 (it starts with a UTF-16 byte-order mark); save the file as UTF-8"
            )
        if b"\x00" in raw:
            raise _BadBytesError(self.number, "holds a NUL byte (0x00): not a CSV text file")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.start + 1].hex()
            raise _BadBytesError(self.number, f"not valid UTF-8 (byte 0x{bad}); save the file as UTF-8") from None


def _cell_position(prefix: bytes, delimiter: bytes = b",") -> int | None:
    """The position of the cell the first ``len(prefix)`` bytes of a line end in: delimiters
    outside quotes counted (None when the line starts inside a quoted cell)."""
    position = 0
    quoted = False
    for byte in prefix:
        if byte == 34:  # "
            quoted = not quoted
        elif byte == delimiter[0] and not quoted:
            position += 1
    return position


def _csv_message(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return f"a cell longer than {max_line_bytes()} characters: refused"
    return f"broken CSV: {exc}"


def _read_header(spec: FileSpec, cells: list[str], problems: Callable[[Problem], None]) -> Header | None:
    names = [cell.strip().lower() for cell in cells]
    ok = True
    index: dict[str, int] = {}
    for position, column in enumerate(names):
        if column in index:
            problems(Problem(spec.name, 1, column, "the header names this column twice"))
            ok = False
        elif column in spec.columns_by_name:
            index[column] = position
    for required in spec.required:
        if required not in index:
            problems(Problem(spec.name, 1, required, "required column is missing from the header"))
            ok = False
    return Header(names, index) if ok else None

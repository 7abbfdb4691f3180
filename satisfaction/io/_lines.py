"""Line numbers of CSV records as a text editor shows them.

pyarrow's reader gives rows, not lines. A row's line is its position plus the
lines before the header (Excel's ``sep=;`` line, blank lines) unless the file
has blank lines between rows or quoted cells that span lines. So: count the
file's lines (one ``bytes.count`` per 8 MB block); when the count says the file
is regular, the lines are an ``arange``. Otherwise scan the file once with numpy
for newlines that are outside quotes (an even number of ``"`` before them: an
escaped ``""`` adds two), which mark where records end. Python's ``csv`` module
(as pyarrow, it reads a quote in the middle of a field as a plain character)
checks the scan when the two disagree on the number of records. Written here
because no CSV reader we use reports the line where each record starts.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "_Records",
    "_newline_code",
    "_count_lines",
    "_scan_records",
    "_data_lines",
    "_csv_module_lines",
]

_CHUNK = 8 * 1024 * 1024
_QUOTE = 34
_LF, _CR = 10, 13


def _wide(encoding: str) -> bool:
    return encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32"))


@dataclass(frozen=True)
class _Records:
    """Every record of a CSV file: the line it starts on, blank or not, its length."""

    start: np.ndarray  # 1-based line where the record starts
    blank: np.ndarray  # True for an empty line
    length: np.ndarray  # characters (bytes for 8-bit encodings) without the line break
    open_quote: bool  # the file ends inside a quoted cell


def _newline_code(head: bytes) -> int:
    """``\\r`` only for files that use it alone (old Mac); ``\\n`` otherwise."""
    return _CR if (b"\n" not in head and b"\r" in head) else _LF


def _units(path: Path, encoding: str):
    """The file as arrays of code units: bytes, or code points for UTF-16/32 text."""
    if _wide(encoding):
        text = path.read_text(encoding=encoding, errors="replace")
        yield np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        return
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            yield np.frombuffer(chunk, dtype=np.uint8)


def _count_lines(path: Path, encoding: str, newline: int) -> int | None:
    """Lines up to the last one that holds anything but whitespace (``None``: use the scan).

    :func:`read_export` runs it in a thread while pyarrow parses the file (which
    releases the GIL), so on a machine with two cores it costs next to nothing.
    """
    if _wide(encoding):
        return None
    code = bytes([newline])
    total = 0
    buffer = bytearray(_CHUNK)  # one buffer, read into again and again: no allocation per block
    tail = b""
    with open(path, "rb", buffering=0) as handle:
        while n := handle.readinto(buffer):
            block = buffer if n == _CHUNK else buffer[:n]
            total += block.count(code)
            tail = bytes(block[-4096:]) if n >= 4096 else tail[-(4096 - n) :] + bytes(block)
    stripped = tail.rstrip()
    if not stripped and total:  # a file that ends in 4 KB of blank lines: let the scan count
        return None
    return total + 1 - tail[len(stripped) :].count(code)


def _scan_records(path: Path, encoding: str, newline: int) -> _Records:
    """Find every record of the file: newlines preceded by an even number of quotes end one."""
    ends, lines, crs = [], [], []
    quotes = newlines = offset = 0
    before = -1  # the unit before the current block
    for units in _units(path, encoding):
        nl = np.flatnonzero(units == newline)
        q = np.flatnonzero(units == _QUOTE)
        parity = (quotes + np.searchsorted(q, nl)) & 1
        term = nl[parity == 0]
        ends.append(term + offset)
        lines.append(np.flatnonzero(parity == 0) + newlines)
        prev = np.where(term > 0, units[np.maximum(term - 1, 0)], before)
        crs.append(prev == _CR)
        quotes += len(q)
        newlines += len(nl)
        offset += len(units)
        before = int(units[-1]) if len(units) else before
    end = np.concatenate(ends) if ends else np.zeros(0, np.int64)
    line_idx = np.concatenate(lines) if lines else np.zeros(0, np.int64)
    cr = np.concatenate(crs) if crs else np.zeros(0, bool)
    prev_end = np.concatenate([[-1], end[:-1]])
    length = end - prev_end - 1
    cr_end = cr & (newline == _LF)
    blank = (length == 0) | ((length == 1) & cr_end)
    length = length - cr_end
    start = np.concatenate([[1], line_idx[:-1] + 2]) if len(end) else np.zeros(0, np.int64)
    rest = offset - (int(end[-1]) + 1 if len(end) else 0)
    if rest > 0:  # a last record without a line break
        start = np.append(start, int(line_idx[-1]) + 2 if len(end) else 1)
        blank = np.append(blank, False)
        length = np.append(length, rest)
    return _Records(
        start=start.astype(np.int64),
        blank=blank.astype(bool),
        length=length.astype(np.int64),
        open_quote=bool(quotes & 1),
    )


def _data_lines(records: _Records, first_line: int, header: bool) -> np.ndarray:
    """Start lines of the data records: the non-blank records after the header's line."""
    after = records.start > first_line if header else records.start >= first_line
    return records.start[after & ~records.blank]


def _csv_module_lines(path: Path, encoding: str, sep: str, first_line: int, header: bool):
    """Start lines of the data records by Python's csv module (the slow, sure way)."""
    starts = []
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=sep, strict=False)
        previous = 0
        try:
            for row in reader:
                start = previous + 1
                previous = reader.line_num
                if not row:
                    continue
                if start > first_line or (not header and start == first_line):
                    starts.append(start)
        except csv.Error:
            return None
    return np.asarray(starts, dtype=np.int64)

"""Detection from the first bytes: file format, text encoding, CSV separator, header row."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..instruments import label_map, normalise_label
from ._common import _fail

__all__ = [
    "_SNIFF_BYTES",
    "_SEP_NAMES",
    "_DECIMAL_COMMA",
    "_NUMBER",
    "_SEP_LINE",
    "_detect_format",
    "_sniff_encoding",
    "_complete_lines",
    "_split",
    "_sniff_sep",
    "_looks_like_data",
]

_SNIFF_BYTES = 64 * 1024
_SEPARATORS = (";", "\t", ",", "|")
_SEP_NAMES = {";": "';'", "\t": "tab", ",": "','", "|": "'|'"}
_CSV_SUFFIXES = {".csv", ".txt", ".tsv", ".tab"}
_XLSX_SUFFIXES = {".xlsx", ".xlsm"}
_PARQUET_SUFFIXES = {".parquet", ".pq"}
_MAGIC = {
    b"PK\x03\x04": ("an XLSX/ZIP file", "rename it to .xlsx if it is an Excel workbook"),
    b"PAR1": ("a Parquet file", "rename it to .parquet"),
    b"\xd0\xcf\x11\xe0": ("an old Excel .xls file", "open it in Excel and save it as .xlsx or CSV"),
    b"%PDF": ("a PDF document", "export the survey data as CSV, XLSX or Parquet instead"),
}
#: Binary formats named by their extension: (extensions, first bytes, error, fix).
_SIGNED = {
    "xlsx": (
        _XLSX_SUFFIXES,
        b"PK\x03\x04",
        "is named .xlsx but is not an Excel workbook (no ZIP signature)",
        "open it in Excel and save it again as .xlsx, or rename it to .csv if it is text",
    ),
    "parquet": (
        _PARQUET_SUFFIXES,
        b"PAR1",
        "is named .parquet but is not a Parquet file",
        "write it again with DataFrame.to_parquet, or rename it to its real type",
    ),
}
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
_SEP_LINE = re.compile(r'^"?sep=(.)"?\s*$', flags=re.IGNORECASE)
_LABELS = label_map()  # every Likert and don't-know label, normalised


def _detect_format(path: Path, head: bytes, fmt: str | None) -> str:
    if fmt is not None:  # checked by read_export
        return fmt
    suffix = path.suffix.lower()
    for binary, (suffixes, magic, what, fix) in _SIGNED.items():
        if suffix in suffixes:
            if not head.startswith(magic):
                raise _fail(path, what, fix)
            return binary
    if suffix == ".xls":
        raise _fail(
            path,
            "is an old Excel .xls workbook, which is not supported",
            "open it in Excel and save it as .xlsx or CSV",
        )
    if suffix in _CSV_SUFFIXES or suffix == "":
        return "csv"
    raise _fail(
        path,
        f"has the extension {suffix!r}, which read_export does not know",
        "save the export as .csv, .xlsx or .parquet, or pass format='csv'",
    )


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _decode_check(path: Path, head: bytes, encoding: str, final: bool, start: int = 0) -> str:
    """Decode the sample; raise an InputError naming the row of the first bad byte."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        return decoder.decode(head[start:], final=final)
    except UnicodeDecodeError as exc:
        offset = start + exc.start
        byte = head[offset : offset + 1].hex()
        guess = "cp1252" if encoding.replace("-", "").lower().startswith("utf8") else "utf-8"
        raise _fail(
            path,
            f"byte 0x{byte} cannot be read as {encoding} (the file is in another encoding)",
            f"pass encoding='{guess}' (Finnish Excel usually saves cp1252) or encoding=None "
            "to detect it, or re-save the file as UTF-8",
            row=_line_of(head, offset),
        ) from None


def _sniff_encoding(path: Path, head: bytes, final: bool, encoding: str | None):
    """Return (encoding, text of the sample, notes, strip_bom)."""
    notes: list[str] = []
    bom8 = head.startswith(codecs.BOM_UTF8)
    if encoding is not None:
        try:
            codec = codecs.lookup(encoding)
        except LookupError:
            raise _fail(
                path,
                f"encoding={encoding!r} is not a known text encoding",
                "use e.g. 'utf-8', 'utf-8-sig', 'cp1252' or 'latin-1'",
            ) from None
        start = 3 if bom8 and codec.name not in ("utf-8", "utf-8-sig") else 0
        text = _decode_check(path, head, encoding, final, start)
        if start:
            notes.append(f"a UTF-8 byte-order mark was skipped before the {encoding} text")
        return encoding, text.lstrip("\ufeff"), notes, bool(start)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", _decode_check(path, head, "utf-16", final), notes, False
    for magic, (what, fix) in _MAGIC.items():
        if head.startswith(magic):
            raise _fail(path, f"is {what}, not a CSV text file", fix)
    if b"\x00" in head:
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > len(head) // 4 and even == 0:
            return "utf-16-le", _decode_check(path, head, "utf-16-le", final), notes, False
        if even > len(head) // 4 and odd == 0:
            return "utf-16-be", _decode_check(path, head, "utf-16-be", final), notes, False
        raise _fail(
            path,
            "is a binary file, not CSV text (it contains NUL bytes)",
            "export the survey data as CSV, XLSX or Parquet and read that file",
            row=_line_of(head, head.index(b"\x00")),
        )
    if bom8:
        try:
            text = codecs.getincrementaldecoder("utf-8")("strict").decode(head[3:], final=final)
        except UnicodeDecodeError as exc:
            raise _fail(
                path,
                "starts with a UTF-8 byte-order mark but its text is not UTF-8 "
                f"(byte 0x{head[3 + exc.start : 4 + exc.start].hex()} looks like cp1252)",
                "re-save the whole file as UTF-8, or pass encoding='cp1252' to read it as cp1252",
                row=_line_of(head, 3 + exc.start),
            ) from None
        return "utf-8-sig", text, notes, False
    try:
        text = codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=final)
        if not text.isascii():
            return "utf-8", text, notes, False
        notes.append("the first 64 KB are plain ASCII; read as UTF-8")
        return "utf-8", text, notes, False
    except UnicodeDecodeError:
        pass
    try:
        return "cp1252", head.decode("cp1252"), notes, False
    except UnicodeDecodeError:
        return "latin-1", head.decode("latin-1"), notes, False


def _complete_lines(text: str, final: bool) -> list[str]:
    """The sample's lines; of a truncated sample, only those before the last complete record.

    A sample that ends inside a quoted cell (a cell of megabytes, a long multi-line
    comment) is cut back to before the line where that cell's quote opens.
    """
    lines = text.splitlines()
    if final or not lines:
        return lines
    lines = lines[:-1]  # the last line of a truncated sample may be cut
    quotes = np.cumsum([line.count('"') for line in lines]) if lines else []
    keep = len(lines)
    while keep and quotes[keep - 1] % 2:
        keep -= 1
    return lines[:keep]


def _split(lines: list[str], sep: str) -> list[list[str]]:
    """The non-blank rows of ``lines`` (rows after a quoting error are left out)."""
    rows = []
    try:
        for row in csv.reader(lines, delimiter=sep):
            if any(c.strip() for c in row):
                rows.append(row)
    except csv.Error:
        pass
    return rows


def _sniff_sep(lines: list[str]) -> str | None:
    best, best_score = None, (0.0, 0)
    for sep in _SEPARATORS:
        rows = _split(lines[:200], sep)
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        consistency = sum(len(r) == width for r in rows) / len(rows)
        score = (round(consistency, 2), width)
        if score > best_score:
            best, best_score = sep, score
    return best


def _looks_like_data(cells: Sequence[Any]) -> str | None:
    """A header cell that is an answer, not a name (``None`` if the row looks like a header)."""
    numbers = []
    for cell in cells:
        if cell is None or (isinstance(cell, float) and np.isnan(cell)):
            continue
        if isinstance(cell, (int, float, np.number)) and not isinstance(cell, bool):
            numbers.append(str(cell))
            continue
        text = str(cell).strip()
        key = normalise_label(text)
        if key in _LABELS:
            return text  # an answer label is the clearest sign
        if text and (_NUMBER.match(text) or key.isdigit()):  # 4, 3,5, 2026-01, 00123
            numbers.append(text)
    return numbers[0] if numbers else None

"""Read survey exports (CSV, XLSX, Parquet) into a tidy frame; write processed data.

:func:`read_export` reads one export as it is: answers stay the raw text labels
or numbers of the file (cleaning them is :func:`satisfaction.clean`'s job). It
detects the CSV dialect (separator, decimal comma, encoding, Excel's ``sep=;``
line) from the first 64 KB, matches the columns to the instrument's items and
says what it found in :class:`ExportReport`. Anything it cannot read as it is
raises one :class:`~satisfaction.errors.InputError` naming the file, the row or
column and how to fix it.

Examples
--------
>>> import tempfile, pathlib
>>> import satisfaction as sat
>>> text = "respondent_id;LQ1 ;lq2;lq3;lq4\\nE1;Täysin samaa mieltä;4;4;En osaa sanoa\\n"
>>> path = pathlib.Path(tempfile.mkdtemp()) / "pulse.csv"
>>> _ = path.write_bytes(text.encode("cp1252"))
>>> ex = sat.read_export(path, sat.default_instrument(), items=["lq1", "lq2", "lq3", "lq4"])
>>> ex.report.encoding, ex.report.sep, ex.report.items
('cp1252', ';', ('lq1', 'lq2', 'lq3', 'lq4'))
>>> ex.data.loc[0, "lq1"]
'Täysin samaa mieltä'
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import config
from .errors import InputError
from .instruments import Instrument, label_map, normalise_label

__all__ = ["Export", "ExportReport", "read_export", "write_processed", "META_COLUMNS"]

#: Columns that are not items but that cleaning and linking use; matched like items.
META_COLUMNS = ("respondent_id", "unit", "period", "submitted_at", "duration_s", "language")

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
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
_LEADING_ZERO = re.compile(r"^0\d+$")
_SEP_LINE = re.compile(r'^"?sep=(.)"?\s*$', flags=re.IGNORECASE)
_ARROW_COLUMN = re.compile(r"column #(\d+)")
_LABELS = label_map()  # every Likert and don't-know label, normalised
_UNNAMED = "_unnamed_"


def _key(name: Any) -> str:
    """Column-name key for matching: whitespace dropped, case folded."""
    return "".join(str(name).split()).casefold()


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ExportReport:
    """What :func:`read_export` detected and matched.

    Attributes
    ----------
    path : str
        The file read.
    format : str
        ``"csv"``, ``"xlsx"`` or ``"parquet"``.
    encoding, sep, decimal : str or None
        CSV only: the text encoding, the field separator and the decimal mark.
    sheet : str or None
        XLSX only: the sheet read.
    n_rows, n_columns : int
        Size of the frame returned.
    items : tuple of str
        Instrument items found (in the file's column order).
    renamed : dict
        Original column name -> new name, for every column whose name changed.
    meta : tuple of str
        Recognised non-item columns (``respondent_id``, ``unit``, ``period`` ...).
    unmatched : tuple of str
        Columns that are neither items nor recognised meta columns (kept as they are).
    missing : tuple of str
        Expected items that the file lacks (only non-empty with ``missing="ignore"``).
    skipped_lines : int
        Lines skipped before the header (Excel's ``sep=;`` line).
    blank_rows : int
        Rows with no value at all, dropped while reading.
    notes : tuple of str
        Anything else worth knowing (a repaired encoding, an empty first sheet, ...).
    """

    path: str
    format: str
    encoding: str | None = None
    sep: str | None = None
    decimal: str | None = None
    sheet: str | None = None
    n_rows: int = 0
    n_columns: int = 0
    items: tuple[str, ...] = ()
    renamed: dict[str, str] = field(default_factory=dict)
    meta: tuple[str, ...] = ()
    unmatched: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    skipped_lines: int = 0
    blank_rows: int = 0
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """The report as a two-column frame ``field, value`` (values as text)."""
        rows = []
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, tuple):
                value = ", ".join(value)
            elif isinstance(value, dict):
                value = ", ".join(f"{k} -> {v}" for k, v in value.items())
            rows.append({"field": name, "value": "" if value is None else str(value)})
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        return "<b>Export report</b>" + self.to_frame().to_html(index=False)


@dataclass(frozen=True)
class Export:
    """A read export: the raw ``data`` and the ``report`` of what was detected."""

    data: pd.DataFrame
    report: ExportReport

    def _repr_html_(self) -> str:
        return self.report._repr_html_() + self.data.head()._repr_html_()


# --------------------------------------------------------------------------- helpers


def _fail(path: Path, what: str, fix: str, *, row: int | None = None, column: Any = None):
    where = f"file '{path}'"
    if row is not None:
        where += f", row {row}"
    if column is not None:
        where += f", column '{column}'"
    return InputError(f"{where}: {what}; {fix}")


def _detect_format(path: Path, head: bytes, fmt: str | None) -> str:
    if fmt is not None:
        if fmt not in ("csv", "xlsx", "parquet"):
            raise _fail(path, f"format={fmt!r} is not supported", "use 'csv', 'xlsx' or 'parquet'")
        return fmt
    suffix = path.suffix.lower()
    if suffix in _XLSX_SUFFIXES:
        if not head.startswith(b"PK\x03\x04"):
            raise _fail(
                path,
                "is named .xlsx but is not an Excel workbook (no ZIP signature)",
                "open it in Excel and save it again as .xlsx, or rename it to .csv if it is text",
            )
        return "xlsx"
    if suffix in _PARQUET_SUFFIXES:
        if not head.startswith(b"PAR1"):
            raise _fail(
                path,
                "is named .parquet but is not a Parquet file",
                "write it again with DataFrame.to_parquet, or rename it to its real type",
            )
        return "parquet"
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
    lines = text.splitlines()
    if not final and lines:
        lines = lines[:-1]  # the last line of a truncated sample may be cut
    return lines


def _split(lines: list[str], sep: str) -> list[list[str]]:
    try:
        return [row for row in csv.reader(lines, delimiter=sep) if any(c.strip() for c in row)]
    except csv.Error:
        return []


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


# --------------------------------------------------------------------------- matching


def _match(
    path: Path,
    columns: list[str],
    instrument: Instrument | None,
    mapping: Mapping[str, str] | None,
    items: Sequence[str] | None,
    unknown: str,
    missing: str,
    header_row: int,
):
    """Rename columns to item ids / meta names; return (renames, items, meta, unmatched, missing)."""
    names = [str(c) for c in columns]
    renames: dict[str, str] = {}
    if mapping:
        by_key = {_key(n): n for n in names}
        for src, dst in mapping.items():
            found = src if src in names else by_key.get(_key(src))
            if found is None:
                raise _fail(
                    path,
                    f"columns={{{src!r}: {dst!r}}} names a column the file does not have",
                    f"use one of its columns: {', '.join(names[:15])}",
                )
            renames[found] = dst
    item_ids = list(instrument.item_ids) if instrument is not None else list(items or [])
    targets = {_key(i): i for i in item_ids}
    targets.update({_key(m): m for m in META_COLUMNS if _key(m) not in targets})
    new_names: list[str] = []
    for n in names:
        if n in renames:
            new = renames[n]
        else:
            new = targets.get(_key(n), n.strip())
        new_names.append(new)
        if new != n:
            renames[n] = new
    seen: dict[str, int] = {}
    for pos, n in enumerate(new_names):
        if n in seen:
            originals = [names[seen[n]], names[pos]]
            raise _fail(
                path,
                f"columns {seen[n] + 1} and {pos + 1} ({originals[0]!r} and {originals[1]!r}) "
                f"both give the column {n!r}",
                "rename or delete one of them in the file, or map them apart with columns={...}",
                row=header_row,
                column=n,
            )
        seen[n] = pos
    found_items = [n for n in new_names if n in item_ids]
    meta = [n for n in new_names if n in META_COLUMNS and n not in item_ids]
    unmatched = [n for n in new_names if n not in item_ids and n not in META_COLUMNS]
    if instrument is not None:
        prefixes = {re.sub(r"\d+$", "", i).casefold() for i in item_ids}
        prefixes.discard("")
        pattern = re.compile(r"^(" + "|".join(map(re.escape, sorted(prefixes))) + r")_?\d+$")
        looks_item = [n for n in unmatched if pattern.match(_key(n))]
        if looks_item and unknown == "error":
            raise _fail(
                path,
                f"{len(looks_item)} column(s) look like items but are not in instrument "
                f"{instrument.name!r}: {', '.join(looks_item)}",
                "add them to the instrument, map them with columns={'"
                + looks_item[0]
                + "': '<item id>'}, or pass unknown='keep' to keep them as extra columns",
                row=header_row,
                column=looks_item[0],
            )
        if items is not None:
            expected = list(items)
            bad = [i for i in expected if i not in item_ids]
            if bad:
                raise _fail(
                    path,
                    f"items={bad!r} are not items of instrument {instrument.name!r}",
                    f"choose from {', '.join(item_ids)}",
                )
        else:
            sources = {instrument.item(i).source for i in found_items}
            expected = [i.id for i in instrument.items if i.source in sources]
    else:
        expected = list(items or [])
    lacking = [i for i in expected if i not in found_items]
    if lacking and missing == "error":
        raise _fail(
            path,
            f"the item column(s) {', '.join(lacking)} are missing (found {len(found_items)} of "
            f"{len(expected)} expected items)",
            "add them, map a differently named column with columns={'<name in file>': '"
            + lacking[0]
            + "'}, pass items=[...] to read only some items, or missing='ignore'",
            column=lacking[0],
        )
    if instrument is not None and not found_items:
        raise _fail(
            path,
            f"none of its columns ({', '.join(names[:10])}) is an item of instrument "
            f"{instrument.name!r}",
            "check the separator and the header row, or map the columns with columns={...}",
            row=header_row,
        )
    return renames, new_names, found_items, meta, unmatched, lacking


def _check_item_types(path: Path, data: pd.DataFrame, items: list[str], row_offset: int) -> None:
    """Item columns must hold numbers or text: not dates, times, booleans or bytes."""
    for col in items:
        s = data[col]
        dtype = s.dtype
        if (
            pd.api.types.is_bool_dtype(dtype)
            or pd.api.types.is_datetime64_any_dtype(dtype)
            or (pd.api.types.is_timedelta64_dtype(dtype))
        ):
            raise _fail(
                path,
                f"the item column holds {dtype} values, not answers",
                "store answers as numbers (1-5, 0-10) or as text labels",
                column=col,
            )
        if dtype is np.dtype(object):
            kinds = pd.api.types.infer_dtype(s, skipna=True)
            if kinds in (
                "string",
                "integer",
                "floating",
                "mixed-integer-float",
                "empty",
                "integer-na",
                "decimal",
            ):
                continue
            types = s.map(type, na_action="ignore")
            ok = types.isin([str, int, float, np.int64, np.float64]) | s.isna()
            bad = np.flatnonzero(~ok.to_numpy())
            if len(bad):
                i = bad[0]
                value = s.iloc[i]
                raise _fail(
                    path,
                    f"mixed types: the value {value!r} ({type(value).__name__}) is not an answer "
                    "(Excel may have turned a number or label into a date)",
                    "format the column as text or numbers in the source and export again",
                    row=int(i) + row_offset,
                    column=col,
                )


def _drop_blank_rows(data: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    if data.shape[1] == 0 or len(data) == 0:
        return data, 0
    candidates = data.iloc[:, 0].isna().to_numpy()
    if not candidates.any():
        return data, 0
    idx = np.flatnonzero(candidates)
    blank = data.iloc[idx].isna().all(axis=1).to_numpy()
    if not blank.any():
        return data, 0
    keep = np.ones(len(data), dtype=bool)
    keep[idx[blank]] = False
    return data.loc[keep].reset_index(drop=True), int(blank.sum())


# --------------------------------------------------------------------------- readers


def _read_csv(path, head, final, instrument, *, encoding, sep, decimal, names, items_hint):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise _fail(path, "is empty", "export the survey again; the file has no header and no rows")
    enc, text, notes, strip_bom = _sniff_encoding(path, head, final, encoding)
    lines = _complete_lines(text, final)
    skip = 0
    while skip < len(lines) and not lines[skip].strip():
        skip += 1
    if skip < len(lines) and _SEP_LINE.match(lines[skip]):
        excel_sep = _SEP_LINE.match(lines[skip]).group(1)
        skip += 1
        notes.append(f"skipped Excel's 'sep={excel_sep}' line")
        if sep is None:
            sep = excel_sep
    body = lines[skip:]
    if not any(line.strip() for line in body):
        raise _fail(
            path, "has no header and no data", "export the survey again with its header row"
        )
    header_row = skip + 1
    detected = _sniff_sep(body)
    if sep is None:
        sep = detected or ","
    rows = _split(body, sep)
    header = [c.strip() for c in rows[0]] if rows else []
    if len(header) < 2:
        if detected and detected != sep:
            raise _fail(
                path,
                f"with sep={sep!r} the header is one column ({body[0][:60]!r}), but it is "
                f"separated by {_SEP_NAMES[detected]}",
                f"pass sep={detected!r}, or leave sep=None to detect it",
                row=header_row,
            )
        if instrument is not None or items_hint:
            raise _fail(
                path,
                f"the header is a single column ({body[0][:60]!r}): the separator is not one of "
                "';', ',', tab or '|'",
                "pass the file's separator as sep='...'",
                row=header_row,
            )
    if names is None:
        sample = _looks_like_data(header)
        known = instrument is not None and any(
            _key(c) in {_key(i) for i in (*instrument.item_ids, *META_COLUMNS)} for c in header
        )
        if sample is not None and not known:
            raise _fail(
                path,
                f"the first row looks like data, not a header (it holds {sample!r})",
                "add a header row with the column names (respondent_id, lq1, ...) "
                "or pass names=[...] with one name per column",
                row=header_row,
            )
        raw_names = header
        data_rows = rows[1:]
    else:
        raw_names = list(names)
        data_rows = rows
        if rows and len(rows[0]) != len(raw_names):
            raise _fail(
                path,
                f"names= gives {len(raw_names)} names but the rows have {len(rows[0])} fields",
                "give one name per column",
                row=header_row,
            )
    decimal_found = "."
    if decimal is None:
        if sep != "," and any(_DECIMAL_COMMA.match(c.strip()) for r in data_rows for c in r):
            decimal_found = ","
    else:
        decimal_found = decimal
    multiline = any("\n" in c or "\r" in c for r in rows for c in r)
    # column types from the sample: text answers as dictionaries, ids keeping leading zeros
    columns_sample = {
        i: [r[i].strip() for r in data_rows if i < len(r)] for i in range(len(raw_names))
    }
    item_keys = set()
    if instrument is not None:
        item_keys = {_key(i) for i in instrument.item_ids}
    item_keys |= {_key(i) for i in items_hint or ()}
    dict_type = pa.dictionary(pa.int32(), pa.string())
    types: dict[str, Any] = {}
    for i, name in enumerate(raw_names):
        values = [v for v in columns_sample[i] if v]
        numeric = all(_NUMBER.match(v) for v in values)
        if _key(name) in item_keys:
            if not numeric:
                types[name] = dict_type
        elif any(_LEADING_ZERO.match(v) for v in values):
            types[name] = pa.string()
    if names is None and any(not n for n in raw_names):  # empty header cells: name them
        raw_names = [n or f"{_UNNAMED}{pos + 1}" for pos, n in enumerate(raw_names)]
        names = raw_names
        skip += 1  # the header line is now skipped and the names given
    if len(set(raw_names)) != len(raw_names):
        dup = next(n for n in raw_names if raw_names.count(n) > 1)
        raise _fail(
            path,
            f"the column name {dup!r} appears {raw_names.count(dup)} times in the header",
            "rename or delete the duplicate column in the file",
            row=header_row,
            column=dup,
        )
    read_opts = dict(encoding="utf8" if enc in ("utf-8", "utf-8-sig") else enc, skip_rows=skip)
    if names is not None:
        read_opts["column_names"] = raw_names
    parse_opts = pacsv.ParseOptions(delimiter=sep, newlines_in_values=multiline)

    def not_utf8(column: str | None):
        """Text that is not UTF-8 beyond the sniffed 64 KB: retry as cp1252 if we guessed."""
        nonlocal enc
        if encoding is None and enc == "utf-8" and text.isascii():
            enc = "cp1252"
            read_opts["encoding"] = enc
            notes.append("the first 64 KB looked like UTF-8 but later rows are not; read as cp1252")
            return
        raise _fail(
            path,
            f"is not valid {enc} text beyond its first 64 KB",
            "pass encoding='cp1252' (or the file's real encoding), or re-save the file as UTF-8",
            column=column,
        )

    for _attempt in range(len(raw_names) + 2):
        convert = pacsv.ConvertOptions(
            column_types=types,
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            decimal_point=decimal_found,
            true_values=["\x00true"],
            false_values=["\x00false"],
        )
        try:
            # the streaming reader: with a transcoded (cp1252) file it is faster than the
            # multithreaded one here and holds a fraction of the memory (see benchmarks/)
            table = pacsv.open_csv(
                path,
                read_options=pacsv.ReadOptions(**read_opts),
                parse_options=parse_opts,
                convert_options=convert,
            ).read_all()
            binary = [f.name for f in table.schema if pa.types.is_binary(f.type)]
            if binary:  # pyarrow infers binary for text that is not valid UTF-8
                del table
                not_utf8(binary[0])
                continue
            break
        except pa.ArrowInvalid as exc:
            message = str(exc)
            m = _ARROW_COLUMN.search(message)
            if "utf8" in message.lower().replace("-", ""):
                not_utf8(raw_names[int(m.group(1))] if m else None)
                continue
            if "conversion error" in message.lower() and m:
                col = raw_names[int(m.group(1))]
                if col not in types:  # inferred from the first block, text later on: read as text
                    types[col] = dict_type if _key(col) in item_keys else pa.string()
                    continue
            if "Expected" in message and "columns" in message:
                row, n = _find_ragged(path, enc, sep, skip, strip_bom)
                raise _fail(
                    path,
                    f"this row has {n} fields but the header has {len(raw_names)} (the separator "
                    f"{_SEP_NAMES.get(sep, repr(sep))} or a quote is wrong in it)",
                    "fix the row in the file (quote values that contain the separator) or pass sep=...",
                    row=row,
                ) from None
            raise _fail(
                path,
                f"cannot be parsed as CSV ({message.splitlines()[0][:120]})",
                "check the separator, the quoting and the encoding",
            ) from None
        except UnicodeDecodeError as exc:
            raise _fail(
                path,
                f"is not valid {enc} beyond its first 64 KB ({exc.reason})",
                "pass encoding='cp1252' (or the file's real encoding), or re-save the file as UTF-8",
            ) from None
    # free each Arrow column as it is converted, and keep columns in their own blocks (no copy)
    data = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    pa.default_memory_pool().release_unused()  # give the parser's buffers back to the system
    if strip_bom or enc in ("cp1252", "latin-1"):
        first = str(data.columns[0])
        for bom in ("\ufeff", "ï»¿"):
            if first.startswith(bom):
                data = data.rename(columns={data.columns[0]: first[len(bom) :]})
                notes.append("removed a byte-order mark from the first column name")
    if not len(data):
        raise _fail(
            path, "has a header but no data rows", "export the survey again with its answers"
        )
    # an empty trailing header cell (a trailing separator) with no values: drop it
    unnamed = [c for c in data.columns if str(c).startswith(_UNNAMED)]
    for c in unnamed:
        if data[c].isna().all():
            data = data.drop(columns=c)
            notes.append(f"dropped an unnamed empty column ({c.replace(_UNNAMED, 'column ')})")
        else:
            raise _fail(
                path,
                f"column {c[len(_UNNAMED) :]} has values but no name in the header",
                "give every column a name in the header row",
                row=header_row,
            )
    return data, dict(
        encoding=enc,
        sep=sep,
        decimal=decimal_found,
        notes=notes,
        skipped=skip,
        header_row=header_row,
    )


def _find_ragged(path: Path, enc: str, sep: str, skip: int, strip_bom: bool) -> tuple[int, int]:
    """Line number and field count of the first row whose width differs from the header's."""
    with open(path, encoding=enc, errors="replace", newline="") as handle:
        if strip_bom:
            handle.read(1)
        reader = csv.reader(handle, delimiter=sep)
        width = None
        for number, row in enumerate(reader, start=1):
            if number <= skip or not row:
                continue
            if width is None:
                width = len(row)
            elif len(row) != width:
                return reader.line_num, len(row)
    return 0, 0


def _read_xlsx(path: Path, instrument, sheet, items_hint):
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:  # zip or XML errors from openpyxl
        raise _fail(
            path,
            f"cannot be opened as an Excel workbook ({type(exc).__name__}: {exc})",
            "open it in Excel and save it again as .xlsx",
        ) from None
    notes: list[str] = []
    with book:
        sheets = list(book.sheet_names)
        wanted = {_key(i) for i in (instrument.item_ids if instrument is not None else ())}
        wanted |= {_key(i) for i in items_hint or ()}

        def header_of(name):
            top = pd.read_excel(book, sheet_name=name, header=None, nrows=1)
            return [] if top.empty else [c for c in top.iloc[0].tolist()]

        if sheet is not None:
            if isinstance(sheet, int):
                if not 0 <= sheet < len(sheets):
                    raise _fail(
                        path,
                        f"has no sheet number {sheet} (it has {len(sheets)})",
                        f"pass one of the sheet names: {', '.join(sheets)}",
                    )
                chosen = sheets[sheet]
            elif sheet not in sheets:
                raise _fail(
                    path,
                    f"has no sheet {sheet!r}",
                    f"pass one of its sheets: {', '.join(map(repr, sheets))}",
                )
            else:
                chosen = sheet
            header = header_of(chosen)
        else:
            chosen = sheets[0]
            header = header_of(chosen)
            has_items = any(_key(c) in wanted for c in header)
            if not header or (wanted and not has_items):
                others = {s: header_of(s) for s in sheets[1:]}
                with_items = [s for s, h in others.items() if any(_key(c) in wanted for c in h)]
                non_empty = [s for s, h in others.items() if h]
                if not header:
                    pick = with_items if wanted else non_empty
                    if len(pick) == 1:
                        notes.append(f"the first sheet {chosen!r} is empty; read sheet {pick[0]!r}")
                        chosen = pick[0]
                        header = others[chosen]
                    else:
                        raise _fail(
                            path,
                            f"its first sheet {chosen!r} is empty"
                            + (
                                f" and several sheets hold data ({', '.join(map(repr, pick))})"
                                if pick
                                else " and no other sheet holds the items"
                            ),
                            "pass sheet='<name>' to say which sheet holds the answers",
                        )
                elif with_items:
                    raise _fail(
                        path,
                        f"the first sheet {chosen!r} has no item columns; the answers seem to be "
                        f"on sheet {with_items[0]!r}",
                        f"pass sheet={with_items[0]!r}",
                    )
        if not header:
            raise _fail(
                path,
                f"sheet {chosen!r} is empty",
                "pass sheet='<name>' of the sheet with the answers",
            )
        sample = _looks_like_data(header)
        if sample is not None and not any(
            _key(c) in wanted | {_key(m) for m in META_COLUMNS} for c in header
        ):
            raise _fail(
                path,
                f"the first row of sheet {chosen!r} looks like data, not a header "
                f"(it holds {sample!r})",
                "add a header row with the column names (respondent_id, lq1, ...)",
                row=1,
            )
        names = ["" if pd.isna(c) else str(c).strip() for c in header]
        for n in names:
            if n and names.count(n) > 1:
                raise _fail(
                    path,
                    f"sheet {chosen!r}: the column name {n!r} appears "
                    f"{names.count(n)} times in the header",
                    "rename or delete the duplicate column",
                    row=1,
                    column=n,
                )
        data = pd.read_excel(book, sheet_name=chosen, header=0)
    data.columns = [str(c).strip() for c in data.columns]
    unnamed = [c for c in data.columns if c.startswith("Unnamed:")]
    for c in unnamed:
        if data[c].isna().all():
            data = data.drop(columns=c)
        else:
            raise _fail(
                path,
                f"sheet {chosen!r}: a column has values but no name in the header",
                "give every column a name in the header row",
                row=1,
                column=c,
            )
    if not len(data):
        raise _fail(
            path,
            f"sheet {chosen!r} has a header but no data rows",
            "export the survey again with its answers",
        )
    return data, dict(sheet=chosen, notes=notes, header_row=1)


def _read_parquet(path: Path):
    try:
        data = pd.read_parquet(path)
    except Exception as exc:
        raise _fail(
            path,
            f"cannot be read as Parquet ({type(exc).__name__}: {str(exc)[:120]})",
            "write it again with DataFrame.to_parquet",
        ) from None
    if not len(data):
        raise _fail(path, "has no data rows", "write the frame again with its answers")
    if not isinstance(data.index, pd.RangeIndex):
        data = data.reset_index(drop=data.index.name is None)
    return data, dict(notes=[], header_row=None)


# --------------------------------------------------------------------------- public


def read_export(
    path: str | Path,
    instrument: Instrument | None = None,
    *,
    columns: Mapping[str, str] | None = None,
    items: Sequence[str] | None = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    names: Sequence[str] | None = None,
    format: str | None = None,
    unknown: str = "error",
    missing: str = "error",
) -> Export:
    """Read one survey export (CSV, XLSX or Parquet) into a tidy frame, values untouched.

    Parameters
    ----------
    path : str or Path
        The export. The format follows the extension (``.csv``/``.txt``/``.tsv``,
        ``.xlsx``, ``.parquet``) and is checked against the file's first bytes.
    instrument : Instrument, optional
        The instrument whose items the columns are matched to. Without it the
        columns are only read (and ``items`` may name the item columns).
    columns : mapping, optional
        Column name in the file -> item id or meta name (``{"Q1": "lq1"}``), applied
        before matching.
    items : sequence of str, optional
        The items the file must hold. Default: every item of each survey (employee /
        customer) of which the file holds at least one item.
    sheet : str or int, optional
        XLSX: the sheet to read. Default: the first sheet; an empty first sheet is
        skipped when exactly one other sheet holds data (reported in ``notes``).
    encoding, sep, decimal : str, optional
        CSV dialect. Default: detected from the first 64 KB (UTF-8, UTF-8 with BOM,
        UTF-16 with BOM, else cp1252; ``;``, tab, ``,`` or ``|``; a decimal comma when
        numbers such as ``3,5`` appear). Excel's ``sep=;`` first line is honoured.
    names : sequence of str, optional
        CSV without a header row: the column names, in order.
    format : {"csv", "xlsx", "parquet"}, optional
        Override the format implied by the extension.
    unknown : {"error", "keep"}
        What to do with columns that look like items (``lq5``) but are not in the
        instrument: raise, or keep them as extra columns (reported as unmatched).
    missing : {"error", "ignore"}
        What to do when expected items are missing: raise, or report them in
        ``report.missing``.

    Returns
    -------
    Export
        ``data``: the frame with item columns renamed to item ids and meta columns
        (``respondent_id, unit, period, submitted_at, duration_s, language``) to
        their canonical names; every other column kept as it is. Text answers stay
        text (as ``category`` for CSV item columns), numbers stay numbers, empty
        cells are missing; ``data.attrs["source"]`` holds the path (cleaning errors
        name the file). ``report``: an :class:`ExportReport`.

    Raises
    ------
    InputError
        One sentence naming the file, the row or column and how to fix it: empty
        file, header only, no header, wrong separator, ragged row, binary file,
        wrong encoding, duplicated or missing columns, unknown item columns, dates
        or booleans in an item column, data on another sheet ...

    Notes
    -----
    CSV files are read by pyarrow's streaming reader. Only the first 64 KB are
    sniffed; a column whose later values do not fit the type inferred from the
    first block is read again as text. Item columns with text answers are read as
    dictionary-encoded text (pandas ``category``): the same values, a fraction of
    the memory, and what :func:`satisfaction.clean.recode_labels` maps fastest.
    Only the empty string is missing: ``"N/A"`` stays text because it is a
    "don't know" answer in English exports. Rows with no value at all (Excel's
    trailing ``;;;;`` lines) are dropped and counted in ``report.blank_rows``.
    Row numbers in errors count lines of the file, the header being row 1.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "answers.csv"
    >>> _ = p.write_text("sep=;\\nid;Q1;Q2\\nA;3,5;4\\n", encoding="utf-8-sig")
    >>> ex = read_export(p, columns={"Q1": "lq1"}, items=["lq1"])
    >>> ex.report.sep, ex.report.decimal, ex.report.unmatched, ex.data["lq1"].tolist()
    (';', ',', ('id', 'Q2'), [3.5])
    """
    path = Path(path)
    if unknown not in ("error", "keep"):
        raise InputError(f"unknown={unknown!r} is not an option; use 'error' or 'keep'")
    if missing not in ("error", "ignore"):
        raise InputError(f"missing={missing!r} is not an option; use 'error' or 'ignore'")
    if instrument is not None and not isinstance(instrument, Instrument):
        raise InputError(
            f"instrument must be an Instrument, got {type(instrument).__name__}; "
            "use satisfaction.default_instrument() or load_instrument(path)"
        )
    if not path.exists():
        raise _fail(path, "does not exist", "check the path (and the working directory)")
    if path.is_dir():
        raise _fail(path, "is a folder, not a file", "pass the path of the export file")
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    final = size <= _SNIFF_BYTES
    if size == 0:
        raise _fail(
            path,
            "is empty (0 bytes)",
            "export the survey again; the file has no header and no rows",
        )
    fmt = _detect_format(path, head, format)
    info: dict[str, Any]
    if fmt == "csv":
        data, info = _read_csv(
            path,
            head,
            final,
            instrument,
            encoding=encoding,
            sep=sep,
            decimal=decimal,
            names=names,
            items_hint=items,
        )
    elif fmt == "xlsx":
        data, info = _read_xlsx(path, instrument, sheet, items)
    else:
        data, info = _read_parquet(path)
    header_row = info.get("header_row")
    renames, new_names, found, meta, unmatched, lacking = _match(
        path, list(data.columns), instrument, columns, items, unknown, missing, header_row
    )
    if renames:
        data.columns = new_names
    offset = header_row + 1 if header_row is not None else 0  # data row 0 -> its line in the file
    _check_item_types(path, data, found, offset)
    data, blank = _drop_blank_rows(data)
    data.attrs["source"] = str(path)  # lets clean() name the file in its errors
    report = ExportReport(
        path=str(path),
        format=fmt,
        encoding=info.get("encoding"),
        sep=info.get("sep"),
        decimal=info.get("decimal"),
        sheet=info.get("sheet"),
        n_rows=len(data),
        n_columns=data.shape[1],
        items=tuple(found),
        renamed={str(k): str(v) for k, v in renames.items()},
        meta=tuple(meta),
        unmatched=tuple(unmatched),
        missing=tuple(lacking),
        skipped_lines=info.get("skipped", 0),
        blank_rows=blank,
        notes=tuple(info.get("notes", ())),
    )
    return Export(data=data, report=report)


def write_processed(frame: pd.DataFrame, name: str, *, directory: str | Path | None = None) -> Path:
    """Write a cleaned frame as Parquet under ``config.PROCESSED_DATA_DIR``.

    Parameters
    ----------
    frame : DataFrame
        The data to write (e.g. ``clean(...).data``).
    name : str
        File name without folders; ``.parquet`` is added when missing.
    directory : str or Path, optional
        Another folder (tests, a project of one's own); never ``data/raw``.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> out = write_processed(pd.DataFrame({"lq1": [4.0]}), "pulse", directory=tempfile.mkdtemp())
    >>> out.name, pd.read_parquet(out)["lq1"].tolist()
    ('pulse.parquet', [4.0])
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            f"write_processed needs a DataFrame, got {type(frame).__name__}; pass e.g. cleaned.data"
        )
    if (
        not isinstance(name, str)
        or not name.strip()
        or Path(name).name != name
        or name in (".", "..")
    ):
        raise InputError(
            f"write_processed: name {name!r} must be a plain file name without folders; "
            "pass e.g. 'pulse_2026q3'"
        )
    target_dir = Path(directory) if directory is not None else Path(config.PROCESSED_DATA_DIR)
    target_dir = target_dir.resolve()
    raw = Path(config.RAW_DATA_DIR).resolve()
    if target_dir == raw or raw in target_dir.parents:
        raise InputError(
            f"write_processed will not write into '{target_dir}': raw exports are "
            "never modified; write to data/processed (the default)"
        )
    target_dir.mkdir(parents=True, exist_ok=True)
    out = target_dir / (name if name.endswith(".parquet") else f"{name}.parquet")
    frame.to_parquet(out, index=None)  # a RangeIndex (and its name) is kept as metadata
    return out

"""The CSV reader: dialect from the sniffed sample, then pyarrow's streaming reader."""

from __future__ import annotations

import codecs
import csv
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from ._common import META_COLUMNS, _fail, _item_keys, _key
from ._lines import _count_lines, _csv_module_lines, _data_lines, _newline_code, _scan_records
from ._sniff import (
    _DECIMAL_COMMA,
    _NUMBER,
    _SEP_LINE,
    _SEP_NAMES,
    _complete_lines,
    _looks_like_data,
    _sniff_encoding,
    _sniff_sep,
    _split,
)

__all__ = ["_read_csv"]

_LEADING_ZERO = re.compile(r"^0\d+$")
_ARROW_COLUMN = re.compile(r"column #(\d+)")
_UNNAMED = "_unnamed_"
_BLOCK = 1 << 20  # pyarrow's default block: a row must fit in one
_MAX_ROW = 128 << 20  # rows longer than this are refused (no survey answer is that long)


def _read_csv(path, head, final, instrument, *, encoding, sep, decimal, names, items_hint):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise _fail(path, "is empty", "export the survey again; the file has no header and no rows")
    has_header = names is None
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
    item_keys = _item_keys(instrument, items_hint)
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
    read_opts = dict(
        encoding="utf8" if enc in ("utf-8", "utf-8-sig") else enc,
        skip_rows=skip,
        block_size=_BLOCK,
    )
    if names is not None:
        read_opts["column_names"] = raw_names
    newline = _newline_code(head)
    records = None  # the file's records, scanned only when a row is irregular or too long
    counter = ThreadPoolExecutor(max_workers=1)  # counts the lines while pyarrow parses
    counting = counter.submit(_count_lines, path, enc, newline)

    def scan():
        nonlocal records
        if records is None:
            records = _scan_records(path, enc, newline)
        return records

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
            row=_first_bad_line(path, enc),
            column=column,
        )

    try:
        for _attempt in range(len(raw_names) + 6):
            convert = pacsv.ConvertOptions(
                column_types=types,
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                decimal_point=decimal_found,
                true_values=["\x00true"],
                false_values=["\x00false"],
            )
            parse_opts = pacsv.ParseOptions(delimiter=sep, newlines_in_values=multiline)
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
                    if (
                        col not in types
                    ):  # inferred from the first block, text later on: read as text
                        types[col] = dict_type if _key(col) in item_keys else pa.string()
                        continue
                if "straddl" in message or "block size" in message:
                    rec = scan()
                    longest = int(rec.length.max()) if len(rec.length) else 0
                    at = int(rec.start[int(rec.length.argmax())]) if len(rec.length) else None
                    if longest > _MAX_ROW or read_opts["block_size"] > _MAX_ROW:
                        raise _fail(
                            path,
                            f"the row on this line is {longest / 2**20:.0f} MB long (a cell that large "
                            f"is not a survey answer; rows up to {_MAX_ROW >> 20} MB are read)",
                            "delete or shorten the cell in the file, or export the survey without "
                            "its attachments",
                            row=at,
                        ) from None
                    read_opts["block_size"] = max(2 * read_opts["block_size"], 2 * longest + _BLOCK)
                    notes.append(
                        f"the row on line {at} is {longest / 2**20:.1f} MB long; read with a larger block"
                    )
                    continue
                if "Expected" in message and "columns" in message:
                    if not multiline:  # a quoted multi-line cell after the sniffed 64 KB
                        multiline = True
                        continue
                    raise _ragged(path, enc, sep, header_row, has_header, len(raw_names)) from None
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
                    row=_first_bad_line(path, enc),
                ) from None
    finally:
        counter.shutdown(wait=False, cancel_futures=True)
    try:
        counted = counting.result()
    except OSError:  # the file went away while it was read: the scan will say so
        counted = None
    lines = _record_lines(path, enc, sep, header_row, has_header, table.num_rows, counted, scan)
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
        lines=lines,
        unit="line",
    )


def _first_bad_line(path: Path, enc: str) -> int | None:
    """The line of the first byte that is not valid ``enc`` text (``None`` if there is none)."""
    decoder = codecs.getincrementaldecoder(enc)("strict")
    lines = 1
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return lines + chunk.count(b"\n", 0, exc.start)
            lines += chunk.count(b"\n")
    return None


def _record_lines(path, enc, sep, header_row, has_header, n, counted, scan):
    """The line where each of the ``n`` data records starts (``None`` if it cannot be known).

    ``counted`` is the file's number of lines (:func:`_count_lines`); ``scan()``
    finds the records when the count says some row is not on a line of its own.
    """
    first = header_row + 1 if has_header else header_row
    if counted is not None and counted == first - 1 + n:  # no blank line, no multi-line cell
        return np.arange(first, first + n, dtype=np.int64)
    lines = _data_lines(scan(), header_row, has_header)
    if len(lines) != n:  # a quote inside an unquoted cell: ask the csv module
        lines = _csv_module_lines(path, enc, sep, header_row, has_header)
    return lines if lines is not None and len(lines) == n else None


class _Tape:
    """Lines of a file for ``csv.reader``, keeping those of the record being read."""

    def __init__(self, handle):
        self.handle = handle
        self.kept: list[str] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self.handle)
        self.kept.append(line)
        return line


def _spanning_quote(raw: str, sep: str) -> int | None:
    """Offset of the first quote whose cell runs over a line break or never closes (CSV's rules)."""
    i, n = 0, len(raw)
    field_start, opened = True, None
    while i < n:
        c = raw[i]
        if opened is not None:
            if c == '"':
                if i + 1 < n and raw[i + 1] == '"':
                    i += 2
                    continue
                if "\n" in raw[opened:i] or "\r" in raw[opened:i]:
                    return opened
                opened = None
            i += 1
            continue
        if c == '"' and field_start:
            opened = i
            field_start = False
        else:
            field_start = c == sep or c in "\r\n"
        i += 1
    return opened  # a quote still open where the record (or the file) ends


def _ragged(path: Path, enc: str, sep: str, header_row: int, has_header: bool, width: int):
    """The error for the first record whose width differs from the header's, at its line."""
    with open(path, encoding=enc, errors="replace", newline="") as handle:
        tape = _Tape(handle)
        reader = csv.reader(tape, delimiter=sep, strict=False)
        previous = 0
        try:
            for row in reader:
                start, previous = previous + 1, reader.line_num
                raw, tape.kept = "".join(tape.kept), []
                if not row or start < header_row or (has_header and start == header_row):
                    continue
                if len(row) == width:
                    continue
                opened = _spanning_quote(raw, sep)
                if opened is not None:
                    head = raw[:opened]
                    line = start + head.count("\n") + (head.count("\r") - head.count("\r\n"))
                    span = (
                        f"so lines {line} to {previous} are read as one row of {len(row)} fields "
                        f"(the header has {width})"
                        if previous > line
                        else f"so the row has {len(row)} fields (the header has {width})"
                    )
                    return _fail(
                        path,
                        f"the quote that opens a cell on this line is not closed where the cell "
                        f"should end, {span}",
                        "close the quote in the file (write a quote inside a cell as two quotes, "
                        '""), or delete the stray quote character',
                        row=line,
                    )
                return _fail(
                    path,
                    f"this row has {len(row)} fields but the header has {width} (the separator "
                    f"{_SEP_NAMES.get(sep, repr(sep))} or a quote is wrong in it)",
                    "fix the row in the file (quote values that contain the separator) or pass sep=...",
                    row=start,
                )
        except csv.Error as exc:
            return _fail(
                path,
                f"cannot be parsed as CSV ({exc}) after line {previous}",
                "check the quoting of the row after that line",
                row=previous + 1,
            )
    return _fail(
        path,
        "cannot be parsed as CSV (pyarrow and Python's csv module disagree on its rows)",
        "check the quoting and the separator, or re-save the file from Excel",
    )

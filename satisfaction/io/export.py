"""``read_export``: read one survey export, match its columns, report what was found."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..instruments import Instrument
from ..options import check_option
from ._checks import _check_item_types, _drop_blank_rows
from ._common import _fail
from ._csv import _read_csv
from ._match import _match
from ._parquet import _read_parquet
from ._sniff import _SNIFF_BYTES, _detect_format
from ._xlsx import _read_xlsx
from .provenance import attach_rows

__all__ = ["Export", "ExportReport", "read_export"]


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
        ``sep`` may be ``";"``, ``","``, ``"\t"``, ``"|"``, ``":"`` or ``" "``;
        ``decimal`` ``"."`` or ``","``.
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
    the memory, and what :func:`satisfaction.cleaning.recode_labels` maps fastest.
    Only an empty cell is missing (a skipped answer): Excel error values
    (``#DIV/0!``, also in XLSX, where pandas alone would make them blank) and
    spelled-out missing values (``NA``, ``N/A``, ``NULL``, ``-`` ...) stay text, so
    that :func:`~satisfaction.cleaning.clean` logs each of them with its reason
    (see :mod:`satisfaction.io.spellings`). Rows with no value at all (Excel's
    trailing ``;;;;`` lines) are dropped and counted in ``report.blank_rows``.
    Errors name the line of the file as a text editor shows it (the header being
    line 1; Excel's ``sep=`` line, blank lines and quoted multi-line cells count)
    or, for XLSX, the sheet and spreadsheet row; ``data.attrs["source_rows"]``
    keeps each row's line for :func:`clean` (:mod:`satisfaction.io.provenance`).
    XLSX text cells holding decimal numbers (``"120,5"``) are read as numbers, as
    in CSV files. A row longer than the reader's 1 MB block (a cell of
    megabytes) is read with a larger block; rows above 128 MB are refused.
    XLSX workbooks are read with python-calamine when it is installed (about ten
    times faster than openpyxl: 0.2 s instead of 2 s for the sample's 7,500
    customer rows) and with openpyxl otherwise; both give the same frame, dates
    and date-times included (``tests/test_io.py`` compares them on every case).

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
    unknown = check_option(unknown, ("error", "keep"), "unknown", "read_export")
    missing = check_option(missing, ("error", "ignore"), "missing", "read_export")
    if format is not None:
        format = check_option(format, ("csv", "xlsx", "parquet"), "format", "read_export")
    if decimal is not None:
        decimal = check_option(decimal, (".", ","), "decimal", "read_export")
    if sep is not None:
        sep = check_option(sep, (";", ",", "\t", "|", ":", " "), "sep", "read_export", case=True)
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
        path,
        list(data.columns),
        instrument,
        columns,
        items,
        unknown,
        missing,
        header_row,
        sheet=info.get("sheet"),
    )
    if renames:
        data.columns = new_names
    lines = info.get("lines")
    if lines is None:  # Parquet, or a CSV whose lines could not be matched to its rows
        lines = np.arange(1, len(data) + 1) if fmt == "parquet" else np.full(len(data), -1)
    unit = info.get("unit", "record")
    attach_rows(data, lines, unit=unit, sheet=info.get("sheet"))
    _check_item_types(path, data, found)
    data, blank, keep = _drop_blank_rows(data)
    attach_rows(data, lines[keep], unit=unit, sheet=info.get("sheet"))
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

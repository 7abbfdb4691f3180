"""Read HR event files and unit registers (the non-survey sources of the linkage analysis).

Both go through :func:`read_export` for the sniffing (separator, encoding, decimal
comma, Excel's ``sep=;`` line, XLSX, Parquet) and its clear errors, then are checked
for what the linkage analysis needs: the columns, readable dates, known event names,
unique units. Nothing is changed or dropped: a bad value is one
:class:`~satisfaction.errors.InputError` naming the file, the line as an editor shows
it (header = line 1) and how to fix it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pandas as pd

from ..errors import InputError
from .export import Export, read_export

__all__ = ["read_hr_events", "read_units", "HR_EVENT_NAMES"]

#: The events an HR file may hold.
HR_EVENT_NAMES = ("join", "exit_voluntary", "exit_involuntary", "supervisor_change")


def _line(export: Export, row: int) -> int:
    return int(row) + 2 + export.report.skipped_lines


def _need(export: Export, path: Path, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in export.data.columns]
    if missing:
        raise InputError(
            f"{path}: the {what} file lacks column(s) {missing} (it has "
            f"{list(export.data.columns)}); rename them in the file or pass "
            "columns={'name in file': '" + missing[0] + "'}"
        )


def read_hr_events(
    path: str | Path, *, columns: Mapping[str, str] | None = None, **options
) -> Export:
    """Read an HR events file: one row per join, exit or supervisor change.

    Parameters
    ----------
    path : str or Path
        CSV, XLSX or Parquet with columns ``employee_id, unit, date, event``.
    columns : mapping, optional
        Column name in the file -> canonical name (``{"Henkilö": "employee_id"}``).
    **options
        Passed to :func:`read_export` (``encoding, sep, decimal, sheet, format``).

    Returns
    -------
    Export
        ``data``: the four columns (others kept), ``date`` as datetimes, rows as in the
        file; ``report``: what was detected.

    Raises
    ------
    InputError
        A missing column, an empty identifier, an unreadable date or an unknown event,
        naming the file and line.

    Examples
    --------
    >>> import satisfaction as sat
    >>> hr = read_hr_events(sat.load_sample_exports() / "hr_events.csv")
    >>> hr.report.sep, hr.data["event"].value_counts().to_dict()["exit_voluntary"]
    (';', 314)
    """
    path = Path(path)
    export = read_export(path, columns=columns, **options)
    _need(export, path, ("employee_id", "unit", "date", "event"), "HR events")
    data = export.data.copy()
    for col in ("employee_id", "unit", "event"):
        empty = data[col].isna() | (data[col].astype(str).str.strip() == "")
        if empty.any():
            raise InputError(
                f"{path}, line {_line(export, empty.to_numpy().argmax())}: empty {col}; "
                f"every HR event needs an {col}"
            )
    event = data["event"].astype(str).str.strip()
    bad = ~event.isin(HR_EVENT_NAMES)
    if bad.any():
        row = bad.to_numpy().argmax()
        raise InputError(
            f"{path}, line {_line(export, row)}: unknown event {data['event'].iloc[row]!r}; "
            f"use one of {', '.join(HR_EVENT_NAMES)}"
        )
    dates = pd.to_datetime(data["date"], errors="coerce", format="mixed", dayfirst=False)
    bad = dates.isna()
    if bad.any():
        row = bad.to_numpy().argmax()
        raise InputError(
            f"{path}, line {_line(export, row)}: date {data['date'].iloc[row]!r} cannot be "
            "read; write dates as YYYY-MM-DD"
        )
    data["event"] = event.to_numpy(dtype=object)
    data["date"] = dates
    return replace(export, data=data)


def read_units(path: str | Path, *, columns: Mapping[str, str] | None = None, **options) -> Export:
    """Read a unit register: one row per unit, with its headcount and reform month.

    Parameters
    ----------
    path : str or Path
        CSV, XLSX or Parquet with a ``unit`` column; optional ``headcount_start``
        (whole numbers) and ``reform_month`` (``YYYY-MM``, empty when the unit had no
        reform).
    columns : mapping, optional
        Column name in the file -> canonical name.
    **options
        Passed to :func:`read_export`.

    Returns
    -------
    Export
        ``data`` with ``reform_month`` as ``YYYY-MM`` text (missing if none).

    Raises
    ------
    InputError
        A missing ``unit`` column, a unit listed twice, a negative or fractional
        headcount or an unreadable reform month, naming the file and line.

    Examples
    --------
    >>> import satisfaction as sat
    >>> units = read_units(sat.load_sample_exports() / "units.csv")
    >>> len(units.data), int(units.data["reform_month"].notna().sum())
    (40, 9)
    """
    path = Path(path)
    export = read_export(path, columns=columns, **options)
    _need(export, path, ("unit",), "unit register")
    data = export.data.copy()
    dup = data["unit"].duplicated()
    if dup.any():
        row = dup.to_numpy().argmax()
        raise InputError(
            f"{path}, line {_line(export, row)}: unit {data['unit'].iloc[row]!r} is listed "
            "twice; keep one row per unit"
        )
    if "headcount_start" in data.columns:
        count = pd.to_numeric(data["headcount_start"], errors="coerce")
        bad = (count.isna() & data["headcount_start"].notna()) | (count < 0) | (count % 1 != 0)
        if bad.any():
            row = bad.to_numpy().argmax()
            raise InputError(
                f"{path}, line {_line(export, row)}: headcount_start "
                f"{data['headcount_start'].iloc[row]!r} is not a whole number of people"
            )
    if "reform_month" in data.columns:
        text = data["reform_month"].astype("string").str.strip()
        text = text.mask(text == "")
        month = pd.to_datetime(text, format="%Y-%m", errors="coerce")
        bad = month.isna() & text.notna()
        if bad.any():
            row = bad.to_numpy().argmax()
            raise InputError(
                f"{path}, line {_line(export, row)}: reform_month "
                f"{data['reform_month'].iloc[row]!r} is not a month; write YYYY-MM or leave "
                "it empty"
            )
        data["reform_month"] = month.dt.strftime("%Y-%m").astype(object).where(month.notna(), None)
    return replace(export, data=data)

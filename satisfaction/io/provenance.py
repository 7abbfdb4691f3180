"""Where each row of a read export came from: its line in the file, or its spreadsheet row.

:func:`~satisfaction.io.read_export` records, for every data row, the line of the
file where the row starts as a text editor numbers lines (the header is line 1,
Excel's ``sep=;`` line, blank lines and the extra lines of quoted multi-line
cells all count), or for an XLSX sheet the spreadsheet row number. Cleaning uses
it so that an error or a log entry names ``line 7`` of the file rather than a
0-based data index.

The numbers live in ``frame.attrs["source_rows"]``, compressed into runs (a
regular CSV is a single run), so that the copies of ``attrs`` pandas makes on
every operation stay cheap and two frames' attrs still compare with ``==``. The
row numbers are looked up by index label: a frame filtered from the one
:func:`read_export` returned keeps the right numbers; a frame whose index was
reset does not (it then only names the index).

Examples
--------
>>> import numpy as np, pandas as pd
>>> frame = pd.DataFrame({"lq1": [4, 5, 3]})
>>> attach_rows(frame, np.array([2, 3, 6]), unit="line")
>>> source_rows(frame).tolist(), row_place(frame, 2)
([2, 3, 6], 'line 6')
>>> row_place(frame.iloc[1:], 1), row_place(pd.DataFrame({"a": [1]}), 0)
('line 3', 'index 0')
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..options import check_option

__all__ = ["ROW_UNITS", "attach_rows", "source_rows", "row_place", "row_places", "by_position"]

#: What the recorded numbers count: ``line`` (CSV, as an editor shows it), ``row``
#: (a spreadsheet row) or ``record`` (a Parquet file's rows, the first being 1).
ROW_UNITS = ("line", "row", "record")
_KEY = "source_rows"


def attach_rows(
    frame: pd.DataFrame, numbers: np.ndarray, *, unit: str, sheet: str | None = None
) -> None:
    """Record in ``frame.attrs`` the source line (or row) of each row, in position order.

    Parameters
    ----------
    frame : DataFrame
        The frame, indexed ``0 .. n-1`` (as :func:`read_export` returns it).
    numbers : array of int
        One number per row; a negative number means "not known".
    unit : {"line", "row", "record"}
        What the numbers count.
    sheet : str, optional
        The sheet (XLSX), named in :func:`row_place`.
    """
    unit = check_option(unit, ROW_UNITS, "unit", "attach_rows", case=True)
    numbers = np.asarray(numbers, dtype=np.int64)
    if len(numbers) != len(frame):
        raise ValueError(
            f"attach_rows: {len(numbers)} numbers for a frame of {len(frame)} rows; pass one per row"
        )
    if not len(numbers) or (numbers < 0).all():
        frame.attrs.pop(_KEY, None)
        return
    numbers = np.where(numbers < 0, -1, numbers)
    step = np.diff(numbers) != 1
    step |= numbers[1:] < 0  # every unknown row starts a run of its own
    starts = np.concatenate([[0], np.flatnonzero(step) + 1])
    frame.attrs[_KEY] = {
        "unit": unit,
        "sheet": sheet,
        "n": len(numbers),
        "starts": tuple(int(s) for s in starts),
        "firsts": tuple(int(f) for f in numbers[starts]),
    }


def source_rows(frame: pd.DataFrame, labels: Any = None) -> np.ndarray:
    """The source line (or row) of the rows with index ``labels`` (default: every row); -1 unknown.

    Parameters
    ----------
    frame : DataFrame
        A frame from :func:`read_export` (or one filtered from it).
    labels : array-like, optional
        Index labels to look up.

    Returns
    -------
    ndarray of int64
        One number per label; ``-1`` when the frame records none or the label is
        not one of the rows read.
    """
    labels = frame.index if labels is None else labels
    info = frame.attrs.get(_KEY) if hasattr(frame, "attrs") else None
    n_labels = len(labels)
    out = np.full(n_labels, -1, dtype=np.int64)
    if not info or not n_labels:
        return out
    try:
        lab = np.asarray(labels, dtype=np.float64)
    except (TypeError, ValueError):
        return out
    ok = np.isfinite(lab) & (lab >= 0) & (lab < info["n"]) & (lab == np.floor(lab))
    if not ok.any():
        return out
    pos = lab[ok].astype(np.int64)
    starts = np.asarray(info["starts"], dtype=np.int64)
    firsts = np.asarray(info["firsts"], dtype=np.int64)
    k = np.searchsorted(starts, pos, side="right") - 1
    got = firsts[k] + (pos - starts[k])
    out[ok] = np.where(firsts[k] < 0, -1, got)
    return out


def row_place(frame: pd.DataFrame, label: Any) -> str:
    """Where the row with index ``label`` is in its file: ``"line 7"``, ``"sheet 'x', row 7"``.

    Without a recorded source it names the index label (``"index 7"``).
    """
    return str(row_places(frame, [label])[0])


def row_places(frame: pd.DataFrame, labels: Any) -> np.ndarray:
    """:func:`row_place` for many labels at once (an object array of text)."""
    labels = list(labels)
    numbers = source_rows(frame, labels)
    info = frame.attrs.get(_KEY) if hasattr(frame, "attrs") else None
    if not info:
        prefix = "line "
    elif info["unit"] == "row":
        prefix = (f"sheet {info['sheet']!r}, " if info["sheet"] else "") + "row "
    elif info["unit"] == "record":
        prefix = "data row "
    else:
        prefix = "line "
    known = np.char.add(prefix, numbers.astype(str)).astype(object)
    unknown = np.array([f"index {label}" for label in labels], dtype=object)
    return np.where(numbers > 0, known, unknown) if len(labels) else known


def by_position(frame: pd.DataFrame, name: str | None = None) -> pd.DataFrame:
    """A shallow copy indexed ``0 .. n-1`` whose recorded lines follow the rows.

    Parameters
    ----------
    frame : DataFrame
        A frame from :func:`read_export`, possibly filtered (its index labels
        still point at the rows read).
    name : str, optional
        The new index's name.

    Returns
    -------
    DataFrame
        The same rows and columns (no data copied), indexed by position, with
        ``attrs["source_rows"]`` re-keyed to the positions.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> frame = pd.DataFrame({"lq1": [4, 5, 3]})
    >>> attach_rows(frame, np.array([2, 3, 6]), unit="line")
    >>> row_place(by_position(frame.iloc[[0, 2]]), 1)
    'line 6'
    """
    numbers = source_rows(frame)
    info = frame.attrs.get(_KEY)
    out = frame.copy(deep=False)
    out.index = pd.RangeIndex(len(frame), name=name)
    if info:
        attach_rows(out, numbers, unit=info["unit"], sheet=info["sheet"])
    return out

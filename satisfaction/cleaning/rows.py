"""Row-level steps: drop rows with no answer, with a bad period or time, duplicate submissions."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..errors import CleaningError
from ..io.provenance import row_places, source_rows
from ._base import _concat_logs, _empty_log, _log, _specs, _where

__all__ = ["drop_empty", "drop_bad_dates", "drop_duplicates"]

_QUARTER = re.compile(r"\d{4}Q[1-4]")
_PERIOD_FORMATS = "a month 'YYYY-MM' or a quarter 'YYYYQn'"
_TIME_FORMAT = "a date and time (YYYY-MM-DD HH:MM:SS)"


def drop_empty(
    data: pd.DataFrame, items, *, id_col: str | None = "respondent_id"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop rows that answer none of the items (after don't-knows became missing).

    Parameters
    ----------
    data : DataFrame
        Answers (text or numbers).
    items : list of str or Instrument
        The item columns; a row with all of them missing is dropped.
    id_col : str, optional
        The respondent column named in the log.

    Returns
    -------
    data : DataFrame
        The rows with at least one answer.
    log : DataFrame
        One row per dropped row, rule ``all_missing``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"lq1": [4.0, None], "lq2": [None, None]})
    >>> out, log = drop_empty(d, ["lq1", "lq2"], id_col=None)
    >>> len(out), log["rule"].tolist()
    (1, ['all_missing'])
    """
    specs = _specs(data, items, None)
    cols = [c for c, *_ in specs]
    if not cols:
        return data.copy(deep=False), _empty_log()
    empty = data[cols].isna().all(axis=1).to_numpy()
    pos = np.flatnonzero(empty)
    if not len(pos):
        return data.copy(deep=False), _empty_log()
    log = _log(
        data,
        pos,
        id_col=id_col,
        column=None,
        old=None,
        new=None,
        rule="all_missing",
        action="drop",
        reason="no item answered",
    )
    return data.loc[~empty], log


def _by_value(s: pd.Series, parse) -> pd.Series:
    """``parse`` applied once per distinct value of ``s`` (periods and times repeat)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    parsed = parse(pd.Series(uniques, dtype=object))
    values = parsed.to_numpy()
    out = values[np.where(codes >= 0, codes, 0)] if len(values) else np.full(len(s), None)
    return pd.Series(out, index=s.index).where(codes >= 0)


def _parse_times(s: pd.Series) -> pd.Series:
    """Submission times as datetime64 (NaT for missing and for text that is not a time)."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s

    def parse(u):
        return pd.to_datetime(u, errors="coerce", format="mixed")

    return pd.to_datetime(_by_value(s, parse))


def _valid_periods(s: pd.Series) -> np.ndarray:
    """True where a period is missing, a date, a month 'YYYY-MM' or a quarter 'YYYYQn'."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype) or isinstance(s.dtype, pd.PeriodDtype):
        return np.ones(len(s), dtype=bool)

    def parse(u):
        text = u.astype("string")
        quarter = text.str.fullmatch(_QUARTER.pattern).fillna(False)
        month = pd.to_datetime(text.where(~quarter), format="%Y-%m", errors="coerce").notna()
        stamp = u.map(lambda v: isinstance(v, (pd.Timestamp, pd.Period)) or hasattr(v, "year"))
        return quarter | month | stamp

    ok = _by_value(s, parse)
    return (ok.fillna(False).astype(bool) | s.isna()).to_numpy()


def _times(data: pd.DataFrame, time_col: str) -> np.ndarray:
    s = data[time_col]
    parsed = _parse_times(s)
    bad = (parsed.isna() & s.notna()).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        who = f" (respondent {data['respondent_id'].iloc[i]!r})" if "respondent_id" in data else ""
        raise CleaningError(
            f"{_where(data, data.index[i])}, column {time_col!r}{who}: {s.iloc[i]!r} is not "
            "a date and time; fix it (YYYY-MM-DD HH:MM:SS), drop the row with drop_bad_dates, "
            "or pass time_col=None to keep the last row in file order"
        )
    return parsed.to_numpy(dtype="datetime64[ns]").view(np.int64)


def drop_bad_dates(
    data: pd.DataFrame,
    *,
    period_col: str | None = "period",
    time_col: str | None = "submitted_at",
    id_col: str | None = "respondent_id",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop rows whose period or submission time cannot be read, logging each with its line.

    Parameters
    ----------
    data : DataFrame
        Answers with a period and/or a submission time column.
    period_col : str, optional
        Period column: a month ``YYYY-MM``, a quarter ``YYYYQn`` or a date is valid.
    time_col : str, optional
        Submission time column: anything :func:`pandas.to_datetime` reads is valid.
    id_col : str, optional
        The respondent column named in the log.

    Returns
    -------
    data : DataFrame
        The rows whose period and time are valid or missing.
    log : DataFrame
        One row per dropped row, rule ``bad_period`` or ``bad_timestamp``; the
        reason names the file and line (from :func:`~satisfaction.io.read_export`).

    Raises
    ------
    CleaningError
        When most of the time column's values are not times: the column is then not
        what its name says, and dropping most rows would hide that.

    Notes
    -----
    A bad value in one row (a typo, ``"eilen"``, ``"2026-13"``) costs that row
    only; the run goes on. A missing period or time is not bad: duplicate
    resolution treats a missing time as the earliest. A period column whose values
    are mostly not months, quarters or dates holds labels of its own (``"wave 3"``)
    and is not checked. Absent columns are skipped.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"period": ["2026-01", "2026-13", "2026Q1"],
    ...                   "submitted_at": ["2026-01-05 10:00", "2026-01-06", "eilen"]})
    >>> out, log = drop_bad_dates(d, id_col=None)
    >>> out.index.tolist(), log[["row", "old", "rule"]].values.tolist()
    ([0], [[1, '2026-13', 'bad_period'], [2, 'eilen', 'bad_timestamp']])
    """
    keep = np.ones(len(data), dtype=bool)
    logs = []
    for col, rule, what in (
        (period_col, "bad_period", _PERIOD_FORMATS),
        (time_col, "bad_timestamp", _TIME_FORMAT),
    ):
        if col is None or col not in data.columns:
            continue
        s = data[col]
        if rule == "bad_period":
            bad = ~_valid_periods(s)
        else:
            bad = (_parse_times(s).isna() & s.notna()).to_numpy()
        if not bad.any():
            continue
        pos = np.flatnonzero(bad)
        given = int(s.notna().sum())
        if 2 * len(pos) > given:
            if rule == "bad_period":  # free labels ("wave 3"), not months: nothing to check
                continue
            raise CleaningError(
                f"{_where(data, data.index[pos[0]])}, column {col!r}: {s.iloc[pos[0]]!r} is not "
                f"{what}, nor are {len(pos) - 1} more of the column's {given} values; fix the "
                "column, or pass time_col='<column>' (or None) if this is not it"
            )
        pos = pos[keep[pos]]  # a row dropped for its period is not dropped again
        if not len(pos):
            continue
        keep[pos] = False
        old = np.array([str(v) for v in s.iloc[pos]], dtype=object)
        reason = np.array(
            [f"{_where(data, data.index[i])}: {str(s.iloc[i])!r} is not {what}" for i in pos],
            dtype=object,
        )
        logs.append(
            _log(
                data,
                pos,
                id_col=id_col,
                column=col,
                old=old,
                new=None,
                rule=rule,
                action="drop",
                reason=reason,
            )
        )
    if keep.all():
        return data.copy(deep=False), _empty_log()
    return data.loc[keep], _concat_logs(logs)


def drop_duplicates(
    data: pd.DataFrame,
    *,
    id_col: str = "respondent_id",
    period_col: str | None = "period",
    time_col: str | None = "submitted_at",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep one submission per respondent and period: the latest; log the others.

    Parameters
    ----------
    data : DataFrame
        Answers with a respondent column.
    id_col : str
        Respondent identifier. Rows with a missing id are never treated as duplicates.
    period_col : str, optional
        Survey period; ``None`` (or absent) keeps one row per respondent overall.
    time_col : str, optional
        Submission time; the latest is kept (missing times count as earliest). ``None``
        (or absent) keeps the last row in file order.

    Returns
    -------
    data : DataFrame
        The kept rows, in their original order.
    log : DataFrame
        One row per dropped row, rule ``duplicate``: ``old`` is the dropped row's
        submission time, ``new`` names the row kept (its position, and its line in
        the file when the frame came from :func:`~satisfaction.io.read_export`).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"respondent_id": ["a", "a", "b"], "period": ["2026-01"] * 3,
    ...                   "submitted_at": ["2026-01-05 10:00", "2026-01-02 09:00", "2026-01-03 12:00"]})
    >>> out, log = drop_duplicates(d)
    >>> out.index.tolist(), log[["row", "respondent", "new"]].values.tolist()
    ([0, 2], [[1, 'a', 'kept row 0']])
    """
    if id_col not in data.columns:
        raise CleaningError(
            f"drop_duplicates: the respondent column {id_col!r} is not in the data; "
            "pass id_col='<column>' or skip duplicate removal"
        )
    keys = [id_col] + (
        [period_col] if period_col is not None and period_col in data.columns else []
    )
    n = len(data)
    # one int64 key per (respondent, period): factorize each key column once, no string sorting
    key = np.zeros(n, dtype=np.int64)
    has_id = np.ones(n, dtype=bool)
    for col in keys:
        codes, uniques = pd.factorize(data[col], use_na_sentinel=True)
        has_id &= codes >= 0
        key, _ = pd.factorize(key * (len(uniques) + 1) + (codes + 1))  # stays small: no overflow
        key = key.astype(np.int64)
    t = _times(data, time_col) if time_col is not None and time_col in data.columns else None
    # sort by key, then time (missing time = earliest), then file order: the last of a run is kept
    order = np.lexsort((t, key)) if t is not None else np.argsort(key, kind="stable")  # stable
    key_sorted = key[order]
    last_of_run = np.ones(n, dtype=bool)
    last_of_run[:-1] = key_sorted[1:] != key_sorted[:-1]
    dup_sorted = ~last_of_run & has_id[order]
    if not dup_sorted.any():
        return data.copy(deep=False), _empty_log()
    run_end = np.flatnonzero(last_of_run)  # position (in sorted order) of each run's last row
    last = run_end[np.searchsorted(run_end, np.arange(n))]
    dropped_pos = order[dup_sorted]
    kept_pos = order[last[dup_sorted]]
    kept_rows = data.index.to_numpy()[kept_pos]
    new = np.char.add("kept row ", kept_rows.astype(str)).astype(object)
    kept_lines = source_rows(data, kept_rows)
    if (kept_lines > 0).any():  # and where it is in the file
        new = np.where(kept_lines > 0, new + " (" + row_places(data, kept_rows) + ")", new)
    if t is not None:
        old = pd.to_datetime(
            pd.Series(t[dropped_pos]).where(t[dropped_pos] != np.iinfo(np.int64).min)
        )
        old = old.dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(dtype=object)
    else:
        old = np.full(len(dropped_pos), None, dtype=object)
    sort = np.argsort(dropped_pos)
    dropped_pos, old, new = dropped_pos[sort], old[sort], new[sort]
    keep = np.ones(n, dtype=bool)
    keep[dropped_pos] = False
    what = "respondent and period" if len(keys) > 1 else "respondent"
    log = _log(
        data,
        dropped_pos,
        id_col=id_col,
        column=None,
        old=old,
        new=new,
        rule="duplicate",
        action="drop",
        reason=f"same {what} as a later submission; kept the latest",
    )
    return data.loc[keep], log

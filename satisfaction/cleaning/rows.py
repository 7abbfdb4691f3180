"""Row-level steps: drop rows with no answer, drop duplicate submissions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import CleaningError
from ._base import _empty_log, _log, _source, _specs

__all__ = ["drop_empty", "drop_duplicates"]


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


def _times(data: pd.DataFrame, time_col: str) -> np.ndarray:
    s = data[time_col]
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        parsed = pd.to_datetime(s, errors="coerce", format="mixed")
        bad = parsed.isna() & s.notna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            who = (
                f" (respondent {data['respondent_id'].iloc[i]!r})"
                if "respondent_id" in data
                else ""
            )
            raise CleaningError(
                f"{_source(data)}column {time_col!r}, data row {data.index[i]}{who}: {s.iloc[i]!r} is not a date and time; "
                "fix it (YYYY-MM-DD HH:MM:SS) or pass time_col=None to keep the last row in file order"
            )
        s = parsed
    return s.to_numpy(dtype="datetime64[ns]").view(np.int64)


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
        submission time, ``new`` names the row kept.

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

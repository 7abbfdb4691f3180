"""The whole cleaning run: :func:`clean` and its result :class:`Cleaned`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import CleaningError
from ..instruments import Instrument
from ..io import META_COLUMNS
from ..io.provenance import by_position
from ..options import check_option
from ._base import CARELESS_METHODS, _concat_logs, _log
from .careless import flag_careless
from .rows import drop_bad_dates, drop_duplicates, drop_empty
from .values import (
    check_range,
    dont_know_to_missing,
    numbers_to_float,
    recode_labels,
    reverse_code,
    spelled_to_missing,
)

__all__ = ["Cleaned", "clean"]


@dataclass
class Cleaned:
    """The result of :func:`clean`.

    Attributes
    ----------
    data : DataFrame
        The clean rows, indexed by their position in the raw frame (index name ``row``).
    log : DataFrame
        One row per dropped or changed row or value: ``row, line, respondent,
        column, old, new, rule, action, reason`` (``action`` is ``drop``,
        ``set_missing``, ``recode`` or ``flag``; ``line`` is the row's line in the
        file, see :data:`~satisfaction.cleaning.LOG_COLUMNS`).
    summary : DataFrame
        Counts per rule and column: ``rule, column, action, n``, plus ``skipped``
        (an empty cell in the raw export) per item. Excel errors
        (``excel_error``), spelled-out missing values (``missing_spelling``) and
        don't-knows (``dont_know``) are counted apart from skips.
    items : tuple of str
        The item columns cleaned.
    n_in, n_out : int
        Rows in and out.
    notes : tuple of str
        Steps skipped for want of a column (e.g. no respondent id: no duplicate check).
    """

    data: pd.DataFrame
    log: pd.DataFrame
    summary: pd.DataFrame
    items: tuple[str, ...] = ()
    n_in: int = 0
    n_out: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def n_dropped(self) -> int:
        """Rows dropped (each logged once with action ``drop``)."""
        return self.n_in - self.n_out

    def _repr_html_(self) -> str:
        head = f"<b>Cleaned</b>: {self.n_in} rows in, {self.n_out} out, {self.n_dropped} dropped"
        return head + self.summary.to_html(index=False)


def _summary(log: pd.DataFrame, skipped: dict[str, int]) -> pd.DataFrame:
    if len(log):
        counts = (
            log.groupby(["rule", "column", "action"], observed=True, dropna=False, sort=False)
            .size()
            .reset_index(name="n")
        )
        counts = counts[counts["n"] > 0]
        rc = log["rule"] == "reverse_code"
        if rc.any():  # one log row per column: report the number of values reversed
            per = log.loc[rc].set_index("column")["old"].str.extract(r"(\d+)")[0].astype(int)
            mask = counts["rule"] == "reverse_code"
            counts.loc[mask, "n"] = counts.loc[mask, "column"].map(per).to_numpy()
    else:
        counts = pd.DataFrame({"rule": [], "column": [], "action": [], "n": []})
    skip = pd.DataFrame(
        {"rule": "skipped", "column": list(skipped), "action": "none", "n": list(skipped.values())}
    )
    out = pd.concat(
        [counts.astype({"rule": str, "column": object, "action": str}), skip], ignore_index=True
    )
    out["column"] = out["column"].astype(object).where(out["column"].notna(), None)
    out["n"] = out["n"].astype(int)
    return out.reset_index(drop=True)


def clean(
    raw: pd.DataFrame,
    instrument: Instrument,
    *,
    items: Sequence[str] | None = None,
    id_col: str = "respondent_id",
    period_col: str | None = "period",
    time_col: str | None = "submitted_at",
    duration_col: str | None = "duration_s",
    unknown_labels: str = "error",
    mapping: Mapping[str, Any] | None = None,
    dont_know_codes: Iterable[float] | None = None,
    careless: str | None = "flag",
    careless_methods: Sequence[str] | None = None,
    min_duration: float | None = None,
    duplicates: bool = True,
    drop_all_missing: bool = True,
) -> Cleaned:
    """Clean one raw export: recode, check, de-duplicate, flag careless responding, reverse-key.

    Parameters
    ----------
    raw : DataFrame
        Raw answers (e.g. ``read_export(...).data``); never modified.
    instrument : Instrument
        Gives the items, their scales and which are reverse-keyed.
    items : sequence of str, optional
        Clean only these items (default: every instrument item in ``raw``).
    id_col, period_col, time_col, duration_col : str
        Respondent, period, submission time and completion time (seconds) columns;
        absent columns switch off the steps that need them.
    unknown_labels : {"error", "missing"}
        See :func:`recode_labels`.
    mapping : mapping, optional
        Extra label -> value pairs, see :func:`recode_labels`.
    dont_know_codes : iterable of float, optional
        Numeric don't-know codes of the export (e.g. ``[6]``).
    careless : {"flag", "drop", None}
        Add ``flag_<method>`` columns (default), drop the flagged rows (logged), or
        skip the checks.
    careless_methods : sequence of str, optional
        Default ``("longstring", "speed")`` (speed only if ``duration_col`` exists);
        see :func:`flag_careless`. Run on the construct items of the survey's
        most common scale, before reverse-coding.
    min_duration : float, optional
        Seconds below which a response is speeding (default a third of the median).
    duplicates, drop_all_missing : bool
        Run :func:`drop_duplicates` and :func:`drop_empty`.

    Returns
    -------
    Cleaned
        ``data`` (indexed by raw row position), ``log`` and ``summary``.

    Raises
    ------
    CleaningError
        Unknown labels (with ``unknown_labels="error"``), text left in an item, a
        period or time column whose values are mostly not periods or times, or (a
        bug) a broken row count. Messages name the file and its line (the header
        being line 1) when ``raw`` came from :func:`~satisfaction.io.read_export`.
    OptionError
        An option that is not one of its allowed values.

    Notes
    -----
    The invariant ``len(raw) == len(data) + rows logged with action "drop"`` (and
    that kept and dropped rows partition the raw rows) is checked before
    returning. Reverse-coding and the bulk label -> number recoding are logged
    once per column and not at all, respectively (see :func:`reverse_code`,
    :func:`recode_labels`); every don't-know, unknown label, out-of-range value
    and dropped or flagged row has its own log row.

    Order: Excel errors and spelled-out missing values (``NA``, ``NULL``, ``-``,
    see :mod:`satisfaction.io.spellings`) -> missing, in the items and the meta
    columns; don't-knows -> missing; rows whose period or submission time cannot
    be read are dropped (:func:`drop_bad_dates`, one log row each with its line);
    then rows with no answer and duplicate
    submissions are dropped while the answers are still raw text (cheap to copy),
    then labels are recoded and ranges checked (rows left with no valid answer are
    dropped too), careless responding is flagged on the answers as respondents gave
    them, and reverse-keyed items are reversed last. A duplicate row that is
    dropped is not recoded, so an unknown label found only in it raises nothing.

    Examples
    --------
    >>> import pandas as pd
    >>> import satisfaction as sat
    >>> raw = pd.DataFrame({"respondent_id": ["a", "b", "c"], "lq1": ["4", "9", None],
    ...                     "lq2": ["Agree", "Eos", "2"]})
    >>> out = sat.clean(raw, sat.default_instrument(), careless=None)
    >>> out.data[["lq1", "lq2"]]
         lq1  lq2
    row
    0    4.0  4.0
    2    NaN  2.0
    >>> out.summary
               rule column       action  n
    0     dont_know    lq2  set_missing  1
    1  out_of_range    lq1  set_missing  1
    2   all_missing   None         drop  1
    3       skipped    lq1         none  1
    4       skipped    lq2         none  0
    """
    if not isinstance(raw, pd.DataFrame):
        raise CleaningError(
            f"clean needs a DataFrame, got {type(raw).__name__}; pass read_export(...).data"
        )
    if not isinstance(instrument, Instrument):
        raise CleaningError(
            f"clean needs an Instrument, got {type(instrument).__name__}; use sat.default_instrument()"
        )
    careless = check_option(careless, ("flag", "drop", None), "careless", "clean")
    unknown_labels = check_option(unknown_labels, ("error", "missing"), "unknown_labels", "clean")
    if careless_methods is not None:
        if isinstance(careless_methods, str):
            careless_methods = [careless_methods]
        careless_methods = [
            check_option(m, CARELESS_METHODS, "careless_methods", "clean") for m in careless_methods
        ]
    if raw.columns.duplicated().any():
        dup = raw.columns[raw.columns.duplicated()][0]
        raise CleaningError(f"column {dup!r} appears twice in the data; rename or drop one of them")
    present = [i for i in instrument.items if i.id in raw.columns]
    if items is not None:
        unknown = [i for i in items if i not in instrument.item_ids]
        if unknown:
            raise CleaningError(
                f"items={unknown!r} are not items of instrument {instrument.name!r}"
            )
        absent = [i for i in items if i not in raw.columns]
        if absent:
            raise CleaningError(
                f"item column(s) {absent} are not in the data; read them or leave them out"
            )
        present = [i for i in present if i.id in items]
    if not present:
        raise CleaningError(
            f"none of the columns ({', '.join(map(str, list(raw.columns)[:10]))}) is an item of "
            f"instrument {instrument.name!r}; read the export with read_export(path, instrument)"
        )
    ids = [i.id for i in present]
    idc = id_col if id_col in raw.columns else None
    notes = []
    n_in = len(raw)
    data = by_position(raw, name="row")  # keeps each row's line in the file
    logs = []
    meta = [id_col, period_col, time_col, duration_col, *META_COLUMNS]
    data, log = spelled_to_missing(
        data, ids + [c for c in meta if c is not None and c not in ids], id_col=idc
    )
    logs.append(log)
    # a skip is an empty cell (missing, or an empty string), not a logged spelling
    spelled = log["column"].value_counts() if len(log) else pd.Series(dtype=int)
    skipped = {c: int(data[c].isna().sum()) - int(spelled.get(c, 0)) for c in ids}

    def by_scale(low_high):
        return [i.id for i in present if (i.low, i.high) == low_high]

    scales = sorted({(i.low, i.high) for i in present})
    if duration_col is not None:
        data, log = numbers_to_float(
            data, duration_col, what="the completion time in seconds", id_col=idc
        )
        logs.append(log)
    data, log = dont_know_to_missing(data, ids, codes=dont_know_codes, id_col=idc)
    logs.append(log)
    data, log = drop_bad_dates(
        data,
        period_col=period_col if period_col in data.columns else None,
        time_col=time_col if time_col in data.columns else None,
        id_col=idc,
    )
    logs.append(log)
    # rows are dropped while the answers are still raw (categorical codes copy cheaply)
    if drop_all_missing:
        data, log = drop_empty(data, ids, id_col=idc)
        logs.append(log)
    if duplicates:
        if idc is None:
            notes.append(f"no column {id_col!r}: duplicates were not checked")
        else:
            data, log = drop_duplicates(
                data,
                id_col=idc,
                period_col=period_col if period_col in data.columns else None,
                time_col=time_col if time_col in data.columns else None,
            )
            logs.append(log)
    for sc in scales:
        data, log = recode_labels(
            data, by_scale(sc), scale=sc, unknown_labels=unknown_labels, mapping=mapping, id_col=idc
        )
        logs.append(log)
    for sc in scales:
        data, log = check_range(data, by_scale(sc), sc, id_col=idc)
        logs.append(log)
    if drop_all_missing:  # rows whose only answers were unknown labels or out of range
        data, log = drop_empty(data, ids, id_col=idc)
        logs.append(log)
    if careless is not None and len(data):
        construct_items = [i for i in present if instrument.construct_of(i.id) is not None]
        pool = construct_items or present
        common = max(
            {(i.low, i.high) for i in pool}, key=lambda sc: sum((i.low, i.high) == sc for i in pool)
        )
        citems = [i.id for i in pool if (i.low, i.high) == common]
        if careless_methods is None:
            methods = ["longstring"] + (["speed"] if duration_col in data.columns else [])
        else:
            methods = list(careless_methods)
        if len(citems) >= 2 and methods:
            data, log = flag_careless(
                data,
                citems,
                methods,
                min_duration=min_duration,
                duration_col=duration_col or "duration_s",
                id_col=idc,
            )
            logs.append(log)
            if careless == "drop":
                flags = data[[f"flag_{m}" for m in methods]].to_numpy()
                hit = flags.any(axis=1)
                pos = np.flatnonzero(hit)
                which = np.array(
                    [
                        ", ".join(m for m, f in zip(methods, row, strict=True) if f)
                        for row in flags[pos]
                    ],
                    dtype=object,
                )
                logs.append(
                    _log(
                        data,
                        pos,
                        id_col=idc,
                        column=None,
                        old=which,
                        new=None,
                        rule="careless",
                        action="drop",
                        reason="flagged as careless responding (careless='drop')",
                    )
                )
                data = data.loc[~hit]
        else:
            notes.append("careless responding was not checked (fewer than 2 items on one scale)")
    data, log = _reverse_listed(data, present, idc)
    logs.append(log)
    full = _concat_logs(logs)
    _check_invariant(n_in, data, full)
    return Cleaned(
        data=data,
        log=full,
        summary=_summary(full, skipped),
        items=tuple(ids),
        n_in=n_in,
        n_out=len(data),
        notes=tuple(notes),
    )


def _reverse_listed(data: pd.DataFrame, present, idc) -> tuple[pd.DataFrame, pd.DataFrame]:
    logs = []
    for item in present:
        if item.reverse:
            data, log = reverse_code(data, [item.id], (item.low, item.high), id_col=idc)
            logs.append(log)
    return data, _concat_logs(logs)


def _check_invariant(n_in: int, data: pd.DataFrame, log: pd.DataFrame) -> None:
    dropped = log.loc[log["action"] == "drop", "row"].to_numpy(dtype=np.int64)
    kept = data.index.to_numpy(dtype=np.int64)
    ok = (
        n_in == len(kept) + len(dropped)
        and len(np.unique(dropped)) == len(dropped)
        and not np.isin(dropped, kept).any()
        and (len(kept) == 0 or (kept.min() >= 0 and kept.max() < n_in))
    )
    if not ok:
        raise CleaningError(
            f"internal error: {n_in} rows in but {len(kept)} out and {len(dropped)} logged as dropped; "
            "the cleaning log is incomplete -- please report this with the data's shape"
        )

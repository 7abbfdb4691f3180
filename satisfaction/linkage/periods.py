"""Periods of a panel: months, quarters, years or a researcher's own calendar."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..errors import InputError
from ..options import check_option

__all__ = ["to_period", "PERIODS"]

#: The built-in period lengths (a Mapping passed as ``period`` is a custom calendar).
PERIODS = ("month", "quarter", "year")


def _months(labels: pd.Series, what: str) -> pd.Series:
    text = labels.astype("string")
    months = pd.to_datetime(text, format="%Y-%m", errors="coerce")
    dates = pd.to_datetime(text, errors="coerce", format="ISO8601")
    out = months.fillna(dates)
    bad = out.isna() & labels.notna()
    if bad.any():
        first = labels[bad].iloc[0]
        raise InputError(
            f"period value {first!r} (row {bad.idxmax()}) is not a month 'YYYY-MM' or a date; "
            f"{what}"
        )
    return out


def to_period(values: pd.Series, period: str | Mapping = "quarter") -> pd.Series:
    """Map period labels (``YYYY-MM``, ``YYYYQn``) or dates to months, quarters, years or a custom calendar.

    Parameters
    ----------
    values : Series
        Month labels ``YYYY-MM``, quarter labels ``YYYYQn``, or dates.
    period : {"month", "quarter", "year"} or Mapping
        The target period. A mapping is a custom calendar: every label in ``values``
        must be one of its keys and is replaced by its value (e.g. survey waves
        ``{"2025-01": "wave 1", "2025-02": "wave 1", ...}``).

    Returns
    -------
    Series
        Labels ``YYYY-MM``, ``YYYYQn`` or ``YYYY`` (strings), same index; these sort in
        time order.

    Raises
    ------
    InputError
        A label that cannot be read, a quarter asked to become a month, or a label
        missing from a custom calendar.

    Examples
    --------
    >>> to_period(pd.Series(["2025-01", "2025-05", "2026Q3"]), "quarter").tolist()
    ['2025Q1', '2025Q2', '2026Q3']
    >>> to_period(pd.Series(["2025-01", "2025Q4"]), "year").tolist()
    ['2025', '2025']
    >>> to_period(pd.Series(["2025-01", "2025-02"]), {"2025-01": "w1", "2025-02": "w1"}).tolist()
    ['w1', 'w1']
    """
    if isinstance(period, Mapping):
        text = values.astype(object).map(str)
        missing = sorted(set(text[~text.isin(list(period))]))
        if missing:
            raise InputError(
                f"the custom calendar has no entry for period(s) {missing[:5]}; add them to "
                "the mapping passed as period="
            )
        return text.map(dict(period)).astype(object)
    period = check_option(period, PERIODS, "period", "to_period")
    text = values.astype("string")
    is_quarter = text.str.fullmatch(r"\d{4}Q[1-4]").fillna(False)
    if period == "month":
        if is_quarter.any():
            raise InputError(
                f"period value {values[is_quarter].iloc[0]!r} is a quarter and cannot be split "
                "into months; use period='quarter' or 'year'"
            )
        return _months(values, "fix the period column").dt.strftime("%Y-%m").astype(object)
    rest = ~is_quarter & values.notna()
    months = _months(values[rest], "fix the period column")
    out = pd.Series(index=values.index, dtype=object)
    if period == "quarter":
        out[is_quarter] = text[is_quarter].astype(object)
        out[rest] = months.dt.to_period("Q").astype(str).to_numpy()
    else:
        out[is_quarter] = text[is_quarter].str[:4].astype(object)
        out[rest] = months.dt.year.astype(str).to_numpy()
    return out

"""Lagged joins of the employee and the customer unit panels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = ["link", "shift_period", "wide_panel"]

_PANEL_COLUMNS = ("unit", "period", "construct", "n_people", "mean")


def shift_period(labels: pd.Series, k: int) -> pd.Series:
    """Move period labels ``k`` periods later (``YYYY-MM``, ``YYYYQn`` or ``YYYY``).

    Examples
    --------
    >>> shift_period(pd.Series(["2025Q4", "2026Q1"]), 1).tolist()
    ['2026Q1', '2026Q2']
    >>> shift_period(pd.Series(["2025-12"]), -1).tolist()
    ['2025-11']
    """
    text = labels.astype(str)
    for pattern, freq in ((r"\d{4}Q[1-4]", "Q"), (r"\d{4}-\d{2}", "M"), (r"\d{4}", "Y")):
        if text.str.fullmatch(pattern).all():
            per = pd.PeriodIndex(text, freq=freq) + int(k)
            return pd.Series(per.astype(str), index=labels.index, dtype=object)
    raise InputError(
        f"cannot shift period labels such as {text.iloc[0]!r}; lags need months 'YYYY-MM', "
        "quarters 'YYYYQn' or years 'YYYY' (re-label a custom calendar as one of these)"
    )


def _period_kind(labels: pd.Series) -> str:
    text = labels.dropna().astype(str)
    for pattern, kind in (
        (r"\d{4}Q[1-4]", "quarter"),
        (r"\d{4}-\d{2}", "month"),
        (r"\d{4}", "year"),
    ):
        if len(text) and text.str.fullmatch(pattern).all():
            return kind
    return "custom"


def wide_panel(
    panel: pd.DataFrame, extra: tuple[str, ...] = ("n_people", "se", "icc2")
) -> pd.DataFrame:
    """A long :func:`unit_panel` as one row per unit x period, one column per construct.

    Columns ``unit, period``, then for each construct ``<C>`` (the mean) and
    ``<C>_n`` (people), ``<C>_se``, ``<C>_icc2`` (those of ``extra`` present).

    Examples
    --------
    >>> long = pd.DataFrame({"unit": ["A", "A"], "period": ["2025Q1"] * 2,
    ...     "construct": ["LQ", "EX"], "n_people": [5, 5], "mean": [3.5, 3.9]})
    >>> wide_panel(long).columns.tolist()
    ['unit', 'period', 'EX', 'EX_n', 'LQ', 'LQ_n']
    """
    missing = [c for c in _PANEL_COLUMNS if c not in panel.columns]
    if missing:
        raise InputError(
            f"expected a unit panel (from unit_panel) with columns {list(_PANEL_COLUMNS)}; "
            f"missing {missing}"
        )
    names = {"n_people": "n"}
    out = None
    for construct, part in panel.groupby("construct", sort=True):
        cols = {"mean": str(construct)}
        cols.update({c: f"{construct}_{names.get(c, c)}" for c in extra if c in part.columns})
        piece = part[["unit", "period", *cols]].rename(columns=cols)
        out = piece if out is None else out.merge(piece, on=["unit", "period"], how="outer")
    return out.sort_values(["unit", "period"], ignore_index=True)


def link(employee: pd.DataFrame, customer: pd.DataFrame, lag: int = 1) -> pd.DataFrame:
    """Join the employee and customer unit panels with the employee side lagged.

    Parameters
    ----------
    employee, customer : DataFrame
        Long unit panels from :func:`satisfaction.linkage.unit_panel` with the same period
        length (e.g. both quarterly).
    lag : int
        Periods by which the employee side leads: the row of customer period ``t`` holds
        the employee means of period ``t - lag`` (``lag=0``: the same period).

    Returns
    -------
    DataFrame
        One row per unit x customer period: ``unit, period`` (the customer period),
        ``employee_period``, the employee constructs (``LQ, LQ_n, LQ_se, LQ_icc2, EX, ...``),
        the customer constructs (``REP, ..., CSAT, ...``) and ``matched``: ``"both"``, or
        ``"employee only"`` / ``"customer only"`` for units or periods that one side lacks.
        Nothing is dropped: one-sided rows stay in the result, so their number can be
        reported; models use the ``"both"`` rows.

    Examples
    --------
    >>> import satisfaction as sat
    >>> org = sat.load_sample()
    >>> emp = sat.unit_panel(org.pulse.assign(ex5=lambda d: 6 - d["ex5"]), constructs=["LQ", "EX"])
    >>> cus = sat.unit_panel(org.customers, respondent=None)
    >>> linked = link(emp, cus, lag=1)
    >>> linked["matched"].value_counts().to_dict()
    {'both': 280, 'employee only': 40, 'customer only': 40}
    """
    if isinstance(lag, bool) or not isinstance(lag, (int, np.integer)) or lag < 0:
        raise InputError(f"link: lag={lag!r} must be a whole number of periods, 0 or more")
    emp = wide_panel(employee)
    cus = wide_panel(customer)
    kinds = {
        side: _period_kind(frame["period"])
        for side, frame in (("employee", emp), ("customer", cus))
    }
    if kinds["employee"] != kinds["customer"]:
        raise InputError(
            f"link: the employee panel has {kinds['employee']} periods and the customer panel "
            f"{kinds['customer']} periods; build both with the same period= in unit_panel "
            "(e.g. period='quarter')"
        )
    clash = (set(emp.columns) & set(cus.columns)) - {"unit", "period"}
    if clash:
        raise InputError(
            f"link: constructs {sorted(clash)} are on both sides; pass the employee "
            "constructs in employee= and the customer constructs in customer="
        )
    emp = emp.rename(columns={"period": "employee_period"})
    emp["period"] = shift_period(emp["employee_period"], lag)
    out = emp.merge(cus, on=["unit", "period"], how="outer", indicator=True)
    out["matched"] = out.pop("_merge").map(
        {"both": "both", "left_only": "employee only", "right_only": "customer only"}
    )
    missing = out["employee_period"].isna()
    if missing.any():
        out.loc[missing, "employee_period"] = shift_period(out.loc[missing, "period"], -lag)
    front = ["unit", "period", "employee_period", "matched"]
    out = out[front + [c for c in out.columns if c not in front]]
    return out.sort_values(["unit", "period"], ignore_index=True)

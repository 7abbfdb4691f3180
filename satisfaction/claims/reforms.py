"""H8: do leadership reforms raise measured satisfaction? Difference-in-differences and event study.

On the monthly unit panel: a two-way fixed-effects difference-in-differences (unit
and month effects, ``post`` = the unit has been reformed) and an event study of leads
and lags around each unit's reform month, both by OLS (statsmodels) with
unit-clustered standard errors. A before/after comparison means something only if
the construct is measured the same way before and after (scalar invariance):
:func:`reform_invariance` gives that verdict and :func:`satisfaction.claims_table`
reports H8 only together with it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import InputError
from ..options import check_option
from .common import NOT_TESTABLE, cluster_ols, tidy, verdict

__all__ = ["reform", "reform_months", "reform_invariance", "reform_verdict", "INVARIANCE_LEVELS"]

#: Invariance verdicts, weakest to strongest ("not tested" when no test could run).
INVARIANCE_LEVELS = ("not tested", "none", "configural", "metric", "scalar", "strict")


def reform_months(events: pd.DataFrame) -> pd.Series:
    """Each reformed unit's reform month (``YYYY-MM``) from a unit register or HR events.

    ``events`` is a unit register (``unit, reform_month``) or HR events (the first
    ``supervisor_change`` of each unit).

    Examples
    --------
    >>> units = pd.DataFrame({"unit": ["A", "B"], "reform_month": ["2025-07", None]})
    >>> reform_months(units).to_dict()
    {'A': '2025-07'}
    """
    if "reform_month" in events.columns:
        out = events.dropna(subset=["reform_month"]).set_index("unit")["reform_month"]
        return out.astype(str)
    if {"event", "date", "unit"} <= set(events.columns):
        sc = events[events["event"] == "supervisor_change"]
        dates = pd.to_datetime(sc["date"])
        out = dates.groupby(sc["unit"]).min().dt.strftime("%Y-%m")
        return out
    raise InputError(
        "reform: pass a unit register (unit, reform_month) or HR events (unit, date, event "
        "with supervisor_change rows) as events="
    )


def _month_number(labels: pd.Series) -> pd.Series:
    per = pd.PeriodIndex(labels.astype(str), freq="M")
    return pd.Series(per.year * 12 + per.month, index=labels.index)


def reform(
    panel: pd.DataFrame,
    events: pd.DataFrame,
    construct: str = "EX",
    *,
    leads: int = 6,
    lags: int = 12,
    level: float = 0.95,
) -> pd.DataFrame:
    """Difference-in-differences and event study of a construct around unit reforms.

    Parameters
    ----------
    panel : DataFrame
        A monthly long unit panel (:func:`satisfaction.unit_panel` with ``period="month"``).
    events : DataFrame
        Unit register (``unit, reform_month``) or HR events (``supervisor_change``).
    construct : str
        The outcome (``EX``; ``LQ`` checks that the reform moved leadership at all).
    leads, lags : int
        Event-study window in months before and after the reform; months beyond it
        are binned into the end points; month -1 is the reference.
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        ``kind`` (``"did"``, then ``"event_study"`` rows), ``effect``, ``rel_month``
        (event time; missing for the DiD row), ``estimate`` (scale points), ``estimate_sd``
        (per SD of individual scores), ``se, pvalue, ci_lower, ci_upper, n`` (unit-months),
        ``n_units, n_reformed, method``.

    Notes
    -----
    ``y_ut = unit_u + month_t + beta post_ut`` (DiD) and ``y_ut = unit_u + month_t +
    sum_k beta_k 1{t - m_u = k}`` (event study) over unit-months, never-reformed units
    as controls, OLS with SEs clustered by unit. The standardised effect divides by
    ``sqrt(mean(sd^2) + var(mean))`` of the panel, the SD of individual scores.

    Examples
    --------
    >>> from satisfaction.claims.examples import sample_monthly_panel
    >>> import satisfaction as sat
    >>> out = reform(sample_monthly_panel(), sat.load_sample().units, "LQ", leads=3, lags=6)
    >>> out["kind"].iloc[0], round(float(out["estimate_sd"].iloc[0]), 1)
    ('did', 0.5)
    """
    for name, value in (("leads", leads), ("lags", lags)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise InputError(
                f"reform: {name}={value!r} must be a whole number of months, 1 or more"
            )
    if "construct" not in panel.columns:
        raise InputError("reform needs a long monthly unit panel (unit_panel(..., period='month'))")
    d = panel[panel["construct"] == construct].dropna(subset=["mean"]).copy()
    if d.empty:
        raise InputError(f"reform: the panel has no {construct!r} rows")
    months = reform_months(events)
    d["m"] = _month_number(d["period"])
    d["reform_m"] = d["unit"].map(_month_number(months) if len(months) else {})
    n_reformed = int(d.loc[d["reform_m"].notna(), "unit"].nunique())
    if n_reformed == 0:
        raise InputError("reform: no unit of the panel has a reform month inside the data")
    d["post"] = (d["m"] >= d["reform_m"]).astype(float)
    sd = float(np.sqrt((d["sd"] ** 2).mean() + d["mean"].var())) if "sd" in d else np.nan
    fit = cluster_ols("mean ~ post + C(unit) + C(period)", d)
    base = {"n_units": d["unit"].nunique(), "n_reformed": n_reformed}
    rows = [
        tidy(fit, "post", level, effect=f"{construct} after reform (DiD)", kind="did",
             rel_month=np.nan, **base)
    ]  # fmt: skip
    rel = (d["m"] - d["reform_m"]).clip(-leads, lags)
    names = []
    for k in range(-leads, lags + 1):
        if k == -1:
            continue
        col = f"ev_{'m' if k < 0 else 'p'}{abs(k)}"
        d[col] = (rel == k).astype(float)
        names.append((k, col))
    formula = "mean ~ " + " + ".join(c for _, c in names) + " + C(unit) + C(period)"
    es = cluster_ols(formula, d)
    for k, col in names:
        rows.append(
            tidy(es, col, level, effect=f"{construct} at month {k:+d} of the reform",
                 kind="event_study", rel_month=k, **base)
        )  # fmt: skip
    out = pd.DataFrame(rows)
    out["estimate_sd"] = out["estimate"] / sd
    out["method"] = np.where(
        out["kind"] == "did",
        "two-way fixed effects DiD on unit-months (unit and month effects), unit-clustered SE",
        f"event study, month -1 the reference, ends binned at -{leads}/+{lags}, unit and "
        "month effects, unit-clustered SE",
    )
    cols = ["kind", "effect", "rel_month", "estimate", "estimate_sd", "se", "pvalue",
            "ci_lower", "ci_upper", "n", "n_units", "n_reformed", "method"]  # fmt: skip
    return out[cols]


def reform_invariance(invariance: str | None = None) -> dict[str, str]:
    """The measurement-invariance verdict of the construct across before/after a reform.

    Kept apart so that the multi-group SEM test can replace it: today the engine has no
    multi-group models, so without a verdict passed in the answer is "not tested".

    Parameters
    ----------
    invariance : str, optional
        A verdict from the researcher's own test: one of :data:`INVARIANCE_LEVELS` (the
        strongest level that held).

    Returns
    -------
    dict
        ``level`` (one of :data:`INVARIANCE_LEVELS`) and ``note`` (a sentence for the report).

    Examples
    --------
    >>> reform_invariance()["note"]
    'invariance not tested (multi-group SEM unavailable)'
    >>> reform_invariance("scalar")["level"]
    'scalar'
    """
    if invariance is None:
        return {
            "level": "not tested",
            "note": "invariance not tested (multi-group SEM unavailable)",
        }
    level = check_option(invariance, INVARIANCE_LEVELS, "invariance", "reform_invariance")
    return {"level": level, "note": f"{level} invariance across before/after (given)"}


def reform_verdict(lower: float, upper: float, invariance: Mapping[str, str]) -> str:
    """H8's verdict: the DiD interval decides only when scalar (or strict) invariance holds.

    Parameters
    ----------
    lower, upper : float
        The DiD interval.
    invariance : dict
        From :func:`reform_invariance`.

    Examples
    --------
    >>> reform_verdict(0.1, 0.3, reform_invariance("scalar"))
    'supported'
    >>> reform_verdict(0.1, 0.3, reform_invariance())
    'not testable with these data: invariance not tested (multi-group SEM unavailable)'
    >>> reform_verdict(0.1, 0.3, reform_invariance("metric"))
    'not testable with these data: scalar invariance fails across before/after (metric only)'
    """
    level = invariance["level"]
    if level in ("scalar", "strict"):
        return verdict(lower, upper)
    if level == "not tested":
        return NOT_TESTABLE + invariance["note"]
    return NOT_TESTABLE + f"scalar invariance fails across before/after ({level} only)"

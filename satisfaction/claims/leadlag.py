"""H3: does employee experience lead customer satisfaction? Incremental lagged prediction.

The raw lagged correlations cannot answer it: with a loop running the other way
(H4) corr(EX(t), CSAT(t+1)) can be smaller than corr(EX(t), CSAT(t-1)) even when EX
leads. :func:`lead_lag` asks the right question, whether x(t) predicts y(t+k) beyond
y(t) within units, and shows the cross-correlations only as labelled description.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError
from .common import as_wide_panel, cluster_ols, lead_frame, normal_ci, tidy

__all__ = ["lead_lag", "DESCRIPTION_ONLY"]

#: The method label of the cross-correlation rows.
DESCRIPTION_ONLY = "cross-correlation over unit-periods (description only, not evidence of a lead)"


def lead_lag(
    panel: pd.DataFrame,
    x: str = "EX",
    y: str = "CSAT",
    max_lag: int = 4,
    *,
    fixed_effects: bool = True,
    time_effects: bool = True,
    level: float = 0.95,
    correlations: bool = True,
) -> pd.DataFrame:
    """Incremental prediction of ``y(t+k)`` by ``x(t)`` over ``y(t)``, for k = 1..max_lag.

    Parameters
    ----------
    panel : DataFrame
        A unit x period panel with ``x`` and ``y`` (wide, e.g. :func:`satisfaction.link`
        with ``lag=0``, or long from :func:`satisfaction.unit_panel`).
    x, y : str
        The leading and the following construct.
    max_lag : int
        Largest lead ``k`` (periods).
    fixed_effects : bool
        Unit fixed effects (within-unit prediction); ``False`` pools units.
    time_effects : bool
        Period fixed effects (shocks common to all units).
    level : float
        Confidence level.
    correlations : bool
        Also return the cross-correlations ``corr(x(t), y(t+k))`` for
        ``k = -max_lag..max_lag``, labelled as description only.

    Returns
    -------
    DataFrame
        ``effect`` (``"EX(t) -> CSAT(t+1)"``), ``lag``, ``estimate, se, pvalue, ci_lower,
        ci_upper, n`` (unit-periods), ``n_units``, ``method``. Regression rows first;
        then the correlation rows (``method`` says "description only", with Fisher-z
        intervals that ignore the nesting of periods in units).

    Notes
    -----
    ``y(t+k) ~ x(t) + y(t) [+ unit] [+ period]`` by OLS (statsmodels), standard errors
    clustered by unit. With unit fixed effects and few periods the estimate carries
    Nickell's (1981) bias; the RI-CLPM (:func:`satisfaction.claims.cross_lagged`) is the
    model-based alternative, and is what :func:`satisfaction.claims_table` uses for H3.

    Examples
    --------
    >>> from satisfaction.claims.examples import sample_panel
    >>> out = lead_lag(sample_panel(), "EX", "CSAT", max_lag=2)
    >>> out[["effect", "lag"]].head(2)
                   effect  lag
    0  EX(t) -> CSAT(t+1)    1
    1  EX(t) -> CSAT(t+2)    2
    >>> int(out["method"].str.contains("description only").sum())
    5
    """
    if isinstance(max_lag, bool) or not isinstance(max_lag, (int, np.integer)) or max_lag < 1:
        raise InputError(f"lead_lag: max_lag={max_lag!r} must be a whole number of at least 1")
    wide = as_wide_panel(panel, (x, y))
    n_periods = wide["period"].nunique()
    if n_periods < 3:
        raise InputError(
            f"lead_lag: the panel has {n_periods} period(s); the lead needs at least 3 "
            "(two to lag and one to control for)"
        )
    rows = []
    for k in range(1, int(max_lag) + 1):
        d = lead_frame(wide, y, k).dropna(subset=[x, y, "lead"])
        if d["period"].nunique() < 2 or len(d) < 10:
            break
        formula = f"lead ~ Q('{x}') + Q('{y}')"
        formula += (" + C(unit)" if fixed_effects else "") + (
            " + C(period)" if time_effects else ""
        )
        fit = cluster_ols(formula, d)
        fe = "unit" + (" and period" if time_effects else "") if fixed_effects else None
        method = (
            f"OLS {y}(t+k) ~ {x}(t) + {y}(t)"
            + (
                f", {fe} fixed effects"
                if fe
                else (", period fixed effects" if time_effects else "")
            )
            + ", unit-clustered SE"
        )
        rows.append(
            tidy(
                fit, f"Q('{x}')", level, effect=f"{x}(t) -> {y}(t+{k})", lag=k,
                n_units=d["unit"].nunique(), method=method,
            )
        )  # fmt: skip
    if correlations:
        for k in range(-int(max_lag), int(max_lag) + 1):
            d = lead_frame(wide, y, k).dropna(subset=[x, "lead"])
            if len(d) < 4:
                continue
            r = float(np.corrcoef(d[x], d["lead"])[0, 1])
            lo, hi = np.tanh(normal_ci(np.arctanh(r), 1 / np.sqrt(len(d) - 3), level))
            sign = f"+{k}" if k > 0 else (f"{k}" if k < 0 else "")
            rows.append(
                {
                    "effect": f"corr({x}(t), {y}(t{sign}))",
                    "lag": k,
                    "estimate": r,
                    "se": np.nan,
                    "pvalue": np.nan,
                    "ci_lower": lo,
                    "ci_upper": hi,
                    "n": len(d),
                    "n_units": d["unit"].nunique(),
                    "method": DESCRIPTION_ONLY,
                }
            )
    return pd.DataFrame(rows)

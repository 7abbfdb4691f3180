"""Shared pieces of the claims: panels in the shape each model needs, tidy rows, verdicts."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from ..errors import InputError
from ..linkage import shift_period, wide_panel

__all__ = ["as_wide_panel", "lead_frame", "tidy", "verdict", "cluster_ols", "NOT_TESTABLE"]

NOT_TESTABLE = "not testable with these data: "


def as_wide_panel(panel: pd.DataFrame, needed: Sequence[str]) -> pd.DataFrame:
    """A wide unit x period panel (rows where both sides are present) with the needed columns."""
    if "construct" in panel.columns:
        panel = wide_panel(panel)
    if "matched" in panel.columns:
        panel = panel[panel["matched"] == "both"]
    missing = [c for c in ("unit", "period", *needed) if c not in panel.columns]
    if missing:
        raise InputError(
            f"the panel lacks column(s) {missing} (it has {list(panel.columns)[:12]}); pass a "
            "unit panel (unit_panel) or a linked panel (link) that holds these constructs"
        )
    return panel.reset_index(drop=True)


def lead_frame(wide: pd.DataFrame, column: str, k: int) -> pd.DataFrame:
    """``wide`` with ``lead``: the unit's ``column`` ``k`` periods later (missing if absent)."""
    later = wide[["unit", "period", column]].copy()
    later["period"] = shift_period(later["period"], -k)
    later = later.rename(columns={column: "lead"})
    return wide.merge(later, on=["unit", "period"], how="left")


def cluster_ols(formula: str, data: pd.DataFrame, cluster: str = "unit"):
    """OLS (statsmodels formula) with standard errors clustered by ``cluster``.

    Fitted with one BLAS thread: these design matrices are small (a few hundred rows
    and dummies), where threads only contend (ten times slower on a busy 2-core machine).
    """
    groups = pd.factorize(data[cluster])[0]
    with threadpool_limits(1):
        import statsmodels.formula.api as smf  # imported here: it takes a large share of `import satisfaction`

        return smf.ols(formula, data).fit(
            method="qr", cov_type="cluster", cov_kwds={"groups": groups}
        )


def tidy(fit, term: str, level: float, **extra) -> dict:
    """One tidy row (estimate, se, pvalue, CI, n) of a statsmodels fit's term."""
    lo, hi = fit.conf_int(alpha=1 - level).loc[term]
    return {
        "effect": extra.pop("effect", term),
        "estimate": float(fit.params[term]),
        "se": float(fit.bse[term]),
        "pvalue": float(fit.pvalues[term]),
        "ci_lower": float(lo),
        "ci_upper": float(hi),
        "n": int(fit.nobs),
        **extra,
    }


def normal_ci(estimate: float, se: float, level: float) -> tuple[float, float]:
    z = stats.norm.ppf(0.5 + level / 2)
    return estimate - z * se, estimate + z * se


def verdict(lower: float, upper: float, direction: int = 1) -> str:
    """``"supported"`` when the interval lies wholly on the claimed side of 0."""
    if not (np.isfinite(lower) and np.isfinite(upper)):
        return NOT_TESTABLE + "the estimate could not be computed"
    ok = lower > 0 if direction > 0 else upper < 0
    return "supported" if ok else "not supported"

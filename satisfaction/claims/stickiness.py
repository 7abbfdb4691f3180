"""H6: is reputation stickier than employee experience? Stability corrected for sampling error.

A unit's customer mean rests on about 20 answers a quarter, so its quarter-to-quarter
changes are mostly sampling noise and the naive autocorrelation makes reputation
look *less* stable than EX. :func:`stability` removes the sampling error variance of
each unit mean (its squared standard error) from the within-unit variance before
correlating successive periods: the disattenuated within-unit autocorrelation.
Written here because no library offers the correction for unit means of varying
precision; the unit bootstrap resamples whole units.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from ..linkage import shift_period

__all__ = ["stability"]


def _prepare(panel: pd.DataFrame, construct: str) -> pd.DataFrame:
    cols = ["unit", "period", "mean", "se"]
    part = panel[panel["construct"] == construct]
    part = part.assign(cov_prev=part["cov_prev"] if "cov_prev" in part else 0.0)
    part = part[[*cols, "cov_prev"]].dropna()
    if part.empty:
        raise InputError(f"stability: the panel has no rows of construct {construct!r}")
    part = part.copy()
    part["t"] = part.groupby("unit")["mean"].transform("size")
    part = part[part["t"] >= 3]
    part["dev"] = part["mean"] - part.groupby("unit")["mean"].transform("mean")
    prev = part[["unit", "period", "dev"]].copy()
    prev["period"] = shift_period(prev["period"], 1)
    part = part.merge(prev.rename(columns={"dev": "dev_prev"}), on=["unit", "period"], how="left")
    has_prev = part["dev_prev"].notna()
    c = part["cov_prev"].where(has_prev).groupby(part["unit"]).transform("mean").fillna(0.0)
    s2 = (part["se"] ** 2 - c).clip(lower=0.0)  # the transient part of the sampling error
    per_unit = pd.DataFrame(
        {
            "unit": part["unit"],
            "lag_prod": (part["dev"] * part["dev_prev"]).fillna(0.0),
            "n_pairs": part["dev_prev"].notna().astype(float),
            "sq": part["dev"] ** 2,
            "n_obs": 1.0,
            "noise_sq": s2 * (1.0 - 1.0 / part["t"]),
            "noise_lag": (s2 / part["t"]).where(has_prev, 0.0),
        }
    )
    return per_unit.groupby("unit").sum()


def _estimate(sums: np.ndarray) -> tuple[float, float]:
    lag_prod, n_pairs, sq, n_obs, noise_sq, noise_lag = sums
    cov = lag_prod / n_pairs
    var = sq / n_obs
    naive = cov / var
    corrected = (cov + noise_lag / n_pairs) / (var - noise_sq / n_obs)
    return corrected, naive


def stability(
    panel: pd.DataFrame,
    constructs: Sequence[str] = ("REP", "EX"),
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Within-unit period-to-period stability of unit means, corrected for sampling error.

    Parameters
    ----------
    panel : DataFrame
        Long unit panel(s) from :func:`satisfaction.unit_panel` (``unit, period,
        construct, mean, se``), e.g. the employee and customer panels concatenated, with
        the same period length.
    constructs : sequence of str
        Constructs to compare; the first two also give a difference row (H6: REP - EX).
    n_boot : int
        Unit-bootstrap resamples for the intervals.
    level : float
        Confidence level (percentile intervals).
    seed : int, optional
        Seed of the bootstrap.

    Returns
    -------
    DataFrame
        One row per construct: ``construct, estimate`` (corrected autocorrelation),
        ``naive`` (uncorrected within-unit), ``naive_pooled`` (the raw correlation of
        successive unit means over all unit-periods: the trap, not evidence), ``ci_lower, ci_upper, n`` (unit-periods), ``n_units,
        method``; then ``"<A> - <B>"`` with the difference of the corrected values.

    Notes
    -----
    With ``d_ut`` the unit mean minus the unit's average over its ``T_u`` periods and
    ``s_ut`` its standard error, the within-unit lag-1 covariance and variance are
    pooled over units. The sampling error of a mean has a part that persists over
    periods (the same people answer again: their covariance ``c``, ``cov_prev`` of
    :func:`satisfaction.unit_panel`, averaged per unit) and a transient part
    ``v = s^2 - c``; demeaning removes the persistent part, and the transient part adds
    ``v (1 - 1/T)`` to the within variance and ``-v/T`` to the lag covariance, so the
    corrected autocorrelation is ``(cov + mean(v/T)) / (var - mean(v (1 - 1/T)))``. Units with
    fewer than 3 periods are left out. Demeaning within short panels biases both
    constructs' autocorrelations down by about ``1/(T-1)``: compare constructs with
    each other, not with an absolute value.

    Examples
    --------
    >>> from satisfaction.claims.examples import sample_long_panel
    >>> out = stability(sample_long_panel(), ("REP", "EX"), n_boot=200)
    >>> out["construct"].tolist()
    ['REP', 'EX', 'REP - EX']
    """
    if "construct" not in panel.columns:
        raise InputError(
            "stability needs a long unit panel (unit_panel: unit, period, construct, mean, se)"
        )
    constructs = list(constructs)
    sums = {c: _prepare(panel, c) for c in constructs}
    units = sorted(set.intersection(*(set(s.index) for s in sums.values())))
    mats = {c: sums[c].reindex(units).fillna(0.0).to_numpy() for c in constructs}
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(units), size=(n_boot, len(units)))
    alpha = (1 - level) / 2
    rows, boots = [], {}
    for c in constructs:
        m = mats[c]
        part = panel[panel["construct"] == c][["unit", "period", "mean"]].dropna()
        prev = part.assign(period=shift_period(part["period"], 1))
        pairs = part.merge(prev, on=["unit", "period"], suffixes=("", "_prev"))
        pooled = float(np.corrcoef(pairs["mean"], pairs["mean_prev"])[0, 1])
        corrected, naive = _estimate(m.sum(axis=0))
        boot = np.array([_estimate(m[i].sum(axis=0))[0] for i in draws])
        boots[c] = boot
        lo, hi = np.nanquantile(boot, [alpha, 1 - alpha])
        rows.append(
            {
                "construct": c,
                "estimate": corrected,
                "naive": naive,
                "naive_pooled": pooled,
                "ci_lower": lo,
                "ci_upper": hi,
                "n": int(m[:, 3].sum()),
                "n_units": len(units),
            }
        )
    if len(constructs) >= 2:
        a, b = constructs[:2]
        diff = boots[a] - boots[b]
        lo, hi = np.nanquantile(diff, [alpha, 1 - alpha])
        rows.append(
            {
                "construct": f"{a} - {b}",
                "estimate": rows[0]["estimate"] - rows[1]["estimate"],
                "naive": rows[0]["naive"] - rows[1]["naive"],
                "naive_pooled": rows[0]["naive_pooled"] - rows[1]["naive_pooled"],
                "ci_lower": lo,
                "ci_upper": hi,
                "n": rows[0]["n"] + rows[1]["n"],
                "n_units": len(units),
            }
        )
    out = pd.DataFrame(rows)
    out["method"] = (
        "within-unit lag-1 autocorrelation of unit means, disattenuated for their sampling "
        f"error (se^2); percentile CI from {n_boot} unit-bootstrap resamples"
    )
    return out

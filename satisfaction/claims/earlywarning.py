"""Early warning: units whose EX dropped beyond what sampling error explains, before CSAT moved.

For each unit and period, the change of the unit mean from its own baseline (the mean
of its previous ``baseline`` periods) is standardised by the sampling error of both
(``z = (m_t - b) / sqrt(se_t^2 + se_b^2)``). A Shewhart rule flags ``z < -threshold``;
the EWMA rule flags when the exponentially weighted average of the z's falls below
``-threshold sqrt(lam / (2 - lam))`` (Roberts 1959). Written here because no
maintained Python library offers control charts on means of varying precision.
:func:`warning_backtest` scores alerts against known latent drops (the synthetic
organisation's ``latent`` frame).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError
from ..options import check_option

__all__ = ["early_warning", "warning_backtest", "RULES"]

#: The control-chart rules of :func:`early_warning`.
RULES = ("shewhart", "ewma")


def _z_changes(panel: pd.DataFrame, construct: str, baseline: int) -> pd.DataFrame:
    d = panel[panel["construct"] == construct].sort_values(["unit", "period"]).copy()
    if d.empty:
        raise InputError(f"early_warning: the panel has no {construct!r} rows")
    g = d.groupby("unit", sort=False)
    d["base"] = g["mean"].transform(lambda s: s.shift(1).rolling(baseline, min_periods=2).mean())
    d["_s2"] = d["se"] ** 2
    var_sum = g["_s2"].transform(lambda s: s.shift(1).rolling(baseline, min_periods=2).sum())
    count = g["mean"].transform(lambda s: s.shift(1).rolling(baseline, min_periods=2).count())
    d["change"] = d["mean"] - d["base"]
    d["change_se"] = np.sqrt(d["_s2"] + var_sum / count**2)
    d["z"] = d["change"] / d["change_se"]
    return d.drop(columns="_s2")


def early_warning(
    panel: pd.DataFrame,
    construct: str = "EX",
    outcome: str | None = "CSAT",
    *,
    rule: str = "shewhart",
    threshold: float = 2.0,
    baseline: int = 4,
    lam: float = 0.3,
    level: float = 0.95,
) -> pd.DataFrame:
    """Flag units whose construct dropped beyond its sampling error while the outcome has not.

    Parameters
    ----------
    panel : DataFrame
        Long unit panel(s) (:func:`satisfaction.unit_panel`: ``unit, period, construct,
        mean, se, n_people``) holding ``construct`` and, if given, ``outcome`` for the same
        periods (e.g. the quarterly employee and customer panels concatenated).
    construct : str
        The leading indicator (EX).
    outcome : str, optional
        The lagging outcome (CSAT); an alert says whether it has already moved.
    rule : {"shewhart", "ewma"}
        Flag single drops (Shewhart) or accumulated small drops (EWMA).
    threshold : float
        Control limit in standard errors.
    baseline : int
        Previous periods averaged into the unit's baseline (at least 2 are needed).
    lam : float
        EWMA weight of the newest period.
    level : float
        Confidence level of the change's interval.

    Returns
    -------
    DataFrame
        One row per unit x period with a baseline: ``unit, period, construct, estimate``
        (change from the baseline, scale points), ``se, z, ci_lower, ci_upper, n``
        (people), ``statistic`` (z or its EWMA), ``alert`` (the construct dropped and the
        outcome has not yet), ``dropped``, ``outcome_z, outcome_moved, method``.

    Examples
    --------
    >>> from satisfaction.claims.examples import sample_long_panel
    >>> ew = early_warning(sample_long_panel(), "EX", "CSAT")
    >>> ew.columns.tolist()[:5]
    ['unit', 'period', 'construct', 'estimate', 'se']
    >>> bool(ew["alert"].dtype == bool)
    True
    """
    from scipy import stats

    rule = check_option(rule, RULES, "rule", "early_warning")
    if not threshold > 0 or not 0 < lam <= 1:
        raise InputError("early_warning: threshold must be positive and lam in (0, 1]")
    if isinstance(baseline, bool) or not isinstance(baseline, (int, np.integer)) or baseline < 2:
        raise InputError(f"early_warning: baseline={baseline!r} must be a whole number, 2 or more")
    d = _z_changes(panel, construct, baseline)
    d = d[d["z"].notna()].copy()
    if rule == "ewma":

        def ewma(z: pd.Series) -> pd.Series:
            out, prev = [], 0.0
            for v in z:
                prev = lam * v + (1 - lam) * prev
                out.append(prev)
            return pd.Series(out, index=z.index)

        d["statistic"] = d.groupby("unit", sort=False)["z"].transform(ewma)
        limit = threshold * np.sqrt(lam / (2 - lam))
    else:
        d["statistic"] = d["z"]
        limit = threshold
    d["dropped"] = d["statistic"] < -limit
    if outcome is not None:
        o = _z_changes(panel, outcome, baseline)[["unit", "period", "z"]]
        d = d.merge(o.rename(columns={"z": "outcome_z"}), on=["unit", "period"], how="left")
        d["outcome_moved"] = d["outcome_z"] < -threshold
    else:
        d["outcome_z"] = np.nan
        d["outcome_moved"] = False
    d["alert"] = d["dropped"] & ~d["outcome_moved"].fillna(False).astype(bool)
    zq = stats.norm.ppf(0.5 + level / 2)
    out = pd.DataFrame(
        {
            "unit": d["unit"],
            "period": d["period"],
            "construct": construct,
            "estimate": d["change"],
            "se": d["change_se"],
            "z": d["z"],
            "ci_lower": d["change"] - zq * d["change_se"],
            "ci_upper": d["change"] + zq * d["change_se"],
            "n": d["n_people"] if "n_people" in d else np.nan,
            "statistic": d["statistic"],
            "alert": d["alert"].astype(bool),
            "dropped": d["dropped"].astype(bool),
            "outcome_z": d["outcome_z"],
            "outcome_moved": d["outcome_moved"].fillna(False).astype(bool),
        }
    )
    out["method"] = (
        f"{rule} rule on the change from the unit's mean of its previous {baseline} periods, "
        f"standardised by sampling error; limit {limit:.2f}"
    )
    return out.reset_index(drop=True)


def warning_backtest(
    alerts: pd.DataFrame,
    latent: pd.DataFrame,
    construct: str = "EX",
    outcome: str = "CSAT",
    *,
    drop: float = 0.15,
    baseline: int = 4,
    horizon: int = 3,
) -> pd.DataFrame:
    """Precision, recall and lead time of alerts against known latent drops.

    Parameters
    ----------
    alerts : DataFrame
        :func:`early_warning` output on quarterly panels.
    latent : DataFrame
        The true unit series (``Organisation.latent``: ``unit, quarter, EX, CSAT`` monthly;
        averaged to quarters here).
    construct, outcome : str
        The latent columns.
    drop : float
        A true drop: the latent quarter mean below the unit's previous ``baseline``
        quarters' mean by more than ``drop`` (latent SD units).
    baseline : int
        As :func:`early_warning`.
    horizon : int
        Quarters after an alert in which the outcome's later true fall is looked for.

    Returns
    -------
    DataFrame
        One row: ``alerts, true_drops, hits, precision, recall, lead_time`` (mean quarters
        from a hit to the outcome's first true fall of more than ``drop / 2`` within
        ``horizon``, missing if none), ``n`` (unit-quarters scored), ``method``.

    Examples
    --------
    >>> import satisfaction as sat
    >>> from satisfaction.claims.examples import sample_long_panel
    >>> ew = early_warning(sample_long_panel())
    >>> bt = warning_backtest(ew, sat.load_sample().latent)
    >>> bt.columns.tolist()[:4]
    ['alerts', 'true_drops', 'hits', 'precision']
    """
    q = latent.groupby(["unit", "quarter"], as_index=False)[[construct, outcome]].mean()
    q = q.rename(columns={"quarter": "period"}).sort_values(["unit", "period"])
    g = q.groupby("unit", sort=False)
    for col in (construct, outcome):
        base = g[col].transform(lambda s: s.shift(1).rolling(baseline, min_periods=2).mean())
        q[f"{col}_change"] = q[col] - base
    q["true_drop"] = q[f"{construct}_change"] < -drop
    scored = alerts.merge(q, on=["unit", "period"], how="inner")
    hits = scored[scored["alert"] & scored["true_drop"]]
    n_alerts = int(scored["alert"].sum())
    n_true = int(scored["true_drop"].sum())
    leads = []
    periods = sorted(q["period"].unique())
    pos = {p: i for i, p in enumerate(periods)}
    for r in hits.itertuples():
        later = q[(q["unit"] == r.unit)]
        later = later[later["period"].map(pos).between(pos[r.period], pos[r.period] + horizon)]
        fell = later[later[f"{outcome}_change"] < -drop / 2]
        if len(fell):
            leads.append(pos[fell["period"].iloc[0]] - pos[r.period])
    return pd.DataFrame(
        [
            {
                "alerts": n_alerts,
                "true_drops": n_true,
                "hits": len(hits),
                "precision": len(hits) / n_alerts if n_alerts else np.nan,
                "recall": len(hits) / n_true if n_true else np.nan,
                "lead_time": float(np.mean(leads)) if leads else np.nan,
                "n": len(scored),
                "method": f"alerts vs latent {construct} drops of more than {drop} below the "
                f"unit's previous {baseline}-quarter mean",
            }
        ]
    )

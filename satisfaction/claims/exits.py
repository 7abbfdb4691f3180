"""H5: do satisfied employees stay? Voluntary exit by prior EX, three ways.

On person-months (:func:`satisfaction.person_periods`): a discrete-time hazard
(logistic regression of the month's voluntary exit on the person's most recent prior
EX, statsmodels, SEs clustered by unit) with odds ratios; a Cox model with EX as a
time-varying covariate (lifelines' ``CoxTimeVaryingFitter``); and Kaplan-Meier
curves of staying by EX band (lifelines' ``KaplanMeierFitter``) with a log-rank test.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from ..errors import InputError
from ..options import check_option

__all__ = ["turnover", "survival_curves", "BANDS"]

#: How :func:`survival_curves` bands people by their EX.
BANDS = ("tertile", "median")


def _usable(pp: pd.DataFrame, x: str) -> pd.DataFrame:
    need = ["person", "unit", "start", "stop", x, "exit_voluntary"]
    missing = [c for c in need if c not in pp.columns]
    if missing:
        raise InputError(
            f"turnover: the person-months lack column(s) {missing}; build them with "
            "person_periods(pulse, hr_events)"
        )
    d = pp.dropna(subset=[x]).copy()
    if d["exit_voluntary"].sum() < 5:
        raise InputError(
            f"turnover: only {int(d['exit_voluntary'].sum())} voluntary exits with a prior "
            f"{x} score; at least 5 are needed"
        )
    sd = d[x].std()
    d["z"] = (d[x] - d[x].mean()) / sd
    return d


def turnover(person_months: pd.DataFrame, x: str = "EX", *, level: float = 0.95) -> pd.DataFrame:
    """Voluntary exit by prior EX: discrete-time hazard (odds ratio) and Cox (hazard ratio).

    Parameters
    ----------
    person_months : DataFrame
        From :func:`satisfaction.person_periods` (``person, unit, start, stop, EX,
        exit_voluntary``).
    x : str
        The prior score (``EX``; ``LQ`` also works).
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        Two rows, ``model`` ``"discrete-time hazard"`` and ``"Cox"``: ``effect``
        (``"EX (per SD) -> voluntary exit"``), ``estimate`` (log-odds or log-hazard per
        SD of the score), ``ratio`` (odds ratio / hazard ratio), ``ratio_ci_lower,
        ratio_ci_upper``, ``se, pvalue, ci_lower, ci_upper`` (of the log), ``n``
        (person-months), ``n_people, n_events, method``. A ratio below 1: people with
        higher EX leave less.

    Notes
    -----
    Person-months without a prior score are left out. The score is standardised over
    the person-months used. The hazard model is ``logit P(exit in month) = b0 + b z``
    with SEs clustered by unit; the Cox model uses the intervals ``(start, stop]`` with
    the score as a time-varying covariate (Breslow ties, as lifelines).

    Examples
    --------
    >>> import satisfaction as sat
    >>> from satisfaction.claims.examples import sample_person_months
    >>> out = turnover(sample_person_months())
    >>> out["model"].tolist()
    ['discrete-time hazard', 'Cox']
    >>> bool((out["ratio"] < 1).all())
    True
    """
    # imported here: statsmodels and lifelines take a large share of `import satisfaction`
    import statsmodels.api as sm
    from lifelines import CoxTimeVaryingFitter

    d = _usable(person_months, x)
    crit = float(stats.norm.ppf(0.5 + level / 2))
    with threadpool_limits(1):
        logit = sm.Logit(d["exit_voluntary"].to_numpy(), sm.add_constant(d[["z"]])).fit(
            disp=0, cov_type="cluster", cov_kwds={"groups": pd.factorize(d["unit"])[0]}
        )
    rows = []
    b, se = float(logit.params["z"]), float(logit.bse["z"])
    rows.append(
        {
            "model": "discrete-time hazard",
            "estimate": b,
            "se": se,
            "pvalue": float(logit.pvalues["z"]),
            "method": "logistic regression on person-months, exit ~ prior score (per SD), "
            "unit-clustered SE; odds ratio",
        }
    )
    ctv = CoxTimeVaryingFitter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctv.fit(
            d[["person", "start", "stop", "z", "exit_voluntary"]],
            id_col="person",
            event_col="exit_voluntary",
            start_col="start",
            stop_col="stop",
        )
    s = ctv.summary.loc["z"]
    rows.append(
        {
            "model": "Cox",
            "estimate": float(s["coef"]),
            "se": float(s["se(coef)"]),
            "pvalue": float(s["p"]),
            "method": "Cox model with the prior score as a time-varying covariate "
            "(lifelines CoxTimeVaryingFitter); hazard ratio",
        }
    )
    out = pd.DataFrame(rows)
    out["ci_lower"] = out["estimate"] - crit * out["se"]
    out["ci_upper"] = out["estimate"] + crit * out["se"]
    out["ratio"] = np.exp(out["estimate"])
    out["ratio_ci_lower"] = np.exp(out["ci_lower"])
    out["ratio_ci_upper"] = np.exp(out["ci_upper"])
    out["effect"] = f"{x} (per SD) -> voluntary exit"
    out["n"] = len(d)
    out["n_people"] = d["person"].nunique()
    out["n_events"] = int(d["exit_voluntary"].sum())
    cols = [
        "model", "effect", "estimate", "se", "pvalue", "ci_lower", "ci_upper", "ratio",
        "ratio_ci_lower", "ratio_ci_upper", "n", "n_people", "n_events", "method",
    ]  # fmt: skip
    return out[cols]


def survival_curves(
    person_months: pd.DataFrame, x: str = "EX", bands: str = "tertile", *, level: float = 0.95
) -> pd.DataFrame:
    """Kaplan-Meier curves of staying (no voluntary exit) by band of a person's mean EX.

    Parameters
    ----------
    person_months : DataFrame
        From :func:`satisfaction.person_periods`.
    x : str
        The score that bands people (their mean prior score over their months).
    bands : {"tertile", "median"}
        Three bands (low, middle, high) or two (low, high).
    level : float
        Confidence level of the curves.

    Returns
    -------
    DataFrame
        ``band, month, estimate`` (probability of not having left voluntarily),
        ``ci_lower, ci_upper, n_at_risk, n`` (people in the band), ``method``, and the
        log-rank test across bands in ``logrank_pvalue``. Leaving involuntarily or
        reaching the end of the data censors a person.

    Examples
    --------
    >>> from satisfaction.claims.examples import sample_person_months
    >>> km = survival_curves(sample_person_months())
    >>> sorted(km["band"].unique())
    ['high', 'low', 'middle']
    """
    from lifelines import KaplanMeierFitter  # imported here, as in turnover()
    from lifelines.statistics import multivariate_logrank_test

    bands = check_option(bands, BANDS, "bands", "survival_curves")
    d = person_months.dropna(subset=[x])
    people = d.groupby("person").agg(
        score=(x, "mean"), duration=("stop", "max"), event=("exit_voluntary", "max")
    )
    q = 3 if bands == "tertile" else 2
    labels = ["low", "middle", "high"] if q == 3 else ["low", "high"]
    people["band"] = pd.qcut(people["score"], q, labels=labels).astype(str)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # lifelines' pandas calls
        warnings.simplefilter("ignore", DeprecationWarning)
        test = multivariate_logrank_test(people["duration"], people["band"], people["event"])
    parts = []
    for band in labels:
        g = people[people["band"] == band]
        km = KaplanMeierFitter(alpha=1 - level).fit(g["duration"], g["event"])
        ci = km.confidence_interval_survival_function_
        part = pd.DataFrame(
            {
                "band": band,
                "month": km.survival_function_.index.to_numpy(),
                "estimate": km.survival_function_.iloc[:, 0].to_numpy(),
                "ci_lower": ci.iloc[:, 0].to_numpy(),
                "ci_upper": ci.iloc[:, 1].to_numpy(),
                "n_at_risk": km.event_table["at_risk"]
                .reindex(km.survival_function_.index)
                .to_numpy(),
                "n": len(g),
            }
        )
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["logrank_pvalue"] = float(test.p_value)
    out["method"] = f"Kaplan-Meier (lifelines) by {bands} of the person's mean prior {x}"
    return out

"""H1: what moves employee experience? Key-driver analysis and the LQ -> EX path.

Relative importance is the LMG / Shapley decomposition of R^2 (pingouin's
``linear_regression(relimp=True)``) with percentile intervals from a bootstrap that
resamples whole units, since people are nested in units. Refitting pingouin on every
resample of 20,000 answers takes about 0.1 s each, so the bootstrap computes the same
decomposition from unit-summed cross-products (:func:`lmg_from_cov`, a few lines of
linear algebra, checked equal to pingouin in the tests). The LQ -> EX path is an OLS
regression of the EX score on the LQ score (statsmodels) with unit-clustered SEs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from ..instruments import Instrument, default_instrument
from ..linkage import construct_scores
from .common import cluster_ols, tidy

__all__ = ["drivers", "lq_ex_path", "lmg_from_cov"]


def lmg_from_cov(cov: np.ndarray) -> np.ndarray:
    """LMG relative importances from the covariance of ``[predictors..., outcome]``.

    Each predictor's R^2 increment averaged over all orders of entry (Shapley values of
    R^2). ``cov`` is ``(p + 1) x (p + 1)`` with the outcome last.

    Examples
    --------
    >>> cov = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.3], [0.5, 0.3, 1.0]])
    >>> lmg_from_cov(cov).round(3).tolist()
    [0.25, 0.09]
    """
    p = cov.shape[0] - 1
    sxx, sxy, syy = cov[:p, :p], cov[:p, p], cov[p, p]
    r2 = np.zeros(1 << p)
    for mask in range(1, 1 << p):
        idx = [j for j in range(p) if mask >> j & 1]
        c = sxy[idx]
        r2[mask] = float(c @ np.linalg.solve(sxx[np.ix_(idx, idx)], c)) / syy
    fact = [math.factorial(k) for k in range(p + 1)]
    out = np.zeros(p)
    for mask in range(1 << p):
        size = bin(mask).count("1")
        weight = fact[size] * fact[p - size - 1] / fact[p] if size < p else 0.0
        for j in range(p):
            if not mask >> j & 1:
                out[j] += weight * (r2[mask | 1 << j] - r2[mask])
    return out


def _frame(data, instrument, outcome, predictors, unit):
    inst = instrument if instrument is not None else default_instrument()
    if predictors is None:
        predictors = list(inst.construct("LQ").item_ids)
    predictors = list(predictors)
    missing = [c for c in (*predictors, unit) if c not in data.columns]
    if missing:
        raise InputError(
            f"drivers: column(s) {missing} not in the data; name the predictor items and "
            "the unit column that the data has"
        )
    y = construct_scores(data, inst, [outcome], "drivers")[outcome]
    d = data[[unit, *predictors]].apply(
        lambda s: s if s.name == unit else pd.to_numeric(s, errors="coerce")
    )
    d = d.assign(_y=y.to_numpy()).dropna()
    if len(d) <= len(predictors) + 2:
        raise InputError(f"drivers: only {len(d)} complete rows for {len(predictors)} predictors")
    return d, predictors


def drivers(
    data: pd.DataFrame,
    outcome: str = "EX",
    predictors: Sequence[str] | None = None,
    *,
    groups: Mapping[str, Sequence[str]] | None = None,
    instrument: Instrument | None = None,
    unit: str = "unit",
    n_boot: int = 200,
    level: float = 0.95,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Relative importance of predictors of EX (LMG), with unit-bootstrap intervals.

    Parameters
    ----------
    data : DataFrame
        Cleaned respondent answers (one row per response): the outcome's items (or its
        score column), the predictor columns and the unit.
    outcome : str
        The construct explained (scored from its items as :func:`satisfaction.score`).
    predictors : sequence of str, optional
        Predictor columns; default the LQ items. Add your own drivers (workload, tools
        items ...) to compare them with leadership.
    groups : mapping, optional
        Named groups of predictors whose importances are summed in extra rows (default:
        ``{"LQ": <the LQ items among the predictors>}``).
    instrument : Instrument, optional
        Default :func:`satisfaction.default_instrument`.
    unit : str
        The unit column (the bootstrap resamples units).
    n_boot : int
        Unit-bootstrap resamples.
    level : float
        Confidence level (percentile intervals).
    seed : int, optional
        Seed of the bootstrap.

    Returns
    -------
    DataFrame
        One row per predictor and then per group: ``term, kind`` (``"predictor"`` or
        ``"group"``), ``estimate`` (share of the outcome's variance explained by the term,
        LMG), ``share`` (of the model's R^2), ``ci_lower, ci_upper`` (of ``estimate``),
        ``r2`` (of the full model), ``n`` (responses), ``n_units, method``.

    Examples
    --------
    >>> from satisfaction.claims.examples import sample_pulse
    >>> out = drivers(sample_pulse().head(3000), n_boot=20)
    >>> out["term"].tolist()
    ['lq1', 'lq2', 'lq3', 'lq4', 'LQ']
    """
    d, predictors = _frame(data, instrument, outcome, predictors, unit)
    inst = instrument if instrument is not None else default_instrument()
    if groups is None:
        lq = [p for p in predictors if p in inst.construct("LQ").item_ids]
        groups = {"LQ": lq} if lq else {}
    for name, members in groups.items():
        bad = [m for m in members if m not in predictors]
        if bad:
            raise InputError(f"drivers: group {name!r} names {bad}, which are not predictors")

    def relimp(frame: pd.DataFrame) -> tuple[np.ndarray, float]:
        import pingouin as pg  # imported here: it takes a large share of `import satisfaction`

        fit = pg.linear_regression(frame[predictors], frame["_y"], relimp=True)
        fit = fit.set_index("names")
        return fit.loc[predictors, "relimp"].to_numpy(dtype=float), float(fit["r2"].iloc[0])

    point, r2 = relimp(d)
    # unit-summed cross-products: a resample of units is a sum of their moments
    z = np.column_stack([d[predictors].to_numpy(dtype=float), d["_y"].to_numpy(dtype=float)])
    codes, units = pd.factorize(d[unit])
    k = z.shape[1]
    n_u = np.bincount(codes, minlength=len(units)).astype(float)
    s1 = np.zeros((len(units), k))
    np.add.at(s1, codes, z)
    s2 = np.zeros((len(units), k, k))
    np.add.at(s2, codes, z[:, :, None] * z[:, None, :])
    rng = np.random.default_rng(seed)
    boot = np.full((n_boot, len(predictors)), np.nan)
    for b in range(n_boot):
        w = np.bincount(rng.integers(0, len(units), len(units)), minlength=len(units))
        n = w @ n_u
        mean = w @ s1 / n
        cov = np.tensordot(w, s2, axes=1) / n - np.outer(mean, mean)
        boot[b] = lmg_from_cov(cov)
    alpha = (1 - level) / 2
    out_rows = []
    terms = [(p, "predictor", [i]) for i, p in enumerate(predictors)]
    terms += [(g, "group", [predictors.index(m) for m in ms]) for g, ms in groups.items()]
    for term, kind, idx in terms:
        est = float(point[idx].sum())
        lo, hi = np.nanquantile(boot[:, idx].sum(axis=1), [alpha, 1 - alpha])
        out_rows.append(
            {
                "term": term,
                "kind": kind,
                "estimate": est,
                "share": est / r2 if r2 > 0 else np.nan,
                "ci_lower": lo,
                "ci_upper": hi,
            }
        )
    out = pd.DataFrame(out_rows)
    out["r2"] = r2
    out["n"] = len(d)
    out["n_units"] = len(units)
    out["method"] = (
        f"LMG relative importance for {outcome} (pingouin linear_regression relimp); "
        f"percentile CI from {n_boot} resamples of units"
    )
    return out


def lq_ex_path(
    data: pd.DataFrame,
    *,
    instrument: Instrument | None = None,
    unit: str = "unit",
    level: float = 0.95,
) -> pd.DataFrame:
    """The LQ -> EX path among respondents, with unit-clustered standard errors.

    Parameters
    ----------
    data : DataFrame
        Cleaned answers with the LQ and EX items (or ``LQ``/``EX`` score columns) and the unit.
    instrument : Instrument, optional
        Default :func:`satisfaction.default_instrument`.
    unit : str
        The cluster column.
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        Two rows: ``"LQ -> EX"`` in scale points and ``"LQ -> EX (standardised)"`` (both
        scores z-scored): ``effect, estimate, se, pvalue, ci_lower, ci_upper, n,
        n_units, method``.

    Examples
    --------
    >>> from satisfaction.claims.examples import sample_pulse
    >>> lq_ex_path(sample_pulse())["effect"].tolist()
    ['LQ -> EX', 'LQ -> EX (standardised)']
    """
    if unit not in data.columns:
        raise InputError(f"lq_ex_path: the data has no unit column {unit!r}; name it with unit=")
    scores = construct_scores(data, instrument, ["LQ", "EX"], "lq_ex_path")
    d = scores.assign(unit=data[unit].to_numpy()).dropna()
    rows = []
    for label, frame in (
        ("LQ -> EX", d),
        (
            "LQ -> EX (standardised)",
            d.assign(**{c: (d[c] - d[c].mean()) / d[c].std() for c in ("LQ", "EX")}),
        ),
    ):
        fit = cluster_ols("EX ~ LQ", frame)
        rows.append(
            tidy(
                fit, "LQ", level, effect=label, n_units=frame["unit"].nunique(),
                method="OLS of the EX score on the LQ score among respondents, unit-clustered SE",
            )
        )  # fmt: skip
    return pd.DataFrame(rows)

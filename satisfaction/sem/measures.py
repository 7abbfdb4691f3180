"""Fit measures with lavaan's names and formulas, R-squared, the baseline model.

Formulas (lavaan 0.6-14, ``lav_fit_*``), with ``N`` observations, ``X2`` the
test statistic, ``df`` its degrees of freedom and ``X2_b``, ``df_b`` those of the
baseline (independence) model:

* ``chisq = 2 N F_min``; ``df = ndat - npar`` where ``ndat`` counts the
  variances, covariances (and means) of the observed variables, less those of
  fixed.x covariates, and ``npar`` the free parameters less the general equality
  constraints (lavaan's count; inequalities do not change it);
* ``cfi = 1 - max(X2 - df, 0) / max(X2 - df, X2_b - df_b, 0)``;
* ``tli = 1 - ((X2 - df) df_b) / ((X2_b - df_b) df)``;
* ``rmsea = sqrt(max(X2 / (N df) - 1 / N, 0))`` (``N - 1`` for GLS and ULS), its 90% interval by inverting the
  noncentral chi-square distribution, ``rmsea_pvalue = P(chi2(df, N df 0.05^2) > X2)``;
* ``srmr`` (lavaan's default, Bentler's): the root mean square of
  ``(s_ij - sigma_ij) / sqrt(s_ii s_jj)`` over the lower triangle with the diagonal
  (and, with a mean structure, of ``(m_i - mu_i) / sqrt(s_ii)``);
* ``logl = -N/2 (p log 2 pi + log|Sigma| + tr(S Sigma^-1) + (m - mu)' Sigma^-1 (m - mu))``,
  ``unrestricted_logl`` the same at ``Sigma = S`` (with fixed.x covariates both are
  conditional on them: their own saturated log-likelihood is subtracted, as in lavaan),
  ``aic = -2 logl + 2 npar``,
  ``bic = -2 logl + log(N) npar`` (ML only; NaN for GLS/ULS, as in lavaan).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .fitindices import cfi, chisq_pvalue, rmsea, rmsea_ci, rmsea_pvalue, tli
from .model import Model, vech
from .standardize import total_variances

__all__ = [
    "FIT_MEASURE_NAMES",
    "independence_model",
    "ndat",
    "srmr",
    "fit_measures",
    "r2",
]

#: the fit measures every result reports, in this order
FIT_MEASURE_NAMES = [
    "npar",
    "nobs",
    "fmin",
    "chisq",
    "df",
    "pvalue",
    "baseline_chisq",
    "baseline_df",
    "baseline_pvalue",
    "cfi",
    "tli",
    "rmsea",
    "rmsea_ci_lower",
    "rmsea_ci_upper",
    "rmsea_pvalue",
    "srmr",
    "logl",
    "unrestricted_logl",
    "aic",
    "bic",
]


def independence_model(model: Model) -> Model:
    """lavaan's baseline (independence) model of a model.

    Parameters
    ----------
    model : Model

    Returns
    -------
    Model
        Free variances (and means) of the observed variables, no covariances;
        the fixed.x block kept fixed (bind it with ``.with_sample(S, mean)``).

    Examples
    --------
    >>> m = Model.from_syntax("F =~ a + b + c", ["a", "b", "c"])
    >>> base = independence_model(m)
    >>> base.n_free, ndat(base) - base.n_free
    (3, 3)
    """
    cached = model.__dict__.get("_independence")
    if cached is None:  # fixed.x values are not bound: use .with_sample(S, mean) to fit it
        cached = model.__dict__["_independence"] = _independence_model(model)
    return cached


def _independence_model(model: Model) -> Model:
    names = model.names
    ov_x = names["ov_x"]
    rows = []
    for v in names["ov_nox"]:
        rows.append((v, "~~", v, 1, False))
    for j in range(len(ov_x)):
        for i in range(j, len(ov_x)):
            rows.append((ov_x[j], "~~", ov_x[i], 0, True))
    if model.meanstructure:
        rows += [(v, "~1", "", 1, False) for v in names["ov_nox"]]
        rows += [(v, "~1", "", 0, True) for v in ov_x]
    pt = pd.DataFrame(rows, columns=["lhs", "op", "rhs", "free", "exo"])
    free = np.zeros(len(pt), dtype=int)
    free[pt["free"].to_numpy() == 1] = np.arange(1, int(pt["free"].sum()) + 1)
    pt["free"] = free
    pt.insert(3, "label", "")
    pt["value"] = np.nan
    pt["start"] = np.nan
    pt["user"] = False
    pt["line"] = 0
    pt = pt[["lhs", "op", "rhs", "label", "free", "value", "start", "user", "exo", "line"]]
    return Model(
        "",
        pt,
        model.observed,
        [],
        model.meanstructure,
        False,
        [],
        {**names, "lv": [], "lv_x": [], "lv_y": []},
    )


def ndat(model: Model) -> int:
    """Number of sample statistics the model reproduces (lavaan's ``ndat``).

    Parameters
    ----------
    model : Model

    Returns
    -------
    int
        ``p(p+1)/2`` (plus ``p`` means) less the moments of fixed.x covariates.

    Examples
    --------
    >>> ndat(Model.from_syntax("y ~ x1 + x2", ["y", "x1", "x2"]))
    3
    """
    p = len(model.observed)
    nx = len(model.names["ov_x"])
    out = p * (p + 1) // 2 - nx * (nx + 1) // 2
    if model.meanstructure:
        out += p - nx
    return out


def srmr(S: np.ndarray, sigma: np.ndarray, mean=None, mu=None) -> float:
    """lavaan's default SRMR (Bentler's), with the mean residuals when ``mu`` is given.

    Parameters
    ----------
    S, sigma : ndarray (p, p)
        Sample and model-implied covariance matrices.
    mean, mu : ndarray (p,), optional
        Sample and model-implied means.

    Returns
    -------
    float

    Examples
    --------
    >>> S = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> round(srmr(S, np.eye(2)), 4)
    0.2887
    """
    sd = np.sqrt(np.diag(S))
    res = vech((S - sigma) / np.outer(sd, sd))
    if mu is not None and mean is not None:
        res = np.concatenate([res, (np.asarray(mean) - np.asarray(mu)) / sd])
    return float(np.sqrt(np.mean(res**2)))


def _logl(S, sigma, n, mean=None, mu=None) -> float:
    p = S.shape[0]
    sign, logdet = np.linalg.slogdet(sigma)
    if sign <= 0:
        return np.nan
    inv = np.linalg.inv(sigma)
    val = p * np.log(2 * np.pi) + logdet + np.trace(S @ inv)
    if mu is not None and mean is not None:
        d = np.asarray(mean) - np.asarray(mu)
        val += d @ inv @ d
    return float(-0.5 * n * val)


def fit_measures(
    *,
    model: Model,
    theta: np.ndarray,
    S: np.ndarray,
    n: int,
    fmin: float,
    estimator: str,
    baseline_fmin: float,
    mean=None,
    S_ml: np.ndarray | None = None,
) -> pd.Series:
    """All fit measures in :data:`FIT_MEASURE_NAMES` for one fitted model.

    Parameters
    ----------
    model, theta : the fitted model and its estimates.
    S : ndarray (p, p)
        The covariance matrix the estimator used (divisor N for ML, N-1 for GLS/ULS).
    n : int
        Number of observations.
    fmin, baseline_fmin : float
        lavaan's minimum of the fit function for the model and for the baseline.
    estimator : str
    mean : ndarray (p,), optional
        Sample means.
    S_ml : ndarray (p, p), optional
        Covariance with divisor N, for SRMR and the log-likelihood (default ``S``).

    Returns
    -------
    pandas.Series
        Indexed by lavaan's names (``.`` replaced by ``_``).
    """
    S_ml = S if S_ml is None else S_ml
    sigma, mu = model.implied(theta)
    npar = model.n_free - model.n_equalities  # lavaan: equality constraints return df
    df = ndat(model) - npar
    x2 = 2 * n * fmin
    base = independence_model(model)
    df_b = ndat(base) - base.n_free
    x2_b = 2 * n * baseline_fmin
    pval = chisq_pvalue(x2, df)
    pval_b = chisq_pvalue(x2_b, df_b)
    if estimator in ("GLS", "ULS"):  # lavaan: N - 1 for the Wishart-type estimators
        nr = n - 1
        if estimator == "ULS":  # no reference distribution for the ULS statistic
            pval = pval_b = np.nan
    else:
        nr = n
    lo, hi = rmsea_ci(x2, df, nr)
    fit_cfi, fit_tli = cfi(x2, df, x2_b, df_b), tli(x2, df, x2_b, df_b)
    fit_rmsea, rmsea_p = rmsea(x2, df, nr), rmsea_pvalue(x2, df, nr)
    use_mean = model.meanstructure
    sr = srmr(S, sigma, mean if use_mean else None, mu if use_mean else None)
    if estimator in ("ML", "MLM", "MLR"):
        logl = _logl(S_ml, sigma, n, mean if use_mean else None, mu if use_mean else None)
        logl_h1 = _logl(S_ml, S_ml, n)
        ov_x = model.names["ov_x"]
        if ov_x:  # fixed.x: lavaan reports the likelihood conditional on the covariates
            ix = [model.observed.index(v) for v in ov_x]
            sxx = S_ml[np.ix_(ix, ix)]
            logl_x = _logl(sxx, sxx, n)
            logl, logl_h1 = logl - logl_x, logl_h1 - logl_x
        aic = -2 * logl + 2 * npar
        bic = -2 * logl + np.log(n) * npar
    else:
        logl = logl_h1 = aic = bic = np.nan
    values = [
        npar,
        n,
        fmin,
        x2,
        df,
        pval,
        x2_b,
        df_b,
        pval_b,
        fit_cfi,
        fit_tli,
        fit_rmsea,
        lo,
        hi,
        rmsea_p,
        sr,
        logl,
        logl_h1,
        aic,
        bic,
    ]
    return pd.Series(dict(zip(FIT_MEASURE_NAMES, values, strict=True)), dtype=float)


def r2(model: Model, theta: np.ndarray) -> pd.Series:
    """R-squared of the endogenous variables, as ``lavInspect(fit, "r2")``.

    Parameters
    ----------
    model : Model
    theta : ndarray (q,)

    Returns
    -------
    pandas.Series
        ``1 - residual variance / total variance`` for observed variables that
        are indicators or outcomes of regressions (model order), then latent
        variables that are outcomes or indicators of other latents.

    Examples
    --------
    >>> m = Model.from_syntax("F =~ a + b", ["a", "b"])
    >>> r2(m, np.array([1.0, 1.0, 1.0, 1.0])).tolist()
    [0.5, 0.5]
    """
    total = total_variances(model, theta)
    resid = np.diag(model.matrices(theta)[1])
    indicators = set(model._rhs[model._op == "=~"])
    outcomes = set(model._lhs[model._op == "~"])
    names, values = [], []
    for i, v in enumerate(model.observed + model.latent):
        if v in indicators or v in outcomes:
            names.append(v)
            with np.errstate(invalid="ignore", divide="ignore"):
                values.append(1 - resid[i] / total[i])
    return pd.Series(values, index=pd.Index(names, name="variable"), name="r2", dtype=float)

"""Fit measures of a FIML fit as lavaan's ``fitMeasures()`` gives them for ``missing="ml"``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import robust
from ..fitindices import cfi, chisq_pvalue, rmsea, rmsea_ci, rmsea_pvalue, tli
from ..model import vech_indices
from .data import _cached_h1, _patterns_for, _require_meanstructure
from .em import SaturatedMoments
from .information import _casewise_moment_scores, _moment_information
from .models import _FimlIndependence
from .patterns import _LOG2PI, MissingPatterns, fiml_loglik

__all__ = ["fiml_fit_measures"]


def _srmr_bentler(sigma, mu, s, m) -> tuple[float, float]:
    """SRMR (with and without means) of lavaan's "cor.bentler" residuals."""
    sd = np.sqrt(np.diag(s))
    r, c = vech_indices(s.shape[0])
    res_cov = (s - sigma)[r, c] / (sd[r] * sd[c])
    res_mean = (m - mu) / sd
    with_mean = np.sqrt((np.sum(res_cov**2) + np.sum(res_mean**2)) / (len(r) + len(sd)))
    no_mean = np.sqrt(np.mean(res_cov**2))
    return float(with_mean), float(no_mean)


def _independence_logl(pat: MissingPatterns) -> float:
    """FIML log-likelihood of the independence model (it factorises by variable)."""
    total = 0.0
    for j in range(pat.x.shape[1]):
        v = pat.x[:, j]
        v = v[~np.isnan(v)]
        var = v.var()
        total += -0.5 * len(v) * (_LOG2PI + np.log(var) + 1.0)
    return float(total)


def _independence_theta(pat: MissingPatterns) -> np.ndarray:
    """FIML estimates of the independence model: available-case means and variances."""
    xm = np.nanmean(pat.x, axis=0)
    return np.r_[xm, np.nanmean((pat.x - xm) ** 2, axis=0)]


def _fiml_corrected(
    model: Any, theta: np.ndarray, pat: MissingPatterns, h1: SaturatedMoments, version: str
) -> dict[str, float]:
    """lavaan's robust CFI/TLI/RMSEA under missing data (FIML-corrected, "V6" or "V3").

    Follows ``lav_fit_fiml_corrected()`` (Zhang & Savalei, 2023): the model is re-evaluated
    as a complete-data ML model against the EM moments (``XX3``), and the correction
    factor is ``tr(W_c W_m^-1 U W_m^-1) / df`` ("V6", plain ML) or
    ``tr(U W_m^-1 W_c W_m^-1 U Gamma) / df`` with ``Gamma = W_m^-1 J_m W_m^-1`` ("V3", MLR),
    where ``W_m``/``J_m`` are the observed and first-order information of the
    unrestricted missing-data model, ``W_c`` the complete-data one and
    ``U = W_m - W_m Delta (Delta' W_m Delta)^-1 Delta' W_m``.
    """
    n, p = pat.n, pat.x.shape[1]
    wm = _moment_information(h1.cov, h1.mean, pat) / n
    wmi = np.linalg.inv(wm)
    wc = robust.h1_weight(h1.cov, True)
    gamma = None
    if version == "V3":
        sc = _casewise_moment_scores(h1.cov, h1.mean, pat)
        gamma = wmi @ (sc.T @ sc / n) @ wmi

    def part(mod, th):
        sig, mu = mod.implied(th)
        xx3 = 2 * n * robust.fml(sig, mu, h1.cov, h1.mean, True)
        jac_s, jac_m = mod.jacobian(th)
        delta = np.vstack([jac_m, jac_s])
        wd = wm @ delta
        u = wm - wd @ np.linalg.solve(delta.T @ wd, wd.T)
        if version == "V6":
            k = float(np.sum(wc * (wmi @ u @ wmi)))
        else:
            k = float(np.trace(u @ wmi @ wc @ wmi @ u @ gamma))
        return xx3, k

    df = p * (p + 1) // 2 + p - theta.size
    if df <= 0:
        return {}
    xx3, k = part(model, np.asarray(theta, dtype=float))
    xx3_b, k_b = part(_FimlIndependence(p), _independence_theta(pat))
    df_b = p * (p - 1) // 2
    c, c_b = k / df, k_b / df_b
    lo, hi = rmsea_ci(xx3 / c, df, n, c_hat=c)
    return {
        "cfi_robust": cfi(xx3, df, xx3_b, df_b, c=c, c_b=c_b),
        "tli_robust": tli(xx3, df, xx3_b, df_b, c=c, c_b=c_b),
        "rmsea_robust": rmsea(xx3, df, n, c_hat=c),
        "rmsea_ci_lower_robust": lo,
        "rmsea_ci_upper_robust": hi,
        "rmsea_pvalue_robust": rmsea_pvalue(xx3 / c, df, n, c_hat=c),
    }


def fiml_fit_measures(
    model: Any,
    theta: np.ndarray,
    data: pd.DataFrame | np.ndarray | MissingPatterns,
    *,
    level: float = 0.90,
) -> dict[str, float]:
    """Fit measures of a FIML fit, as lavaan's ``fitMeasures()`` gives them for ``missing="ml"``.

    Parameters
    ----------
    model : satisfaction.sem.model.Model
        The fitted model (mean structure).
    theta : numpy.ndarray
        FIML estimates.
    data : pandas.DataFrame
        The data the model was fitted to.
    level : float, default 0.90
        Confidence level of the RMSEA interval.

    Returns
    -------
    dict
        ``npar, nobs, fmin, chisq, df, pvalue, baseline_chisq, baseline_df,
        baseline_pvalue, cfi, tli, rmsea, rmsea_ci_lower, rmsea_ci_upper, rmsea_pvalue,
        srmr, srmr_bentler_nomean, logl, unrestricted_logl, aic, bic, bic2`` and lavaan's
        FIML-corrected ``cfi_robust, tli_robust, rmsea_robust, rmsea_ci_lower_robust,
        rmsea_ci_upper_robust, rmsea_pvalue_robust`` (``lav_fit_fiml_corrected()``, "V6").

    Notes
    -----
    ``chisq = 2 (logl_H1 - logl)`` with H1 fitted by EM, ``df = p(p+3)/2 - q``; the
    baseline (independence) model has free means and variances and is fitted by FIML
    (its estimates are each variable's available-case mean and variance);
    ``cfi = 1 - max(chisq - df, 0) / max(chisq - df, chisq_b - df_b, 0)``,
    ``tli = 1 - ((chisq - df) df_b) / ((chisq_b - df_b) df)``,
    ``rmsea = sqrt(max(chisq / (N df) - 1 / N, 0))``, ``aic = -2 logl + 2q``,
    ``bic = -2 logl + q log N``, ``bic2`` uses ``(N + 2) / 24``. SRMR is Bentler's with the
    means, computed from the EM moments standardised by their variances.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from satisfaction.sem.fiml import fit_fiml
    >>> from satisfaction.sem.model import Model
    >>> rng = np.random.default_rng(7)
    >>> f = rng.standard_normal(300)
    >>> df = pd.DataFrame({f"y{j}": 0.8 * f + 0.6 * rng.standard_normal(300) for j in range(4)})
    >>> df.loc[rng.random(300) < 0.2, "y3"] = np.nan
    >>> m = Model.from_syntax("F =~ y0 + y1 + y2 + y3", df.columns, meanstructure=True)
    >>> fm = fiml_fit_measures(m, fit_fiml(m, df).theta, df)
    >>> int(fm["df"]), bool(fm["cfi"] > 0.95)
    (2, True)
    """
    _require_meanstructure(model)
    pat = _patterns_for(model, data)
    theta = np.asarray(theta, dtype=float)
    h1 = _cached_h1(pat)
    sigma, mu = model.implied(theta)
    logl = fiml_loglik(sigma, mu, pat)
    n, p = pat.n, pat.x.shape[1]
    q = theta.size
    chisq = max(2.0 * (h1.logl - logl), 0.0)
    df = p * (p + 1) // 2 + p - q
    logl_b = _independence_logl(pat)
    chisq_b = 2.0 * (h1.logl - logl_b)
    df_b = p * (p - 1) // 2
    lo, hi = rmsea_ci(chisq, df, n, level=level)
    srmr, srmr_nomean = _srmr_bentler(sigma, mu, h1.cov, h1.mean)
    return {
        "npar": float(q),
        "nobs": float(n),
        "fmin": (h1.logl - logl) / n,
        "chisq": chisq,
        "df": float(df),
        "pvalue": chisq_pvalue(chisq, df),
        "baseline_chisq": chisq_b,
        "baseline_df": float(df_b),
        "baseline_pvalue": chisq_pvalue(chisq_b, df_b),
        "cfi": cfi(chisq, df, chisq_b, df_b),
        "tli": tli(chisq, df, chisq_b, df_b),
        "rmsea": rmsea(chisq, df, n),
        "rmsea_ci_lower": lo,
        "rmsea_ci_upper": hi,
        "rmsea_pvalue": rmsea_pvalue(chisq, df, n),
        "srmr": srmr,
        "srmr_bentler_nomean": srmr_nomean,
        "logl": logl,
        "unrestricted_logl": h1.logl,
        "aic": -2 * logl + 2 * q,
        "bic": -2 * logl + q * np.log(n),
        "bic2": -2 * logl + q * np.log((n + 2) / 24),
    } | _fiml_corrected(model, theta, pat, h1, "V6")

"""Standard errors of FIML estimates: observed information (ML) and Huber-White sandwich (MLR)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..robust import crossprod, exo_indices, moment_mask, robust_fit_measures
from .data import _cached_h1, _patterns_for, _require_meanstructure
from .information import (
    _casewise_moment_scores,
    _inverse_observed_information,
    _observed_information,
)
from .measures import _baseline, _fiml_corrected, fiml_fit_measures
from .models import _Saturated
from .patterns import MissingPatterns

__all__ = ["fiml_vcov", "fiml_robust"]


def fiml_vcov(
    model: Any, theta: np.ndarray, data: pd.DataFrame | np.ndarray | MissingPatterns
) -> np.ndarray:
    """Covariance matrix of FIML estimates from the observed information (lavaan's default).

    Parameters
    ----------
    model : satisfaction.sem.model.Model
        The model (with a mean structure).
    theta : numpy.ndarray
        FIML estimates, shape ``(q,)``.
    data : pandas.DataFrame
        The data the model was fitted to.

    Returns
    -------
    numpy.ndarray
        ``(q, q)``: the inverse of minus the Hessian of the log-likelihood.

    Notes
    -----
    ``H = Delta' I_m Delta - sum_r g_r d^2 m_r / dtheta dtheta'`` with ``I_m`` the observed
    information of the moments ``m = (mu, vech Sigma)`` summed over the missingness
    patterns (closed form), ``g`` the gradient of the log-likelihood w.r.t. ``m`` and the
    second derivatives of the model by 4-point central differences (step 1e-6) of its
    analytic Jacobian. lavaan (``information = "observed"``) differentiates its analytic
    gradient numerically instead; the two agree to about 1e-7.

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
    >>> v = fiml_vcov(m, fit_fiml(m, df).theta, df)
    >>> bool(np.all(np.diag(v) > 0))
    True
    """
    _require_meanstructure(model)
    pat = _patterns_for(model, data)
    return _inverse_observed_information(model, np.asarray(theta, dtype=float), pat)


def _sandwich_parts(model, theta, pat):
    """(H^-1 of minus the total log-likelihood, total first-order information B0)."""
    theta = np.asarray(theta, dtype=float)
    h_inv = _inverse_observed_information(model, theta, pat)
    sigma, mu = model.implied(theta)
    jac_s, jac_m = model.jacobian(theta)
    scores = _casewise_moment_scores(sigma, mu, pat) @ np.vstack([jac_m, jac_s])
    return h_inv, crossprod(scores)


def fiml_robust(
    model: Any,
    theta: np.ndarray,
    data: pd.DataFrame | np.ndarray | MissingPatterns,
    *,
    level: float = 0.90,
) -> tuple[np.ndarray, dict[str, float]]:
    """Robust (MLR) standard errors and scaled test of a FIML fit, as lavaan computes them.

    lavaan: ``sem(model, data, missing = "ml", estimator = "MLR")`` (``se =
    "robust.huber.white"``, ``test = "yuan.bentler.mplus"``, information "observed").

    Parameters
    ----------
    model : satisfaction.sem.model.Model
        The model (mean structure), fitted by :func:`fit_fiml`.
    theta : numpy.ndarray
        FIML estimates.
    data : pandas.DataFrame
        The data the model was fitted to (NaN for missing values).
    level : float, default 0.90
        Confidence level of the RMSEA interval.

    Returns
    -------
    vcov : numpy.ndarray
        ``H^-1 B H^-1`` with ``H`` minus the Hessian of the log-likelihood and ``B`` the
        sum of the outer products of the casewise scores.
    test : dict
        ``chisq, df, trace_ugamma, baseline_chisq, baseline_df, baseline_trace_ugamma`` and
        the scaled measures ``chisq_scaled, df_scaled, pvalue_scaled,
        chisq_scaling_factor, baseline_chisq_scaled, baseline_df_scaled,
        baseline_pvalue_scaled, baseline_chisq_scaling_factor, cfi_scaled, tli_scaled,
        rmsea_scaled, rmsea_ci_lower_scaled, rmsea_ci_upper_scaled, rmsea_pvalue_scaled``
        and the FIML-corrected ``cfi_robust, tli_robust, rmsea_robust, rmsea_ci_*_robust,
        rmsea_pvalue_robust``.

    Notes
    -----
    Yuan-Bentler (Mplus variant) scaling: ``c = (tr(B1 A1^-1) - tr(B0 H^-1)) / df`` with
    ``A1`` the observed information of the unrestricted model at the EM moments and ``B1``
    its casewise first-order information (lavaan's ``lav_test_yuan_bentler_mplus_trace()``).
    The baseline is the independence model fitted by FIML, treated the same way. The
    ``*_robust`` CFI/TLI/RMSEA are lavaan's FIML-corrected ones ("V3" for MLR).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from satisfaction.sem.fiml import fit_fiml
    >>> from satisfaction.sem.model import Model
    >>> rng = np.random.default_rng(7)
    >>> f = rng.standard_normal(300)
    >>> df = pd.DataFrame({f"y{j}": 0.8 * f + 0.6 * rng.standard_t(4, 300) for j in range(4)})
    >>> df.loc[rng.random(300) < 0.2, "y3"] = np.nan
    >>> m = Model.from_syntax("F =~ y0 + y1 + y2 + y3", df.columns, meanstructure=True)
    >>> vcov, test = fiml_robust(m, fit_fiml(m, df).theta, df)
    >>> bool(test["chisq_scaling_factor"] > 0), vcov.shape
    (True, (12, 12))
    """
    _require_meanstructure(model)
    pat = _patterns_for(model, data)
    theta = np.asarray(theta, dtype=float)
    n, p = pat.n, pat.x.shape[1]
    h1 = _cached_h1(pat)

    h_inv, b0 = _sandwich_parts(model, theta, pat)
    vcov = h_inv @ b0 @ h_inv

    sat = _Saturated(p)
    theta_h1 = np.r_[h1.mean, h1.cov[sat.rows, sat.cols]]
    a1_inv, b1 = _sandwich_parts(sat, theta_h1, pat)
    x_idx = exo_indices(model)
    if len(x_idx):  # fixed.x: the covariates' own moments drop out (lavaan's zero.idx)
        keep = moment_mask(p, x_idx, True)
        a1 = _observed_information(sat, theta_h1, pat)[np.ix_(keep, keep)]
        a1_inv, b1 = np.linalg.inv(a1), b1[np.ix_(keep, keep)]
    trace_h1 = float(np.sum(b1 * a1_inv))
    trace = trace_h1 - float(np.sum(b0 * h_inv))

    base, theta_b, _, _ = _baseline(model, pat)
    hb_inv, bb = _sandwich_parts(base, theta_b, pat)
    trace_b = trace_h1 - float(np.sum(bb * hb_inv))

    fm = fiml_fit_measures(model, theta, pat, level=level)
    chisq, df = fm["chisq"], int(fm["df"])
    chisq_b, df_b = fm["baseline_chisq"], int(fm["baseline_df"])
    test: dict[str, float] = {
        "chisq": chisq,
        "df": df,
        "trace_ugamma": trace,
        "baseline_chisq": chisq_b,
        "baseline_df": df_b,
        "baseline_trace_ugamma": trace_b,
        "test": "yuan.bentler.mplus",
    }
    if df > 0:
        scaled = robust_fit_measures(chisq, df, trace, chisq_b, df_b, trace_b, n, level)
        test.update({k: v for k, v in scaled.items() if not k.endswith("_robust")})
        test.update(_fiml_corrected(model, theta, pat, h1, "V3"))
    return vcov, test

"""Chi-square-based fit indices: the one RMSEA (point, interval, close-fit p-value), CFI and TLI.

Every estimator (ML, GLS/ULS, MLM/MLR, FIML, DWLS/WLSMV) and every group count goes
through these functions, as every lavaan fit goes through ``lav_fit_rmsea()``,
``lav_fit_rmsea_ci()``, ``lav_fit_rmsea_closefit()`` and ``lav_fit_cfi()``: the
standard, scaled and robust versions differ only in the statistic passed in and in the
correction ``c_hat`` (the scaling factor of the robust RMSEA, Brosseau-Liard, Savalei
& Li 2012) and the number of groups ``G`` (Steiger's multi-group correction).

Formulas, with ``X2`` the statistic, ``df`` its degrees of freedom, ``N`` the number of
observations (``N - 1`` for the Wishart-type estimators: pass it in):

* ``rmsea = sqrt(G) sqrt(max(X2 / (N df) - c_hat / N, 0))`` (0 when ``df == 0``);
* the interval inverts the noncentral chi-square: ``lambda_L`` solves
  ``P(chi2(df, lambda) <= X2) = (1 + level)/2``, ``lambda_U`` the same at
  ``(1 - level)/2`` (searched on ``[0, max(N, 4 X2)]``), and the limits are
  ``sqrt(G) sqrt(c_hat lambda / (N df))`` (Browne & Cudeck 1993);
* ``rmsea_pvalue = P(chi2(df, N df h0^2 / (c_hat G)) > X2)`` (Dudgeon 2004 for ``G``);
* ``cfi = 1 - max(X2 - c df, 0) / max(X2 - c df, X2_b - c_b df_b, 0)``;
* ``tli = 1 - ((X2 - c df) df_b) / ((X2_b - c_b df_b) df)``, where ``c = c_b = 1``
  except for lavaan's robust CFI/TLI.

These are a handful of lines each, written here rather than taken from a library
because no maintained Python package computes lavaan's definitions (semopy's
RMSEA has no interval and no ``c_hat``).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats

__all__ = ["chisq_pvalue", "rmsea", "rmsea_ci", "rmsea_pvalue", "cfi", "tli"]


def chisq_pvalue(x2: float, df: float) -> float:
    """Upper-tail p-value of a chi-square statistic (NaN when ``df <= 0``).

    Parameters
    ----------
    x2, df : float

    Returns
    -------
    float

    Examples
    --------
    >>> round(chisq_pvalue(3.84, 1), 3)
    0.05
    """
    if not (np.isfinite(x2) and np.isfinite(df)) or df <= 0:
        return float("nan")
    return float(stats.chi2.sf(x2, df))


def rmsea(x2: float, df: float, n: float, *, groups: int = 1, c_hat: float = 1.0) -> float:
    """The RMSEA point estimate (lavaan's ``lav_fit_rmsea``).

    Parameters
    ----------
    x2, df : float
        Test statistic and its degrees of freedom.
    n : float
        Number of observations (``N - 1`` for GLS/ULS/DWLS, as lavaan).
    groups : int
        Number of groups (the estimate is multiplied by ``sqrt(groups)``).
    c_hat : float
        Scaling factor of the robust RMSEA (1 for the standard one).

    Returns
    -------
    float

    Examples
    --------
    >>> round(rmsea(85.306, 24, 301), 3)  # lavaan, Holzinger-Swineford CFA
    0.092
    """
    if not (np.isfinite(x2) and np.isfinite(df)):
        return float("nan")
    if df <= 0:
        return 0.0
    return float(np.sqrt(max(x2 / n / df - c_hat / n, 0.0)) * np.sqrt(groups))


def rmsea_ci(
    x2: float,
    df: float,
    n: float,
    *,
    level: float = 0.90,
    groups: int = 1,
    c_hat: float = 1.0,
) -> tuple[float, float]:
    """Confidence interval of the RMSEA (lavaan's ``lav_fit_rmsea_ci``).

    Parameters
    ----------
    x2, df : float
        Test statistic (the *scaled* one for the robust interval) and degrees of freedom.
    n : float
        Number of observations (``N - 1`` for GLS/ULS/DWLS).
    level : float
        Confidence level (lavaan's ``rmsea.ci.level``, 0.90).
    groups : int
        Number of groups.
    c_hat : float
        Scaling factor of the robust RMSEA.

    Returns
    -------
    (float, float)
        Lower and upper limit; ``(nan, nan)`` for a non-finite statistic, 0 for a
        limit whose noncentrality is 0 (or ``df < 1``), NaN where the root search fails.

    Examples
    --------
    >>> [round(v, 3) for v in rmsea_ci(85.306, 24, 301)]  # lavaan: 0.071, 0.114
    [0.071, 0.114]
    """
    if not (np.isfinite(x2) and np.isfinite(df) and np.isfinite(n)):
        return float("nan"), float("nan")
    upper_p, lower_p = 1 - (1 - level) / 2, (1 - level) / 2

    def cdf(lam: float) -> float:
        if lam <= 0:
            return float(stats.chi2.cdf(x2, df))
        return float(stats.ncx2.cdf(x2, df, lam))

    def limit(lam: float) -> float:
        return float(np.sqrt(c_hat * lam / (n * df)) * np.sqrt(groups))

    if df < 1 or cdf(0.0) - upper_p < 0:
        lower = 0.0
    else:
        try:
            lower = limit(optimize.brentq(lambda t: cdf(t) - upper_p, 0.0, x2, xtol=1e-12))
        except ValueError:
            lower = float("nan")
    n_rmsea = max(n, x2 * 4)
    if df < 1 or cdf(n_rmsea) - lower_p > 0 or cdf(0.0) - lower_p < 0:
        upper = 0.0
    else:
        try:
            upper = limit(optimize.brentq(lambda t: cdf(t) - lower_p, 0.0, n_rmsea, xtol=1e-12))
        except ValueError:
            upper = float("nan")
    return lower, upper


def rmsea_pvalue(
    x2: float,
    df: float,
    n: float,
    *,
    h0: float = 0.05,
    groups: int = 1,
    c_hat: float = 1.0,
    close: bool = True,
) -> float:
    """p-value of the close-fit test ``H0: RMSEA <= h0`` (lavaan's ``rmsea.pvalue``).

    Parameters
    ----------
    x2, df, n : float
        Statistic (the scaled one for the robust test), df and observations.
    h0 : float
        The RMSEA under the null hypothesis.
    groups : int
        Number of groups.
    c_hat : float
        Scaling factor of the robust RMSEA.
    close : bool
        ``False`` gives the not-close-fit test ``H0: RMSEA >= h0`` instead.

    Returns
    -------
    float
        NaN when ``df <= 0`` or the statistic is not finite.

    Examples
    --------
    >>> round(rmsea_pvalue(85.306, 24, 301), 3)  # lavaan: 0.001
    0.001
    """
    if not (np.isfinite(x2) and np.isfinite(df) and np.isfinite(n)) or df <= 0:
        return float("nan")
    ncp = n * df / c_hat * h0**2 / groups
    cdf = float(stats.ncx2.cdf(x2, df, ncp))
    return 1.0 - cdf if close else cdf


def cfi(
    x2: float, df: float, x2_b: float, df_b: float, *, c: float = 1.0, c_b: float = 1.0
) -> float:
    """The comparative fit index (lavaan's ``lav_fit_cfi``).

    Parameters
    ----------
    x2, df : float
        Statistic and df of the model.
    x2_b, df_b : float
        Statistic and df of the baseline (independence) model.
    c, c_b : float
        Scaling factors of the model and the baseline for lavaan's robust CFI
        (``1`` for the standard and the scaled CFI).

    Returns
    -------
    float
        1 when both numerator and denominator are 0.

    Examples
    --------
    >>> round(cfi(85.306, 24, 918.852, 36), 3)  # lavaan: 0.931
    0.931
    """
    t1 = max(x2 - c * df, 0.0)
    t2 = max(x2 - c * df, x2_b - c_b * df_b, 0.0)
    if np.isclose(t1, 0.0, atol=1.5e-8) and np.isclose(t2, 0.0, atol=1.5e-8):
        return 1.0
    return float(1 - t1 / t2)


def tli(
    x2: float, df: float, x2_b: float, df_b: float, *, c: float = 1.0, c_b: float = 1.0
) -> float:
    """The Tucker-Lewis index (lavaan's ``lav_fit_tli``), 1 when ``df == 0``.

    Parameters
    ----------
    x2, df, x2_b, df_b, c, c_b : float
        As :func:`cfi`.

    Returns
    -------
    float

    Examples
    --------
    >>> round(tli(85.306, 24, 918.852, 36), 3)  # lavaan: 0.896
    0.896
    """
    t1 = (x2 - c * df) * df_b
    t2 = (x2_b - c_b * df_b) * df
    if df > 0 and abs(t2) > 0:
        return float(1 - t1 / t2)
    return 1.0

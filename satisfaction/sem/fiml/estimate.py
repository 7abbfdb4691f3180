"""FIML estimation by Fisher scoring with the expected information."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ...errors import ConvergenceWarning, SEMError
from ..estimators import Estimation, fit_ml
from .data import _cached_h1, _patterns_for, _require_meanstructure
from .information import _expected_weights
from .patterns import MissingPatterns, _moment_gradient, _vech_gradient, fiml_loglik

__all__ = ["fit_fiml"]


def _theta_gradient(model, theta, pat):
    sigma, mu = model.implied(theta)
    g_sig, g_mu = _moment_gradient(sigma, mu, pat)
    jac_s, jac_m = model.jacobian(theta)
    return jac_s.T @ _vech_gradient(g_sig) + jac_m.T @ g_mu


def _loglik_theta(model, theta, pat) -> float:
    try:
        sigma, mu = model.implied(theta)
    except SEMError:
        return -np.inf
    if not (np.all(np.isfinite(sigma)) and np.all(np.isfinite(mu))):
        return -np.inf
    return fiml_loglik(sigma, mu, pat)


def fit_fiml(
    model: Any,
    data: pd.DataFrame | np.ndarray | MissingPatterns,
    theta0: np.ndarray | None = None,
    *,
    tol: float = 1e-9,
    max_iter: int = 500,
):
    """Estimate a model by full-information maximum likelihood.

    Parameters
    ----------
    model : satisfaction.sem.model.Model
        Specified with ``meanstructure=True`` (intercepts free, latent means 0).
    data : pandas.DataFrame
        One column per observed variable of the model (others are ignored); missing
        values as NaN. Rows with every model variable missing are dropped with a
        :class:`~satisfaction.errors.SEMWarning`.
    theta0 : numpy.ndarray, optional
        Starting values; default: the ML estimates on the EM moments of the data.
    tol : float, default 1e-9
        Convergence tolerance on the largest relative parameter change.
    max_iter : int, default 500
        Maximum Fisher-scoring iterations.

    Returns
    -------
    satisfaction.sem.estimators.Estimation
        ``theta``, ``converged``, ``iterations``, ``fmin`` (lavaan's: ``(logl_H1 -
        logl) / N``) and ``message``.

    Notes
    -----
    Fisher scoring ``theta <- theta + I(theta)^-1 g(theta)`` with the expected FIML
    information ``I = Delta' (sum_k n_k W_k) Delta`` (``W_k``: the normal-theory weight of
    the observed block of pattern ``k``) and step halving whenever the log-likelihood
    would fall.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from satisfaction.sem.model import Model
    >>> rng = np.random.default_rng(7)
    >>> f = rng.standard_normal(300)
    >>> df = pd.DataFrame({f"y{j}": 0.8 * f + 0.6 * rng.standard_normal(300) for j in range(4)})
    >>> df.loc[rng.random(300) < 0.2, "y3"] = np.nan
    >>> m = Model.from_syntax("F =~ y0 + y1 + y2 + y3", df.columns, meanstructure=True)
    >>> est = fit_fiml(m, df)
    >>> est.converged
    True
    """
    _require_meanstructure(model)
    pat = _patterns_for(model, data, warn=True)
    h1 = _cached_h1(pat)
    if theta0 is None:
        start = fit_ml(model, h1.cov, pat.n, h1.mean)
        theta = np.asarray(start.theta, dtype=float)
        if not np.isfinite(_loglik_theta(model, theta, pat)):
            theta = np.asarray(model.start_values(h1.cov, h1.mean), dtype=float)
    else:
        theta = np.asarray(theta0, dtype=float).copy()
    ll = _loglik_theta(model, theta, pat)
    if not np.isfinite(ll):
        raise SEMError(
            "the starting values give a covariance matrix that is not positive definite; "
            "pass other starting values (theta0) or simplify the model."
        )
    converged = False
    it = 0
    info = None
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        if info is None or it % 4 == 1:
            sigma, _ = model.implied(theta)
            w_sig, w_mu = _expected_weights(sigma, pat)
            jac_s, jac_m = model.jacobian(theta)
            info = jac_s.T @ w_sig @ jac_s + jac_m.T @ w_mu @ jac_m
        grad = _theta_gradient(model, theta, pat)
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(info, grad, rcond=None)[0]
        alpha = 1.0
        while alpha > 1e-6:
            cand = theta + alpha * step
            ll_new = _loglik_theta(model, cand, pat)
            if np.isfinite(ll_new) and ll_new >= ll - 1e-10 * abs(ll):
                break
            alpha /= 2
        else:
            break
        change = np.max(np.abs(cand - theta) / np.maximum(np.abs(theta), 1.0))
        theta, ll = cand, ll_new
        if change < tol:
            converged = True
            break
    fmin = (h1.logl - ll) / pat.n
    msg = "converged" if converged else f"FIML did not converge in {max_iter} iterations"
    if not converged:
        warnings.warn(msg, ConvergenceWarning, stacklevel=2)
    return Estimation(theta, converged, it, float(fmin), msg)

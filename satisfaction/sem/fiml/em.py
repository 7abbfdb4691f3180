"""The unrestricted (H1) model under missing data: EM estimates of the mean and covariance."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model import vech_indices
from .patterns import MissingPatterns, fiml_loglik, missing_patterns

__all__ = ["SaturatedMoments", "em_saturated"]


@dataclass(frozen=True)
class SaturatedMoments:
    """The unrestricted (H1) model under missing data: EM estimates of mu and Sigma."""

    mean: np.ndarray
    cov: np.ndarray
    logl: float
    iterations: int
    converged: bool


def em_saturated(
    data: pd.DataFrame | np.ndarray | MissingPatterns,
    *,
    tol: float = 1e-5,
    max_iter: int = 500,
) -> SaturatedMoments:
    """Maximum-likelihood mean vector and covariance matrix of incomplete data by EM.

    Parameters
    ----------
    data : pandas.DataFrame, numpy.ndarray or MissingPatterns
        Numeric data with NaN for missing values.
    tol : float, default 1e-5
        Stop when the largest absolute change in ``(mu, vech Sigma)`` is below ``tol``
        (lavaan's ``em.h1.tol`` and stopping rule).
    max_iter : int, default 500
        Maximum EM iterations (lavaan's ``em.h1.iter.max``).

    Returns
    -------
    SaturatedMoments
        ``mean``, ``cov``, ``logl`` (the H1 log-likelihood), ``iterations``, ``converged``.

    Notes
    -----
    Started, like lavaan, from the available-case means and a diagonal covariance
    matrix of available-case variances. E-step: for each case, ``E[x_m | x_o]`` and
    ``Cov[x_m | x_o] = Sigma_mm - Sigma_mo Sigma_oo^-1 Sigma_om``; M-step:
    ``mu = T1 / N``, ``Sigma = T2 / N - mu mu'``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(3)
    >>> x = rng.multivariate_normal([0, 0], [[1, 0.6], [0.6, 1]], size=400)
    >>> x[rng.random(400) < 0.3, 1] = np.nan
    >>> h1 = em_saturated(x)
    >>> h1.converged, bool(abs(h1.cov[0, 1] - 0.6) < 0.1)
    (True, True)
    """
    pat = data if isinstance(data, MissingPatterns) else missing_patterns(data)
    x = pat.x
    n, p = x.shape
    mu = np.nanmean(x, axis=0)
    var0 = np.nanmean((x - mu) ** 2, axis=0)
    var0[~np.isfinite(var0) | (var0 == 0)] = 1.0
    sigma = np.diag(var0)
    r_, c_ = vech_indices(p)
    # per group: the missing indices, the permutation (observed first) and raw moments
    prep = []
    for obs, nk, means, covs in pat.groups:
        k = obs.shape[1]
        mis = np.array([np.setdiff1d(np.arange(p), o) for o in obs]).reshape(len(obs), p - k)
        perm = np.hstack([obs, mis])
        flat = (perm[:, :, None] * p + perm[:, None, :]).ravel()
        raw2 = covs + means[:, :, None] * means[:, None, :]
        prep.append((obs, mis, nk, means, raw2, perm, flat))
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        t1 = np.zeros(p)
        t2 = np.zeros(p * p)
        for obs, mis, nk, means, raw2, perm, flat in prep:
            g, k = obs.shape
            full_mean = np.empty((g, p))
            block = np.empty((g, p, p))
            full_mean[:, :k] = means
            block[:, :k, :k] = raw2
            if k < p:
                s_oo = sigma[obs[:, :, None], obs[:, None, :]]
                s_om = sigma[obs[:, :, None], mis[:, None, :]]
                s_mm = sigma[mis[:, :, None], mis[:, None, :]]
                beta = np.linalg.solve(s_oo, s_om)  # (g, k, pm)
                bt = np.swapaxes(beta, 1, 2)
                cond = s_mm - np.swapaxes(s_om, 1, 2) @ beta
                c = mu[mis] - np.einsum("gkm,gk->gm", beta, mu[obs])
                xm = c + np.einsum("gkm,gk->gm", beta, means)
                full_mean[:, k:] = xm
                mo = c[:, :, None] * means[:, None, :] + bt @ raw2  # E[x_m x_o'] (g, pm, k)
                block[:, k:, :k] = mo
                block[:, :k, k:] = np.swapaxes(mo, 1, 2)
                bm = np.einsum("gkm,gk->gm", beta, means)
                block[:, k:, k:] = (
                    c[:, :, None] * c[:, None, :]
                    + c[:, :, None] * bm[:, None, :]
                    + bm[:, :, None] * c[:, None, :]
                    + bt @ raw2 @ beta
                    + cond
                )
            fm_ = np.empty((g, p))
            np.put_along_axis(fm_, perm, full_mean, axis=1)
            t1 += nk @ fm_
            t2 += np.bincount(flat, weights=(block * nk[:, None, None]).ravel(), minlength=p * p)
        new_mu = t1 / n
        new_sigma = t2.reshape(p, p) / n - np.outer(new_mu, new_mu)
        new_sigma = 0.5 * (new_sigma + new_sigma.T)
        ev = np.linalg.eigvalsh(new_sigma)
        if np.any(ev < 1e-6):
            new_sigma[np.diag_indices(p)] += np.max(np.diag(new_sigma)) * 1e-8
        delta = max(np.max(np.abs(new_mu - mu)), np.max(np.abs(new_sigma[r_, c_] - sigma[r_, c_])))
        mu, sigma = new_mu, new_sigma
        if delta < tol:
            converged = True
            break
    return SaturatedMoments(mu, sigma, fiml_loglik(sigma, mu, pat), it, converged)

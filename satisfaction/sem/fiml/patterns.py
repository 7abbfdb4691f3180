"""Missingness patterns and the FIML log-likelihood of incomplete normal data.

The cases are grouped by their pattern of missing values (:func:`missing_patterns`); the
log-likelihood (:func:`fiml_loglik`) and its gradient with respect to the moments
``(mu, Sigma)`` are sums over patterns, batched by the number of observed variables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...errors import SEMError
from ..model import vech_indices

__all__ = ["MissingPatterns", "missing_patterns", "fiml_loglik"]


_LOG2PI = float(np.log(2 * np.pi))


@dataclass(frozen=True)
class MissingPatterns:
    """Sufficient statistics of each missingness pattern.

    Attributes
    ----------
    x : numpy.ndarray
        The data (n, p) with NaN for missing values (rows with no value at all removed).
    n : int
        Number of cases used.
    observed : list of numpy.ndarray
        For each pattern, the indices of the observed variables (sorted).
    rows : list of numpy.ndarray
        For each pattern, the row indices of ``x`` in it.
    counts, means, covs : list
        ``n_k``, the mean of the observed variables and their covariance (divisor ``n_k``).
    n_empty : int
        Rows dropped because every variable was missing.
    groups : list of tuple
        The patterns batched by their number of observed variables ``k``: tuples
        ``(obs (G, k), counts (G,), means (G, k), covs (G, k, k))`` used for vectorised
        likelihood and gradient evaluations.
    """

    x: np.ndarray
    n: int
    observed: list
    rows: list
    counts: list
    means: list
    covs: list
    n_empty: int
    groups: list


def missing_patterns(x: np.ndarray | pd.DataFrame) -> MissingPatterns:
    """Group the cases of a data matrix by their pattern of missing values.

    Parameters
    ----------
    x : numpy.ndarray or pandas.DataFrame
        Data (n, p), missing values as NaN.

    Returns
    -------
    MissingPatterns
        Patterns in order of first appearance, with their sufficient statistics.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0, 2.0], [np.nan, 1.0], [3.0, 0.0], [np.nan, np.nan]])
    >>> pat = missing_patterns(x)
    >>> pat.n, len(pat.observed), pat.n_empty
    (3, 2, 1)
    """
    x = np.asarray(x, dtype=float)
    mask = ~np.isnan(x)
    empty = ~mask.any(axis=1)
    x = x[~empty]
    mask = mask[~empty]
    keys, inverse = np.unique(mask, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    order = np.argsort([np.flatnonzero(inverse == k)[0] for k in range(len(keys))])
    observed, rows, counts, means, covs = [], [], [], [], []
    for k in order:
        r = np.flatnonzero(inverse == k)
        o = np.flatnonzero(keys[k])
        xo = x[np.ix_(r, o)]
        m = xo.mean(axis=0)
        c = xo - m
        observed.append(o)
        rows.append(r)
        counts.append(len(r))
        means.append(m)
        covs.append(c.T @ c / len(r))
    groups = []
    sizes = np.array([len(o) for o in observed])
    for k in np.unique(sizes):
        sel = np.flatnonzero(sizes == k)
        groups.append(
            (
                np.stack([observed[i] for i in sel]),
                np.array([counts[i] for i in sel], dtype=float),
                np.stack([means[i] for i in sel]),
                np.stack([covs[i] for i in sel]),
            )
        )
    return MissingPatterns(
        x, x.shape[0], observed, rows, counts, means, covs, int(empty.sum()), groups
    )


def _batched_inverse(sigma: np.ndarray, obs: np.ndarray):
    """Inverses and log-determinants of the observed blocks of Sigma, batched (G, k, k)."""
    blocks = sigma[obs[:, :, None], obs[:, None, :]]
    try:
        lo = np.linalg.cholesky(blocks)
    except np.linalg.LinAlgError:
        return None, None
    eye = np.broadcast_to(np.eye(obs.shape[1]), blocks.shape)
    inv_l = np.linalg.solve(lo, eye)
    inv = np.swapaxes(inv_l, 1, 2) @ inv_l
    logdet = 2.0 * np.sum(np.log(np.diagonal(lo, axis1=1, axis2=2)), axis=1)
    return inv, logdet


def _pattern_inverses(sigma: np.ndarray, obs: np.ndarray) -> np.ndarray:
    """:func:`_batched_inverse` where every block must be positive definite (else SEMError)."""
    inv, _ = _batched_inverse(sigma, obs)
    if inv is None:
        raise SEMError(
            "the model-implied covariance matrix is not positive definite for a pattern "
            "of missing values; check the model or give better starting values."
        )
    return inv


def _vech_positions(p: int, offset: int = 0) -> np.ndarray:
    """(p, p) map from a matrix entry (either triangle) to its position in vech, plus offset."""
    r, c = vech_indices(p)
    pos = np.zeros((p, p), dtype=int)
    pos[r, c] = offset + np.arange(len(r))
    pos[c, r] = offset + np.arange(len(r))
    return pos


def _vech_gradient(g_sig: np.ndarray) -> np.ndarray:
    """Gradient w.r.t. vech(Sigma) from the symmetric-matrix gradient (off-diagonals twice)."""
    r, c = vech_indices(g_sig.shape[0])
    return g_sig[r, c] * np.where(r == c, 1.0, 2.0)


def fiml_loglik(sigma: np.ndarray, mu: np.ndarray, patterns: MissingPatterns) -> float:
    """Log-likelihood of incomplete multivariate normal data (sum over cases).

    Parameters
    ----------
    sigma : numpy.ndarray
        Covariance matrix (p, p).
    mu : numpy.ndarray
        Mean vector (p,).
    patterns : MissingPatterns
        From :func:`missing_patterns`.

    Returns
    -------
    float
        ``sum_i log phi(x_io; mu_o, Sigma_oo)``; ``-inf`` if a block of Sigma is not
        positive definite.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[0.0, 1.0], [1.0, np.nan]])
    >>> round(fiml_loglik(np.eye(2), np.zeros(2), missing_patterns(x)), 4)
    -3.7568
    """
    total = 0.0
    for obs, nk, means, covs in patterns.groups:
        inv, logdet = _batched_inverse(sigma, obs)
        if inv is None:
            return -np.inf
        d = means - mu[obs]
        quad = np.einsum("gi,gij,gj->g", d, inv, d)
        trace = np.einsum("gij,gji->g", inv, covs)
        total += float(-0.5 * np.sum(nk * (obs.shape[1] * _LOG2PI + logdet + trace + quad)))
    return float(total)


def _moment_gradient(sigma, mu, patterns):
    """d logl / d Sigma (symmetric-matrix gradient, p x p) and d logl / d mu (p,)."""
    p = sigma.shape[0]
    g_sig = np.zeros(p * p)
    g_mu = np.zeros(p)
    for obs, nk, means, covs in patterns.groups:
        inv = _pattern_inverses(sigma, obs)
        e = np.einsum("gij,gj->gi", inv, means - mu[obs])
        a = inv @ covs @ inv + e[:, :, None] * e[:, None, :] - inv
        a *= 0.5 * nk[:, None, None]
        flat = obs[:, :, None] * p + obs[:, None, :]
        g_sig += np.bincount(flat.ravel(), weights=a.ravel(), minlength=p * p)
        g_mu += np.bincount(obs.ravel(), weights=(nk[:, None] * e).ravel(), minlength=p)
    return g_sig.reshape(p, p), g_mu

"""The saturated and independence models under FIML as minimal model objects.

Both have ``meanstructure``, ``n_free``, ``implied(theta)`` and ``jacobian(theta)``, which is
all the information and sandwich code needs.
"""

from __future__ import annotations

import numpy as np

from ..model import vech_indices

__all__ = []


class _Saturated:
    """The unrestricted model with theta = (mu, vech Sigma) (for H1 information matrices)."""

    meanstructure = True

    def __init__(self, p: int):
        self.p = p
        self.rows, self.cols = vech_indices(p)
        self.n_free = p + len(self.rows)

    def implied(self, theta):
        p = self.p
        sigma = np.zeros((p, p))
        sigma[self.rows, self.cols] = theta[p:]
        sigma[self.cols, self.rows] = theta[p:]
        return sigma, np.asarray(theta[:p], dtype=float)

    def jacobian(self, theta):
        p, ps = self.p, len(self.rows)
        jac_s = np.zeros((ps, self.n_free))
        jac_s[:, p:] = np.eye(ps)
        jac_m = np.zeros((p, self.n_free))
        jac_m[:, :p] = np.eye(p)
        return jac_s, jac_m


class _FimlIndependence:
    """Independence model under FIML: free means and variances, no covariances.

    The covariates at positions ``x_idx`` keep a full covariance block, as in lavaan's
    baseline model: fixed to their sample moments ``x_cov``, ``x_mean`` (fixed.x) or, with
    ``free_block=True`` (fixed.x = FALSE), free. theta holds the other variables' means and
    variances, then (free block only) the block's means and vech of its covariances.
    """

    meanstructure = True

    def __init__(self, p: int, x_idx=(), x_cov=None, x_mean=None, free_block=False):
        self.p = p
        x_idx = np.asarray(x_idx, dtype=int)
        isx = np.zeros(p, dtype=bool)
        isx[x_idx] = True
        self._x = x_idx
        self._y = np.flatnonzero(~isx)
        self._free_block = bool(free_block) and len(x_idx) > 0
        r, c = vech_indices(p)
        self._pos = {(i, j): k for k, (i, j) in enumerate(zip(r, c, strict=True))}
        self._ps = len(r)
        self._xr, self._xc = vech_indices(len(x_idx))
        ny = len(self._y)
        self.n_free = 2 * ny + (len(x_idx) + len(self._xr) if self._free_block else 0)
        self._sigma0 = np.zeros((p, p))
        self._mu0 = np.zeros(p)
        if len(x_idx) and not self._free_block:
            self._sigma0[np.ix_(x_idx, x_idx)] = x_cov
            self._mu0[x_idx] = x_mean

    def block_theta(self, x_cov, x_mean) -> np.ndarray:
        """The free block's part of theta (empty unless ``free_block``)."""
        if not self._free_block:
            return np.empty(0)
        return np.r_[x_mean, np.asarray(x_cov)[self._xr, self._xc]]

    def implied(self, theta):
        ny, nx = len(self._y), len(self._x)
        sigma = self._sigma0.copy()
        sigma[self._y, self._y] = theta[ny : 2 * ny]
        mu = self._mu0.copy()
        mu[self._y] = theta[:ny]
        if self._free_block:
            mu[self._x] = theta[2 * ny : 2 * ny + nx]
            v = theta[2 * ny + nx :]
            sigma[self._x[self._xr], self._x[self._xc]] = v
            sigma[self._x[self._xc], self._x[self._xr]] = v
        return sigma, mu

    def jacobian(self, theta):
        p, ny, nx = self.p, len(self._y), len(self._x)
        jac_s = np.zeros((self._ps, self.n_free))
        jac_m = np.zeros((p, self.n_free))
        jac_m[self._y, np.arange(ny)] = 1.0
        for k, v in enumerate(self._y):
            jac_s[self._pos[(v, v)], ny + k] = 1.0
        if self._free_block:
            jac_m[self._x, 2 * ny + np.arange(nx)] = 1.0
            for k, (i, j) in enumerate(zip(self._xr, self._xc, strict=True)):
                a, b = self._x[i], self._x[j]
                jac_s[self._pos[(max(a, b), min(a, b))], 2 * ny + nx + k] = 1.0
        return jac_s, jac_m

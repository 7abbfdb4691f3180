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
    """Independence model under FIML: free means and variances, no covariances."""

    meanstructure = True

    def __init__(self, p: int):
        self.p = p
        self.n_free = 2 * p
        r, c = vech_indices(p)
        self._diag = np.flatnonzero(r == c)
        self._ps = len(r)

    def implied(self, theta):
        p = self.p
        return np.diag(theta[p:]), np.asarray(theta[:p], dtype=float)

    def jacobian(self, theta):
        p = self.p
        jac_s = np.zeros((self._ps, 2 * p))
        jac_s[self._diag, p + np.arange(p)] = 1.0
        jac_m = np.zeros((p, 2 * p))
        jac_m[:, :p] = np.eye(p)
        return jac_s, jac_m

"""Closed-form ML for B parameter vectors at once: the objective, gradient and information.

:class:`RamGradient` evaluates lavaan's ML fit function, its gradient and the expected
information in closed form for B parameter vectors of a RAM model at once (numpy batched
linear algebra); :func:`chol_inverse` inverts B covariance matrices. The optimiser
(:func:`satisfaction.sem.estimators.fit_ml` for one sample,
:func:`satisfaction.sem.estimators.batched_fit_ml` for bootstrap resamples and simulation
replications, both one routine) evaluates ML through them, and
:func:`satisfaction.sem.estimators.expected_information` takes the ML information from here.
"""

from __future__ import annotations

import numpy as np

__all__ = ["RamGradient", "chol_inverse"]


def chol_inverse(sig: np.ndarray):
    """Log-determinants and inverses of (B, p, p) symmetric positive definite matrices.

    Parameters
    ----------
    sig : ndarray (B, p, p)

    Returns
    -------
    logdet : ndarray (B,)
    inverse : ndarray (B, p, p)
    ok : ndarray (B,) of bool
        False where the matrix is not positive definite (its logdet and inverse are then
        those of the identity and must not be used).

    Notes
    -----
    ``Sigma = L L'``, ``log|Sigma| = 2 sum log L_ii`` and ``Sigma^-1 = L^-T L^-1``; the
    triangular inverse is a p-step loop vectorised over the batch, several times faster
    than B separate LAPACK inversions of small matrices (below 16 matrices LAPACK's
    inverse is used).

    Examples
    --------
    >>> a = np.array([[[2.0, 0.5], [0.5, 1.0]], [[1.0, 2.0], [2.0, 1.0]]])
    >>> logdet, inv, ok = chol_inverse(a)
    >>> ok.tolist(), bool(np.allclose(inv[0], np.linalg.inv(a[0])))
    ([True, False], True)
    """
    b, p, _ = sig.shape
    try:
        chol = np.linalg.cholesky(sig)
        ok = np.ones(b, dtype=bool)
    except np.linalg.LinAlgError:
        ev = np.linalg.eigvalsh(sig)[:, 0]
        ok = ev > 0
        sig = np.where(ok[:, None, None], sig, np.eye(p)[None])
        chol = np.linalg.cholesky(sig)
    diag = np.diagonal(chol, axis1=1, axis2=2)
    logdet = 2.0 * np.log(diag).sum(axis=1)
    if b < 16:  # a few matrices (single fits): LAPACK beats the vectorised loop below
        return logdet, np.linalg.inv(sig), ok
    linv = np.zeros_like(chol)
    for i in range(p):
        linv[:, i, i] = 1.0 / diag[:, i]
        if i:
            linv[:, i, :i] = (
                -np.einsum("bk,bkj->bj", chol[:, i, :i], linv[:, :i, :i]) / diag[:, i, None]
            )
    return logdet, np.swapaxes(linv, 1, 2) @ linv, ok


class RamGradient:
    """Analytic ML objective and gradient for B parameter vectors of a RAM model.

    The positions of the free parameters in the RAM matrices ``(A, S, M)`` are found by
    probing ``model.matrices_batch`` with unit vectors (the matrices are linear in theta),
    so this relies only on the model's public interface. With ``E = (I - A)^-1``,
    ``G = E[:p]``, ``Sigma = G S G'``, ``V = Sigma^-1``, ``Omega = dF/dSigma =
    (V - V S_b V - u u') / 2`` and the mean residual ``u = V (m_b - mu)``:
    ``dF/dS = G' Omega G``, ``dF/dA = 2 (E S G' Omega G)' - (G' u)(E M)'`` and
    ``dF/dM = -G' u``; the gradient in theta sums these over each parameter's positions.

    Parameters
    ----------
    model : satisfaction.sem.model.Model
    exo_example : ndarray (n_exo,), optional
        One sample's fixed.x values (models with fixed.x covariates).

    Examples
    --------
    >>> from satisfaction.sem.model import Model
    >>> m = Model.from_syntax("F =~ a + b + c", ["a", "b", "c"])
    >>> S = np.array([[1.0, .5, .4], [.5, 1.0, .3], [.4, .3, 1.0]])
    >>> f, grad = RamGradient(m).evaluate(m.start_values(S)[None], S[None], None, None)
    >>> f.shape, grad.shape
    ((1,), (1, 6))
    """

    def __init__(self, model, exo_example=None):
        self.model = model
        q = model.n_free
        p = len(model.observed)
        zero = np.zeros((1, q))
        exo0 = None if exo_example is None else exo_example[None, :]
        a0, s0, m0 = model.matrices_batch(zero, exo0)
        eye = np.eye(q)
        exo_q = None if exo_example is None else np.repeat(exo_example[None, :], q, axis=0)
        a1, s1, m1 = model.matrices_batch(eye, exo_q)
        nv = a0.shape[1]
        pa = (a1 - a0).reshape(q, nv * nv)
        ps = (s1 - s0).reshape(q, nv * nv)
        pm = (m1 - m0).reshape(q, nv)
        pattern = np.hstack([pa, ps, pm])  # (q, 2 nv^2 + nv)
        # sparse form: the gradient is a sum of a few positions per parameter
        gq, gpos = np.nonzero(pattern)
        self._gpos = gpos
        self._gval = pattern[gq, gpos]
        self._gown = np.zeros((len(gq), q))
        self._gown[np.arange(len(gq)), gq] = 1.0
        self._gident = len(gq) == q and np.array_equal(gq, np.arange(q))
        self.p, self.nv = p, nv
        # rank-two terms dSigma = c (x y' + y x') of every free position, for the information
        ta = np.argwhere(np.abs(pa.reshape(q, nv, nv)) > 0)  # (param, i, j)
        sym = np.abs(ps.reshape(q, nv, nv)) > 0
        ts = np.argwhere(sym & np.triu(np.ones((nv, nv), dtype=bool))[None])
        tm = np.argwhere(np.abs(pm) > 0)  # (param, i)
        self.ta, self.ts, self.tm = ta, ts, tm
        t = len(ta) + len(ts)
        owner = np.concatenate([ta[:, 0], ts[:, 0]]).astype(int)
        self.owner = np.zeros((t, q))
        self.owner[np.arange(t), owner] = 1.0
        self.cvec = np.concatenate([np.ones(len(ta)), np.where(ts[:, 1] == ts[:, 2], 0.5, 1.0)])
        self.mean_owner = np.zeros((len(ta) + len(tm), q))
        self.mean_owner[np.arange(len(ta)), ta[:, 0]] = 1.0
        self.mean_owner[len(ta) + np.arange(len(tm)), tm[:, 0]] = 1.0
        self._last = None
        # recursive models: A is nilpotent, (I - A)^-1 = (I + A)(I + A^2)(I + A^4)...
        reach = (np.abs(pa).sum(axis=0).reshape(nv, nv) > 0) | (np.abs(a0[0]) > 0)
        power, depth = reach.copy(), 1
        while power.any() and depth <= nv:
            power = (power.astype(int) @ reach.astype(int)) > 0
            depth += 1
        self.n_doublings = int(np.ceil(np.log2(depth + 1))) if not power.any() else None

    def evaluate(self, thetas, S, means, exo, want_grad=True):
        """Objective (B,) and gradient (B, q); inf / NaN where Sigma is not positive definite."""
        model = self.model
        b = thetas.shape[0]
        a, s, m = model.matrices_batch(thetas, exo)
        nv, p = self.nv, self.p
        if self.n_doublings is not None:
            e = np.eye(nv)[None] + a
            ak = a
            for _ in range(self.n_doublings - 1):
                ak = ak @ ak
                e = e + e @ ak
        else:
            try:
                e = np.linalg.inv(np.eye(nv)[None] - a)
            except np.linalg.LinAlgError:
                return np.full(b, np.inf), np.full(thetas.shape, np.nan)
        g = e[:, :p, :]
        sig = g @ s @ np.swapaxes(g, 1, 2)
        sig = 0.5 * (sig + np.swapaxes(sig, 1, 2))
        logdet, v, ok = chol_inverse(sig)
        vs = v @ S
        f = logdet + np.trace(vs, axis1=1, axis2=2)
        mu = None
        if model.meanstructure:
            mu = np.einsum("bpn,bn->bp", g, m)
            dm = means - mu
            u = np.einsum("bij,bj->bi", v, dm)
            f = f + np.einsum("bi,bi->b", dm, u)
        f = 0.5 * f
        f = np.where(ok, f, np.inf)
        self._last = (e, g, s, m, v, ok)
        if not want_grad:
            return f, None
        omega = 0.5 * (v - vs @ v)
        if mu is not None:
            omega = omega - 0.5 * u[:, :, None] * u[:, None, :]
        gog = np.swapaxes(g, 1, 2) @ omega @ g  # (B, nv, nv) = dF/dS
        x = e @ s @ gog
        d_a = 2.0 * np.swapaxes(x, 1, 2)
        if mu is not None:
            gu = np.einsum("bpn,bp->bn", g, u)
            em = np.einsum("bij,bj->bi", e, m)
            d_a = d_a - gu[:, :, None] * em[:, None, :]
            d_m = -gu
        else:
            d_m = np.zeros((b, nv))
        full = np.concatenate([d_a.reshape(b, -1), gog.reshape(b, -1), d_m], axis=1)
        terms = full[:, self._gpos] * self._gval
        grad = terms if self._gident else terms @ self._gown
        grad[~ok] = np.nan
        return f, grad

    def information(self):
        """Expected information (B, q, q) per observation at the last evaluated point.

        ``I_ab = tr(V dSigma_a V dSigma_b) / 2`` with ``dSigma = c (x y' + y x')`` for every
        position, i.e. ``C o (K_yx o K_yx' + K_xx o K_yy)`` summed over positions, where
        ``K_uv = U' V V'`` are read off ``Z' V Z`` for ``Z = [G, (E S G')']``; plus
        ``Delta_mu' V Delta_mu`` with a mean structure.
        """
        e, g, s, m, v, ok = self._last
        nv = self.nv
        h = e @ s @ np.swapaxes(g, 1, 2)  # (B, nv, p)
        z = np.concatenate([g, np.swapaxes(h, 1, 2)], axis=2)  # (B, p, 2 nv)
        kz = np.swapaxes(z, 1, 2) @ (v @ z)  # (B, 2nv, 2nv)
        if not hasattr(self, "_xi"):
            ta, ts = self.ta, self.ts
            # order the terms by parameter so that, without equality constraints, the
            # term-to-parameter map is the identity
            perm = np.argsort(self.owner.argmax(axis=1), kind="stable")
            self._xi = np.concatenate([ta[:, 1], ts[:, 1]])[perm]
            self._yi = np.concatenate([nv + ta[:, 2], ts[:, 2]])[perm]
            self._cc = np.outer(self.cvec[perm], self.cvec[perm])
            self._owner = self.owner[perm]
            self._ident = self._owner.shape[0] == self._owner.shape[1] and np.array_equal(
                self._owner, np.eye(self._owner.shape[0])
            )
        if not hasattr(self, "_flat"):  # flat positions of the K_xx, K_yy, K_yx blocks
            w2 = 2 * nv
            xi, yi = self._xi, self._yi
            self._flat = tuple(
                (r[:, None] * w2 + c[None, :]).ravel() for r, c in ((xi, xi), (yi, yi), (yi, xi))
            )
        b, t = kz.shape[0], self._xi.size
        flat = kz.reshape(b, -1)
        kxx, kyy, kyx = (np.take(flat, f, axis=1).reshape(b, t, t) for f in self._flat)
        it = (kyx * np.swapaxes(kyx, 1, 2) + kxx * kyy) * self._cc[None]
        info = it if self._ident else self._owner.T[None] @ it @ self._owner[None]
        if self.model.meanstructure:
            ta = self.ta
            em = np.einsum("bij,bj->bi", e, m)
            dmu_a = g[:, :, ta[:, 1]] * em[:, ta[:, 2]][:, None, :]
            dmu_m = g[:, :, self.tm[:, 1]]
            dmu = np.concatenate([dmu_a, dmu_m], axis=2) @ self.mean_owner[None]
            info = info + np.swapaxes(dmu, 1, 2) @ v @ dmu
        return info

"""Batched ML estimation: B samples fitted at once (bootstrap resamples, simulation replications).

:class:`RamGradient` evaluates lavaan's ML fit function, its gradient and the expected
information in closed form for B parameter vectors of a RAM model at once (numpy batched
linear algebra); :func:`batched_ml` minimises it for B samples: one Fisher-scoring step with
the expected information at the (shared) start, one with each sample's own expected
information, then limited-memory BFGS from that metric, with Armijo step halving.
:func:`satisfaction.sem.estimators.batched_fit_ml` is the public entry point (it also handles
GLS and ULS); the bootstrap and ``benchmarks/coverage.py`` use this module through it or
directly.
"""

from __future__ import annotations

import numpy as np

__all__ = ["RamGradient", "batched_ml", "chol_inverse"]


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
    than B separate LAPACK inversions of small matrices.

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


def batched_ml(model, S, means, theta0, exo, *, tol=1e-7, max_iter=200, n_scoring=2, memory=10):
    """Batched ML fit of B samples: Fisher scoring, then L-BFGS from the scoring metric.

    Parameters
    ----------
    model : satisfaction.sem.model.Model
    S : ndarray (B, p, p)
        Covariance matrices (divisor N) of the B samples.
    means : ndarray (B, p) or None
        Sample means (models with a mean structure), else None.
    theta0 : ndarray (q,) or (B, q)
        Starting values, usually the full-sample estimates.
    exo : ndarray (B, n_exo) or None
        Per-sample fixed.x values (``model.exo_values``), None without fixed.x covariates.
    tol : float
        Convergence when the largest step is below ``tol * (1 + max|theta|)``.
    max_iter, n_scoring, memory : int
        Iteration limit, iteration at which each sample's own information is computed,
        number of L-BFGS pairs kept.

    Returns
    -------
    thetas : ndarray (B, q)
    converged : ndarray (B,) of bool
    iterations : ndarray (B,) of int

    Notes
    -----
    Every sample starts at ``theta0``. Iteration 1 is a Fisher scoring step with the expected
    information at ``theta0`` (it depends on theta only, so for a common start it is shared
    by all samples); iteration ``n_scoring`` computes each sample's own expected information
    in closed form (:meth:`RamGradient.information`, all B at once), whose inverse is then
    the initial metric of limited-memory BFGS (two-loop recursion, ``memory`` pairs; scoring
    alone converges only linearly when the model does not fit exactly). Steps are halved
    until the Armijo condition holds; converged samples leave the batch.

    Examples
    --------
    >>> from satisfaction.sem.model import Model
    >>> m = Model.from_syntax("F =~ a + b + c", ["a", "b", "c"])
    >>> S = np.array([[1.0, .5, .4], [.5, 1.0, .3], [.4, .3, 1.0]])
    >>> thetas, conv, iters = batched_ml(m, np.stack([S, 1.2 * S]), None, m.start_values(S), None)
    >>> bool(conv.all()), bool(np.allclose(thetas[1][:2], thetas[0][:2]))
    (True, True)
    """
    b = S.shape[0]
    theta0 = np.asarray(theta0, dtype=float)
    q = theta0.shape[-1]
    rg = RamGradient(model, None if exo is None else exo[0])
    thetas = np.broadcast_to(theta0, (b, q)).copy()
    common_start = theta0.ndim == 1 or bool(np.all(thetas == thetas[:1]))
    conv = np.zeros(b, dtype=bool)
    iters = np.zeros(b, dtype=int)

    def take(arr, ii):
        return None if arr is None else arr[ii]

    idx = np.arange(b)
    th = thetas.copy()
    f, grad = rg.evaluate(th, S, means, exo)
    # the expected information depends on theta only: at the common start it is shared
    first = slice(0, 1)
    rg.evaluate(th[first], S[first], take(means, first), take(exo, first))
    h_shared = np.linalg.pinv(rg.information()[0])
    good = np.isfinite(f)
    idx, th, f, grad = idx[good], th[good], f[good], grad[good]
    Sw, mw, ew = S[good], take(means, good), take(exo, good)
    hbase = None  # per-sample inverse information (B, q, q)
    if not common_start and idx.size:  # different starts: each sample's own information
        rg.evaluate(th, Sw, mw, ew, want_grad=False)
        _, hbase, okh = chol_inverse(rg.information())
        if not okh.all():
            hbase[~okh] = h_shared
    hist_s: list[np.ndarray] = []
    hist_y: list[np.ndarray] = []
    hist_r: list[np.ndarray] = []

    def base_apply(vec):
        if hbase is None:
            return vec @ h_shared.T
        return np.einsum("bij,bj->bi", hbase, vec)

    for it in range(1, max_iter + 1):
        if idx.size == 0:
            break
        if it == n_scoring and n_scoring > 1:
            rg.evaluate(th, Sw, mw, ew, want_grad=False)
            info = rg.information()
            _, hbase, okh = chol_inverse(info)
            if not okh.all():
                hbase[~okh] = h_shared
            hist_s, hist_y, hist_r = [], [], []
        # two-loop recursion: direction = -H grad
        qv = grad.copy()
        alphas = []
        for sv, yv, rv in zip(reversed(hist_s), reversed(hist_y), reversed(hist_r), strict=True):
            a = rv * np.einsum("bi,bi->b", sv, qv)
            qv -= a[:, None] * yv
            alphas.append(a)
        r = base_apply(qv)
        for (sv, yv, rv), a in zip(
            zip(hist_s, hist_y, hist_r, strict=True), reversed(alphas), strict=True
        ):
            beta = rv * np.einsum("bi,bi->b", yv, r)
            r += sv * (a - beta)[:, None]
        step = -r
        descent = np.einsum("bi,bi->b", step, grad)
        bad = ~(descent < 0)
        if bad.any():  # not a descent direction: plain scoring step for these
            step[bad] = -base_apply(grad)[bad]
            descent[bad] = np.einsum("bi,bi->b", step[bad], grad[bad])
        nb = idx.size
        alpha = np.ones(nb)
        pending = np.ones(nb, dtype=bool)
        f_new = np.full(nb, np.inf)
        g_new = np.full((nb, q), np.nan)
        for _ in range(40):
            pi = np.flatnonzero(pending)
            if pi.size == nb:
                fc, gc = rg.evaluate(th + step, Sw, mw, ew)
            else:
                cand = th[pi] + alpha[pi, None] * step[pi]
                fc, gc = rg.evaluate(cand, Sw[pi], take(mw, pi), take(ew, pi))
            accept = np.isfinite(fc) & (fc <= f[pi] + 1e-4 * alpha[pi] * descent[pi] + 1e-15)
            f_new[pi[accept]] = fc[accept]
            g_new[pi[accept]] = gc[accept]
            pending[pi[accept]] = False
            alpha[pi[~accept]] *= 0.5
            if not pending.any():
                break
        moved = ~pending
        s_vec = np.where(moved[:, None], alpha[:, None] * step, 0.0)
        y_vec = np.where(moved[:, None], g_new - grad, 0.0)
        th = th + s_vec
        f = np.where(moved, f_new, f)
        grad = np.where(moved[:, None], g_new, grad)
        iters[idx] = it
        sy = np.einsum("bi,bi->b", s_vec, y_vec)
        ok_pair = moved & (sy > 1e-14)
        hist_s.append(s_vec)
        hist_y.append(y_vec)
        hist_r.append(np.where(ok_pair, 1.0 / np.where(ok_pair, sy, 1.0), 0.0))
        if len(hist_s) > memory:
            hist_s.pop(0), hist_y.pop(0), hist_r.pop(0)
        scale = 1.0 + np.max(np.abs(th), axis=1)
        done = moved & (np.max(np.abs(s_vec), axis=1) < tol * scale)
        done |= np.max(np.abs(grad), axis=1) < 1e-12
        # no decrease even with tiny steps: converged if the gradient is negligible
        stuck = pending
        conv[idx[done]] = True
        conv[idx[stuck & ~done]] = np.max(np.abs(grad[stuck & ~done]), axis=1) < 1e-7
        finished = done | stuck
        thetas[idx[finished]] = th[finished]
        keep = ~finished
        if not keep.all():
            idx, th, f, grad = idx[keep], th[keep], f[keep], grad[keep]
            Sw, mw, ew = Sw[keep], take(mw, keep), take(ew, keep)
            if hbase is not None:
                hbase = hbase[keep]
            hist_s = [h[keep] for h in hist_s]
            hist_y = [h[keep] for h in hist_y]
            hist_r = [h[keep] for h in hist_r]
    if idx.size:
        thetas[idx] = th
    return thetas, conv, iters

"""Complete-data estimators ML, GLS and ULS: Fisher scoring / Gauss-Newton.

The fit functions are lavaan's (``lav_model_objective``), with ``S`` the sample
covariance matrix with divisor N, ``s = vech(S)``, ``sigma = vech(Sigma)``:

* ML: ``F = 0.5 (log|Sigma| + tr(S Sigma^-1) - log|S| - p + (m - mu)' Sigma^-1 (m - mu))``;
* GLS: ``F = 0.5 (N-1)/N * (0.5 tr((S^-1 (S - Sigma))^2) + (m - mu)' S^-1 (m - mu))``;
* ULS: ``F = 0.5 (N-1)/N * (||s - sigma||^2 + ||m - mu||^2)``,

and the test statistic is ``chisq = 2 N F``. All three are weighted least
squares in vech(S) with weight ``W`` (ML: ``W = 0.5 D'(Sigma^-1 x Sigma^-1) D``
at the current Sigma; GLS: the same at S; ULS: the identity), so one update,

.. math:: \\theta \\leftarrow \\theta + \\alpha (\\Delta' W \\Delta)^{-1} \\Delta' W (s - \\sigma),

is Fisher scoring for ML and Gauss-Newton for GLS/ULS (``Delta`` is the
Jacobian of vech(Sigma); the mean part adds ``Delta_mu' W_mu Delta_mu``). The
step length ``alpha`` is halved until F decreases and Sigma stays positive
definite; after the first scoring steps, quasi-Newton (BFGS) updates of the inverse
information take over. One routine (``_iterate``) does this for B samples at once: a
single fit (:func:`fit_ml`) is a batch of one, :func:`batched_fit_ml` (bootstrap
resamples, simulation replications) a batch of B, which is what makes the bootstrap
fast. ML is evaluated in closed form from the RAM matrices
(:class:`satisfaction.sem.batched.RamGradient`), GLS and ULS through the Jacobian of the
implied moments; :func:`expected_information` is the one expected information of all
three. If the iteration stalls, scipy's BFGS takes over from the best point and the
iteration polishes its result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import SEMError
from .batched import RamGradient, chol_inverse
from .model import Model, vech, vech_indices

__all__ = [
    "Estimation",
    "fit_ml",
    "batched_fit_ml",
    "expected_information",
    "objective",
    "dup_weight",
    "ESTIMATORS",
]

#: complete-data estimators handled here
ESTIMATORS = ("ML", "GLS", "ULS")


@dataclass(frozen=True)
class Estimation:
    """Outcome of an optimisation: ``theta``, ``converged``, ``iterations``, ``fmin``, ``message``."""

    theta: np.ndarray
    converged: bool
    iterations: int
    fmin: float
    message: str = ""


def dup_weight(v: np.ndarray) -> np.ndarray:
    """``D'(V x V) D`` for symmetric V (..., p, p), computed without Kronecker products.

    Parameters
    ----------
    v : ndarray (..., p, p)

    Returns
    -------
    ndarray (..., p*(p+1)/2, p*(p+1)/2)
        Entry ``(ij, kl)`` is ``f_ij f_kl (V_ik V_jl + V_il V_jk)`` with
        ``f = sqrt(2)`` off the diagonal and ``sqrt(1/2)`` on it.

    Examples
    --------
    >>> from satisfaction.sem.model import duplication_matrix
    >>> v = np.array([[2.0, 0.5], [0.5, 1.0]]); d = duplication_matrix(2)
    >>> bool(np.allclose(dup_weight(v), d.T @ np.kron(v, v) @ d))
    True
    """
    v = np.asarray(v, dtype=float)
    r, c = vech_indices(v.shape[-1])
    m = (
        v[..., r[:, None], r[None, :]] * v[..., c[:, None], c[None, :]]
        + v[..., r[:, None], c[None, :]] * v[..., c[:, None], r[None, :]]
    )
    f = np.where(r == c, np.sqrt(0.5), np.sqrt(2.0))
    return m * np.outer(f, f)


def _check_estimator(estimator: str) -> str:
    est = str(estimator).upper()
    if est not in ESTIMATORS:
        raise SEMError(
            f"estimator {estimator!r} is not one of {', '.join(ESTIMATORS)} "
            "(complete-data estimators)"
        )
    return est


def _logdet_inv(a: np.ndarray):
    """log-determinants and inverses of (B, p, p) matrices; NaN where not positive definite."""
    try:
        chol = np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        chol = None
    if chol is not None:
        logdet = 2.0 * np.log(np.diagonal(chol, axis1=-2, axis2=-1)).sum(-1)
        eye = np.broadcast_to(np.eye(a.shape[-1]), a.shape)
        linv = np.linalg.solve(chol, eye)
        return logdet, np.swapaxes(linv, -1, -2) @ linv
    # some are not positive definite: handle one by one
    b = a.shape[0]
    logdet = np.full(b, np.nan)
    inv = np.full_like(a, np.nan)
    for i in range(b):
        sign, ld = np.linalg.slogdet(a[i])
        if sign > 0 and np.all(np.linalg.eigvalsh(a[i]) > 0):
            logdet[i], inv[i] = ld, np.linalg.inv(a[i])
    return logdet, inv


def _objective_batch(model, thetas, S, mean, n, est, s_inv=None, logdet_s=None, exo=None):
    """lavaan's F for B parameter vectors; S (B, p, p); returns (B,) with inf where invalid."""
    try:
        sig, mu = model.implied_batch(thetas, exo, with_mean=True)
    except (SEMError, np.linalg.LinAlgError):
        return np.full(len(thetas), np.inf)
    p = sig.shape[-1]
    if est == "ML":
        logdet, inv = _logdet_inv(sig)
        f = logdet + np.einsum("bij,bji->b", S, inv) - logdet_s - p
        if mu is not None:
            d = mean - mu
            f = f + np.einsum("bi,bij,bj->b", d, inv, d)
        f = 0.5 * f
    else:
        scale = 0.5 * (n - 1) / n
        if est == "GLS":
            t = s_inv @ (S - sig)
            f = 0.5 * np.einsum("bij,bji->b", t, t)
            if mu is not None:
                d = mean - mu
                f = f + np.einsum("bi,bij,bj->b", d, s_inv, d)
        else:
            e = vech(S - sig)
            f = (e * e).sum(-1)
            if mu is not None:
                f = f + ((mean - mu) ** 2).sum(-1)
        f = scale * f
    f = np.where(np.isfinite(f), f, np.inf)
    return f


def objective(model: Model, theta, S, n: int, mean=None, *, estimator: str = "ML") -> float:
    """lavaan's value of the fit function at ``theta`` (``chisq = 2 * n * F`` at the minimum).

    Parameters
    ----------
    model : Model
    theta : ndarray (q,)
    S : ndarray (p, p)
        Sample covariance (divisor N for ML, N - 1 for GLS/ULS).
    n : int
    mean : ndarray (p,), optional
    estimator : {"ML", "GLS", "ULS"}

    Returns
    -------
    float
        ``inf`` where Sigma is not positive definite (ML).

    Examples
    --------
    >>> m = Model.from_syntax("F =~ a + b + c", ["a", "b", "c"])
    >>> S = np.array([[1.0, .5, .4], [.5, 1.0, .3], [.4, .3, 1.0]])
    >>> round(objective(m, m.start_values(S), S, 100), 6) >= 0
    True
    """
    est = _check_estimator(estimator)
    S = np.asarray(S, float)[None]
    mean_b = None if mean is None else np.asarray(mean, float)[None]
    s_inv, logdet_s = _sample_terms(S, est)
    return float(
        _objective_batch(model, np.asarray(theta, float)[None], S, mean_b, n, est, s_inv, logdet_s)[
            0
        ]
    )


def _sample_terms(S, est):
    logdet_s, s_inv = _logdet_inv(S)
    if est in ("ML", "GLS") and not np.all(np.isfinite(logdet_s)):
        raise SEMError(
            "the sample covariance matrix is not positive definite (an item that is "
            "constant or a linear combination of others?); drop or combine those "
            "items, or use estimator='ULS'"
        )
    return s_inv, logdet_s


def _weights(model, est, sig_inv, s_inv, p, b):
    """Weight matrices of vech(Sigma) (B, k, k) and of mu (B, p, p)."""
    if est == "ML":
        return 0.5 * dup_weight(sig_inv), sig_inv
    if est == "GLS":
        return 0.5 * dup_weight(s_inv), s_inv
    k = p * (p + 1) // 2
    return (np.broadcast_to(np.eye(k), (b, k, k)), np.broadcast_to(np.eye(p), (b, p, p)))


def _residual(S, sig, mean, mu, est):
    """``S - Sigma``, plus ``(m - mu)(m - mu)'`` for ML with a mean structure.

    ML's mean term ``(m - mu)' Sigma^-1 (m - mu)`` depends on Sigma too, so
    ``dF/dSigma = -0.5 Sigma^-1 (S + d d' - Sigma) Sigma^-1`` with ``d = m - mu``; the
    extra term vanishes when every observed intercept is free (``mu = m`` at the
    optimum) but not in growth models and others with constrained intercepts. GLS and
    ULS weight the means with a matrix that does not depend on Sigma: no extra term.
    """
    resid = S - sig
    if est == "ML" and mu is not None:
        d = mean - mu
        resid = resid + d[:, :, None] * d[:, None, :]
    return resid


def _step_batch(model, thetas, S, mean, est, s_inv, exo=None, need_info=True):
    """Gradient numerator ``Delta' W (s - sigma)`` (B, q) and, if asked, the information (B, q, q).

    The gradient is formed without the (k, k) weight matrix:
    ``W e = 0.5 D'(V x V) D vech(E) = 0.5 vech(V E V)`` with off-diagonal
    entries doubled (``V`` = Sigma^-1 for ML, S^-1 for GLS; ULS: ``W = I``).
    """
    if not need_info:
        return None, _gradient_batch(model, thetas, S, mean, est, s_inv, exo)
    sig, mu, jac, jmu = model.moments_and_jacobian_batch(thetas, exo)
    b, p = sig.shape[0], sig.shape[-1]
    resid = _residual(S, sig, mean, mu, est)
    sig_inv = None
    if est == "ML":
        _, sig_inv = _logdet_inv(sig)
    if est == "ULS":
        we = vech(resid)
    else:
        v = sig_inv if est == "ML" else s_inv
        r, c = vech_indices(p)
        we = 0.5 * vech(v @ resid @ v) * np.where(r == c, 1.0, 2.0)
    grad = np.einsum("bkq,bk->bq", jac, we)
    info = None
    if need_info:
        w, wmu = _weights(model, est, sig_inv, s_inv, p, b)
        info = np.swapaxes(jac, 1, 2) @ w @ jac
    if mu is not None:
        vm = sig_inv if est == "ML" else (s_inv if est == "GLS" else None)
        d = mean - mu
        wd = d if vm is None else np.einsum("bij,bj->bi", vm, d)
        grad = grad + np.einsum("bpq,bp->bq", jmu, wd)
        if need_info:
            info = info + np.swapaxes(jmu, 1, 2) @ wmu @ jmu
    return info, grad


def _gradient_batch(model, thetas, S, mean, est, s_inv, exo=None):
    """Gradient numerator ``Delta' W e`` without the Jacobian (see ``Model.gradient_from``)."""
    sig, mu, pieces = model.core_batch(thetas, exo)
    resid = _residual(S, sig, mean, mu, est)
    v = None
    if est == "ML":
        _, v = _logdet_inv(sig)
    elif est == "GLS":
        v = s_inv
    if v is None:  # ULS: W = I on vech, i.e. M = E + diag(E)
        msig = resid + resid * np.eye(resid.shape[-1])
    else:
        msig = v @ resid @ v
    wmean = None
    if mu is not None:
        d = mean - mu
        wmean = d if v is None else np.einsum("bij,bj->bi", v, d)
    return model.gradient_from(pieces, msig, wmean)


def _solve(info, grad):
    try:
        return np.linalg.solve(info, grad[..., None])[..., 0]
    except np.linalg.LinAlgError:
        out = np.empty_like(grad)
        for i in range(len(grad)):
            out[i] = np.linalg.lstsq(info[i], grad[i], rcond=None)[0]
        return out


def _inverse(info):
    """Inverses of (B, q, q) information matrices (pseudo-inverse where not positive definite)."""
    try:
        _, inv, ok = chol_inverse(info)
    except np.linalg.LinAlgError:  # numerically semi-definite: eigenvalues of order 1e-17
        return np.linalg.pinv(info, hermitian=True)
    if not ok.all():
        inv[~ok] = np.linalg.pinv(info[~ok], hermitian=True)
    return inv


def _cap(step, thetas, cap=1.0):
    """Shrink each step so that no parameter moves by more than ``cap * (1 + |theta|)``.

    A near-singular information matrix (flat likelihood: a Heywood case, near-collinear
    latents) otherwise proposes steps of 1e10 that no number of halvings brings back.
    """
    ratio = np.max(np.abs(step) / (1.0 + np.abs(thetas)), axis=1)
    return step * np.minimum(1.0, cap / np.maximum(ratio, 1e-300))[:, None]


#: Levenberg-Marquardt damping factors tried, in turn, when a step finds no decrease
_DAMPING = (1e-4, 1e-2, 1.0, 1e2)


class _Criterion:
    """lavaan's F, its gradient and expected information for B samples of one estimator.

    ML is evaluated in closed form from the RAM matrices
    (:class:`satisfaction.sem.batched.RamGradient`: F and its gradient in one pass, the
    information from the same pieces); GLS and ULS through the Jacobian of the implied
    moments (:func:`_step_batch`). ``grad`` is always ``-dF/dtheta`` (the scoring numerator
    ``Delta' W (s - sigma)``).
    """

    def __init__(self, model, S, mean, n, est, exo):
        self.model, self.S, self.mean, self.n, self.est, self.exo = model, S, mean, n, est, exo
        self.rg = None
        if est == "ML":  # only log|S| is needed (the constant of F)
            try:
                diag = np.diagonal(np.linalg.cholesky(S), axis1=-2, axis2=-1)
                self.s_inv, self.logdet_s = None, 2.0 * np.log(diag).sum(-1)
            except np.linalg.LinAlgError:
                self.s_inv, self.logdet_s = _sample_terms(S, est)  # raises the SEMError
        else:
            self.s_inv, self.logdet_s = _sample_terms(S, est)
        if est == "ML":
            self.rg = RamGradient(model, None if exo is None else exo[0])
            self.const = 0.5 * (self.logdet_s + S.shape[-1])

    @staticmethod
    def _sub(a, i):
        return None if a is None else a[i]

    def value(self, thetas, ii, with_grad=False):
        """F (B,) at ``thetas`` for samples ``ii`` (inf where invalid), and -dF/dtheta (ML)."""
        sub = self._sub
        if self.rg is None:
            f = _objective_batch(
                self.model, thetas, self.S[ii], sub(self.mean, ii), self.n, self.est,
                sub(self.s_inv, ii), self.logdet_s[ii], sub(self.exo, ii),
            )  # fmt: skip
            return f, None
        with np.errstate(invalid="ignore", divide="ignore"):
            f, g = self.rg.evaluate(
                thetas, self.S[ii], sub(self.mean, ii), sub(self.exo, ii), want_grad=with_grad
            )
        f = f - self.const[ii]
        f = np.where(np.isfinite(f), f, np.inf)
        return f, (None if g is None else -g)

    def step(self, thetas, ii, need_info=True):
        """(information (B, q, q) or None, -dF/dtheta (B, q)) at ``thetas``."""
        if self.rg is None:
            sub = self._sub
            return _step_batch(
                self.model, thetas, self.S[ii], sub(self.mean, ii), self.est,
                sub(self.s_inv, ii), sub(self.exo, ii), need_info=need_info,
            )  # fmt: skip
        _, grad = self.value(thetas, ii, with_grad=True)
        return (self.rg.information() if need_info else None), grad

    def information(self, thetas, ii):
        """Expected information (B, q, q) at ``thetas``."""
        if self.rg is None:
            return self.step(thetas, ii)[0]
        self.value(thetas, ii)
        return self.rg.information()


def _iterate(model, thetas, S, mean, n, est, *, tol, max_iter, exo=None, n_scoring=3, memory=None):
    """Minimise lavaan's F for B samples at once; returns thetas, converged, iterations, f.

    The one optimiser of the complete-data estimators, for any batch size: :func:`fit_ml`
    is a batch of one, :func:`batched_fit_ml` (bootstrap resamples, simulation
    replications) a batch of B; :class:`_Criterion` supplies F, gradient and information.

    The first ``n_scoring`` iterations are Fisher scoring / Gauss-Newton steps (at a common
    start the first information is computed once and shared by the batch, for ML and ULS
    where it does not depend on the sample). Then quasi-Newton steps take over (scoring
    alone converges only linearly when the model does not fit exactly): limited-memory BFGS
    (two-loop recursion, ``memory`` pairs; all of them by default, which is BFGS itself)
    whose initial matrix is the inverse of the last information. No parameter moves by more
    than ``1 + |theta|`` in one step. Every step is halved until F decreases; if 30 halvings
    find no decrease, Levenberg-Marquardt damped scoring steps ``(I + lambda d I)^-1 g``
    (``d`` the mean diagonal of the information, ``lambda`` in :data:`_DAMPING`) are tried
    before the sample is declared stuck (converged only if its gradient vanishes).
    Converged samples leave the batch.
    """
    crit = _Criterion(model, S, mean, n, est, exo)
    out = np.array(thetas, dtype=float, copy=True)
    b, q = out.shape
    memory = max_iter if memory is None else memory
    converged = np.zeros(b, dtype=bool)
    iters = np.zeros(b, dtype=int)
    f_out = np.full(b, np.inf)
    shared = b > 1 and est in ("ML", "ULS") and exo is None and bool(np.all(out == out[:1]))
    idx = np.arange(b)
    f, grad = crit.value(out, idx, with_grad=True)
    f_out[:] = f
    keep = np.isfinite(f)
    idx, th = idx[keep], out[keep]
    f = f[keep]
    grad = None if grad is None else grad[keep]
    hbase = None  # (B, q, q) per-sample initial inverse Hessian, or None: the shared one
    h_shared = None
    hist_s: list[np.ndarray] = []
    hist_y: list[np.ndarray] = []
    hist_r: list[np.ndarray] = []

    def base_apply(vec):
        if hbase is None:
            return vec @ h_shared.T
        return np.einsum("bij,bj->bi", hbase, vec)

    def search(ii, th_ii, f_ii, step):
        """Halve ``step`` until F decreases; returns accepted mask, alpha, new F, new grad."""
        alpha = np.ones(ii.size)
        new_f = np.full(ii.size, np.inf)
        new_g = np.full((ii.size, q), np.nan)
        pending = np.ones(ii.size, dtype=bool)
        for k in range(30):  # the gradient comes with F at the full step (ML), else later
            pi = np.flatnonzero(pending)
            if k == 0:
                fc, gc = crit.value(th_ii + step, ii, with_grad=True)
            else:
                fc, gc = crit.value(th_ii[pi] + alpha[pi, None] * step[pi], ii[pi])
            ok = fc <= f_ii[pi] + 1e-14 * (1 + np.abs(f_ii[pi]))
            new_f[pi[ok]] = fc[ok]
            if gc is not None:
                new_g[pi[ok]] = gc[ok]
            pending[pi[ok]] = False
            alpha[pi[~ok]] *= 0.5
            if not pending.any():
                break
        return ~pending, alpha, new_f, new_g

    for it in range(1, max_iter + 1):
        if idx.size == 0:
            break
        nb = idx.size
        if grad is None:
            _, grad = crit.step(th, idx, need_info=False)
        if it <= n_scoring:
            if it == 1 and shared:
                h_shared = _inverse(crit.information(th[:1], idx[:1]))[0]
                hbase = None
            else:
                hbase = _inverse(crit.information(th, idx))
            hist_s, hist_y, hist_r = [], [], []
        # two-loop recursion: step = H grad (grad = -dF/dtheta)
        qv = grad.copy()
        alphas = []
        for sv, yv, rv in zip(reversed(hist_s), reversed(hist_y), reversed(hist_r), strict=True):
            a_ = rv * np.einsum("bi,bi->b", sv, qv)
            qv -= a_[:, None] * yv
            alphas.append(a_)
        step = base_apply(qv)
        for (sv, yv, rv), a_ in zip(
            zip(hist_s, hist_y, hist_r, strict=True), reversed(alphas), strict=True
        ):
            beta = rv * np.einsum("bi,bi->b", yv, step)
            step += sv * (a_ - beta)[:, None]
        bad = ~(np.einsum("bi,bi->b", step, grad) > 0)
        if bad.any():  # not a descent direction: a scoring step at the current point
            if hbase is None:
                hbase = np.broadcast_to(h_shared, (nb, q, q)).copy()
            hbase[bad] = _inverse(crit.information(th[bad], idx[bad]))
            step[bad] = np.einsum("bij,bj->bi", hbase[bad], grad[bad])
            for rv in hist_r:
                rv[bad] = 0.0
        step = _cap(step, th)
        moved, alpha, new_f, new_g = search(idx, th, f, step)
        for lam in _DAMPING:  # no decrease: damped scoring steps (Levenberg-Marquardt)
            if moved.all():
                break
            fail = np.flatnonzero(~moved)
            info_f = crit.information(th[fail], idx[fail])
            d = np.trace(info_f, axis1=1, axis2=2) / q
            damped = _inverse(info_f + (lam * d)[:, None, None] * np.eye(q))
            step_f = _cap(np.einsum("bij,bj->bi", damped, grad[fail]), th[fail])
            mv, al, nf, ng = search(idx[fail], th[fail], f[fail], step_f)
            sel = fail[mv]
            step[sel], alpha[sel], new_f[sel], new_g[sel] = step_f[mv], al[mv], nf[mv], ng[mv]
            if hbase is None:
                hbase = np.broadcast_to(h_shared, (nb, q, q)).copy()
            hbase[sel] = damped[mv]
            for rv in hist_r:
                rv[sel] = 0.0
            moved[sel] = True
        s_vec = np.where(moved[:, None], alpha[:, None] * step, 0.0)
        th = th + s_vec
        f = np.where(moved, new_f, f)
        missing = moved & ~np.isfinite(new_g).all(axis=1)
        if missing.any():  # the gradient where a halved step (or GLS/ULS) was accepted
            _, new_g[missing] = crit.step(th[missing], idx[missing], need_info=False)
        g_next = np.where(moved[:, None], new_g, grad)
        y_vec = np.where(moved[:, None], grad - g_next, 0.0)
        sy = np.einsum("bi,bi->b", s_vec, y_vec)
        ok_pair = (
            moved
            & (sy > 1e-12 * np.linalg.norm(s_vec, axis=1) * np.linalg.norm(y_vec, axis=1))
            & (sy > 0)
        )
        hist_s.append(s_vec)
        hist_y.append(y_vec)
        hist_r.append(np.where(ok_pair, 1.0 / np.where(ok_pair, sy, 1.0), 0.0))
        if len(hist_s) > memory:
            hist_s.pop(0), hist_y.pop(0), hist_r.pop(0)
        iters[idx] = it
        change = np.max(np.abs(step), axis=1)
        small = change < tol * (1.0 + np.max(np.abs(th), axis=1))
        gnorm = np.max(np.abs(grad), axis=1)
        done = (moved & small & (it > 1)) | (gnorm < 1e-13)
        stuck = ~moved  # no decrease even with a tiny damped step: at the minimum or lost
        converged[idx[done]] = True
        converged[idx[stuck & ~done]] = gnorm[stuck & ~done] < 1e-7
        finished = done | stuck
        out[idx] = th
        f_out[idx] = f
        grad = g_next
        if finished.any():
            keep = ~finished
            idx, th, f, grad = idx[keep], th[keep], f[keep], grad[keep]
            if hbase is not None:
                hbase = hbase[keep]
            hist_s = [h[keep] for h in hist_s]
            hist_y = [h[keep] for h in hist_y]
            hist_r = [h[keep] for h in hist_r]
    return out, converged, iters, f_out


def fit_ml(
    model: Model,
    S,
    n: int,
    mean=None,
    theta0=None,
    *,
    estimator: str = "ML",
    tol: float = 1e-9,
    max_iter: int = 500,
) -> Estimation:
    """Estimate a model on complete data by ML, GLS or ULS.

    Parameters
    ----------
    model : Model
        The specified model (with fixed.x values bound, see ``Model.with_sample``).
    S : ndarray (p, p)
        Sample covariance matrix with divisor N, in ``model.observed`` order.
    n : int
        Number of observations N.
    mean : ndarray (p,), optional
        Sample means (needed when the model has a mean structure).
    theta0 : ndarray (q,), optional
        Starting values (default ``model.start_values(S, mean)``).
    estimator : {"ML", "GLS", "ULS"}
    tol : float
        Convergence tolerance on the relative parameter change.
    max_iter : int

    Returns
    -------
    Estimation
        ``theta``, ``converged``, ``iterations``, ``fmin`` (lavaan's), ``message``.

    Notes
    -----
    Fisher scoring (ML) or Gauss-Newton (GLS, ULS) with step halving; see the
    module docstring for the fit functions. If scoring stalls, a quasi-Newton
    run (scipy's BFGS with the analytic gradient) takes over and scoring
    polishes its result.

    Examples
    --------
    >>> from semopy.examples import political_democracy
    >>> data = political_democracy.get_data()
    >>> m = Model.from_syntax("ind60 =~ x1 + x2 + x3", data.columns)
    >>> S = np.cov(data[m.observed].T, bias=True)
    >>> est = fit_ml(m, S, len(data))
    >>> est.converged, est.theta.round(3)
    (True, array([2.193, 1.824, 0.084, 0.108, 0.468, 0.446]))
    """
    est = _check_estimator(estimator)
    S = np.asarray(S, dtype=float)
    if model.meanstructure and mean is None:
        raise SEMError("the model has a mean structure; pass the sample means")
    theta = model.start_values(S, mean) if theta0 is None else np.asarray(theta0, float)
    if model.n_free == 0:
        f = objective(model, theta, S, n, mean, estimator=est)
        return Estimation(theta, True, 0, f, "no free parameters")
    mean_b = None if mean is None or not model.meanstructure else np.asarray(mean, float)[None]

    def run(start):
        th, conv, it, f = _iterate(
            model, start[None], S[None], mean_b, n, est, tol=tol, max_iter=max_iter
        )
        return th[0], bool(conv[0]), int(it[0]), float(f[0])

    th, conv, it, f = run(theta)
    if conv:
        return Estimation(th, True, int(it), float(f), "converged")
    # fallback: quasi-Newton from the best point so far, then polish
    x = _quasi_newton(model, th if np.isfinite(f) else theta, S, mean_b, n, est)
    th2, conv2, it2, f2 = run(x)
    msg = (
        "converged"
        if conv2
        else f"did not converge in {max_iter} iterations plus a quasi-Newton run"
    )
    return Estimation(th2, bool(conv2), int(it + it2), float(f2), msg)


def _quasi_newton(model, theta, S, mean_b, n, est):
    """scipy's L-BFGS-B with the analytic gradient, from ``theta`` (the fallback of fit_ml)."""
    from scipy.optimize import minimize

    S_b = S[None]
    s_inv, logdet_s = _sample_terms(S_b, est)

    def fun(x):
        f = _objective_batch(model, x[None], S_b, mean_b, n, est, s_inv, logdet_s)[0]
        if not np.isfinite(f):
            return 1e10, np.zeros_like(x)
        grad = _gradient_batch(model, x[None], S_b, mean_b, est, s_inv)
        return f, -grad[0] if est == "ML" else -grad[0] * (n - 1) / n

    res = minimize(
        fun,
        theta,
        jac=True,
        method="BFGS",
        options={"maxiter": 300, "gtol": 1e-10},
    )
    return res.x


def batched_fit_ml(
    model: Model,
    S_batch,
    n: int,
    theta0,
    mean_batch=None,
    *,
    estimator: str = "ML",
    tol: float = 1e-9,
    max_iter: int = 200,
    exo=None,
):
    """Fit one model to B samples at once (e.g. bootstrap resamples), warm-started.

    Parameters
    ----------
    model : Model
    S_batch : ndarray (B, p, p)
        Covariance matrices (divisor N) of the B samples.
    n : int
        Observations per sample.
    theta0 : ndarray (q,) or (B, q)
        Starting values, usually the full-sample estimates.
    mean_batch : ndarray (B, p), optional
        Sample means (models with a mean structure).
    estimator : {"ML", "GLS", "ULS"}
    exo : ndarray (B, n_exo), optional
        Per-sample fixed.x values (``model.exo_values(S_b, mean_b)``); computed
        from ``S_batch`` when the model has fixed.x covariates and ``exo`` is None.

    Returns
    -------
    thetas : ndarray (B, q)
    converged : ndarray (B,) of bool

    Notes
    -----
    The optimiser of :func:`fit_ml` for B samples at once (it is one routine): Fisher
    scoring with the information at the shared start, a second step with each sample's own
    information, then limited-memory BFGS (10 pairs) from that metric, with step halving;
    ML in closed form (:class:`satisfaction.sem.batched.RamGradient`). Converged samples
    leave the batch; convergence means the largest step is below ``tol * (1 + max|theta|)``.

    Examples
    --------
    >>> from semopy.examples import political_democracy
    >>> data = political_democracy.get_data()
    >>> m = Model.from_syntax("ind60 =~ x1 + x2 + x3", data.columns)
    >>> x = data[m.observed].to_numpy()
    >>> rng = np.random.default_rng(1)
    >>> S_b = np.stack([np.cov(x[rng.integers(0, 75, 75)].T, bias=True) for _ in range(4)])
    >>> theta_hat = fit_ml(m, np.cov(x.T, bias=True), 75).theta
    >>> thetas, ok = batched_fit_ml(m, S_b, 75, theta_hat)
    >>> thetas.shape, bool(ok.all())
    ((4, 6), True)
    """
    est = _check_estimator(estimator)
    S_batch = np.asarray(S_batch, dtype=float)
    if S_batch.ndim != 3:
        raise SEMError("S_batch must have shape (B, p, p)")
    b = S_batch.shape[0]
    theta0 = np.asarray(theta0, dtype=float)
    thetas = np.broadcast_to(theta0, (b, model.n_free)).copy()
    mean_b = None
    if model.meanstructure:
        if mean_batch is None:
            raise SEMError("the model has a mean structure; pass mean_batch")
        mean_b = np.asarray(mean_batch, dtype=float)
    if model.has_exo and exo is None:
        exo = np.stack(
            [model.exo_values(S_batch[i], None if mean_b is None else mean_b[i]) for i in range(b)]
        )
    th, conv, _, _ = _iterate(
        model,
        thetas,
        S_batch,
        mean_b,
        n,
        est,
        tol=tol,
        max_iter=max_iter,
        exo=exo,
        n_scoring=2,
        memory=10,
    )
    return th, conv


def expected_information(
    model: Model, theta, *, estimator: str = "ML", W=None, S=None, exo=None
) -> np.ndarray:
    """Expected information per observation, ``Delta' W Delta``, at one or B parameter vectors.

    Parameters
    ----------
    model : Model
    theta : ndarray (q,) or (B, q)
        One parameter vector, or B of them (ML only: bootstrap resamples, simulation
        replications).
    estimator : {"ML", "GLS", "ULS"}
        ML: ``W = 0.5 D'(Sigma^-1 x Sigma^-1) D`` at the model Sigma (plus
        ``Sigma^-1`` for the means); GLS: the same at ``S`` (pass ``S``);
        ULS: the identity.
    W : ndarray, optional
        A weight matrix for vech(Sigma) (and means stacked after it) that
        overrides the estimator's.
    S : ndarray (p, p), optional
        Sample covariance (GLS only).
    exo : ndarray (B, n_exo), optional
        Per-vector fixed.x values with B parameter vectors (models with fixed.x
        covariates whose sample values differ between the B samples).

    Returns
    -------
    ndarray (q, q), or (B, q, q) for B parameter vectors
        Its inverse divided by N is the covariance matrix of the estimates (lavaan's
        default for complete-data ML).

    Notes
    -----
    ML is computed in closed form from the RAM matrices for all B vectors at once
    (:meth:`satisfaction.sem.batched.RamGradient.information`); GLS, ULS and a given
    ``W`` through the Jacobian of the implied moments.

    Examples
    --------
    >>> m = Model.from_syntax("F =~ a + b + c", ["a", "b", "c"])
    >>> S = np.array([[1.0, .5, .4], [.5, 1.0, .3], [.4, .3, 1.0]])
    >>> theta = fit_ml(m, S, 100).theta
    >>> expected_information(m, theta).shape, expected_information(m, np.stack([theta] * 4)).shape
    ((6, 6), (4, 6, 6))
    >>> w = 0.5 * dup_weight(np.linalg.inv(m.implied(theta)[0]))  # ML's W, via the Jacobian
    >>> bool(np.allclose(expected_information(m, theta), expected_information(m, theta, W=w)))
    True
    """
    est = _check_estimator(estimator)
    theta = np.asarray(theta, float)
    if theta.ndim == 2:
        if est != "ML" or W is not None:
            raise SEMError("the information at several parameter vectors is for ML only")
        return _ml_information(model, theta, exo)
    if est == "ML" and W is None:
        return _ml_information(model, theta[None], None if exo is None else exo[:1])[0]
    jac, jmu = model.jacobian(theta)
    if W is not None:
        W = np.asarray(W, float)
        k = jac.shape[0]
        full = jac if jmu is None else np.vstack([jac, jmu])
        if W.shape != (full.shape[0],) * 2:
            raise SEMError(
                f"W has shape {W.shape}; expected ({full.shape[0]}, "
                f"{full.shape[0]}) (vech(Sigma) of length {k}, then the means)"
            )
        return full.T @ W @ full
    p = len(model.observed)
    if est == "GLS":
        if S is None:
            raise SEMError("GLS information needs the sample covariance S")
        base = np.linalg.inv(np.asarray(S, float))[None]
    else:
        base = None
    w, wmu = _weights(model, est, base, base, p, 1)
    info = jac.T @ w[0] @ jac
    if jmu is not None:
        info = info + jmu.T @ wmu[0] @ jmu
    return info


def _ml_information(model, thetas, exo):
    """ML expected information (B, q, q) in closed form (see :class:`RamGradient`)."""
    rg = RamGradient(model, None if exo is None else np.asarray(exo, float)[0])
    p = len(model.observed)
    S = np.broadcast_to(np.eye(p), (thetas.shape[0], p, p))
    means = np.zeros((thetas.shape[0], p)) if model.meanstructure else None
    rg.evaluate(thetas, S, means, exo, want_grad=False)
    return rg.information()

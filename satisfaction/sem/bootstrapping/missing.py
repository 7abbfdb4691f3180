"""Batched FIML refits of bootstrap resamples of incomplete data.

A resample of incomplete data keeps the data's missingness patterns; only how often each
row is drawn changes. With row weights ``w_b`` (multinomial counts for the ordinary
bootstrap, unit counts for the cluster bootstrap) the FIML log-likelihood of resample
``b`` depends on the data only through each pattern's weighted sufficient statistics
``n_bk = sum_{i in k} w_bi``, ``m_bk = sum w_bi x_i`` and ``C_bk = sum w_bi x_i x_i'``,
computed for all resamples at once before any fitting.

Written here because no maintained library refits FIML models in batches: lavaan refits
each resample from scratch (the EM estimate of the unrestricted model included), which
is what makes its ``missing = "ml", se = "bootstrap"`` slow (lavaan issue #519).

The B fits then run together. To keep every pattern in one array, the observed block
``Sigma_oo`` of pattern ``k`` is padded to ``p x p`` with an identity on the missing
variables: its inverse is ``Sigma_oo^-1`` padded with that identity, its log-determinant
is ``log|Sigma_oo|``, and masking removes the padding from the gradient. Each iteration
is a quasi-Newton (BFGS) step per resample, started from ``H0^-1`` with ``H0`` the
observed information of the full-sample fit (resamples are close to the sample, so that
is already a good metric), with step halving for a resample whose log-likelihood falls. Resamples that do not converge in
``max_iter`` iterations are refitted one by one by :func:`satisfaction.sem.fiml.fit_fiml`.
"""

from __future__ import annotations

import numpy as np

from ...errors import SEMError
from ..model import vech_indices

__all__ = ["fiml_refits"]

_LOG2PI = float(np.log(2 * np.pi))


class _Patterns:
    """Each row's missingness pattern, grouped by the number of missing variables."""

    def __init__(self, x: np.ndarray):
        self.n, self.p = x.shape
        obs = ~np.isnan(x)
        keys, inverse = np.unique(obs, axis=0, return_inverse=True)
        row_k = inverse.ravel()
        self.k = keys.shape[0]
        self.mask = keys.astype(float)  # (K, p) 1 = observed
        self.p_obs = self.mask.sum(axis=1)
        self.mm = self.mask[:, :, None] * self.mask[:, None, :]  # (K, p, p)
        self.row_mask = self.mask[row_k]  # (n, p)
        self.center = np.nanmean(x, axis=0)
        self.xz = np.where(obs, x - self.center, 0.0)
        self.onehot = np.zeros((self.n, self.k))
        self.onehot[np.arange(self.n), row_k] = 1.0
        n_miss = (~keys).sum(axis=1)
        #: per number of missing variables m >= 1: (patterns (K_m,), their missing
        #: variables (K_m, m), rows (n_m,), each row's position among the K_m patterns)
        self.groups = []
        for m in np.unique(n_miss):
            if m == 0:
                continue
            ks = np.flatnonzero(n_miss == m)
            miss = np.array([np.flatnonzero(~keys[k]) for k in ks]).reshape(len(ks), m)
            pos = np.full(self.k, -1)
            pos[ks] = np.arange(len(ks))
            rows = np.flatnonzero(pos[row_k] >= 0)
            self.groups.append((ks, miss, rows, pos[row_k[rows]]))


def _evaluate(model, thetas, exo, pt: _Patterns, w, n_k, gradient=True):
    """Log-likelihoods (B,) and gradients (B, q) of the weighted resamples at ``thetas``.

    With ``P = Sigma^-1`` the inverse of a pattern's observed block is the Schur complement
    ``P_oo - P_om P_mm^-1 P_mo``: only the small ``P_mm`` (missing variables) is inverted
    per pattern and resample, and ``Sigma_oo^-1 d_o`` is ``P d - P_.m P_mm^-1 (P d)_m`` for
    a residual ``d`` that is zero on the missing variables.
    """
    b, p = thetas.shape[0], pt.p
    if gradient:
        sig, mu, jac_s, jac_m = model.moments_and_jacobian_batch(thetas, exo)
    else:
        sig, mu = model.implied_batch(thetas, exo, with_mean=True)
    sign, logdet = np.linalg.slogdet(sig)
    ok = sign > 0
    sig = np.where(ok[:, None, None], sig, np.eye(p))
    prec = np.linalg.inv(sig)
    d = pt.row_mask[None] * (pt.xz[None] - (mu - pt.center)[:, None, :])  # (B, n, p)
    e = d @ prec  # (B, n, p); corrected below for the rows with missing values
    logdet_oo = np.repeat(logdet[:, None], pt.k, axis=1)  # log|Sigma_oo| per pattern
    schur = np.zeros((b, p, p))
    for ks, miss, rows, pos in pt.groups:
        m = miss.shape[1]
        pmm = prec[:, miss[:, :, None], miss[:, None, :]]  # (B, K_m, m, m)
        s2, ld = np.linalg.slogdet(pmm)
        ok &= np.all(s2 > 0, axis=1)
        pmm[s2 <= 0] = np.eye(m)
        q_mm = 1.0 / pmm if m == 1 else np.linalg.inv(pmm)
        logdet_oo[:, ks] += ld  # log|Sigma_oo| = log|Sigma| + log|P_mm|
        miss_r = miss[pos]  # (n_m, m)
        pdm = np.take_along_axis(e[:, rows], miss_r[None], axis=2)  # (B, n_m, m)
        u = np.einsum("bnac,bnc->bna", q_mm[:, pos], pdm)
        corr = np.zeros((b, len(rows), p))
        for a in range(m):
            corr += np.swapaxes(prec[:, :, miss_r[:, a]], 1, 2) * u[:, :, a, None]
        e[:, rows] = pt.row_mask[rows][None] * (e[:, rows] - corr)
        if gradient:
            r_k = np.moveaxis(prec[:, :, miss], 1, 3)  # (B, K_m, m, p): P's missing rows
            rq = np.einsum("bkac,bkcj->bkaj", q_mm, r_k)
            # sum_k n_k mm_k * (P_.m Q P_m.), masked to the observed block of each pattern
            inner = np.einsum("bkai,bkaj->bkij", r_k, rq)
            schur += np.einsum("bk,kij,bkij->bij", n_k[:, ks], pt.mm[ks], inner)
    quad = np.einsum("bn,bnp,bnp->b", w, d, e)
    logl = -0.5 * (np.sum(n_k * (pt.p_obs[None] * _LOG2PI + logdet_oo), axis=1) + quad)
    logl[~ok] = -np.inf
    if not gradient:
        return logl, None
    we = e * w[:, :, None]
    outer = np.swapaxes(we, 1, 2) @ e  # sum_i w_i e_i e_i'
    inv_sum = prec * np.einsum("bk,kij->bij", n_k, pt.mm) - schur  # sum_k n_k Sigma_oo^-1
    g_sig = 0.5 * (outer - inv_sum)
    g_mu = we.sum(axis=1)
    r, c = vech_indices(p)
    gv = g_sig[:, r, c] * np.where(r == c, 1.0, 2.0)
    grad = np.einsum("bkq,bk->bq", jac_s, gv) + np.einsum("bpq,bp->bq", jac_m, g_mu)
    grad[~ok] = 0.0
    return logl, grad


def fiml_refits(
    model,
    x: np.ndarray,
    weights: np.ndarray,
    theta_hat: np.ndarray,
    information: np.ndarray,
    *,
    exo: np.ndarray | None = None,
    tol: float = 1e-7,
    max_iter: int = 100,
    chunk: int = 50,
) -> tuple[np.ndarray, np.ndarray]:
    """FIML estimates of B weighted resamples of incomplete data, fitted together.

    Parameters
    ----------
    model : satisfaction.sem.model.Model
        The model (mean structure); fixed.x values per resample in ``exo``.
    x : numpy.ndarray
        The data ``(n, p)`` in ``model.observed`` order, NaN for missing values.
    weights : numpy.ndarray
        ``(B, n)`` how often each row is in each resample.
    theta_hat : numpy.ndarray
        ``(q,)`` full-sample FIML estimates (the start of every refit).
    information : numpy.ndarray
        ``(q, q)`` observed information (minus the Hessian of the total log-likelihood) at
        ``theta_hat``: the fixed metric of the quasi-Newton steps.
    exo : numpy.ndarray, optional
        ``(B, n_exo)`` fixed.x values of each resample.
    tol : float, default 1e-7
        Convergence: largest step relative to ``1 + max|theta|``.
    max_iter : int, default 100
        Iterations before a resample is left unconverged.
    chunk : int, default 50
        Resamples per batch (memory: ``chunk * K * p * p`` doubles for ``K`` patterns).

    Returns
    -------
    thetas : numpy.ndarray
        ``(B, q)`` estimates (NaN where the fit failed).
    converged : numpy.ndarray
        ``(B,)`` bool.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from satisfaction.sem.model import Model
    >>> from satisfaction.sem.fiml import fit_fiml, fiml_vcov
    >>> rng = np.random.default_rng(7)
    >>> f = rng.standard_normal(300)
    >>> df = pd.DataFrame({f"y{j}": 0.8 * f + 0.6 * rng.standard_normal(300) for j in range(4)})
    >>> df.loc[rng.random(300) < 0.2, "y3"] = np.nan
    >>> m = Model.from_syntax("F =~ y0 + y1 + y2 + y3", df.columns, meanstructure=True)
    >>> theta = fit_fiml(m, df).theta
    >>> info = np.linalg.inv(fiml_vcov(m, theta, df))
    >>> w = np.ones((1, 300))  # the sample itself: its FIML estimates
    >>> thetas, ok = fiml_refits(m, df.to_numpy(), w, theta, info)
    >>> bool(ok[0]), bool(np.allclose(thetas[0], theta, atol=1e-5))
    (True, True)
    """
    x = np.asarray(x, dtype=float)
    weights = np.asarray(weights, dtype=float)
    theta_hat = np.asarray(theta_hat, dtype=float)
    try:
        metric = np.linalg.inv(information)
    except np.linalg.LinAlgError as exc:
        raise SEMError(
            "the observed information of the full-sample FIML fit is singular, so the "
            "bootstrap cannot refit the resamples; check the model's identification"
        ) from exc
    pt = _Patterns(x)
    b_total, q = weights.shape[0], theta_hat.size
    thetas = np.full((b_total, q), np.nan)
    converged = np.zeros(b_total, dtype=bool)
    for lo in range(0, b_total, chunk):
        sl = slice(lo, min(lo + chunk, b_total))
        w = weights[sl]
        n_k = w @ pt.onehot
        ex = None if exo is None else exo[sl]
        bsz = w.shape[0]
        theta = np.repeat(theta_hat[None], bsz, axis=0)
        logl, grad = _evaluate(model, theta, ex, pt, w, n_k)
        done = np.zeros(bsz, dtype=bool)
        alpha = np.ones(bsz)
        h_inv = np.repeat(metric[None], bsz, axis=0)  # BFGS inverse Hessians, start H0^-1
        for _ in range(max_iter):
            act = np.flatnonzero(~done)
            if not act.size:
                break
            step = alpha[act, None] * np.einsum("bij,bj->bi", h_inv[act], grad[act])
            cand = theta[act] + step
            new_logl, new_grad = _evaluate(
                model, cand, None if ex is None else ex[act], pt, w[act], n_k[act]
            )
            better = new_logl >= logl[act] - 1e-10 * np.abs(logl[act])
            size = np.max(np.abs(step), axis=1) / (1.0 + np.max(np.abs(theta[act]), axis=1))
            good = act[better]
            s_k = step[better]
            y_k = grad[good] - new_grad[better]  # gradient change of -logl
            theta[good], logl[good], grad[good] = cand[better], new_logl[better], new_grad[better]
            sy = np.einsum("bi,bi->b", s_k, y_k)
            upd = sy > 1e-12 * np.linalg.norm(s_k, axis=1) * np.linalg.norm(y_k, axis=1)
            if upd.any():
                ii, s_u, y_u, rho = good[upd], s_k[upd], y_k[upd], 1.0 / sy[upd]
                eye = np.eye(q)[None]
                left = eye - rho[:, None, None] * s_u[:, :, None] * y_u[:, None, :]
                h_inv[ii] = left @ h_inv[ii] @ np.swapaxes(left, 1, 2) + rho[:, None, None] * (
                    s_u[:, :, None] * s_u[:, None, :]
                )
            done[good[size[better] < tol]] = True
            alpha[good] = np.minimum(1.0, 2.0 * alpha[good])
            alpha[act[~better]] *= 0.5
            done[alpha < 1e-8] = True
        ok = done & (alpha >= 1e-8) & np.isfinite(logl)
        thetas[sl] = np.where(ok[:, None], theta, np.nan)
        converged[sl] = ok
    return thetas, converged

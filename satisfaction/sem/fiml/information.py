"""Information matrices and casewise scores of the moments under missing data.

The expected (:func:`_expected_weights`) and observed (:func:`_moment_information`)
information of ``(mu, vech Sigma)`` summed over the missingness patterns, the observed
information of the model parameters (:func:`_observed_information`) and the casewise scores
used by the robust (sandwich) standard errors.
"""

from __future__ import annotations

import numpy as np

from ...errors import SEMError
from ..model import vech_indices
from .patterns import (
    MissingPatterns,
    _moment_gradient,
    _pattern_inverses,
    _vech_gradient,
    _vech_positions,
)

__all__ = []


def _expected_weights(sigma, patterns):
    """Sum over patterns of the embedded expected information of (mu, vech Sigma)."""
    p = sigma.shape[0]
    ps = p * (p + 1) // 2
    pos = _vech_positions(p)
    w_sig = np.zeros(ps * ps)
    w_mu = np.zeros(p * p)
    for obs, nk, _, _ in patterns.groups:
        inv = _pattern_inverses(sigma, obs)
        lr, lc = vech_indices(obs.shape[1])
        w = (
            inv[:, lr[:, None], lr[None, :]] * inv[:, lc[:, None], lc[None, :]]
            + inv[:, lr[:, None], lc[None, :]] * inv[:, lc[:, None], lr[None, :]]
        )
        scale = np.where(lr == lc, 0.5, 1.0)
        w *= (np.outer(scale, scale))[None] * nk[:, None, None]
        idx = pos[obs[:, lr], obs[:, lc]]
        flat = idx[:, :, None] * ps + idx[:, None, :]
        w_sig += np.bincount(flat.ravel(), weights=w.ravel(), minlength=ps * ps)
        flat_m = obs[:, :, None] * p + obs[:, None, :]
        w_mu += np.bincount(
            flat_m.ravel(), weights=(inv * nk[:, None, None]).ravel(), minlength=p * p
        )
    return w_sig.reshape(ps, ps), w_mu.reshape(p, p)


def _dkron_gather(a: np.ndarray, b: np.ndarray, lr: np.ndarray, lc: np.ndarray) -> np.ndarray:
    """``D'(A x B)D`` for batches of symmetric A, B (G, k, k) by index gathers.

    Element ((i,j),(k,l)) is ``f_ij f_kl (A_jl B_ik + A_jk B_il + A_il B_jk + A_ik B_jl)``
    with ``f = 1/2`` on the diagonal.
    """
    i, j = lr[:, None], lc[:, None]
    k, m = lr[None, :], lc[None, :]
    out = (
        a[:, j, m] * b[:, i, k]
        + a[:, j, k] * b[:, i, m]
        + a[:, i, m] * b[:, j, k]
        + a[:, i, k] * b[:, j, m]
    )
    f = np.where(lr == lc, 0.5, 1.0)
    return out * np.outer(f, f)[None]


def _moment_information(sigma, mu, patterns) -> np.ndarray:
    """Observed information (minus the Hessian of the total log-likelihood) of (mu, vech Sigma).

    Per pattern, with ``P = Sigma_oo^-1``, ``d = xbar - mu_o``, ``Q = P (S + dd') P``:
    ``I_mumu = n P``, ``I_mu,sigma_ab = n P E_ab P d`` and
    ``I_sigma,sigma = n/2 D'(-(P x P) + (Q x P) + (P x Q)) D``.
    """
    p = sigma.shape[0]
    pos = _vech_positions(p, offset=p)
    dim = p + p * (p + 1) // 2
    info = np.zeros(dim * dim)
    for obs, nk, means, covs in patterns.groups:
        inv = _pattern_inverses(sigma, obs)
        k = obs.shape[1]
        lr, lc = vech_indices(k)
        d = means - mu[obs]
        pd_ = np.einsum("gij,gj->gi", inv, d)
        q = inv @ (covs + d[:, :, None] * d[:, None, :]) @ inv
        i_ss = 0.5 * (-_dkron_gather(inv, inv, lr, lc) + 2 * _dkron_gather(q, inv, lr, lc))
        f = np.where(lr == lc, 0.5, 1.0)
        i_ms = (inv[:, :, lr] * pd_[:, None, lc] + inv[:, :, lc] * pd_[:, None, lr]) * f
        idx = np.concatenate([obs, pos[obs[:, lr], obs[:, lc]]], axis=1)  # (G, k + k*)
        block = np.zeros((len(obs), k + len(lr), k + len(lr)))
        block[:, :k, :k] = inv
        block[:, :k, k:] = i_ms
        block[:, k:, :k] = np.swapaxes(i_ms, 1, 2)
        block[:, k:, k:] = i_ss
        block *= nk[:, None, None]
        flat = (idx[:, :, None] * dim + idx[:, None, :]).ravel()
        info += np.bincount(flat, weights=block.ravel(), minlength=dim * dim)
    return info.reshape(dim, dim)


def _observed_information(model, theta, pat, h: float = 1e-6) -> np.ndarray:
    """Minus the Hessian of the total log-likelihood w.r.t. theta.

    ``Delta' I_m Delta - sum_r g_r d^2 m_r / dtheta dtheta'``: the moment information is
    analytic, the model's second derivatives come from 4-point central differences of
    its analytic Jacobian (contracted with the moment gradient ``g``).
    """
    theta = np.asarray(theta, dtype=float)
    sigma, mu = model.implied(theta)
    jac_s, jac_m = model.jacobian(theta)
    delta = np.vstack([jac_m, jac_s])
    info = delta.T @ _moment_information(sigma, mu, pat) @ delta
    g_sig, g_mu = _moment_gradient(sigma, mu, pat)
    g = np.concatenate([g_mu, _vech_gradient(g_sig)])
    q = theta.size
    steps = np.concatenate([np.eye(q) * s for s in (-2 * h, -h, h, 2 * h)])
    thetas = theta[None, :] + steps
    if hasattr(model, "jacobian_batch"):
        js, jm = model.jacobian_batch(thetas, with_mean=True)
        jac = np.concatenate([jm, js], axis=1)  # (4q, p + p*, q)
    else:
        jac = np.stack([np.vstack(model.jacobian(t)[::-1]) for t in thetas])
    gj = np.einsum("r,brq->bq", g, jac).reshape(4, q, q)  # [step, a, :] = J(theta + s e_a)' g
    second = (gj[0] - 8 * gj[1] + 8 * gj[2] - gj[3]) / (12 * h)
    info -= 0.5 * (second + second.T)
    return 0.5 * (info + info.T)


def _inverse_observed_information(model, theta, pat) -> np.ndarray:
    """Inverse of :func:`_observed_information` (SEMError if it is singular)."""
    try:
        return np.linalg.inv(_observed_information(model, theta, pat))
    except np.linalg.LinAlgError as exc:
        raise SEMError(
            "the observed information matrix is singular, so standard errors cannot be "
            "computed; check the model's identification."
        ) from exc


def _casewise_moment_scores(sigma, mu, pat: MissingPatterns) -> np.ndarray:
    """Scores of each case's log-likelihood w.r.t. (mu, vech Sigma), shape (n, p + p*)."""
    p = sigma.shape[0]
    pos = _vech_positions(p)
    out = np.zeros((pat.n, p + p * (p + 1) // 2))
    for o, rows in zip(pat.observed, pat.rows, strict=True):
        inv = np.linalg.inv(sigma[np.ix_(o, o)])
        e = (pat.x[np.ix_(rows, o)] - mu[o]) @ inv
        lr, lc = vech_indices(len(o))
        sc = (e[:, lr] * e[:, lc] - inv[lr, lc]) * np.where(lr == lc, 0.5, 1.0)
        out[np.ix_(rows, o)] = e
        out[np.ix_(rows, p + pos[o[lr], o[lc]])] = sc
    return out

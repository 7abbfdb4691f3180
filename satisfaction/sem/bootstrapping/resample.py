"""Batched resampling: resampled moments, batched refits, admissibility, defined parameters, jackknife."""

from __future__ import annotations

import numpy as np

from ...errors import SEMError
from ..defined import evaluate_batch
from ..estimators import batched_fit_ml, fit_ml
from ..montecarlo import definition_inputs, definition_values, evaluate_definitions

__all__ = ["resample_weights"]


def resample_weights(n: int, B: int, rng: np.random.Generator, cluster=None) -> np.ndarray:
    """How often each of the ``n`` rows is drawn in each of ``B`` resamples, ``(B, n)``.

    Rows: ``Multinomial(n, 1/n)`` counts. With ``cluster`` (integer codes ``0..nC-1`` of
    each row's unit): ``nC`` units are drawn with replacement and every row of a unit
    counts as often as its unit was drawn (the cluster bootstrap).

    Examples
    --------
    >>> import numpy as np
    >>> w = resample_weights(4, 2, np.random.default_rng(0), cluster=np.array([0, 0, 1, 1]))
    >>> bool(np.all(w[:, 0] == w[:, 1]) and np.all(w[:, 2] == w[:, 3]))
    True
    """
    if cluster is None:
        return rng.multinomial(n, np.full(n, 1.0 / n), size=B).astype(float)
    cluster = np.asarray(cluster, dtype=np.intp)
    n_c = int(cluster.max()) + 1
    counts = rng.multinomial(n_c, np.full(n_c, 1.0 / n_c), size=B).astype(float)
    return counts[:, cluster]


def _moments_batch(x: np.ndarray, weights: np.ndarray, divisor: np.ndarray):
    """Weighted means (B, p) and covariance matrices (B, p, p) from row weights (B, n).

    ``S_b = sum_i w_bi (x_i - m_b)(x_i - m_b)' / divisor_b``; one matrix product over the
    row cross-products (``x`` is centred first for numerical accuracy).
    """
    n, p = x.shape
    centre = x.mean(axis=0)
    xc = x - centre
    cross = (xc[:, :, None] * xc[:, None, :]).reshape(n, p * p)
    tot = weights.sum(axis=1)
    means_c = weights @ xc / tot[:, None]
    raw = (weights @ cross).reshape(-1, p, p) / tot[:, None, None]
    S = raw - means_c[:, :, None] * means_c[:, None, :]
    S *= (tot / divisor)[:, None, None]
    S = 0.5 * (S + np.swapaxes(S, 1, 2))
    return means_c + centre, S


def _pd_mask(S: np.ndarray) -> np.ndarray:
    return np.linalg.eigvalsh(S)[:, 0] > 1e-10 * np.maximum(1.0, np.abs(S).max(axis=(1, 2)))


def _inadmissible(model, thetas: np.ndarray, exo: np.ndarray | None) -> np.ndarray:
    """lavaan's post.check: negative variances or non-PD residual / latent covariances."""
    if thetas.shape[0] == 0:
        return np.zeros(0, dtype=bool)
    _, s, _ = model.matrices_batch(thetas, exo)
    p = len(model.observed)
    bad = np.zeros(thetas.shape[0], dtype=bool)
    d = np.diagonal(s, axis1=1, axis2=2)
    bad |= (d < 0).any(axis=1)
    for block in (slice(0, p), slice(p, s.shape[1])):
        sub = s[:, block, block]
        if sub.shape[1] == 0:
            continue
        ev = np.linalg.eigvalsh(sub)[:, 0]
        scale = np.maximum(1.0, np.abs(np.diagonal(sub, axis1=1, axis2=2)).max(axis=1))
        bad |= ev < -1e-8 * scale
    return bad


def _fit_batch(model, S, means, n, theta0, estimator, tol, max_iter):
    """Fit B samples: batched scoring, then single fits (with fallbacks) for the stragglers."""
    b = S.shape[0]
    exo = None
    if model.has_exo:
        exo = np.stack([model.exo_values(S[i], means[i]) for i in range(b)])
    mean_arg = means if model.meanstructure else None
    thetas, conv = batched_fit_ml(
        model, S, n, theta0, mean_arg, estimator=estimator, tol=tol, max_iter=max_iter, exo=exo
    )
    for i in np.flatnonzero(~conv):
        try:
            m_i = model.with_sample(S[i], means[i]) if model.has_exo else model
            est = fit_ml(
                m_i,
                S[i],
                n,
                means[i] if model.meanstructure else None,
                theta0,
                estimator=estimator,
                tol=tol,
                max_iter=max_iter,
            )
        except (SEMError, np.linalg.LinAlgError, ValueError):
            continue
        if est.converged:
            thetas[i], conv[i] = est.theta, True
    return thetas, conv, exo


def _chunks(total: int, n_jobs: int) -> list[slice]:
    if n_jobs <= 1 or total < 64:
        return [slice(0, total)]
    edges = np.linspace(0, total, n_jobs + 1).astype(int)
    return [slice(edges[i], edges[i + 1]) for i in range(n_jobs) if edges[i + 1] > edges[i]]


def _default_jobs() -> int:
    import os

    try:
        return max(1, min(2, len(os.sched_getaffinity(0))))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, min(2, os.cpu_count() or 1))


def _definitions(model) -> list[tuple[str, str]]:
    pt = model.partable
    return [(r.lhs, r.rhs) for r in pt.itertuples() if r.op == ":="]


def _defined_values(model, thetas: np.ndarray) -> np.ndarray:
    """(B, k) values of the defined parameters for B parameter vectors."""
    defs = _definitions(model)
    if not defs:
        return np.empty((thetas.shape[0], 0))
    try:  # the model's vectorised evaluator; the generic one below if it cannot serve
        out = np.asarray(evaluate_batch(model, thetas), dtype=float)
        if out.shape == (thetas.shape[0], len(defs)):
            return out
    except (AttributeError, TypeError):
        pass
    _, mapping = definition_inputs(model.partable)
    sim = evaluate_definitions(defs, definition_values(mapping, thetas))
    return np.column_stack(
        [
            np.broadcast_to(np.asarray(sim[name], dtype=float), (thetas.shape[0],))
            for name, _ in defs
        ]
    )


def _jackknife_acceleration(model, x, theta_hat, estimator, tol, max_iter):
    """BCa acceleration from the leave-one-out estimates (fitted in one batch)."""
    n = x.shape[0]
    w = np.ones((n, n)) - np.eye(n)
    # leave-one-out samples of n - 1 rows; GLS/ULS use the divisor N - 1 as lavaan
    div = n - 1.0 if estimator == "ML" else n - 2.0
    means, S = _moments_batch(x, w, np.full(n, div))
    ok = _pd_mask(S)
    thetas = np.full((n, theta_hat.size), np.nan)
    if ok.any():
        th, conv, _ = _fit_batch(
            model, S[ok], means[ok], n - 1, theta_hat, estimator, tol, max_iter
        )
        th[~conv] = np.nan
        thetas[ok] = th
    return _acceleration(model, thetas)


def _acceleration(model, thetas: np.ndarray) -> np.ndarray:
    """BCa acceleration constants from leave-one-out estimates (NaN rows: failed fits)."""
    vals = np.column_stack([thetas, _defined_values(model, np.nan_to_num(thetas))])
    vals[~np.isfinite(thetas).all(axis=1)] = np.nan
    keep = np.isfinite(vals).all(axis=1)
    vals = vals[keep]
    u = vals.mean(axis=0) - vals
    num = np.sum(u**3, axis=0)
    den = 6.0 * np.sum(u**2, axis=0) ** 1.5
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = np.where(den > 0, num / den, 0.0)
    return acc

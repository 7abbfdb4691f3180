"""Starting values of a model's free parameters from the sample moments."""

from __future__ import annotations

import numpy as np

from ..errors import SEMError

__all__ = ["start_values"]


def start_values(model, S: np.ndarray, mean: np.ndarray | None = None) -> np.ndarray:
    """Starting values from the sample moments (see :meth:`Model.start_values`).

    Parameters
    ----------
    model : Model
    S : ndarray (p, p)
        Sample covariance matrix in ``model.observed`` order.
    mean : ndarray (p,), optional
        Sample means.

    Returns
    -------
    ndarray (q,)

    Examples
    --------
    >>> from satisfaction.sem.model import Model
    >>> m = Model.from_syntax("F =~ a + b + c", ["a", "b", "c"])
    >>> S = np.array([[1.0, 0.48, 0.40], [0.48, 1.0, 0.30], [0.40, 0.30, 1.0]])
    >>> start_values(m, S).round(3)
    array([0.75 , 0.625, 0.36 , 0.64 , 0.75 , 0.64 ])
    """
    S = np.asarray(S, dtype=float)
    p = model.p
    if S.shape != (p, p):
        raise SEMError(f"S has shape {S.shape}; expected ({p}, {p}) in the order of model.observed")
    lhs, op, rhs = model._lhs, model._op, model._rhs
    idx = {v: i for i, v in enumerate(model.observed)}
    diag = np.clip(np.diag(S), 1e-8, None)
    # common variance of each indicator within each of its factors (an indicator of
    # several factors, as in a bifactor model, gets one value per factor: equal starts
    # for its general and specific loadings would put the optimiser on a saddle)
    common_in: dict[tuple[str, str], float] = {}
    common: dict[str, float] = {}
    for latent in model.latent:
        inds = [v for v in rhs[(op == "=~") & (lhs == latent)] if v in idx]
        for j in inds:
            others = [idx[k] for k in inds if k != j]
            ratios = [
                S[idx[j], k] * S[idx[j], k2] / S[k, k2]
                for a, k in enumerate(others)
                for k2 in others[a + 1 :]
                if abs(S[k, k2]) > 1e-12
            ]
            c = float(np.median(ratios)) if ratios else 0.5 * diag[idx[j]]
            c = float(np.clip(c, 0.05 * diag[idx[j]], 0.95 * diag[idx[j]]))
            common_in[latent, j] = c
            common.setdefault(j, c)  # the residual variance: first factor's share
    # latent scale: variance fixed (std.lv or user) or the marker's loading
    values = model._value
    free = model._free
    psi: dict[str, float] = {}
    sign: dict[str, dict[str, float]] = {}
    for latent in model.latent:
        rows = np.flatnonzero((op == "=~") & (lhs == latent))
        obs_rows = [k for k in rows if rhs[k] in common]
        if not obs_rows:
            psi[latent] = 1.0
            continue
        var_row = np.flatnonzero((op == "~~") & (lhs == latent) & (rhs == latent))
        marker = next((k for k in obs_rows if free[k] == 0 and values[k] != 0), None)
        if var_row.size and free[var_row[0]] == 0 and values[var_row[0]] > 0:
            psi[latent] = float(values[var_row[0]])
        elif marker is not None:
            psi[latent] = common_in[latent, rhs[marker]] / values[marker] ** 2
        else:
            psi[latent] = 1.0
        ref = rhs[marker] if marker is not None else rhs[obs_rows[0]]
        sign[latent] = {rhs[k]: (1.0 if S[idx[rhs[k]], idx[ref]] >= 0 else -1.0) for k in obs_rows}
    start = np.zeros(model.n_free)
    user_start = model._ustart
    indicators = set(rhs[op == "=~"])
    for k in range(len(lhs)):
        f = free[k]
        if f == 0:
            continue
        if op[k] == "=~":
            if lhs[k] in sign and (lhs[k], rhs[k]) in common_in:
                v = sign[lhs[k]][rhs[k]] * np.sqrt(common_in[lhs[k], rhs[k]] / psi[lhs[k]])
            else:
                v = 1.0
        elif op[k] == "~~" and lhs[k] == rhs[k]:
            if lhs[k] in idx:
                i = idx[lhs[k]]
                v = (
                    diag[i] - common[lhs[k]]
                    if lhs[k] in common
                    else (0.5 * diag[i] if lhs[k] in indicators else diag[i])
                )
            else:
                v = psi.get(lhs[k], 1.0)
        elif op[k] == "~1":
            v = float(mean[idx[lhs[k]]]) if (mean is not None and lhs[k] in idx) else 0.0
        else:
            v = 0.0
        if np.isfinite(user_start[k]):
            v = float(user_start[k])
        start[f - 1] = v
    return start

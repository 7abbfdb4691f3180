"""Modification indices as lavaan's ``modindices(fit)`` computes them.

For every parameter the model fixes (fixed loadings, absent loadings,
residual covariances, regressions, as lavaan's ``lav_partable_full`` lists
them), with ``g`` the derivative of the fit function with respect to it and
``I`` the expected information of the model extended by all of them,

.. math::

    V = I_{ee} - I_{em} I_{mm}^{-1} I_{me}, \\quad
    \\mathrm{mi} = N g^2 / V, \\quad \\mathrm{epc} = -g / V,

and ``sepc_lv``, ``sepc_all`` are the expected changes standardised with the
rules of :mod:`.standardize`. Parameters whose release is not identified
(``V < eps^(1/3)``) are left out, as lavaan does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import SEMError
from .estimators import _weights
from .model import Model, vech_indices
from .standardize import standardize_rows

__all__ = ["candidates", "modindices"]


def _lower(names):
    return [(names[j], names[i]) for j in range(len(names)) for i in range(j, len(names))]


def candidates(model: Model) -> list[tuple[str, str, str, float]]:
    """Parameters whose release modindices tests, in lavaan's order.

    Parameters
    ----------
    model : Model

    Returns
    -------
    list of (lhs, op, rhs, value)
        The model's fixed parameters first (value = the fixed value), then the
        absent ones of lavaan's ``lav_partable_full`` (value 0).

    Examples
    --------
    >>> m = Model.from_syntax("F =~ a + b + c", ["a", "b", "c"])
    >>> candidates(m)[:2]
    [('F', '=~', 'a', 1.0), ('a', '~~', 'b', 0.0)]
    """
    pt = model.partable[model.partable["op"] != ":="]
    names = model.names
    lv, ov = model.latent, model.observed
    out: list[tuple[str, str, str, float]] = []
    existing = set()
    for k in range(len(pt)):
        lhs, op, rhs = pt["lhs"].iat[k], pt["op"].iat[k], pt["rhs"].iat[k]
        existing.add((lhs, op, rhs))
        if op == "~~":
            existing.add((rhs, op, lhs))
        if pt["free"].iat[k] == 0:
            out.append((lhs, op, rhs, float(pt["value"].iat[k])))
    eqs = []
    for f in ("lhs", "rhs"):
        for v in pt.loc[pt["op"] == "~", f]:
            if v not in eqs:
                eqs.append(v)
    ov_ind = [v for v in ov if v in set(pt.loc[pt["op"] == "=~", "rhs"])]
    full: list[tuple[str, str, str]] = []
    full += [(f, "=~", v) for f in lv for v in names["ov_nox"] if v not in eqs]
    full += [(a, "~~", b) for a, b in _lower(names["ov_nox"]) if a in ov_ind and b in ov_ind]
    full += [(a, "~~", b) for a, b in _lower(names["ov_x"])]
    full += [(a, "~~", b) for a, b in _lower(lv)]
    full += [(y, "~", x) for y in eqs for x in eqs if y != x and not (y in ov_ind and x in lv)]
    if model.meanstructure:
        full += [(v, "~1", "") for v in ov + lv]
    for row in full:
        if row not in existing:
            existing.add(row)
            if row[1] == "~~":
                existing.add((row[2], "~~", row[0]))
            out.append((*row, 0.0))
    return out


def entry_jacobian(model: Model, theta, entries):
    """d vech(Sigma) (k, K) and d mu (p, K) for RAM entries ``(mat, row, col)``."""
    a, s, m = model.matrices(theta)
    e = np.linalg.inv(np.eye(model.n_vars) - a)
    g = e[: model.p]
    h = e @ s @ g.T
    vr, vc = vech_indices(model.p)
    em = e @ m
    js = np.zeros((len(vr), len(entries)))
    jm = np.zeros((model.p, len(entries)))
    for k, (mat, i, j) in enumerate(entries):
        if mat == 0:
            js[:, k] = g[vr, i] * h[j, vc] + g[vc, i] * h[j, vr]
            jm[:, k] = g[:, i] * em[j]
        elif mat == 1:
            js[:, k] = g[vr, i] * g[vc, j] + g[vr, j] * g[vc, i]
            if i == j:
                js[:, k] *= 0.5
        else:
            jm[:, k] = g[:, i]
    return js, jm


def candidate_entries(model: Model, cands) -> list[tuple[int, int, int]]:
    """RAM positions ``(matrix, row, col)`` of the candidates (0: A, 1: S, 2: M)."""
    index = {v: i for i, v in enumerate(list(model.observed) + list(model.latent))}
    entries = []
    for lhs, op, rhs, _ in cands:
        if op == "=~":
            entries.append((0, index[rhs], index[lhs]))
        elif op == "~":
            entries.append((0, index[lhs], index[rhs]))
        elif op == "~~":
            entries.append((1, index[lhs], index[rhs]))
        else:
            entries.append((2, index[lhs], index[lhs]))
    return entries


def information_blocks(jm_s, je_s, w, jm_m=None, je_m=None, wmu=None):
    """Blocks ``(I_mm, I_em, I_ee)`` of ``J' W J`` for the model's (m) and the released (e)
    parameters; the mean part ``J_mu' W_mu J_mu`` is added when ``wmu`` is given."""

    def quad(a_s, a_m, b_s, b_m):
        out = a_s.T @ w @ b_s
        if wmu is not None:
            out = out + a_m.T @ wmu @ b_m
        return out

    return (
        quad(jm_s, jm_m, jm_s, jm_m),
        quad(je_s, je_m, jm_s, jm_m),
        quad(je_s, je_m, je_s, je_m),
    )


def score_test(i_mm, i_em, i_ee, grad, n):
    """``mi = N g^2 / V`` and ``epc = g / V`` with ``V = I_ee - I_em I_mm^-1 I_me`` (diagonal);
    ``g`` is the gradient of the log-likelihood per case (NaN where ``V < eps^(1/3)``)."""
    v = np.diag(i_ee) - np.einsum("ij,jk,ik->i", i_em, np.linalg.pinv(i_mm), i_em)
    v = np.where(v < np.finfo(float).eps ** (1 / 3), np.nan, v)
    with np.errstate(invalid="ignore", divide="ignore"):
        return n * grad**2 / v, grad / v


def mi_table(result, cands, mi, epc, ov_x=()) -> pd.DataFrame:
    """lavaan's modindices table with the standardised EPCs (``sepc_lv``, ``sepc_all``)."""
    model = result.model
    theta = np.asarray(result.theta, dtype=float)
    lhs = np.array([c[0] for c in cands], dtype=object)
    op = np.array([c[1] for c in cands], dtype=object)
    rhs = np.array([c[2] for c in cands], dtype=object)
    est_rows = result.estimates
    base = est_rows[est_rows["op"] != ":="]
    var_rows = base[(base["op"] == "~~") & (base["lhs"] == base["rhs"])]
    rv = {r.lhs: np.sqrt(abs(r.est)) for r in var_rows.itertuples() if r.lhs not in ov_x}
    epc_abs = np.abs(epc)
    for k in range(len(cands)):
        if op[k] == "~~" and lhs[k] == rhs[k]:
            if lhs[k] in rv:  # lavaan: a variance's EPC is replaced by its estimate
                epc_abs[k] = rv[lhs[k]] ** 2
            elif lhs[k] in ov_x:  # fixed.x variances keep their (tiny) EPC
                rv[lhs[k]] = np.sqrt(epc_abs[k])
    small = (op == "~~") & (lhs == rhs) & (epc_abs < np.sqrt(np.finfo(float).eps))
    s_lv, s_all = standardize_rows(model, theta, lhs, op, rhs, epc_abs, rv)
    sign = np.sign(epc)
    out = pd.DataFrame(
        {
            "lhs": lhs.astype(str),
            "op": op.astype(str),
            "rhs": rhs.astype(str),
            "mi": mi,
            "epc": epc,
            "sepc_lv": np.where(small, 0.0, sign * s_lv),
            "sepc_all": np.where(small, 0.0, sign * s_all),
        }
    )
    return out[np.isfinite(out["mi"])].reset_index(drop=True)


def modindices(result) -> pd.DataFrame:
    """Modification indices of a fitted model (lavaan's ``modindices(fit)``).

    Parameters
    ----------
    result : SEMResult
        An ML, GLS or ULS fit (MLM/MLR use the ML information, as lavaan).

    Returns
    -------
    pandas.DataFrame
        ``lhs, op, rhs, mi, epc, sepc_lv, sepc_all``.

    Examples
    --------
    >>> from semopy.examples import holzinger39
    >>> from satisfaction.sem import fit_sem
    >>> res = fit_sem("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\n"
    ...           "speed =~ x7 + x8 + x9", holzinger39.get_data())
    >>> mi = res.modindices(sort=True)
    >>> mi.iloc[0][["lhs", "op", "rhs"]].tolist(), round(float(mi.iloc[0]["mi"]), 3)
    (['visual', '=~', 'x9'], 36.411)
    """
    model: Model = result.model
    theta = result.theta
    n = result.data_summary["n"]
    S = result.data_summary["S"]
    mean = result.data_summary["mean"]
    est_name = {"MLM": "ML", "MLR": "ML"}.get(result.estimator, result.estimator)
    if est_name not in ("ML", "GLS", "ULS") or result.extra.get("missing") == "fiml":
        raise SEMError(
            "modification indices are available for complete-data ML, GLS and ULS fits only "
            f"(this fit: estimator {result.estimator!r}"
            f"{', missing=' + repr(result.extra['missing']) if 'missing' in result.extra else ''})"
        )
    cands = candidates(model)
    entries = candidate_entries(model, cands)
    sigma, mu = model.implied(theta)
    jm_s, jm_m = model.jacobian(theta)
    je_s, je_m = entry_jacobian(model, theta, entries)
    p = model.p
    sig_inv = np.linalg.inv(sigma)[None]
    s_inv = np.linalg.inv(S)[None]
    w, wmu = _weights(model, est_name, sig_inv, s_inv, p, 1)
    w, wmu = w[0], wmu[0]
    resid = (S - sigma)[vech_indices(p)]
    grad = -(je_s.T @ w @ resid)
    ov_x = model.names["ov_x"]
    if ov_x:  # fixed.x: lavaan's expected information has no rows for the covariates' moments
        xi = [model.observed.index(v) for v in ov_x]
        vr, vc = vech_indices(p)
        xx = np.isin(vr, xi) & np.isin(vc, xi)
        w = w.copy()
        w[xx, :] = 0.0
        w[:, xx] = 0.0
        if model.meanstructure:
            wmu = wmu.copy()
            wmu[xi, :] = 0.0
            wmu[:, xi] = 0.0
    if model.meanstructure:
        i_mm, i_em, i_ee = information_blocks(jm_s, je_s, w, jm_m, je_m, wmu)
        d = np.asarray(mean) - mu
        grad = grad - je_m.T @ wmu @ d
    else:
        i_mm, i_em, i_ee = information_blocks(jm_s, je_s, w)
    if est_name != "ML":  # GLS/ULS: F carries (N-1)/N and the factor 2 of the quadratic form
        grad = grad * (n - 1) / n
    # grad is the derivative of the fit function F, i.e. minus that of the log-likelihood
    mi, epc = score_test(i_mm, i_em, i_ee, -grad, n)
    return mi_table(result, cands, mi, epc, ov_x)

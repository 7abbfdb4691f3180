"""Standardised solutions as lavaan computes them (``std.lv`` and ``std.all``).

Rules (lavaan 0.6, ``lav_standardize_lv`` and ``lav_standardize_all``), with
``eta`` the model-implied standard deviation of a latent variable and ``ov`` that
of an observed one (from ``E S E'``, total variances):

* ``std_lv``: loadings ``* eta(lhs)`` (``/ eta(rhs)`` for a latent indicator);
  regressions ``/ eta(lhs)`` and ``* eta(rhs)`` for latent sides; latent
  variances ``/ eta^2``; covariances involving latents divided by the square
  roots of the (residual) variance *parameters* of the two variables; latent
  intercepts ``/ eta``.
* ``std_all``: on top, observed sides scaled by ``ov`` the same way; observed
  (residual) variances ``/ ov^2``; covariances between observed variables
  divided by the square roots of their residual variance parameters; observed
  intercepts ``/ ov``.
* ``:=`` rows: the definition evaluated on the standardised parameters.
"""

from __future__ import annotations

import numpy as np

from . import defined
from .model import Model

__all__ = ["standardize", "standardize_rows", "total_variances"]


def total_variances(model: Model, theta: np.ndarray) -> np.ndarray:
    """Model-implied total variances of every variable, ``diag(E S E')``.

    Parameters
    ----------
    model : Model
    theta : ndarray (q,)

    Returns
    -------
    ndarray (n,)
        Observed variables first, then latent ones.

    Examples
    --------
    >>> m = Model.from_syntax("F =~ a + b", ["a", "b"])
    >>> total_variances(m, np.array([2.0, 0.5, 0.5, 1.0]))
    array([1.5, 4.5, 1. ])
    """
    a, s, _ = model.matrices(theta)
    e = np.linalg.inv(np.eye(model.n_vars) - a)
    return np.einsum("ij,jk,ik->i", e, s, e)


def standardize(model: Model, theta: np.ndarray, est: np.ndarray):
    """``std_lv`` and ``std_all`` for every row of ``model.partable``.

    Parameters
    ----------
    model : Model
    theta : ndarray (q,)
    est : ndarray
        Estimates of the non-``:=`` rows of the parameter table (fixed values included).

    Returns
    -------
    std_lv, std_all : ndarray
        One value per row of ``model.partable`` (``:=`` rows included, last).

    Examples
    --------
    >>> m = Model.from_syntax("F =~ a + b + c", ["a", "b", "c"])
    >>> theta = np.array([0.8, 0.6, 0.36, 0.36, 0.36, 1.0])
    >>> lv, al = standardize(m, theta, np.r_[1.0, theta])
    >>> al[:3].round(3)
    array([0.857, 0.8  , 0.707])
    """
    pt = model.partable
    base = pt[pt["op"] != ":="]
    lhs, op, rhs = base["lhs"].to_numpy(), base["op"].to_numpy(), base["rhs"].to_numpy()
    est = np.asarray(est, float)
    is_varrow = (op == "~~") & (lhs == rhs)
    rv = {lhs[k]: np.sqrt(abs(est[k])) for k in np.flatnonzero(is_varrow)}
    std_lv, std_all = standardize_rows(model, theta, lhs, op, rhs, est, rv)
    if model.definitions:
        d_lv = defined.evaluate(model, theta, per_row=std_lv)
        d_all = defined.evaluate(model, theta, per_row=std_all)
        std_lv = np.concatenate([std_lv, d_lv])
        std_all = np.concatenate([std_all, d_all])
    return std_lv, std_all


def standardize_rows(model: Model, theta: np.ndarray, lhs, op, rhs, est, rv: dict):
    """lavaan's std.lv and std.all rules applied to arbitrary rows ``lhs op rhs``.

    Parameters
    ----------
    model : Model
    theta : ndarray (q,)
        Estimates giving the model-implied variances.
    lhs, op, rhs : sequences of str
        The rows (they need not be parameters of the model: modification
        indices standardise their expected changes this way).
    est : ndarray
        Values to standardise.
    rv : dict
        Variable -> square root of its (residual) variance parameter, used for
        covariances (lavaan's ``cov.std = TRUE``).

    Returns
    -------
    std_lv, std_all : ndarray

    Examples
    --------
    >>> m = Model.from_syntax("F =~ a + b", ["a", "b"])
    >>> lv, al = standardize_rows(m, np.array([2.0, 0.5, 0.5, 1.0]), ["F"], ["=~"], ["b"],
    ...                           [2.0], {})
    >>> float(lv[0]), round(float(al[0]), 4)
    (2.0, 0.9428)
    """
    lv, ov = model.latent, model.observed
    var = total_variances(model, theta)
    tiny = np.finfo(float).eps
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(np.where(var > 0, var, np.nan))
        sd = np.where(np.abs(var) < tiny, np.nan, sd)
    pos = {v: i for i, v in enumerate(ov + lv)}
    eta = {v: sd[pos[v]] for v in lv}
    osd = {v: sd[pos[v]] for v in ov}
    ovar = {v: (var[pos[v]] if abs(var[pos[v]]) >= tiny else np.nan) for v in ov}
    out = np.asarray(est, float).copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        for k in range(len(out)):
            o, left, right = op[k], lhs[k], rhs[k]
            if o == "=~":
                out[k] *= eta.get(left, np.nan)
                if right in eta:
                    out[k] /= eta[right]
            elif o == "~":
                if left in eta:
                    out[k] /= eta[left]
                if right in eta:
                    out[k] *= eta[right]
            elif o == "~~":
                if left == right and left in eta:
                    out[k] /= eta[left] ** 2
                elif left != right:
                    if left in eta:
                        out[k] /= rv.get(left, np.nan)
                    if right in eta:
                        out[k] /= rv.get(right, np.nan)
            elif o == "~1" and left in eta:
                out[k] /= eta[left]
        std_lv = out.copy()
        for k in range(len(out)):
            o, left, right = op[k], lhs[k], rhs[k]
            if o == "=~" and right in osd:
                out[k] /= osd[right]
            elif o == "~":
                if left in osd:
                    out[k] /= osd[left]
                if right in osd:
                    out[k] *= osd[right]
            elif o == "~~":
                if left == right and left in osd:
                    out[k] /= ovar[left]
                elif left != right:
                    if left in osd:
                        out[k] /= rv.get(left, np.nan)
                    if right in osd:
                        out[k] /= rv.get(right, np.nan)
            elif o == "~1" and left in osd:
                out[k] /= osd[left]
    return std_lv, out

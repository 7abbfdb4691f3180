"""Multi-group models: one joint likelihood, groups as blocks of the parameter table.

As in lavaan, a multi-group model is the single-group model repeated once per group
(one :class:`~satisfaction.sem.model.Model` per group, with the group's own
``c(...)`` modifiers), and one vector of free parameters shared by all groups. A
parameter is shared (constrained equal across groups) when

* it carries the same label in several groups (``a*x`` everywhere, ``c(a, a)*x``);
* its class is in ``group_equal`` (lavaan's ``group.equal``: ``loadings, intercepts,
  residuals, residual.covariances, lv.variances, lv.covariances, means,
  regressions``) and it is not listed in ``group_partial``;
* a ``label == label`` constraint joins two labels.

Shared parameters get one free index (lavaan's ``ceq.simple``), so lavaan's degrees
of freedom follow: ``df = sum_g ndat_g - npar``. The table :attr:`GroupModel.partable`
is lavaan's ``parTable()`` layout with ``group``, ``block`` and ``plabel`` columns and
the global ``free`` index.

With groups the mean structure is on (lavaan's default); latent means are fixed to
0 in every group unless intercepts are equal, then they are free in every group but
the first (lavaan). With ``std_lv`` and equal loadings the latent variances are free
in every group but the first (lavaan).

Estimation maximises the joint normal likelihood,
``F = sum_g (n_g / N) F_g(theta_g)`` with ``F_g`` lavaan's ML discrepancy of group g,
by Fisher scoring on the expected information
``I = sum_g (n_g / N) P_g' I_g P_g`` (``P_g`` selects group g's parameters from
``theta``) with step halving; ``vcov = I^-1 / N``. MLR adds the Huber-White sandwich
``I^-1 (sum_g n_g/N P_g' B_g P_g) I^-1 / N`` with each group's casewise scores and
the Yuan-Bentler scaled statistic ``chisq / c``, ``c = tr(U Gamma) / df``
summed over groups (lavaan's ``yuan.bentler.mplus``).

The result, its fit measures and the score tests are in :mod:`.groupresult`.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import ConvergenceWarning, SEMError, SEMWarning
from ..options import check_option
from .constraints import ConstraintSet, project_vcov, solve_constrained
from .estimators import fit_ml
from .measures import independence_model
from .model import Model, duplication_matrix, vech
from .robust import (
    _casewise_scores,
    _delta,
    _robust_parts,
    adf_gamma,
    h1_weight,
)
from .syntax import (
    constrain_formulas,
    expression_names,
    parse_constraints,
    parse_syntax,
    simple_constraint,
)

if TYPE_CHECKING:  # the result module imports this one
    from .groupresult import GroupResult

__all__ = ["GROUP_EQUAL", "GroupModel", "fit_groups", "parameter_class", "ml_parts"]

#: lavaan's ``group.equal`` vocabulary (``thresholds`` needs ordinal items)
GROUP_EQUAL = (
    "loadings",
    "intercepts",
    "residuals",
    "residual.covariances",
    "lv.variances",
    "lv.covariances",
    "means",
    "regressions",
    "thresholds",
)


def parameter_class(lhs: str, op: str, rhs: str, latent) -> str:
    """The ``group.equal`` class of a parameter-table row (``""`` if none).

    Parameters
    ----------
    lhs, op, rhs : str
    latent : collection of str
        Names of the latent variables.

    Returns
    -------
    str

    Examples
    --------
    >>> parameter_class("x1", "~1", "", ["F"]), parameter_class("F", "~~", "F", ["F"])
    ('intercepts', 'lv.variances')
    """
    if op == "=~":
        return "loadings"
    if op == "~":
        return "regressions"
    if op == "~1":
        return "means" if lhs in latent else "intercepts"
    if op == "|":
        return "thresholds"
    if op == "~~":
        lv = lhs in latent and rhs in latent
        if lhs == rhs:
            return "lv.variances" if lv else "residuals"
        return "lv.covariances" if lv else "residual.covariances"
    return ""


def _partial_key(text: str) -> tuple[str, str, str]:
    t = re.sub(r"\s+", "", str(text))
    for op in ("=~", "~~", "~1", "~"):
        if op == "~1" and t.endswith("~1"):
            return t[:-2], "~1", ""
        if op != "~1" and op in t:
            lhs, rhs = t.split(op, 1)
            return lhs, op, rhs
    raise SEMError(
        f"group_partial entry {text!r} is not a parameter; write it as lavaan does, "
        "e.g. 'visual =~ x2', 'x1 ~ 1' or 'x1 ~~ x1'"
    )


@dataclass(frozen=True)
class GroupModel:
    """A specified multi-group model: one Model per group and the shared parameters.

    Attributes
    ----------
    groups : list
        The group values, in lavaan's order (as they first appear in the data).
    models : list of Model
        One per group, each with its own local free indices.
    index : list of ndarray
        ``index[g][j]`` is the position in the joint ``theta`` of group g's j-th free
        parameter.
    n_free : int
        Free parameters of the joint model (lavaan's ``npar``).
    partable : pandas.DataFrame
        lavaan's ``parTable()``: ``lhs, op, rhs, group, block, label, plabel, free,
        value, start, user, exo``.
    group_equal, group_partial : tuple
    """

    groups: list
    models: list
    index: list
    n_free: int
    partable: pd.DataFrame
    group_equal: tuple
    group_partial: tuple
    constraints: tuple = ()
    definitions: tuple = ()

    @property
    def observed(self) -> list[str]:
        """Observed variables (the same in every group)."""
        return self.models[0].observed

    def group_theta(self, theta: np.ndarray, g: int) -> np.ndarray:
        """Group g's local free-parameter vector from the joint ``theta``."""
        return np.asarray(theta, float)[self.index[g]]

    def selection(self, g: int) -> np.ndarray:
        """``P_g`` (q_g, q): group g's parameters as a selection of the joint ones."""
        out = np.zeros((len(self.index[g]), self.n_free))
        out[np.arange(len(self.index[g])), self.index[g]] = 1.0
        return out

    @classmethod
    def from_syntax(
        cls,
        syntax: str,
        data_columns,
        groups,
        *,
        group_equal=(),
        group_partial=(),
        std_lv: bool = False,
    ) -> GroupModel:
        """Specify a multi-group model from lavaan syntax.

        Parameters
        ----------
        syntax : str
            lavaan syntax; ``c(...)`` modifiers give one value or label per group;
            ``a == b`` joins two labels.
        data_columns : iterable of str
        groups : list
            The group values, in order.
        group_equal : iterable of str
            Classes of parameters constrained equal across groups (:data:`GROUP_EQUAL`).
        group_partial : iterable of str
            Parameters exempt from ``group_equal`` (``"x1 ~ 1"``).
        std_lv : bool

        Returns
        -------
        GroupModel

        Examples
        --------
        >>> gm = GroupModel.from_syntax("F =~ a + b + c", ["a", "b", "c"], ["g1", "g2"],
        ...                             group_equal=["loadings"])
        >>> gm.n_free, [len(i) for i in gm.index]
        (16, [9, 9])
        """
        equal = tuple(check_option(e, GROUP_EQUAL, "group_equal", "fit_sem") for e in group_equal)
        if "thresholds" in equal:
            raise SEMError(
                "group_equal='thresholds' needs ordinal items, which multi-group models do "
                "not support yet; drop it for continuous items"
            )
        partial = {_partial_key(t) for t in group_partial}
        formulas, definitions = parse_syntax(syntax)
        constraints = parse_constraints(syntax)
        all_labels = {
            f.for_group(g, len(groups)).label for f in formulas for g in range(len(groups))
        }
        n_groups = len(groups)
        known = set(all_labels) - {""}
        for d in definitions:
            unknown = [v for v in expression_names(d.expr) if v not in known]
            if unknown:
                raise SEMError(
                    f"model syntax line {d.line}: {unknown[0]!r} in '{d.name} := {d.expr}' is "
                    "not a label of any parameter; label the path first, e.g. c(a1, a2)*x"
                )
            known.add(d.name)
        models, tables = [], []
        for g in range(n_groups):
            fg = constrain_formulas(
                [f.for_group(g, n_groups) for f in formulas], constraints, all_labels - {""}
            )
            m = Model.from_formulas(syntax, fg, [], data_columns, meanstructure=True, std_lv=std_lv)
            pt = m.partable.copy()
            lv = set(m.latent)
            op, lhs, rhs = pt["op"].to_numpy(), pt["lhs"].to_numpy(), pt["rhs"].to_numpy()
            user = pt["user"].to_numpy(bool)
            free = pt["free"].to_numpy() > 0
            if g > 0 and "intercepts" in equal and "means" not in equal:
                idx = (op == "~1") & np.isin(lhs, list(lv)) & ~user
                free[idx] = True
                pt.loc[idx, "value"] = np.nan
            if g > 0 and std_lv and "loadings" in equal and "lv.variances" not in equal:
                idx = (op == "~~") & (lhs == rhs) & np.isin(lhs, list(lv)) & ~user
                free[idx] = True
                pt.loc[idx, "value"] = np.nan
            labels = pt["label"].to_numpy(dtype=object)
            keys = []
            for k in range(len(pt)):
                if not free[k]:
                    keys.append(None)
                elif labels[k]:
                    keys.append(("label", labels[k]))
                elif (
                    parameter_class(lhs[k], op[k], rhs[k], lv) in equal
                    and (lhs[k], op[k], rhs[k]) not in partial
                ):
                    keys.append(("equal", lhs[k], op[k], rhs[k]))
                else:
                    keys.append(("row", g, k))
            models.append((m, pt, keys))
        # joint free indices, lavaan's order: group 1's rows, then group 2's ...
        joint: dict = {}
        for _, _, keys in models:
            for key in keys:
                if key is not None and key not in joint:
                    joint[key] = len(joint)
        out_models, index, tables = [], [], []
        plabel_of: dict = {}
        row_no = 0
        for g, (m, pt, keys) in enumerate(models):
            local: dict = {}
            free_local = np.zeros(len(pt), dtype=int)
            for k, key in enumerate(keys):
                if key is None:
                    continue
                if key not in local:
                    local[key] = len(local) + 1
                free_local[k] = local[key]
            pt["free"] = free_local
            gm_model = Model(syntax, pt, m.observed, m.latent, True, std_lv, [], m.names)
            out_models.append(gm_model)
            index.append(np.array([joint[key] for key in local], dtype=int))
            tab = pt[["lhs", "op", "rhs", "label", "value", "start", "user", "exo"]].copy()
            tab.insert(3, "group", g + 1)
            tab.insert(4, "block", g + 1)
            tab["free"] = [0 if key is None else joint[key] + 1 for key in keys]
            plabels = []
            for key in keys:
                row_no += 1
                plabels.append(f".p{row_no}.")
                if key is not None:
                    plabel_of.setdefault(key, f".p{row_no}.")
            tab["plabel"] = plabels
            tables.append(tab)
        partable = pd.concat(tables, ignore_index=True)
        cols = ["lhs", "op", "rhs", "group", "block", "label", "plabel", "free", "value"]
        partable = partable[cols + ["start", "user", "exo"]]
        general = tuple(c for c in constraints if not simple_constraint(c))
        return cls(
            list(groups),
            out_models,
            index,
            len(joint),
            partable,
            equal,
            tuple(sorted(partial)),
            general,
            tuple(definitions),
        )

    def label_map(self) -> dict:
        """Label -> 0-based index into the joint theta, or the fixed value."""
        out: dict = {}
        pt = self.partable
        for lab, free, value in zip(pt["label"], pt["free"], pt["value"], strict=True):
            if lab and lab not in out:
                out[lab] = int(free) - 1 if free > 0 else float(value)
        return out

    @property
    def n_equalities(self) -> int:
        """Number of general equality constraints."""
        return sum(c.op == "==" for c in self.constraints)


# ---------------------------------------------------------------------------- estimation
def ml_parts(model: Model, theta, S, mean=None, *, derivatives: bool = True):
    """lavaan's ML discrepancy, its gradient and the expected information (per observation).

    Parameters
    ----------
    model : Model
    theta : ndarray (q,)
    S : ndarray (p, p)
        Sample covariance matrix (divisor N).
    mean : ndarray (p,), optional
        Sample means (used with a mean structure).
    derivatives : bool
        ``False`` returns ``(F, None, None)`` (cheaper, for line searches).

    Returns
    -------
    F : float
        ``0.5 (log|Sigma| + tr(S Sigma^-1) - log|S| - p + (m - mu)' Sigma^-1 (m - mu))``,
        ``inf`` where Sigma is not positive definite.
    grad : ndarray (q,)
        ``-Delta' W vech(S + d d' - Sigma) - Delta_mu' Sigma^-1 d`` with ``d = m - mu``
        and ``W = 0.5 D'(Sigma^-1 x Sigma^-1) D``.
    info : ndarray (q, q)
        ``Delta' W Delta + Delta_mu' Sigma^-1 Delta_mu``.

    Examples
    --------
    >>> m = Model.from_syntax("F =~ a + b + c", ["a", "b", "c"])
    >>> S = np.array([[1.0, .5, .4], [.5, 1.0, .3], [.4, .3, 1.0]])
    >>> f, g, i = ml_parts(m, m.start_values(S), S)
    >>> g.shape, i.shape
    ((6,), (6, 6))
    """
    sig, mu = model.implied(theta)
    sign, logdet = np.linalg.slogdet(sig)
    if sign <= 0:
        return np.inf, None, None
    inv = np.linalg.inv(sig)
    p = sig.shape[0]
    use_mean = mu is not None and mean is not None
    d = np.asarray(mean, float) - mu if use_mean else np.zeros(p)
    _, logdet_s = np.linalg.slogdet(S)
    f = 0.5 * (logdet + np.trace(S @ inv) - logdet_s - p + d @ inv @ d)
    if not derivatives:
        return float(f), None, None
    jac, jmu = model.jacobian(theta)
    dup = duplication_matrix(p)
    w = 0.5 * dup.T @ np.kron(inv, inv) @ dup
    resid = vech(S + np.outer(d, d) - sig)
    grad = -(jac.T @ (w @ resid))
    info = jac.T @ w @ jac
    if jmu is not None:
        grad = grad - jmu.T @ (inv @ d)
        info = info + jmu.T @ inv @ jmu
    return float(f), grad, info


def _joint(gm: GroupModel, theta, samples, weights, need=True):
    f_tot, g_tot, i_tot = 0.0, np.zeros(gm.n_free), np.zeros((gm.n_free, gm.n_free))
    for g, (S, mean, _) in enumerate(samples):
        f, grad, info = ml_parts(gm.models[g], gm.group_theta(theta, g), S, mean, derivatives=need)
        if not np.isfinite(f):
            return np.inf, None, None
        f_tot += weights[g] * f
        if need:
            ix = gm.index[g]
            np.add.at(g_tot, ix, weights[g] * grad)
            i_tot[np.ix_(ix, ix)] += weights[g] * info
    return f_tot, g_tot, i_tot


def _start(gm: GroupModel, samples) -> np.ndarray:
    total = np.zeros(gm.n_free)
    count = np.zeros(gm.n_free)
    for g, (S, mean, _) in enumerate(samples):
        local = gm.models[g].start_values(S, mean)
        np.add.at(total, gm.index[g], local)
        np.add.at(count, gm.index[g], 1.0)
    return total / np.maximum(count, 1)


def _inverse(a: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(a)


def estimate_groups(
    gm: GroupModel, samples, *, tol: float = 1e-10, max_iter: int = 500, n_scoring: int = 3
):
    """Joint ML estimates: Fisher scoring, then BFGS updates of its inverse information.

    The first ``n_scoring`` steps are Fisher scoring on the expected information, later
    ones update its inverse by BFGS (scoring alone converges only linearly when the
    model does not fit exactly), each halved until F decreases, as the single-group
    estimator does; an L-BFGS-B run is the fallback.

    Parameters
    ----------
    gm : GroupModel
    samples : list of (S, mean, n)
        Each group's covariance matrix (divisor n), means and size.
    tol : float
        Convergence tolerance on the largest step relative to ``1 + max|theta|``.
    max_iter : int
    n_scoring : int
        Fisher-scoring steps before the BFGS updates.

    Returns
    -------
    theta : ndarray (q,)
    fmin : float
        ``sum_g (n_g / N) F_g`` (lavaan's ``fmin``).
    info : ndarray (q, q)
        Expected information per observation at the estimates.
    converged : bool
    iterations : int
    """
    n_tot = sum(s[2] for s in samples)
    weights = [s[2] / n_tot for s in samples]
    theta = _start(gm, samples)
    f, grad, info = _joint(gm, theta, samples, weights)
    converged, it = False, 0
    hinv = s_old = g_old = None
    while np.isfinite(f) and it < max_iter:
        it += 1
        if it <= n_scoring or hinv is None:
            hinv = _inverse(info)
        else:  # BFGS update of the inverse information (scoring is linear near misfit)
            y = grad - g_old
            sy = float(s_old @ y)
            if sy > 1e-12 * np.linalg.norm(s_old) * np.linalg.norm(y):
                hy = hinv @ y
                rho = 1.0 / sy
                hinv = (
                    hinv
                    - rho * (np.outer(hy, s_old) + np.outer(s_old, hy))
                    + (rho + rho * rho * float(y @ hy)) * np.outer(s_old, s_old)
                )
        step = -hinv @ grad
        if float(step @ grad) >= 0:  # not a descent direction: back to scoring
            hinv = _inverse(info)
            step = -hinv @ grad
        alpha = 1.0
        for _ in range(30):
            f_new = _joint(gm, theta + alpha * step, samples, weights, need=False)[0]
            if np.isfinite(f_new) and f_new <= f + 1e-14 * (1 + abs(f)):
                break
            alpha /= 2
        else:
            converged = bool(np.max(np.abs(grad)) < 1e-7)
            break
        s_old, g_old = alpha * step, grad
        theta = theta + s_old
        f, grad, info = _joint(gm, theta, samples, weights)
        if np.max(np.abs(s_old)) < tol * (1.0 + np.max(np.abs(theta))):
            converged = True
            break
    f, grad, info = _joint(gm, theta, samples, weights)
    if not converged:
        from scipy.optimize import minimize

        def fun(x):
            fx, gx, _ = _joint(gm, x, samples, weights)
            return (1e10, np.zeros_like(x)) if not np.isfinite(fx) else (fx, gx)

        res = minimize(fun, theta, jac=True, method="L-BFGS-B", options={"maxiter": 5000})
        theta = res.x
        f, grad, info = _joint(gm, theta, samples, weights)
        converged = bool(np.max(np.abs(grad)) < 1e-6)
    if gm.constraints:
        cset = ConstraintSet(gm.constraints, gm.label_map())
        theta, converged, _ = solve_constrained(
            lambda t: _joint(gm, t, samples, weights)[:2], theta, cset
        )
        f, grad, info = _joint(gm, theta, samples, weights)
    return theta, float(f), info, converged, it


# ---------------------------------------------------------------------------- robust
def _gradients(gm: GroupModel, thetas: np.ndarray, samples, weights) -> np.ndarray:
    """Gradients of the joint discrepancy at B parameter vectors at once, (B, q).

    Per group, ``W vech(S + d d' - Sigma) = vech(M) * (1/2 on the diagonal)`` with
    ``M = Sigma^-1 (S + d d' - Sigma) Sigma^-1``: the gradient of :func:`ml_parts`
    without forming the Kronecker product, batched over the B vectors.
    """
    out = np.zeros_like(thetas)
    for g, (S, mean, _) in enumerate(samples):
        m = gm.models[g]
        sig, mu, jac, jmu = m.moments_and_jacobian_batch(thetas[:, gm.index[g]])
        inv = np.linalg.inv(sig)
        d = mean[None, :] - mu
        resid = S[None] + d[:, :, None] * d[:, None, :] - sig
        mm = inv @ resid @ inv
        r, c = m._vr, m._vc
        wv = mm[:, r, c] * np.where(r == c, 0.5, 1.0)
        grad = -np.einsum("bkq,bk->bq", jac, wv) - np.einsum(
            "bpq,bp->bq", jmu, np.einsum("bij,bj->bi", inv, d)
        )
        np.add.at(out, (slice(None), gm.index[g]), weights[g] * grad)
    return out


def _observed_information(gm: GroupModel, theta, samples, weights, h: float = 1e-6):
    """Hessian of the joint discrepancy: 4-point central differences of the analytic
    gradient (lavaan's ``lav_model_hessian`` rule, step 1e-6), all points in one batch."""
    q = theta.size
    eye = np.eye(q) * h
    points = np.concatenate([theta - 2 * eye, theta - eye, theta + eye, theta + 2 * eye], axis=0)
    g = _gradients(gm, points, samples, weights)
    gl2, gl1, gr1, gr2 = g[:q], g[q : 2 * q], g[2 * q : 3 * q], g[3 * q :]
    hess = ((gl2 - 8 * gl1 + 8 * gr1 - gr2) / (12 * h)).T
    return 0.5 * (hess + hess.T)


def _mlr(gm: GroupModel, theta, frames, samples):
    """MLR over groups: Huber-White vcov, ``tr(U Gamma)`` of the model and of the baseline.

    lavaan's ``se = "robust.huber.white"`` with the observed information of the joint
    discrepancy (``H``, central differences of the analytic gradient) and
    ``test = "yuan.bentler.mplus"``: ``B0 = sum_g (n_g/N) P_g' Delta_g' B1_g Delta_g P_g``,
    ``vcov = H^-1 B0 H^-1 / N``, ``tr(U Gamma) = sum_g tr(A1_g Gamma_g) - tr(B0 H^-1)``.
    """
    n_tot = sum(s[2] for s in samples)
    weights = [s[2] / n_tot for s in samples]
    hess = _observed_information(gm, theta, samples, weights)
    hess_inv = np.linalg.inv(hess)
    b0 = np.zeros_like(hess)
    trace_h1 = trace_b = 0.0
    for g, x in enumerate(frames):
        m, th = gm.models[g], gm.group_theta(theta, g)
        S, mean, n = samples[g]
        sigma, mu = m.implied(th)
        scores = _casewise_scores(x, sigma, mu, True)
        delta = _delta(m, th)
        b0_g = delta.T @ (scores.T @ scores / n) @ delta
        P = gm.selection(g)
        b0 += weights[g] * P.T @ b0_g @ P
        gamma = adf_gamma(x, True)
        trace_h1 += float(np.sum(h1_weight(S, True) * gamma))
        base = independence_model(m)  # free variances and means: its MLE is diag(S), mean
        start = np.r_[np.diag(S), mean]
        trace_b += _robust_parts(base, start, x, "MLR", S, mean, [], gamma)[1]
    vcov = hess_inv @ b0 @ hess_inv / n_tot
    return vcov, trace_h1 - float(np.sum(b0 * hess_inv)), trace_b


# ---------------------------------------------------------------------------- entry point
def fit_groups(
    model,
    data: pd.DataFrame,
    group: str,
    *,
    estimator: str = "ML",
    group_equal=(),
    group_partial=(),
    std_lv: bool = False,
    level: float = 0.95,
) -> GroupResult:
    """Fit a multi-group model (lavaan's ``sem(..., group = "g", group.equal = ...)``).

    Parameters
    ----------
    model : str
        lavaan syntax (``c(a1, a2)*x`` gives group-specific labels or values).
    data : pandas.DataFrame
        One row per respondent; complete rows are used (rows with a missing value in
        a model variable or the group column are dropped, and the warning says how many).
    group : str
        The grouping column; groups are ordered as they first appear (lavaan).
    estimator : {"ML", "MLR"}
    group_equal, group_partial : iterable of str
        lavaan's ``group.equal`` / ``group.partial``.
    std_lv : bool
        Fix latent variances to 1 (in the first group when loadings are equal).
    level : float
        Confidence level of the Wald intervals.

    Returns
    -------
    GroupResult

    Examples
    --------
    >>> from semopy.examples import holzinger39
    >>> res = fit_groups("visual =~ x1 + x2 + x3", holzinger39.get_data(), "school",
    ...                  group_equal=["loadings"])  # lavaan: cfa(..., group = "school")
    >>> res.groups, res.fit_measures[["chisq", "df"]].round(3).tolist()
    (['Pasteur', 'Grant-White'], [0.302, 2.0])
    """
    est = check_option(estimator, ("ML", "MLR"), "estimator", "fit_sem with group=")
    if not isinstance(data, pd.DataFrame):
        raise SEMError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    if not isinstance(model, str):
        raise SEMError("multi-group models take lavaan syntax (a str), not a Model")
    if group not in data.columns:
        raise SEMError(
            f"group={group!r} is not a column of the data; choose one of {list(data.columns)}"
        )
    groups = list(pd.unique(data[group].dropna()))
    if len(groups) < 2:
        raise SEMError(
            f"group={group!r} has {len(groups)} value(s); a multi-group model needs at least two"
        )
    gm = GroupModel.from_syntax(
        model,
        [c for c in data.columns if c != group],
        groups,
        group_equal=group_equal,
        group_partial=group_partial,
        std_lv=std_lv,
    )
    cols = gm.observed
    notes: list[str] = []
    bad = [c for c in cols if not pd.api.types.is_numeric_dtype(data[c])]
    if bad:
        raise SEMError(
            f"column(s) {bad} are not numeric; recode answer labels to numbers first "
            "(satisfaction.cleaning.recode_labels)"
        )
    sub = data[cols + [group]]
    keep = sub.notna().all(axis=1)
    if (~keep).sum():
        notes.append(
            f"{int((~keep).sum())} of {len(sub)} rows have missing values in model variables "
            "or the group column and were dropped (listwise)"
        )
    sub = sub[keep]
    frames, samples = [], []
    for g in groups:
        x = sub.loc[sub[group] == g, cols].to_numpy(float)
        if len(x) <= len(cols):
            raise SEMError(
                f"group {g!r} has {len(x)} complete rows for {len(cols)} observed variables; "
                "merge small groups or fit a smaller model"
            )
        frames.append(x)
        samples.append((np.cov(x.T, bias=True), x.mean(axis=0), len(x)))
    gm = _bind_exo(gm, samples)
    theta, fmin, info, converged, it = estimate_groups(gm, samples)
    n_tot = sum(s[2] for s in samples)
    base_fmins = []
    for S, mean, n in samples:
        base = independence_model(gm.models[0]).with_sample(S, mean)
        base_fmins.append(fit_ml(base, S, n, mean).fmin)
    test = {}
    try:
        jac = np.zeros((0, gm.n_free))
        if gm.constraints:
            jac = ConstraintSet(gm.constraints, gm.label_map()).active_jacobian(theta)
        vcov = project_vcov(info, jac, n_tot)
    except np.linalg.LinAlgError:
        vcov = np.full((gm.n_free, gm.n_free), np.nan)
        notes.append(
            "the information matrix is singular: the model may not be identified; "
            "standard errors are not available"
        )
    if est == "MLR":
        if gm.constraints:
            raise SEMError(
                "MLR with constraints other than a == b is not available yet; use estimator='ML'"
            )
        if gm.models[0].has_exo:
            raise SEMError(
                "MLR multi-group models with exogenous observed covariates are not "
                "available yet; use estimator='ML' or make the covariates endogenous"
            )
        vcov, trace, trace_b = _mlr(gm, theta, frames, samples)
        test["robust"] = {"trace": trace, "baseline_trace": trace_b}
    if not converged:
        msg = (
            "the optimiser did not converge on the multi-group model; the estimates are "
            "not trustworthy: check the model's identification and the data"
        )
        warnings.warn(msg, ConvergenceWarning, stacklevel=3)
        notes.insert(0, msg)
    from .groupresult import GroupResult

    result = GroupResult(
        model=gm,
        theta=theta,
        vcov=vcov,
        samples=samples,
        fmin=fmin,
        baseline_fmins=base_fmins,
        estimator=est,
        converged=converged,
        iterations=it,
        level=level,
        test=test,
        notes=notes,
    )
    for msg in result.warnings[0 if converged else 1 :]:
        warnings.warn(msg, SEMWarning, stacklevel=3)
    return result


def _bind_exo(gm: GroupModel, samples) -> GroupModel:
    if not gm.models[0].has_exo:
        return gm
    models = [m.with_sample(S, mean) for m, (S, mean, _) in zip(gm.models, samples, strict=True)]
    return GroupModel(
        gm.groups,
        models,
        gm.index,
        gm.n_free,
        gm.partable,
        gm.group_equal,
        gm.group_partial,
        gm.constraints,
        gm.definitions,
    )

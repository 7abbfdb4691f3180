"""General parameter constraints: ``==`` between expressions, ``<`` and ``>`` (lavaan's).

Simple equalities (``a == b`` between two labels, ``a == 0.5``) never reach this
module: :func:`.syntax.constrain_formulas` makes them one shared or one fixed
parameter. What is left (``b1 == b2 + 0.3``, ``a == b^2``, ``c1 > 1.3``) is handled
here, as lavaan does:

* the estimates minimise the ML discrepancy subject to ``h(theta) = 0`` and
  ``g(theta) >= 0`` (scipy's SLSQP from the unconstrained optimum, analytic gradient);
* the covariance matrix of the estimates is the information's inverse projected on
  the constraints that bind (every equality, and each inequality at its bound):
  with ``J`` their Jacobian and ``V = I^-1``,
  ``vcov = (V - V J' (J V J')^-1 J V) / N``, so a parameter held at an
  inequality bound has standard error 0 (lavaan);
* lavaan's degrees of freedom: ``df = ndat - npar + n_eq`` with ``npar`` the free
  parameters and ``n_eq`` the equality constraints; inequalities do not count.

The constraint functions are written out by :func:`.syntax.evaluate_expression`,
the one evaluator of the engine; their Jacobian is taken by central differences.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from ..errors import SEMError
from .syntax import evaluate_expression

__all__ = ["ConstraintSet", "solve_constrained", "project_vcov"]


class ConstraintSet:
    """The general constraints of a model as functions of the free-parameter vector.

    Parameters
    ----------
    constraints : list of Constraint
    labels : dict
        Label -> 0-based index into theta (free) or a float (fixed value).

    Examples
    --------
    >>> from satisfaction.sem.syntax import parse_constraints
    >>> cs = ConstraintSet(parse_constraints("a == b + 1\\nb > 0"), {"a": 0, "b": 1})
    >>> cs.n_eq, cs.equalities(np.array([3.0, 1.0])), cs.inequalities(np.array([3.0, 1.0]))
    (1, array([1.]), array([1.]))
    """

    def __init__(self, constraints, labels: dict):
        self.constraints = list(constraints)
        self.labels = dict(labels)
        for c in self.constraints:
            for side in (c.lhs, c.rhs):
                try:
                    evaluate_expression(side, {k: 1.0 for k in self.labels})
                except SEMError:
                    raise SEMError(
                        f"model syntax line {c.line}: '{c.lhs} {c.op} {c.rhs}' names something "
                        "that is not a label of the model; label the parameters first"
                    ) from None
        self._eq = [c for c in self.constraints if c.op == "=="]
        self._ineq = [c for c in self.constraints if c.op != "=="]
        self.n_eq = len(self._eq)

    def _env(self, theta):
        return {
            k: (theta[v] if isinstance(v, (int, np.integer)) else v) for k, v in self.labels.items()
        }

    def _values(self, group, theta) -> np.ndarray:
        env = self._env(np.asarray(theta, float))
        out = []
        for c in group:
            diff = float(evaluate_expression(c.lhs, env)) - float(evaluate_expression(c.rhs, env))
            out.append(-diff if c.op == "<" else diff)
        return np.array(out)

    def equalities(self, theta) -> np.ndarray:
        """``h(theta)``: zero when every equality holds."""
        return self._values(self._eq, theta)

    def inequalities(self, theta) -> np.ndarray:
        """``g(theta)``: non-negative when every inequality holds."""
        return self._values(self._ineq, theta)

    def active_jacobian(self, theta, tol: float = 1e-6) -> np.ndarray:
        """Jacobian (r, q) of the equalities and of the inequalities at their bound."""
        theta = np.asarray(theta, float)
        rows = list(self._eq) + [
            c for c, v in zip(self._ineq, self.inequalities(theta), strict=True) if abs(v) < tol
        ]
        if not rows:
            return np.zeros((0, theta.size))
        jac = np.zeros((len(rows), theta.size))
        for j in range(theta.size):
            h = 1e-6 * max(1.0, abs(theta[j]))
            up, down = theta.copy(), theta.copy()
            up[j] += h
            down[j] -= h
            jac[:, j] = (self._values(rows, up) - self._values(rows, down)) / (2 * h)
        return jac


def solve_constrained(fun_grad, theta0: np.ndarray, cset: ConstraintSet):
    """Minimise ``F`` subject to the constraints (SLSQP with the analytic gradient).

    Parameters
    ----------
    fun_grad : callable
        ``theta -> (F, dF/dtheta)``; ``F = inf`` outside the admissible region.
    theta0 : ndarray (q,)
        Start (the unconstrained optimum).
    cset : ConstraintSet

    Returns
    -------
    theta : ndarray (q,)
    converged : bool
    message : str
    """
    cons = []
    if cset.n_eq:
        cons.append({"type": "eq", "fun": cset.equalities})
    if len(cset.constraints) > cset.n_eq:
        cons.append({"type": "ineq", "fun": cset.inequalities})

    def fun(x):
        f, g = fun_grad(x)
        if not np.isfinite(f):
            return 1e10, np.zeros_like(x)
        return f, g

    res = optimize.minimize(
        fun,
        np.asarray(theta0, float),
        jac=True,
        method="SLSQP",
        constraints=cons,
        options={"maxiter": 1000, "ftol": 1e-14},
    )
    ok = bool(res.success) and np.all(np.abs(cset.equalities(res.x)) < 1e-6)
    if len(cset.constraints) > cset.n_eq:
        ok = ok and bool(np.all(cset.inequalities(res.x) > -1e-6))
    return res.x, ok, str(res.message)


def project_vcov(info: np.ndarray, jac: np.ndarray, n: float) -> np.ndarray:
    """``(V - V J' (J V J')^-1 J V) / n`` with ``V = info^-1`` (the binding constraints ``J``).

    Parameters
    ----------
    info : ndarray (q, q)
        Information per observation.
    jac : ndarray (r, q)
        Jacobian of the binding constraints.
    n : float

    Returns
    -------
    ndarray (q, q)

    Examples
    --------
    >>> v = project_vcov(np.eye(2), np.array([[1.0, -1.0]]), 1.0)  # theta_1 == theta_2
    >>> v.round(3).tolist()
    [[0.5, 0.5], [0.5, 0.5]]
    """
    v = np.linalg.inv(info)
    if jac.shape[0] == 0:
        return v / n
    vj = v @ jac.T
    return (v - vj @ np.linalg.solve(jac @ vj, vj.T)) / n

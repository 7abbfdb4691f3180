"""Defined parameters (``name := expression``): values and delta-method covariance.

A definition is a function of labelled parameters (and of earlier
definitions). Its value at the estimates is ``g(theta)``; its covariance by the
delta method is ``J V J'`` with ``J = dg/dtheta`` (central differences, as
lavaan does) and ``V`` the covariance matrix of the free parameters.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .model import Model
from .syntax import evaluate_expression

__all__ = [
    "label_values",
    "evaluate",
    "evaluate_batch",
    "evaluate_definitions",
    "jacobian",
    "delta_vcov",
]


def evaluate_definitions(
    definitions: list[tuple[str, str]], values: Mapping[str, np.ndarray | float]
) -> dict[str, np.ndarray]:
    """Evaluate ``:=`` definitions for many parameter draws at once.

    Parameters
    ----------
    definitions : list of (name, expression)
        In model order; a definition may use earlier defined names.
    values : mapping
        Label -> array of draws (all the same length) or a scalar (fixed parameters).

    Returns
    -------
    dict
        Name -> array of the defined parameter over the draws.

    Notes
    -----
    Every expression goes through :func:`.syntax.evaluate_expression` (only
    arithmetic, numbers, labels and the functions of ``DEFINED_FUNCTIONS``;
    nothing is ``eval``-ed).

    Examples
    --------
    >>> out = evaluate_definitions([("ind", "a*b"), ("tot", "c + ind")],
    ...                            {"a": np.array([1.0, 2.0]), "b": 3.0, "c": 0.5})
    >>> out["tot"].tolist()
    [3.5, 6.5]
    """
    env = dict(values)
    out: dict[str, np.ndarray] = {}
    for name, expr in definitions:
        val = np.asarray(evaluate_expression(expr, env, name=name), dtype=float)
        env[name] = val
        out[name] = val
    return out


def label_values(model: Model, values: np.ndarray) -> dict[str, np.ndarray]:
    """Map each label to its value(s).

    Parameters
    ----------
    model : Model
    values : ndarray (q,) or (B, q)
        Free-parameter vector(s).

    Returns
    -------
    dict
        Label -> value (array of shape ``values.shape[:-1]``); fixed labelled
        parameters give their fixed value.

    Examples
    --------
    >>> m = Model.from_syntax("y ~ a*x", ["x", "y"])
    >>> float(label_values(m, np.array([0.5, 1.0]))["a"])
    0.5
    """
    out: dict[str, np.ndarray] = {}
    values = np.asarray(values, float)
    free = model._free
    fixed = model.partable["value"].to_numpy(dtype=float)
    for lab, k in model.label_rows.items():
        if free[k] > 0:
            out[lab] = values[..., free[k] - 1]
        else:
            out[lab] = np.full(values.shape[:-1], fixed[k])
    return out


def _evaluate_labels(model: Model, labels: dict[str, np.ndarray]) -> np.ndarray:
    defs = [(d.name, d.expr) for d in model.definitions]
    outs = list(evaluate_definitions(defs, labels).values())
    if not outs:
        return np.zeros(next(iter(labels.values())).shape + (0,)) if labels else np.zeros(0)
    shape = np.broadcast_shapes(*(o.shape for o in outs))
    return np.stack([np.broadcast_to(o, shape) for o in outs], axis=-1)


def evaluate(model: Model, theta: np.ndarray, *, per_row: np.ndarray | None = None) -> np.ndarray:
    """Values of the defined parameters at ``theta`` (q,), shape (n_defined,).

    Parameters
    ----------
    model : Model
    theta : ndarray (q,)
        Free-parameter vector.
    per_row : ndarray, optional
        Per-row values of the parameter table (without ``:=`` rows); when given,
        a label takes the value of its first row instead of ``theta``. This is
        how standardised definitions are computed (lavaan evaluates the
        definition on the standardised parameters).

    Returns
    -------
    ndarray (n_defined,)

    Examples
    --------
    >>> m = Model.from_syntax("y ~ a*x\\nz ~ b*y\\nind := a*b", ["x", "y", "z"])
    >>> evaluate(m, np.array([0.5, 0.4, 1.0, 1.0]))
    array([0.2])
    """
    if not model.definitions:
        return np.zeros(0)
    if per_row is not None:
        labels = {lab: np.asarray(per_row[k], float) for lab, k in model.label_rows.items()}
        return _evaluate_labels(model, labels)
    return _evaluate_labels(model, label_values(model, np.asarray(theta, float)))


def evaluate_batch(model: Model, thetas: np.ndarray) -> np.ndarray:
    """Values of the defined parameters for B parameter vectors.

    Parameters
    ----------
    model : Model
    thetas : ndarray (B, q)

    Returns
    -------
    ndarray (B, n_defined)

    Examples
    --------
    >>> m = Model.from_syntax("y ~ a*x\\nz ~ b*y\\nind := a*b", ["x", "y", "z"])
    >>> evaluate_batch(m, np.array([[0.5, 0.4, 1.0, 1.0], [1.0, 2.0, 1.0, 1.0]]))
    array([[0.2],
           [2. ]])
    """
    thetas = np.atleast_2d(np.asarray(thetas, float))
    if not model.definitions:
        return np.zeros((thetas.shape[0], 0))
    return _evaluate_labels(model, label_values(model, thetas))


def jacobian(model: Model, theta: np.ndarray, *, h: float = 1e-6) -> np.ndarray:
    """Derivatives of the defined parameters with respect to theta, by central differences.

    Parameters
    ----------
    model : Model
    theta : ndarray (q,)
    h : float
        Relative step.

    Returns
    -------
    ndarray (n_defined, q)

    Examples
    --------
    >>> m = Model.from_syntax("y ~ a*x\\nz ~ b*y\\nind := a*b", ["x", "y", "z"])
    >>> jacobian(m, np.array([0.5, 0.4, 1.0, 1.0])).round(6)
    array([[0.4, 0.5, 0. , 0. ]])
    """
    theta = np.asarray(theta, float)
    q = theta.size
    steps = h * np.maximum(1.0, np.abs(theta))
    plus = theta[None, :] + np.diag(steps)
    minus = theta[None, :] - np.diag(steps)
    both = evaluate_batch(model, np.vstack([plus, minus]))
    return ((both[:q] - both[q:]) / (2 * steps[:, None])).T


def delta_vcov(model: Model, theta: np.ndarray, vcov: np.ndarray) -> np.ndarray:
    """Delta-method covariance matrix of the defined parameters, ``J V J'``.

    Parameters
    ----------
    model : Model
    theta : ndarray (q,)
    vcov : ndarray (q, q)
        Covariance matrix of the free parameters.

    Returns
    -------
    ndarray (n_defined, n_defined)

    Examples
    --------
    >>> m = Model.from_syntax("y ~ a*x\\nz ~ b*y\\nind := a*b", ["x", "y", "z"])
    >>> v = np.diag([0.01, 0.04, 0.0, 0.0])
    >>> float(np.sqrt(delta_vcov(m, np.array([0.5, 0.4, 1.0, 1.0]), v)[0, 0])).__round__(4)
    0.1077
    """
    j = jacobian(model, theta)
    return j @ np.asarray(vcov, float) @ j.T

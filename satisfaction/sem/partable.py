"""The parameter table: lavaan's variable classes and ``sem()`` defaults.

:func:`build_partable` turns the user's formulas (:mod:`.syntax`) into lavaan's
parameter table: user rows first, then the defaults lavaan adds
(``lav_partable_flat``): residual variances of the non-exogenous observed
variables and variances of the latent ones (``auto.var``), covariances of the
exogenous latent variables (``auto.cov.lv.x``) and of the pure outcomes
(``auto.cov.y``), the fixed.x block of exogenous observed covariates, and the
intercepts with a mean structure. First loadings are fixed to 1
(``auto.fix.first``) unless ``std_lv``; a single indicator's residual variance
is fixed to 0 (``auto.fix.single``); the user's modifiers win; parameters
sharing a label share one free index.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import SEMError
from .syntax import expression_names

__all__ = ["variable_names", "build_partable", "RAM_MATRIX"]

#: RAM matrix of each operator: 0 = A (directed), 1 = S (covariances), 2 = M (means)
RAM_MATRIX = {"=~": 0, "~": 0, "~~": 1, "~1": 2}


def _unique(seq) -> list:
    out: list = []
    for x in seq:
        if x not in out:
            out.append(x)
    return out


def variable_names(formulas, fixed_x: bool) -> dict[str, list[str]]:
    """lavaan's variable classes (``lav_partable_vnames``) from the user formulas.

    Parameters
    ----------
    formulas : list of Formula
    fixed_x : bool
        Whether exogenous observed covariates are fixed (lavaan's ``fixed.x``).

    Returns
    -------
    dict
        ``lv`` (latent), ``ov`` (observed, in lavaan's order: indicators, outcomes,
        covariates, others), ``ov_x`` (fixed.x covariates), ``ov_nox``, ``lv_x``
        (exogenous latents), ``ov_y`` and ``lv_y`` (pure outcomes).

    Examples
    --------
    >>> from satisfaction.sem.syntax import parse_syntax
    >>> f, _ = parse_syntax("y1 ~ x1\\nF =~ y2 + y3 + y4\\nF ~ y1")
    >>> variable_names(f, True)["ov"]
    ['y2', 'y3', 'y4', 'y1', 'x1']
    """
    lv = _unique(f.lhs for f in formulas if f.op == "=~")
    v_ind = _unique(f.rhs for f in formulas if f.op == "=~")
    eqs_y = _unique(f.lhs for f in formulas if f.op == "~")
    eqs_x = _unique(f.rhs for f in formulas if f.op == "~")
    ov_ind = [v for v in v_ind if v not in lv]
    ov_y = [v for v in eqs_y if v not in lv and v not in ov_ind]
    ov_x = [v for v in eqs_x if v not in lv and v not in ov_ind and v not in ov_y]
    cov_vars = [f.lhs for f in formulas if f.op == "~~"] + [f.rhs for f in formulas if f.op == "~~"]
    extra = _unique(
        [v for v in cov_vars if v not in lv]
        + [f.lhs for f in formulas if f.op == "~1" and f.lhs not in lv]
    )
    ov = ov_ind + ov_y + ov_x + [v for v in extra if v not in ov_ind + ov_y + ov_x]
    ov_names_x = [v for v in ov_x if v not in cov_vars] if fixed_x else []
    pure_y = [v for v in eqs_y if v not in v_ind and v not in eqs_x]
    return {
        "lv": lv,
        "ov": ov,
        "ov_x": ov_names_x,
        # fixed.x = FALSE: the same covariates, modelled (their covariances are free)
        "ov_x_free": [] if fixed_x else [v for v in ov_x if v not in cov_vars],
        "ov_nox": [v for v in ov if v not in ov_names_x],
        "lv_x": [v for v in lv if v not in v_ind and v not in eqs_y],
        "ov_y": [v for v in ov if v in pure_y],
        "lv_y": [v for v in lv if v in pure_y],
    }


def build_partable(formulas, definitions, names, *, meanstructure, std_lv) -> pd.DataFrame:
    """The parameter table with lavaan's ``sem()`` defaults and the user's modifiers.

    Parameters
    ----------
    formulas, definitions : lists from :func:`.syntax.parse_syntax`
    names : dict
        From :func:`variable_names`.
    meanstructure, std_lv : bool

    Returns
    -------
    pandas.DataFrame
        ``lhs, op, rhs, label, free, value, start, user, exo, line``; ``:=`` rows last.

    Raises
    ------
    SEMError
        A label used for a fixed and a free parameter, or a ``:=`` naming an
        unknown label.

    Examples
    --------
    >>> from satisfaction.sem.syntax import parse_syntax
    >>> f, d = parse_syntax("F =~ a + b + c")
    >>> build_partable(f, d, variable_names(f, True), meanstructure=False,
    ...                std_lv=False)["free"].tolist()
    [0, 1, 2, 3, 4, 5, 6]
    """
    lv, ov, ov_x = names["lv"], names["ov"], names["ov_x"]
    default: list[tuple[str, str, str]] = []
    default += [(v, "~~", v) for v in names["ov_nox"] + lv]
    lvx = names["lv_x"]
    default += [(lvx[i], "~~", lvx[j]) for i in range(len(lvx)) for j in range(i + 1, len(lvx))]
    ys = names["lv_y"] + names["ov_y"]
    default += [(ys[i], "~~", ys[j]) for i in range(len(ys)) for j in range(i + 1, len(ys))]
    default += [(ov_x[j], "~~", ov_x[i]) for j in range(len(ov_x)) for i in range(j, len(ov_x))]
    oxf = names.get("ov_x_free", [])
    default += [(oxf[j], "~~", oxf[i]) for j in range(len(oxf)) for i in range(j + 1, len(oxf))]
    if meanstructure:
        default += [(v, "~1", "") for v in ov + lv]
    user_keys = set()
    for f in formulas:
        user_keys.add((f.lhs, f.op, f.rhs))
        if f.op == "~~":
            user_keys.add((f.rhs, f.op, f.lhs))
    default = [d for d in default if d not in user_keys]

    formulas_all = list(formulas) + [None] * len(default)
    lhs = np.array([f.lhs for f in formulas] + [d[0] for d in default], dtype=object)
    op = np.array([f.op for f in formulas] + [d[1] for d in default], dtype=object)
    rhs = np.array([f.rhs for f in formulas] + [d[2] for d in default], dtype=object)
    user = np.array([True] * len(formulas) + [False] * len(default), dtype=bool)
    n = len(lhs)
    free = np.ones(n, dtype=bool)
    value = np.full(n, np.nan)
    exo = np.zeros(n, dtype=bool)
    is_var = (op == "~~") & (lhs == rhs)
    if std_lv:
        idx = is_var & np.isin(lhs, lv)
        free[idx], value[idx] = False, 1.0
    else:
        seen: set[str] = set()
        for i in range(n):
            if op[i] == "=~" and lhs[i] not in seen:
                seen.add(lhs[i])
                free[i], value[i] = False, 1.0
    # auto.fix.single: an indicator that alone measures a latent gets residual variance 0
    mm = op == "=~"
    for latent in lv:
        inds = rhs[mm & (lhs == latent)]
        if len(inds) == 1 and (rhs[mm] == inds[0]).sum() == 1:
            idx = is_var & (lhs == inds[0]) & ~user
            free[idx], value[idx] = False, 0.0
    if meanstructure:
        idx = (op == "~1") & np.isin(lhs, lv) & ~user
        free[idx], value[idx] = False, 0.0
    if ov_x:
        idx = (op == "~~") & np.isin(lhs, ov_x) & np.isin(rhs, ov_x) & ~user
        idx |= (op == "~1") & np.isin(lhs, ov_x) & ~user
        free[idx], exo[idx] = False, True
    labels = np.full(n, "", dtype=object)
    start = np.full(n, np.nan)
    line = np.zeros(n, dtype=int)
    for i in range(n):
        f = formulas_all[i]
        if f is None:
            continue
        line[i] = f.line
        labels[i] = f.label
        if f.fixed is not None:
            free[i], value[i] = False, f.fixed
        elif f.free_na:
            free[i], value[i] = True, np.nan
        if f.start is not None:
            start[i] = f.start
    # free indices; a label shared by several rows makes them one parameter
    free_idx = np.zeros(n, dtype=int)
    by_label: dict[str, int] = {}
    q = 0
    for i in range(n):
        if not free[i]:
            continue
        if labels[i] and labels[i] in by_label:
            free_idx[i] = by_label[labels[i]]
            continue
        q += 1
        free_idx[i] = q
        if labels[i]:
            by_label[labels[i]] = q
    for i in range(n):
        if labels[i] and not free[i] and labels[i] in by_label:
            raise SEMError(
                f"model syntax line {line[i]}: label {labels[i]!r} is used for a fixed and a free "
                "parameter; give the fixed parameter another label or free it"
            )
    table = pd.DataFrame(
        {
            "lhs": lhs,
            "op": op,
            "rhs": rhs,
            "label": labels.astype(str),
            "free": free_idx,
            "value": value,
            "start": start,
            "user": user.astype(bool),
            "exo": exo,
            "line": line,
        }
    )
    known = set(labels[labels != ""])
    drows = []
    for d in definitions:
        for name in expression_names(d.expr):
            if name not in known:
                raise SEMError(
                    f"model syntax line {d.line}: {name!r} in '{d.name} := {d.expr}' is not a "
                    "label of any parameter; label the path first, e.g. 'y ~ b*x'"
                )
        if d.name in known:
            raise SEMError(
                f"model syntax line {d.line}: the defined parameter {d.name!r} has the name of a "
                "label; choose another name"
            )
        known.add(d.name)
        drows.append(
            {
                "lhs": d.name,
                "op": ":=",
                "rhs": d.expr,
                "label": d.name,
                "free": 0,
                "value": np.nan,
                "start": np.nan,
                "user": True,
                "exo": False,
                "line": d.line,
            }
        )
    if drows:
        table = pd.concat([table, pd.DataFrame(drows)], ignore_index=True)
    return table

"""Measurement invariance (equivalence) across groups or waves, level by level, with a partial search.

:func:`invariance` fits the configural, metric (equal loadings), scalar (+ equal
intercepts) and strict (+ equal residual variances) models of :mod:`.groups`, and
compares each level with the previous one:

* the chi-square difference test, for MLR the Satorra-Bentler (2001) scaled
  difference as lavaan's ``lavTestLRT()`` (``c_d = (df_0 c_0 - df_1 c_1) / (df_0 - df_1)``,
  ``T_d = (T_0 - T_1) / c_d``);
* ``delta_cfi``, ``delta_rmsea``, ``delta_srmr`` (this level minus the previous one);
* a verdict under stated cut-offs (:data:`CRITERIA`):

  - ``"chen2007"`` (default; Chen 2007, Table 4 note, for N > 300): the level fails
    when ``delta_cfi <= -0.010`` together with ``delta_rmsea >= 0.015`` or
    ``delta_srmr >= 0.030`` (metric) / ``0.010`` (scalar, strict);
  - ``"cheung_rensvold2002"``: fails when ``delta_cfi < -0.01`` (Cheung & Rensvold 2002);
  - ``"chisq"``: fails when the (scaled) difference test has ``p < 0.05``.

**Partial invariance.** When a level fails and ``partial=True``, the constraint of
that level with the largest univariate score test (lavaan's ``lavTestScore``; see
:func:`.groups.score_tests`) is released for all groups (lavaan's
``group.partial``), the model is refitted and judged again against the same
previous level, until the level holds or ``max_free`` parameters have been freed.
Parameters freed at one level stay free at the next. Every step is a row of
``InvarianceResult.steps``.

References: Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of
measurement invariance. *Structural Equation Modeling*, 14, 464-504. Cheung, G. W.,
& Rensvold, R. B. (2002). *Structural Equation Modeling*, 9, 233-255. Byrne,
Shavelson & Muthén (1989) for the partial search.
"""

from __future__ import annotations

import html
import warnings

import numpy as np
import pandas as pd

from ..errors import SEMError, SEMWarning
from ..options import check_option
from .builders import longitudinal_model
from .fitindices import chisq_pvalue
from .groupresult import GroupResult, score_tests
from .groups import fit_groups

__all__ = [
    "invariance",
    "longitudinal_invariance",
    "InvarianceResult",
    "LEVELS",
    "CRITERIA",
    "scaled_difference",
]

#: invariance levels, in order, with the parameter classes constrained equal
LEVELS = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
}
#: the class each level adds (what a partial search may release)
_ADDED = {"metric": "loadings", "scalar": "intercepts", "strict": "residuals"}
#: verdict rules
CRITERIA = ("chen2007", "cheung_rensvold2002", "chisq")

TABLE_COLUMNS = [
    "level",
    "npar",
    "chisq",
    "df",
    "pvalue",
    "cfi",
    "tli",
    "rmsea",
    "srmr",
    "chisq_diff",
    "df_diff",
    "pvalue_diff",
    "delta_cfi",
    "delta_rmsea",
    "delta_srmr",
    "holds",
    "freed",
]


def scaled_difference(restricted, free) -> tuple[float, float, float]:
    """Chi-square difference of two nested fits (Satorra-Bentler 2001 for MLR), lavaan's rule.

    Parameters
    ----------
    restricted, free : GroupResult or SEMResult
        The more and the less constrained fit (same data, same estimator).

    Returns
    -------
    (chisq_diff, df_diff, pvalue)
    """
    f0, f1 = restricted.fit_measures, free.fit_measures
    ddf = float(f0["df"] - f1["df"])
    if ddf <= 0:
        return np.nan, ddf, np.nan
    if restricted.estimator == "MLR":
        c0, c1 = f0["chisq_scaling_factor"], f1["chisq_scaling_factor"]
        cd = (f0["df"] * c0 - f1["df"] * c1) / ddf
        diff = (f0["chisq"] - f1["chisq"]) / cd if cd > 0 else np.nan
    else:
        diff = f0["chisq"] - f1["chisq"]
    diff = max(float(diff), 0.0) if np.isfinite(diff) else np.nan
    return diff, ddf, chisq_pvalue(diff, ddf)


def _holds(row: dict, level: str, criterion: str) -> bool:
    if criterion == "chisq":
        return not row["pvalue_diff"] < 0.05
    if criterion == "cheung_rensvold2002":
        return not row["delta_cfi"] < -0.01
    srmr_cut = 0.030 if level == "metric" else 0.010
    worse = row["delta_rmsea"] >= 0.015 or row["delta_srmr"] >= srmr_cut
    return not (row["delta_cfi"] <= -0.010 and worse)


def _row(level: str, fit: GroupResult, prev: GroupResult | None, freed, criterion) -> dict:
    fm = fit.fit_measures
    row = {
        "level": level,
        "npar": int(fm["npar"]),
        "chisq": float(fm["chisq"]),
        "df": int(fm["df"]),
        "pvalue": float(fm["pvalue"]),
        "cfi": float(fm["cfi"]),
        "tli": float(fm["tli"]),
        "rmsea": float(fm["rmsea"]),
        "srmr": float(fm["srmr"]),
        "freed": ", ".join(freed),
    }
    if fit.estimator == "MLR":
        row["chisq_scaled"] = float(fm["chisq_scaled"])
    if prev is None:
        row.update(
            chisq_diff=np.nan,
            df_diff=np.nan,
            pvalue_diff=np.nan,
            delta_cfi=np.nan,
            delta_rmsea=np.nan,
            delta_srmr=np.nan,
            holds=True,
        )
        return row
    pm = prev.fit_measures
    diff, ddf, p = scaled_difference(fit, prev)
    row.update(
        chisq_diff=diff,
        df_diff=ddf,
        pvalue_diff=p,
        delta_cfi=float(fm["cfi"] - pm["cfi"]),
        delta_rmsea=float(fm["rmsea"] - pm["rmsea"]),
        delta_srmr=float(fm["srmr"] - pm["srmr"]),
    )
    row["holds"] = _holds(row, level, criterion)
    return row


class InvarianceResult:
    """The invariance sequence: a table, the partial-search steps and the fits.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per level (its final, possibly partial, model): ``level, npar, chisq,
        df, pvalue, cfi, tli, rmsea, srmr, chisq_diff, df_diff, pvalue_diff, delta_cfi,
        delta_rmsea, delta_srmr, holds, freed`` (``chisq_scaled`` too for MLR).
    steps : pandas.DataFrame
        Every model fitted, in order: ``level, step, released, x2`` (the score test of
        the released constraint) and the columns of ``table``.
    fits : dict
        Level -> the final :class:`~satisfaction.sem.groups.GroupResult`.
    freed : list of str
        The parameters released by the partial search, in lavaan's ``group.partial``
        spelling (``"x3 ~ 1"``).
    criterion : str
    """

    def __init__(self, table, steps, fits, freed, criterion):
        self.table = table
        self.steps = steps
        self.fits = fits
        self.freed = list(freed)
        self.criterion = criterion

    def __repr__(self) -> str:
        shown = self.table[["level", "chisq", "df", "cfi", "rmsea", "holds", "freed"]]
        return f"<InvarianceResult ({self.criterion})>\n{shown.to_string(index=False)}"

    def _repr_html_(self) -> str:
        body = self.table.to_html(index=False, float_format=lambda v: f"{v:.3f}", na_rep="")
        return f"<div><b>Measurement invariance ({html.escape(self.criterion)})</b>{body}</div>"


def invariance(
    model: str,
    data: pd.DataFrame,
    group: str,
    levels=("configural", "metric", "scalar", "strict"),
    estimator: str = "ML",
    criterion: str = "chen2007",
    partial: bool = True,
    max_free: int = 3,
    std_lv: bool = False,
) -> InvarianceResult:
    """Test configural, metric, scalar and strict invariance across the groups of a column.

    Parameters
    ----------
    model : str
        lavaan syntax of the measurement model (the same in every group).
    data : pandas.DataFrame
    group : str
        The grouping column (e.g. before/after a supervisor change).
    levels : sequence of str
        Levels to fit, in order, from :data:`LEVELS`.
    estimator : {"ML", "MLR"}
        MLR scales the difference tests (Satorra-Bentler 2001).
    criterion : {"chen2007", "cheung_rensvold2002", "chisq"}
        The verdict rule (see the module docstring).
    partial : bool
        Search for partial invariance when a level fails.
    max_free : int
        At most this many parameters are released per level.
    std_lv : bool
        Identify the factors by their variances (group 1) instead of marker loadings.

    Returns
    -------
    InvarianceResult

    Examples
    --------
    >>> from semopy.examples import holzinger39
    >>> hs = holzinger39.get_data()
    >>> model = "visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9"
    >>> res = invariance(model, hs, "school")
    >>> res.steps[["level", "step", "released", "chisq", "df", "holds"]].round(3)
            level  step released    chisq  df  holds
    0  configural     0           115.851  48   True
    1      metric     0           124.044  54   True
    2      scalar     0           164.103  60  False
    3      scalar     1   x3 ~ 1  144.579  59   True
    4      strict     0           162.125  68   True
    >>> res.freed  # scalar fails under Chen (2007); freeing x3's intercept restores it
    ['x3 ~ 1']
    """
    where = "invariance"
    levels = [check_option(lv, tuple(LEVELS), "levels", where) for lv in levels]
    order = list(LEVELS)
    if [order.index(lv) for lv in levels] != sorted(order.index(lv) for lv in levels):
        raise SEMError(
            f"{where}: levels={levels} are not in order; use configural, metric, scalar, strict"
        )
    estimator = check_option(estimator, ("ML", "MLR"), "estimator", where)
    criterion = check_option(criterion, CRITERIA, "criterion", where)
    if not isinstance(max_free, (int, np.integer)) or max_free < 0:
        raise SEMError(f"{where}: max_free={max_free!r} must be a whole number >= 0")
    freed: list[str] = []
    fits: dict = {}
    rows, steps = [], []
    prev = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SEMWarning)
        for level in levels:
            equal = LEVELS[level]
            step, released, x2 = 0, "", np.nan
            while True:
                fit = fit_groups(
                    model,
                    data,
                    group,
                    estimator=estimator,
                    group_equal=equal,
                    group_partial=freed,
                    std_lv=std_lv,
                )
                row = _row(level, fit, prev, freed, criterion)
                steps.append({"level": level, "step": step, "released": released, "x2": x2, **row})
                added = _ADDED.get(level)
                if row["holds"] or not partial or added is None or step >= max_free:
                    break
                tests = score_tests(fit, classes=(added,))
                tests = tests[np.isfinite(tests["x2"])]
                if not len(tests):
                    break
                top = tests.iloc[0]
                released = (
                    f"{top['lhs']} ~ 1"
                    if top["op"] == "~1"
                    else f"{top['lhs']} {top['op']} {top['rhs']}"
                )
                x2 = float(top["x2"])
                freed.append(released)
                step += 1
            fits[level] = fit
            rows.append(row)
            prev = fit
    table = pd.DataFrame(rows)
    cols = [c for c in TABLE_COLUMNS if c in table] + (
        ["chisq_scaled"] if "chisq_scaled" in table else []
    )
    step_cols = ["level", "step", "released", "x2"] + [c for c in cols if c != "level"]
    return InvarianceResult(table[cols], pd.DataFrame(steps)[step_cols], fits, freed, criterion)


def _release_score(fit, syntax_ext: str, data) -> float:
    """Score test of a released equality in a single-group fit (expected information).

    The extended model is evaluated at the restricted estimates (each of its free
    parameters takes the estimate of its first row); ``x2 = N g' I^-1 g``.
    """
    from .groups import ml_parts
    from .model import Model

    ext = Model.from_syntax(syntax_ext, data.columns, meanstructure=True)
    est = fit.estimates
    value = {
        (lhs, op, rhs): v
        for lhs, op, rhs, v in zip(est["lhs"], est["op"], est["rhs"], est["est"], strict=True)
    }
    theta = np.array(
        [value[(ext._lhs[k], ext._op[k], ext._rhs[k])] for k in ext.free_rows], dtype=float
    )
    S, mean, n = fit.data_summary["S"], fit.data_summary["mean"], fit.data_summary["n"]
    _, grad, info = ml_parts(ext.with_sample(S, mean), theta, S, mean)
    try:
        return float(n * grad @ np.linalg.solve(info, grad))
    except np.linalg.LinAlgError:
        return float("nan")


def longitudinal_invariance(
    data: pd.DataFrame,
    construct: str,
    items,
    waves,
    levels=("configural", "metric", "scalar", "strict"),
    estimator: str = "ML",
    criterion: str = "chen2007",
    *,
    partial: bool = True,
    max_free: int = 3,
    sep: str = "_",
) -> InvarianceResult:
    """Invariance of one construct across waves of wide data (``ex1_t1 ... ex1_t4``).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per person, one column per item and wave.
    construct : str
    items, waves : sequence of str
        Item stems and wave suffixes (columns ``f"{item}{sep}{wave}"``).
    levels : sequence of str
        From :data:`LEVELS`, in order.
    estimator : {"ML", "MLR"}
    criterion : {"chen2007", "cheung_rensvold2002", "chisq"}
    partial : bool
        When a level fails, release the wave-specific parameter (loading, intercept or
        residual variance of one item in one wave) with the largest score test, refit,
        and repeat until the level holds or ``max_free`` are released.
    max_free : int
    sep : str

    Returns
    -------
    InvarianceResult

    Notes
    -----
    Each level is :func:`satisfaction.sem.builders.longitudinal_model` fitted as one
    single-group model (residuals of an item covary across waves), compared with the
    previous level as :func:`invariance` does. The score test of releasing one wave's
    copy of an equal parameter evaluates the extended model at the restricted
    estimates, ``x2 = N g' I^-1 g`` (expected information), as :func:`invariance`.
    """
    from .fitting import fit_sem

    where = "longitudinal_invariance"
    levels = [check_option(lv, tuple(LEVELS), "levels", where) for lv in levels]
    estimator = check_option(estimator, ("ML", "MLR"), "estimator", where)
    criterion = check_option(criterion, CRITERIA, "criterion", where)
    if not isinstance(max_free, (int, np.integer)) or max_free < 0:
        raise SEMError(f"{where}: max_free={max_free!r} must be a whole number >= 0")
    rows, steps, fits, prev, freed = [], [], {}, None, []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SEMWarning)
        for level in levels:
            step, released, x2 = 0, "", np.nan
            while True:
                syntax = longitudinal_model(construct, items, waves, level, sep=sep, free=freed)
                fit = fit_sem(syntax, data, estimator=estimator, meanstructure=True)
                row = _row(level, fit, prev, freed, criterion)
                steps.append({"level": level, "step": step, "released": released, "x2": x2, **row})
                if row["holds"] or not partial or level == "configural" or step >= max_free:
                    break
                best = (np.nan, "")
                for cand in _wave_candidates(construct, items, waves, level, sep, freed):
                    ext = longitudinal_model(
                        construct, items, waves, level, sep=sep, free=[*freed, cand]
                    )
                    score = _release_score(fit, ext, data)
                    if np.isfinite(score) and not score <= best[0]:
                        best = (score, cand)
                if not best[1]:
                    break
                x2, released = best
                freed.append(released)
                step += 1
            rows.append(row)
            fits[level] = prev = fit
    table = pd.DataFrame(rows)
    cols = [c for c in TABLE_COLUMNS if c in table] + (
        ["chisq_scaled"] if "chisq_scaled" in table else []
    )
    step_cols = ["level", "step", "released", "x2"] + [c for c in cols if c != "level"]
    return InvarianceResult(table[cols], pd.DataFrame(steps)[step_cols], fits, freed, criterion)


def _wave_candidates(construct, items, waves, level, sep, freed) -> list[str]:
    """The wave-specific copies of the parameters the level makes equal (not yet freed)."""
    kind = {"metric": "=~", "scalar": "~1", "strict": "~~"}[level]
    out = []
    for w in waves:
        for j, item in enumerate(items, start=1):
            col = f"{item}{sep}{w}"
            if kind == "=~":
                if j == 1:
                    continue  # the marker loading is fixed to 1 in every wave
                cand = f"{construct}{sep}{w} =~ {col}"
            elif kind == "~1":
                cand = f"{col} ~ 1"
            else:
                cand = f"{col} ~~ {col}"
            if cand not in freed:
                out.append(cand)
    return out

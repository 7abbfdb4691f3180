"""Compare nested models: chi-square difference tests and information criteria.

Like lavaan's ``lavTestLRT()`` / ``anova()``: the models are sorted by their
degrees of freedom (most constrained last), and each is tested against the
next less constrained one,

.. math:: \\Delta\\chi^2 = \\chi^2_0 - \\chi^2_1, \\qquad \\Delta df = df_0 - df_1.

For robust estimators (MLM, MLR) the difference is Satorra & Bentler's
(2001) scaled difference: with ``c_i`` the scaling factors of the two models,
``c_d = (df_0 c_0 - df_1 c_1) / (df_0 - df_1)`` and
``T_d = (T_0 - T_1) / c_d`` on the unscaled ML statistics ``T_i``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import SEMError, SEMWarning
from .groupresult import GroupResult
from .result import SEMResult

__all__ = ["compare_models"]

_ROBUST = ("MLM", "MLR")


def _scaling(result: SEMResult, name: str) -> tuple[float, float]:
    info = result.test.get("robust")
    if not info or "chisq_scaling_factor" not in info:
        raise SEMError(
            f"model {name!r} was fitted with {result.estimator} but its result has "
            "no scaled test (test['robust']['chisq_scaling_factor']); refit it with "
            "satisfaction.sem.fit_sem"
        )
    return float(info["chisq"]), float(info["chisq_scaling_factor"])


def compare_models(
    *results: SEMResult, names: list[str] | None = None, **named: SEMResult
) -> pd.DataFrame:
    """Chi-square difference tests and AIC/BIC for nested models.

    Parameters
    ----------
    *results : SEMResult or GroupResult
        Two or more fitted models on the same data, nested in each other
        (multi-group fits compare like single-group ones).
    names : list of str, optional
        Model names (default ``model1``, ``model2``, ... or the keyword names).
    **named : SEMResult
        Models passed as keywords, e.g. ``compare_models(full=r1, partial=r2)``.

    Returns
    -------
    pandas.DataFrame
        One row per model, sorted by ``df``: ``model, npar, df, chisq, aic, bic,
        chisq_diff, df_diff, pvalue`` (the differences against the model in the
        row above; NaN in the first row). Robust fits add ``chisq_scaled`` and the
        difference is the Satorra-Bentler (2001) scaled one.

    Raises
    ------
    SEMError
        Fewer than two models, different data or estimators, or a robust fit
        without its scaled test.

    Examples
    --------
    >>> from semopy.examples import political_democracy
    >>> from satisfaction.sem import fit_sem
    >>> data = political_democracy.get_data()
    >>> base = "ind60 =~ x1 + x2 + x3\\ndem60 =~ y1 + y2 + y3 + y4\\n"
    >>> r1 = fit_sem(base + "dem60 ~ ind60", data)
    >>> r0 = fit_sem(base + "dem60 ~ 0*ind60", data)
    >>> tab = compare_models(free=r1, fixed=r0)
    >>> tab[["model", "df", "df_diff"]]
      model  df  df_diff
    0  free  13      NaN
    1 fixed  14      1.0
    >>> bool(tab.loc[1, "pvalue"] < 0.001)
    True
    """
    models = list(results) + list(named.values())
    labels = (
        list(names)
        if names is not None
        else ([f"model{i + 1}" for i in range(len(results))] + list(named))
    )
    if len(models) < 2:
        raise SEMError(
            "compare_models() needs at least two fitted models, e.g. compare_models(full, partial)"
        )
    if len(labels) != len(models):
        raise SEMError(f"{len(labels)} names for {len(models)} models; give one name per model")
    for lab, m in zip(labels, models, strict=True):
        if not isinstance(m, (SEMResult, GroupResult)):
            raise SEMError(
                f"{lab!r} is a {type(m).__name__}, not a fitted SEMResult or GroupResult"
            )
    first = models[0]
    for lab, m in zip(labels[1:], models[1:], strict=True):
        if m.data_summary["n"] != first.data_summary["n"] or sorted(m.model.observed) != sorted(
            first.model.observed
        ):
            raise SEMError(
                f"model {lab!r} was not fitted to the same data as {labels[0]!r} "
                "(different observed variables or number of rows); nested models "
                "must share the data"
            )
        if m.estimator != first.estimator:
            raise SEMError(
                f"model {lab!r} used estimator {m.estimator!r} but {labels[0]!r} "
                f"used {first.estimator!r}; fit both with the same estimator"
            )
    robust = first.estimator in _ROBUST
    rows = []
    for lab, m in zip(labels, models, strict=True):
        fm = m.fit_measures
        row = {
            "model": lab,
            "npar": int(fm["npar"]),
            "df": int(fm["df"]),
            "chisq": float(fm["chisq"]),
            "aic": float(fm["aic"]),
            "bic": float(fm["bic"]),
        }
        if robust:
            row["chisq_scaled"] = float(fm.get("chisq_scaled", np.nan))
            row["_t"], row["_c"] = _scaling(m, lab)
        rows.append(row)
    order = sorted(range(len(rows)), key=lambda i: rows[i]["df"])
    rows = [rows[i] for i in order]
    dfs = [r["df"] for r in rows]
    if len(set(dfs)) < len(dfs):
        warnings.warn(
            "some models have the same degrees of freedom; they cannot be nested",
            SEMWarning,
            stacklevel=2,
        )
    for i, row in enumerate(rows):
        row["chisq_diff"] = row["df_diff"] = row["pvalue"] = np.nan
        if i == 0:
            continue
        prev = rows[i - 1]
        ddf = row["df"] - prev["df"]
        if ddf <= 0:
            continue
        if robust:
            cd = (row["df"] * row["_c"] - prev["df"] * prev["_c"]) / ddf
            diff = (row["_t"] - prev["_t"]) / cd if cd > 0 else np.nan
            if not cd > 0:
                warnings.warn(
                    "the Satorra-Bentler scaled difference is not defined here "
                    "(negative scaling factor); compare the unscaled statistics",
                    SEMWarning,
                    stacklevel=2,
                )
        else:
            diff = row["chisq"] - prev["chisq"]
        row["chisq_diff"] = max(diff, 0.0) if np.isfinite(diff) else np.nan
        row["df_diff"] = float(ddf)
        row["pvalue"] = float(stats.chi2.sf(row["chisq_diff"], ddf))
    out = pd.DataFrame(rows).drop(columns=["_t", "_c"], errors="ignore")
    cols = (
        ["model", "npar", "df", "chisq"]
        + (["chisq_scaled"] if robust else [])
        + ["aic", "bic", "chisq_diff", "df_diff", "pvalue"]
    )
    return out[cols]

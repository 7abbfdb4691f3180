"""H3 (lead) and H4 (loop): cross-lagged panel models of unit means.

:func:`clpm` and :func:`ri_clpm` write lavaan syntax (the random-intercept version
separates stable between-unit differences from within-unit change, Hamaker,
Kuiper & Grasman 2015); :func:`cross_lagged` fits them with the package's SEM
engine on the wide unit panel (one row per unit, one column per construct and
wave) and labels the cross-lagged effects; :func:`fixed_effects_panel` is the robust
alternative, a within-unit regression with unit fixed effects and unit-clustered
standard errors (statsmodels).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError
from ..options import check_option
from ..sem import fit_sem
from .common import as_wide_panel, cluster_ols, lead_frame, tidy

__all__ = ["clpm", "ri_clpm", "cross_lagged", "fixed_effects_panel", "MODELS"]

#: The cross-lagged models :func:`cross_lagged` fits.
MODELS = ("clpm", "ri_clpm")


def _check_waves(waves: int, where: str) -> int:
    if isinstance(waves, bool) or not isinstance(waves, (int, np.integer)) or waves < 2:
        raise InputError(f"{where}: waves={waves!r} must be a whole number of at least 2")
    return int(waves)


def _lagged_paths(x: str, y: str, w: str, waves: int, equal: bool) -> list[str]:
    lines = []
    for t in range(2, waves + 1):
        lab = (lambda s: s) if equal else (lambda s, t=t: f"{s}{t}")
        lines.append(f"{w}{x}{t} ~ {lab('a_x')}*{w}{x}{t - 1} + {lab('c_yx')}*{w}{y}{t - 1}")
        lines.append(f"{w}{y}{t} ~ {lab('a_y')}*{w}{y}{t - 1} + {lab('c_xy')}*{w}{x}{t - 1}")
        lines.append(f"{w}{x}{t} ~~ {w}{y}{t}")
    return lines


def clpm(x: str = "EX", y: str = "CSAT", waves: int = 4, *, equal: bool = True) -> str:
    """lavaan syntax of the cross-lagged panel model of ``x`` and ``y`` over ``waves`` waves.

    Observed variables are named ``<x>_<t>`` and ``<y>_<t>`` (``EX_1 ... EX_4``).
    ``c_xy`` labels ``x(t-1) -> y(t)`` (H3 with x = EX, y = CSAT) and ``c_yx`` labels
    ``y(t-1) -> x(t)`` (H4, the loop); ``a_x, a_y`` are the autoregressions. With
    ``equal=True`` each path is held equal over waves (one label), which a short
    panel of few units needs; ``equal=False`` gives wave-specific labels ``c_xy2 ...``.

    Examples
    --------
    >>> print(clpm("EX", "CSAT", waves=2))
    EX_2 ~ a_x*EX_1 + c_yx*CSAT_1
    CSAT_2 ~ a_y*CSAT_1 + c_xy*EX_1
    EX_2 ~~ CSAT_2
    EX_1 ~~ CSAT_1
    """
    waves = _check_waves(waves, "clpm")
    lines = []
    for t in range(2, waves + 1):
        lab = (lambda s: s) if equal else (lambda s, t=t: f"{s}{t}")
        lines.append(f"{x}_{t} ~ {lab('a_x')}*{x}_{t - 1} + {lab('c_yx')}*{y}_{t - 1}")
        lines.append(f"{y}_{t} ~ {lab('a_y')}*{y}_{t - 1} + {lab('c_xy')}*{x}_{t - 1}")
        lines.append(f"{x}_{t} ~~ {y}_{t}")
    lines.append(f"{x}_1 ~~ {y}_1")
    return "\n".join(lines)


def ri_clpm(x: str = "EX", y: str = "CSAT", waves: int = 4, *, equal: bool = True) -> str:
    """lavaan syntax of the random-intercept cross-lagged panel model (Hamaker et al. 2015).

    Random intercepts ``RI_<x>``, ``RI_<y>`` (loadings 1 on every wave) hold each unit's
    stable level; within-unit components ``w<x><t>`` (loading 1, the observed residual
    variance fixed at 0) carry the dynamics, with the same labels as :func:`clpm`
    (``c_xy``: x(t-1) -> y(t) within units; ``c_yx``: y(t-1) -> x(t)). The random
    intercepts are uncorrelated with the first wave's within components.

    Examples
    --------
    >>> syntax = ri_clpm("EX", "CSAT", waves=3)
    >>> print(syntax.splitlines()[0])
    RI_EX =~ 1*EX_1 + 1*EX_2 + 1*EX_3
    >>> "wCSAT3 ~ a_y*wCSAT2 + c_xy*wEX2" in syntax
    True
    """
    waves = _check_waves(waves, "ri_clpm")
    ts = range(1, waves + 1)
    lines = [
        f"RI_{x} =~ " + " + ".join(f"1*{x}_{t}" for t in ts),
        f"RI_{y} =~ " + " + ".join(f"1*{y}_{t}" for t in ts),
    ]
    for v in (x, y):
        lines += [f"w{v}{t} =~ 1*{v}_{t}" for t in ts]
        lines += [f"{v}_{t} ~~ 0*{v}_{t}" for t in ts]
    lines += _lagged_paths(x, y, "w", waves, equal)
    lines += [f"w{x}1 ~~ w{y}1", f"RI_{x} ~~ RI_{y}"]
    lines += [f"RI_{r} ~~ 0*w{v}1" for r in (x, y) for v in (x, y)]
    return "\n".join(lines)


def _wide_by_wave(panel: pd.DataFrame, x: str, y: str) -> tuple[pd.DataFrame, list[str]]:
    periods = sorted(panel["period"].dropna().unique())
    rows = panel.pivot_table(index="unit", columns="period", values=[x, y], aggfunc="first")
    out = pd.DataFrame(index=rows.index)
    for v in (x, y):
        for t, p in enumerate(periods, start=1):
            out[f"{v}_{t}"] = rows[(v, p)] if (v, p) in rows.columns else np.nan
    return out.reset_index(drop=True), periods


def cross_lagged(
    panel: pd.DataFrame,
    x: str = "EX",
    y: str = "CSAT",
    model: str = "ri_clpm",
    *,
    equal: bool = True,
    level: float = 0.95,
) -> pd.DataFrame:
    """Fit a CLPM or RI-CLPM of two unit-level series with the SEM engine.

    Parameters
    ----------
    panel : DataFrame
        A unit x period panel: wide (``unit, period, EX, CSAT``, e.g. from
        :func:`satisfaction.link` with ``lag=0``) or long (:func:`satisfaction.unit_panel`).
    x, y : str
        The two constructs (H3/H4: ``x="EX"``, ``y="CSAT"``).
    model : {"clpm", "ri_clpm"}
        The model (:func:`clpm` or :func:`ri_clpm`), paths equal over waves by default.
    equal : bool
        Hold each path equal over waves.
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        One row per lagged path: ``effect`` (``"EX(t-1) -> CSAT(t)"`` ...), ``label``
        (``c_xy, c_yx, a_x, a_y``), ``estimate, se, pvalue, ci_lower, ci_upper, n``
        (units), ``waves``, ``method``. Paths are on the scale of the unit means
        (unstandardised).

    Raises
    ------
    InputError
        When the panel is too short or too small for the model: fewer than 3 waves
        (RI-CLPM; 2 for a CLPM), or fewer than 10 units (or than twice the lagged paths
        when they vary over waves).

    Notes
    -----
    With few units (the sample has 40) the ML Wald tests of the cross-lagged paths are
    somewhat liberal; ``benchmarks/null_lead.py`` measures how often a null organisation
    (no lead, no loop) shows a significant lead, against the fixed-effects regression.

    Examples
    --------
    >>> import satisfaction as sat
    >>> from satisfaction.claims.examples import sample_panel
    >>> out = cross_lagged(sample_panel(), "EX", "CSAT", model="clpm")
    >>> out[["effect", "label"]].head(2)
                   effect label
    0  EX(t-1) -> CSAT(t)  c_xy
    1  CSAT(t-1) -> EX(t)  c_yx
    """
    model = check_option(model, MODELS, "model", "cross_lagged")
    wide = as_wide_panel(panel, (x, y))
    data, periods = _wide_by_wave(wide, x, y)
    waves = len(periods)
    need = 3 if model == "ri_clpm" else 2
    if waves < need:
        raise InputError(
            f"cross_lagged: the panel has {waves} wave(s) of {x} and {y}; a {model} needs "
            f"at least {need} (collect more periods or use fixed_effects_panel)"
        )
    syntax = (ri_clpm if model == "ri_clpm" else clpm)(x, y, waves, equal=equal)
    n_paths = 4 * (1 if equal else waves - 1)
    if len(data) < max(10, 2 * n_paths):
        raise InputError(
            f"cross_lagged: {len(data)} units are too few for a {model} with {waves} waves; "
            "hold paths equal over waves (equal=True) or use fixed_effects_panel"
        )
    missing = "fiml" if data.isna().any().any() else "listwise"
    fit = fit_sem(syntax, data, missing=missing, level=level)
    est = fit.estimates
    rows = []
    names = {
        "c_xy": f"{x}(t-1) -> {y}(t)",
        "c_yx": f"{y}(t-1) -> {x}(t)",
        "a_x": f"{x}(t-1) -> {x}(t)",
        "a_y": f"{y}(t-1) -> {y}(t)",
    }
    for lab, effect in names.items():
        part = est[(est["op"] == "~") & (est["label"].astype(str).str.startswith(lab))]
        for r in part.drop_duplicates("label").itertuples():
            rows.append(
                {
                    "effect": effect if equal else f"{effect} [{r.lhs}]",
                    "label": r.label,
                    "estimate": r.est,
                    "se": r.se,
                    "pvalue": r.pvalue,
                    "ci_lower": r.ci_lower,
                    "ci_upper": r.ci_upper,
                    "n": len(data),
                    "waves": waves,
                }
            )
    method = {
        "clpm": "cross-lagged panel model (SEM, ML), paths equal over waves",
        "ri_clpm": "random-intercept cross-lagged panel model (Hamaker et al. 2015; SEM, ML), "
        "within-unit paths equal over waves",
    }[model]
    if not equal:
        method = method.replace(", paths equal over waves", "").replace(
            ", within-unit paths equal over waves", ""
        )
    out = pd.DataFrame(rows)
    out["method"] = method + (" (FIML)" if missing == "fiml" else "")
    return out


def fixed_effects_panel(
    panel: pd.DataFrame,
    x: str = "EX",
    y: str = "CSAT",
    lag: int = 1,
    *,
    time_effects: bool = True,
    level: float = 0.95,
) -> pd.DataFrame:
    """Within-unit cross-lagged regressions with unit fixed effects (the robust alternative).

    ``y(t+lag) ~ x(t) + y(t) + unit + period`` and ``x(t+lag) ~ y(t) + x(t) + unit +
    period`` by OLS (statsmodels) with standard errors clustered by unit.

    Parameters
    ----------
    panel : DataFrame
        Wide or long unit x period panel (as :func:`cross_lagged`).
    x, y : str
        The two constructs.
    lag : int
        Periods ahead.
    time_effects : bool
        Period dummies (common shocks of a quarter).
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        Two rows, ``effect`` ``"EX(t) -> CSAT(t+1)"`` and ``"CSAT(t) -> EX(t+1)"``, with
        ``estimate, se, pvalue, ci_lower, ci_upper, n`` (unit-periods), ``n_units, method``.

    Notes
    -----
    With a lagged outcome among the regressors and few periods per unit, the
    fixed-effects estimate carries Nickell's (1981) bias of order ``1/T``; read it
    together with the RI-CLPM, which estimates the same within-unit paths by ML.

    Examples
    --------
    >>> from satisfaction.claims.examples import sample_panel
    >>> fixed_effects_panel(sample_panel())["effect"].tolist()
    ['EX(t) -> CSAT(t+1)', 'CSAT(t) -> EX(t+1)']
    """
    wide = as_wide_panel(panel, (x, y))
    rows = []
    for a, b in ((x, y), (y, x)):
        d = lead_frame(wide, b, lag).dropna(subset=[a, b, "lead"])
        formula = f"lead ~ Q('{a}') + Q('{b}') + C(unit)" + (" + C(period)" if time_effects else "")
        fit = cluster_ols(formula, d)
        rows.append(
            tidy(
                fit,
                f"Q('{a}')",
                level,
                effect=f"{a}(t) -> {b}(t+{lag})",
                n_units=d["unit"].nunique(),
                method="within-unit OLS, unit"
                + (" and period" if time_effects else "")
                + f" fixed effects, {b}(t+{lag}) ~ {a}(t) + {b}(t), unit-clustered SE",
            )
        )
    return pd.DataFrame(rows)

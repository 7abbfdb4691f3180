"""Agreement within units and reliability of unit means: ICC(1), ICC(2), r_wg(j).

Aggregating people's answers to a unit mean is only meaningful when people in a
unit agree more than people across units (ICC(1)) and when the unit mean is
measured reliably (ICC(2)). Both come from the one-way ANOVA of person scores on
their group, as in R's ``multilevel::ICC1``/``ICC2`` (Bliese 2000); r_wg(j)
compares the within-group item variances with a uniform ("no agreement") null
(James, Demaree & Wolf 1984), as ``multilevel::rwg.j``. pingouin's ``intraclass_corr``
is for raters x targets designs (every rater rates every target), not for people
nested in groups of unequal size, so the ANOVA decomposition is written here; the
tests compare it with ``multilevel`` (tests/reference/make_agreement.R).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import InputError

__all__ = ["icc", "rwg_j", "spearman_brown"]


def icc(values: Sequence[float] | pd.Series, groups: Sequence | pd.Series) -> dict[str, float]:
    """ICC(1) and ICC(2) of scores nested in groups (one-way ANOVA).

    Parameters
    ----------
    values : sequence of float
        One score per person (missing values are ignored).
    groups : sequence
        The group of each person (unit, or unit x period).

    Returns
    -------
    dict
        ``icc1, icc2, f, df1, df2, pvalue, n_groups, n_people, mean_group_size``.

    Notes
    -----
    With ``J`` groups and ``N`` people, ``MSB`` and ``MSW`` the between- and
    within-group mean squares and ``k = N / J`` the mean group size (as
    ``multilevel::ICC1``): ``ICC(1) = (MSB - MSW) / (MSB + (k - 1) MSW)`` and
    ``ICC(2) = (MSB - MSW) / MSB`` (the reliability of a group mean of average size).

    Examples
    --------
    >>> out = icc([1, 2, 3, 4, 5, 6], ["a", "a", "a", "b", "b", "b"])
    >>> round(out["icc1"], 3), round(out["icc2"], 3)
    (0.806, 0.926)
    """
    frame = pd.DataFrame({"y": np.asarray(values, dtype=float), "g": np.asarray(groups)})
    frame = frame.dropna()
    sizes = frame.groupby("g", sort=False)["y"].size()
    n_groups, n_people = len(sizes), int(sizes.sum())
    if n_groups < 2 or n_people <= n_groups:
        raise InputError(
            f"icc needs at least 2 groups and more people than groups; got {n_groups} "
            f"group(s) and {n_people} people with a score"
        )
    means = frame.groupby("g", sort=False)["y"].transform("mean")
    grand = frame["y"].mean()
    group_means = frame.groupby("g", sort=False)["y"].mean()
    ssb = float((sizes * (group_means - grand) ** 2).sum())
    ssw = float(((frame["y"] - means) ** 2).sum())
    df1, df2 = n_groups - 1, n_people - n_groups
    msb, msw = ssb / df1, ssw / df2
    k = n_people / n_groups
    f = msb / msw if msw > 0 else np.inf
    return {
        "icc1": (msb - msw) / (msb + (k - 1.0) * msw),
        "icc2": (msb - msw) / msb if msb > 0 else np.nan,
        "f": f,
        "df1": float(df1),
        "df2": float(df2),
        "pvalue": float(stats.f.sf(f, df1, df2)),
        "n_groups": n_groups,
        "n_people": n_people,
        "mean_group_size": k,
    }


def spearman_brown(icc1: float, n: np.ndarray | float) -> np.ndarray | float:
    """Reliability of a mean of ``n`` people from ICC(1) (Spearman-Brown).

    ``n ICC(1) / (1 + (n - 1) ICC(1))``: the ICC(2) of one group of size ``n``.

    Examples
    --------
    >>> round(spearman_brown(0.15, 20), 3)
    0.779
    """
    n = np.asarray(n, dtype=float)
    out = n * icc1 / (1.0 + (n - 1.0) * icc1)
    return float(out) if out.ndim == 0 else out


def rwg_j(items: pd.DataFrame, scale: tuple[float, float] = (1, 5)) -> float:
    """r_wg(j): within-group agreement on a multi-item scale against a uniform null.

    Parameters
    ----------
    items : DataFrame
        One group's people (rows) by the scale's items (columns).
    scale : (low, high)
        The answer scale; ``A = high - low + 1`` categories give the uniform null
        variance ``(A^2 - 1) / 12``.

    Returns
    -------
    float
        ``J (1 - s2 / su2) / (J (1 - s2 / su2) + s2 / su2)`` with ``s2`` the mean of the
        items' within-group variances, ``J`` the number of items and ``su2`` the null
        variance; 0 when ``s2 > su2`` (as ``multilevel::rwg.j``); missing with fewer
        than 2 people.

    Examples
    --------
    >>> rwg_j(pd.DataFrame({"x1": [4, 4, 5], "x2": [4, 5, 5]}))
    0.9...
    """
    if len(items) < 2:
        return float("nan")
    n_cat = scale[1] - scale[0] + 1
    su2 = (n_cat**2 - 1) / 12.0
    s2 = float(np.nanmean(items.var(axis=0, ddof=1).to_numpy(dtype=float)))
    if not np.isfinite(s2):
        return float("nan")
    if s2 > su2:
        return 0.0
    j = items.shape[1]
    ratio = s2 / su2
    return j * (1.0 - ratio) / (j * (1.0 - ratio) + ratio)

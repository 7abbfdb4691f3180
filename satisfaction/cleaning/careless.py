"""Careless responding: longstring, IRV, speed and Mahalanobis indices and flags."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import CleaningError
from ..options import check_option
from ._base import CARELESS_METHODS, _concat_logs, _log, _numeric_or_fail, _specs

__all__ = ["careless_metrics", "flag_careless"]


def _columns(data: pd.DataFrame, items) -> list[np.ndarray]:
    """The item columns as float arrays (no copy when they are float64 already)."""
    specs = _specs(data, items, None)
    cols = [c for c, *_ in specs]
    if not cols:
        raise CleaningError("flag_careless: no item columns given; pass the items to check")
    return [_numeric_or_fail(data, c, "flag_careless") for c in cols]


def careless_metrics(
    data: pd.DataFrame,
    items,
    *,
    duration_col: str | None = "duration_s",
    metrics: Sequence[str] = ("longstring", "irv", "mahalanobis"),
) -> pd.DataFrame:
    """Per-respondent careless-responding indices, one column each.

    Parameters
    ----------
    data : DataFrame
        Numeric answers, in the direction respondents saw them (before reverse-coding).
    items : list of str or Instrument
        Items answered on the same scale, in the order they were asked.
    duration_col : str, optional
        Completion time in seconds, copied as ``duration`` when present.
    metrics : sequence of str
        Which of ``longstring``, ``irv``, ``mahalanobis`` to compute (``speed`` is
        accepted and computes nothing more: the duration comes from ``duration_col``).

    Returns
    -------
    DataFrame
        Same index as ``data``; columns ``n_answered``, ``longstring`` (longest run
        of identical consecutive answers, skipping missing items), ``irv``
        (standard deviation of the answered items, ddof=1), ``mahalanobis`` (squared
        distance from the complete-case centroid; missing if any item is missing)
        and ``duration`` (seconds, if ``duration_col`` is present); only the
        ``metrics`` asked for (and ``n_answered``) are computed.

    Notes
    -----
    Longstring (Johnson 2005) and IRV (Dunn et al. 2018) as in R's ``careless``
    package (``careless::longstring``, ``careless::irv``), except that missing
    items are skipped rather than breaking a run. Mahalanobis ``D^2 = (x - m)' S^-1 (x - m)``
    with the complete cases' mean ``m`` and covariance ``S`` (pseudo-inverse).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": [3, 1, 4], "b": [3, 2, None], "c": [3, 2, 4]})
    >>> careless_metrics(d, ["a", "b", "c"], duration_col=None)[["n_answered", "longstring"]]
       n_answered  longstring
    0           3           3
    1           3           2
    2           2           2
    """
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    metrics = [check_option(m, CARELESS_METHODS, "metrics", "careless_metrics") for m in metrics]
    xs = _columns(data, items)
    n, k = len(data), len(xs)
    present = [~np.isnan(v) for v in xs]
    n_answered = np.zeros(n, dtype=np.int64)
    for here in present:
        n_answered += here
    out = pd.DataFrame({"n_answered": n_answered}, index=data.index)
    if "longstring" in metrics:
        prev = np.full(n, np.nan)
        run = np.zeros(n, dtype=np.int32)
        best = np.zeros(n, dtype=np.int32)
        for v, here in zip(xs, present, strict=True):
            same = v == prev  # False where either is missing
            run = np.where(same, run + 1, np.where(here, 1, run))
            np.copyto(prev, v, where=here)
            np.maximum(best, run, out=best)
        out["longstring"] = best
    if "irv" in metrics:
        total = np.zeros(n)
        for v, here in zip(xs, present, strict=True):
            total += np.where(here, v, 0.0)
        mean = total / np.maximum(n_answered, 1)
        ss = np.zeros(n)
        for v, here in zip(xs, present, strict=True):
            ss += np.where(here, (v - mean) ** 2, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            irv = np.sqrt(ss / (n_answered - 1))
        irv[n_answered < 2] = np.nan
        out["irv"] = irv
    if "mahalanobis" in metrics:
        complete = n_answered == k
        d2 = np.full(n, np.nan)
        if complete.sum() > k + 1:
            xc = np.column_stack([v[complete] for v in xs])
            diff = xc - xc.mean(axis=0)
            inv = np.linalg.pinv(np.cov(xc, rowvar=False))
            d2[complete] = np.einsum("ij,ij->i", diff @ inv, diff)
        out["mahalanobis"] = d2
    if duration_col is not None and duration_col in data.columns:
        out["duration"] = pd.to_numeric(data[duration_col], errors="coerce").to_numpy(dtype=float)
    return out


def flag_careless(
    data: pd.DataFrame,
    items,
    method: str | Sequence[str] = "longstring",
    *,
    threshold: float | None = None,
    min_duration: float | None = None,
    duration_col: str = "duration_s",
    alpha: float = 0.001,
    id_col: str | None = "respondent_id",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Flag careless responding: straight-lining, low variability, speeding, outliers.

    Parameters
    ----------
    data : DataFrame
        Numeric answers, in the direction respondents saw them (before reverse-coding).
    items : list of str or Instrument
        Items answered on the same scale.
    method : str or list of str
        ``"longstring"``, ``"irv"``, ``"speed"``, ``"mahalanobis"`` or several.
    threshold : float, optional
        longstring: flag runs of at least this many identical answers (default:
        every answered item identical, with at least ``max(3, ceil(k/2))`` of the
        ``k`` items answered). irv: flag ``irv <= threshold`` (default 0, i.e. no
        variability over at least 3 answered items).
    min_duration : float, optional
        speed: flag completion times below this many seconds (default: below a
        third of the median duration).
    duration_col : str
        Completion time in seconds (speed).
    alpha : float
        mahalanobis: flag ``D^2`` above the chi-square ``1 - alpha`` quantile with
        ``k`` degrees of freedom (complete cases only).
    id_col : str, optional
        The respondent column named in the log.

    Returns
    -------
    data : DataFrame
        A copy with a boolean column ``flag_<method>`` per method.
    log : DataFrame
        One row per flagged row and method (action ``flag``); nothing is dropped.

    Notes
    -----
    See :func:`careless_metrics` for the indices. Flags are evidence, not
    verdicts: :func:`clean` drops flagged rows only with ``careless="drop"``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": [3, 1, 4, 2], "b": [3, 2, 4, 2], "c": [3, 2, 5, 3],
    ...                   "duration_s": [200, 180, 20, 210]})
    >>> out, log = flag_careless(d, ["a", "b", "c"], ["longstring", "speed"], id_col=None)
    >>> out[["flag_longstring", "flag_speed"]].to_numpy().tolist()
    [[True, False], [False, False], [False, True], [False, False]]
    """
    methods = [method] if isinstance(method, str) else list(method)
    methods = [check_option(m, CARELESS_METHODS, "method", "flag_careless") for m in methods]
    if "speed" in methods and duration_col not in data.columns:
        raise CleaningError(
            f"flag_careless(method='speed') needs the completion time column {duration_col!r}; "
            "pass duration_col='<column>' or leave 'speed' out"
        )
    metrics = careless_metrics(
        data, items, duration_col=duration_col if "speed" in methods else None, metrics=methods
    )
    k = len(_specs(data, items, None))
    out = data.copy(deep=False)
    logs = []
    for m in methods:
        if m == "longstring":
            ls = metrics["longstring"].to_numpy()
            if threshold is None:
                need = max(3, int(np.ceil(k / 2)))
                flag = (ls == metrics["n_answered"].to_numpy()) & (
                    metrics["n_answered"].to_numpy() >= need
                )
                reason = "every answered item identical (straight-lining)"
            else:
                flag = ls >= threshold
                reason = f"run of at least {threshold:g} identical answers (straight-lining)"
            value = ls
        elif m == "irv":
            irv = metrics["irv"].to_numpy()
            cut = 0.0 if threshold is None else float(threshold)
            flag = (irv <= cut) & (metrics["n_answered"].to_numpy() >= 3)
            reason = f"answer variability (SD across items) at most {cut:g}"
            value = irv
        elif m == "speed":
            dur = metrics["duration"].to_numpy()
            cut = float(np.nanmedian(dur)) / 3 if min_duration is None else float(min_duration)
            flag = dur < cut
            reason = f"completed in under {cut:g} s" + (
                " (a third of the median duration)" if min_duration is None else ""
            )
            value = dur
        else:
            from scipy.stats import chi2

            d2 = metrics["mahalanobis"].to_numpy()
            cut = float(chi2.ppf(1 - alpha, df=k))
            with np.errstate(invalid="ignore"):
                flag = d2 > cut
            reason = f"Mahalanobis D2 above the chi-square({k}) {1 - alpha:g} quantile {cut:.1f}"
            value = d2
        flag = np.asarray(flag, dtype=bool)
        out[f"flag_{m}"] = flag
        pos = np.flatnonzero(flag)
        old = np.array([f"{v:.4g}" for v in value[pos]], dtype=object)
        logs.append(
            _log(
                data,
                pos,
                id_col=id_col,
                column=f"flag_{m}",
                old=old,
                new="True",
                rule=f"careless_{m}",
                action="flag",
                reason=reason,
            )
        )
    return out, _concat_logs(logs)

"""Figures of the claims: the event study of a reform (H8) and staying curves by EX band (H5)."""

from __future__ import annotations

import pandas as pd

from ..errors import InputError

__all__ = ["event_study_plot", "survival_plot"]


def event_study_plot(frame: pd.DataFrame, ax=None):
    """Plot the event-study estimates of :func:`satisfaction.reform` with their intervals.

    Parameters
    ----------
    frame : DataFrame
        The output of :func:`satisfaction.reform` (its ``event_study`` rows are drawn).
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import satisfaction as sat
    >>> from satisfaction.claims.examples import sample_monthly_panel
    >>> ax = event_study_plot(sat.reform(sample_monthly_panel(), sat.load_sample().units, "LQ"))
    >>> ax.get_xlabel()
    'months since the reform'
    """
    import matplotlib.pyplot as plt

    es = frame[frame.get("kind", pd.Series(dtype=object)) == "event_study"]
    if es.empty:
        raise InputError("event_study_plot needs the output of reform() (its event_study rows)")
    es = es.sort_values("rel_month")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    x = es["rel_month"].to_numpy()
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.axvline(-0.5, color="0.6", lw=0.8, ls="--")
    ax.fill_between(x, es["ci_lower"], es["ci_upper"], alpha=0.25, step=None)
    ax.plot(x, es["estimate"], marker="o", ms=3)
    ax.plot([-1], [0.0], marker="o", ms=4, color="0.3")  # the reference month
    ax.set_xlabel("months since the reform")
    ax.set_ylabel("change of the unit mean")
    ax.set_title("Event study: leads and lags of the reform")
    return ax


def survival_plot(curves: pd.DataFrame, ax=None):
    """Plot Kaplan-Meier curves of staying by EX band (:func:`satisfaction.claims.survival_curves`).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from satisfaction.claims import survival_curves
    >>> from satisfaction.claims.examples import sample_person_months
    >>> ax = survival_plot(survival_curves(sample_person_months()))
    >>> sorted(t.get_text() for t in ax.get_legend().get_texts())
    ['high EX', 'low EX', 'middle EX']
    """
    import matplotlib.pyplot as plt

    if not {"band", "month", "estimate", "ci_lower", "ci_upper"} <= set(curves.columns):
        raise InputError("survival_plot needs the output of survival_curves()")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for band, part in curves.groupby("band", sort=False):
        ax.step(part["month"], part["estimate"], where="post", label=f"{band} EX")
        ax.fill_between(part["month"], part["ci_lower"], part["ci_upper"], step="post", alpha=0.15)
    ax.set_xlabel("months at risk")
    ax.set_ylabel("share not left voluntarily")
    ax.legend(frameon=False)
    return ax

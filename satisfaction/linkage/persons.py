"""Person-months at risk of leaving: the base of the turnover analysis (H5)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from ..instruments import Instrument
from .panels import construct_scores
from .periods import to_period

__all__ = ["person_periods", "check_hr_events", "EXIT_EVENTS", "HR_EVENTS"]

#: Exit events of an HR file and the event names an HR file may hold.
EXIT_EVENTS = ("exit_voluntary", "exit_involuntary")
HR_EVENTS = ("join", *EXIT_EVENTS, "supervisor_change")


def _month_index(labels: pd.Series) -> pd.Series:
    per = pd.PeriodIndex(labels.astype(str), freq="M")
    return pd.Series(per.year * 12 + per.month - 1, index=labels.index)


def _label(index: np.ndarray) -> np.ndarray:
    index = np.asarray(index, dtype=int)
    return np.asarray([f"{i // 12:04d}-{i % 12 + 1:02d}" for i in index], dtype=object)


def check_hr_events(hr_events: pd.DataFrame, where: str = "person_periods") -> pd.DataFrame:
    """The HR events with ``date`` as datetimes; a clear error for missing columns or events."""
    need = ["employee_id", "unit", "date", "event"]
    missing = [c for c in need if c not in hr_events.columns]
    if missing:
        raise InputError(
            f"{where}: the HR events lack column(s) {missing} (they have "
            f"{list(hr_events.columns)}); read them with read_hr_events"
        )
    out = hr_events.copy()
    out["date"] = pd.to_datetime(out["date"], errors="coerce")
    bad = out["date"].isna()
    if bad.any():
        raise InputError(
            f"{where}: HR event row {int(np.flatnonzero(bad)[0])} has no readable date "
            f"({hr_events['date'][bad].iloc[0]!r}); write dates as YYYY-MM-DD"
        )
    unknown = sorted(set(out["event"].astype(str)) - set(HR_EVENTS))
    if unknown:
        raise InputError(f"{where}: unknown HR event(s) {unknown}; use {', '.join(HR_EVENTS)}")
    return out


def person_periods(
    pulse: pd.DataFrame,
    hr_events: pd.DataFrame,
    instrument: Instrument | None = None,
    constructs: Sequence[str] = ("EX", "LQ"),
    *,
    respondent: str = "respondent_id",
    unit: str = "unit",
    time: str = "period",
) -> pd.DataFrame:
    """One row per person and month at risk, with the person's most recent scores and the exit.

    Parameters
    ----------
    pulse : DataFrame
        Cleaned monthly pulse answers (items reverse-keyed, or construct score columns),
        with the respondent, unit and month (``YYYY-MM`` or a date).
    hr_events : DataFrame
        ``employee_id, unit, date, event`` (:func:`satisfaction.io.read_hr_events`), events
        ``join``, ``exit_voluntary``, ``exit_involuntary`` (``supervisor_change`` rows are
        ignored here). ``employee_id`` is the pulse's respondent id.
    instrument : Instrument, optional
        Names the constructs' items (default :func:`satisfaction.default_instrument`).
    constructs : sequence of str
        Scores carried forward (default EX and LQ).
    respondent, unit, time : str
        Pulse column names.

    Returns
    -------
    DataFrame
        ``person, unit, period`` (month ``YYYY-MM``), ``start, stop`` (months since the
        person's entry: the interval ``(start, stop]`` for a Cox model), then for each
        construct ``<C>`` (the person's most recent score from a month **before** this
        one, missing before their first answer) and ``<C>_age`` (months since that
        answer), ``event`` (``"none"``, ``"exit_voluntary"`` or ``"exit_involuntary"``)
        and ``exit_voluntary`` (1 in the month of a voluntary exit, else 0).

    Notes
    -----
    A person enters at their ``join`` month, or at the first month of the data when
    they have no ``join`` row (people present at the start), and is at risk up to and
    including the month of their first exit, or the last month of the pulse. Their unit
    is the one of their last HR event or pulse answer up to that month. Scores are
    carried forward from strictly earlier months, so they precede the exit.

    Examples
    --------
    >>> import satisfaction as sat
    >>> org = sat.load_sample()
    >>> pp = person_periods(org.pulse.assign(ex5=lambda d: 6 - d["ex5"]), org.hr_events)
    >>> int(pp["exit_voluntary"].sum())
    314
    >>> pp.columns.tolist()[:5]
    ['person', 'unit', 'period', 'start', 'stop']
    """
    hr = check_hr_events(hr_events)
    for col in (respondent, unit, time):
        if col not in pulse.columns:
            raise InputError(
                f"person_periods: the pulse lacks column {col!r}; name it with "
                "respondent=, unit= or time="
            )
    scores = construct_scores(pulse, instrument, constructs, "person_periods")
    answers = pd.DataFrame(
        {
            "person": pulse[respondent].astype(str).to_numpy(),
            "unit": pulse[unit].to_numpy(),
            "m": _month_index(to_period(pulse[time], "month")).to_numpy(),
        }
    )
    for c in constructs:
        answers[c] = scores[c].to_numpy()
    answers = answers.groupby(["person", "m"], sort=True, as_index=False).agg(
        unit=("unit", "last"), **{c: (c, "mean") for c in constructs}
    )
    hr = hr[hr["event"].isin(("join", *EXIT_EVENTS))]
    hr = pd.DataFrame(
        {
            "person": hr["employee_id"].astype(str).to_numpy(),
            "unit": hr["unit"].to_numpy(),
            "m": (hr["date"].dt.year * 12 + hr["date"].dt.month - 1).to_numpy(),
            "event": hr["event"].astype(str).to_numpy(),
        }
    )
    first_m, last_m = int(answers["m"].min()), int(answers["m"].max())
    joins = hr[hr["event"] == "join"].groupby("person")["m"].min()
    exits = hr[hr["event"].isin(EXIT_EVENTS)].sort_values("m").groupby("person").first()
    people = pd.Index(sorted(set(answers["person"]) | set(hr["person"])), name="person")
    entry = joins.reindex(people).fillna(first_m).clip(lower=first_m).astype(int)
    leave = exits["m"].reindex(people).fillna(last_m).clip(upper=last_m).astype(int)
    keep = leave >= entry
    entry, leave = entry[keep], leave[keep]
    length = (leave - entry + 1).to_numpy()
    grid = pd.DataFrame(
        {
            "person": np.repeat(entry.index.to_numpy(), length),
            "m": np.concatenate([np.arange(a, b + 1) for a, b in zip(entry, leave, strict=True)])
            if len(entry)
            else np.array([], dtype=int),
        }
    )
    grid["stop"] = grid["m"] - np.repeat(entry.to_numpy(), length) + 1
    grid["start"] = grid["stop"] - 1
    # unit: the last HR event or answer up to the month (else the first one known)
    where = pd.concat([answers[["person", "m", "unit"]], hr[["person", "m", "unit"]]])
    where = where.sort_values(["m", "person"], kind="stable").drop_duplicates(
        ["person", "m"], keep="last"
    )
    grid = grid.sort_values(["m", "person"], kind="stable")
    grid = pd.merge_asof(grid, where, on="m", by="person", direction="backward")
    first_unit = where.sort_values("m").groupby("person")["unit"].first()
    grid["unit"] = grid["unit"].fillna(grid["person"].map(first_unit))
    # scores from strictly earlier months
    prior = answers[["person", "m", *constructs]].assign(m=lambda d: d["m"] + 1)
    prior = prior.rename(columns={"m": "m_prior"})
    for c in constructs:
        part = prior[["person", "m_prior", c]].dropna().sort_values("m_prior")
        grid = pd.merge_asof(
            grid.sort_values("m"),
            part.rename(columns={"m_prior": f"_{c}_m"}),
            left_on="m",
            right_on=f"_{c}_m",
            by="person",
            direction="backward",
        )
        grid[f"{c}_age"] = grid["m"] - grid.pop(f"_{c}_m") + 1
    ev = exits.reindex(grid["person"])
    is_exit = (ev["m"].to_numpy() == grid["m"].to_numpy()) & ev["m"].notna().to_numpy()
    grid["event"] = np.where(is_exit, ev["event"].to_numpy(dtype=object), "none")
    grid["exit_voluntary"] = (grid["event"] == "exit_voluntary").astype("int64")
    grid["period"] = _label(grid["m"].to_numpy())
    cols = ["person", "unit", "period", "start", "stop"]
    cols += [x for c in constructs for x in (c, f"{c}_age")] + ["event", "exit_voluntary"]
    return grid.sort_values(["person", "m"], ignore_index=True)[cols]

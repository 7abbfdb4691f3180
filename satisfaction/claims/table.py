"""``claims_table()``: the H1-H8 table, one row per hypothesis, from cleaned frames."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, SatisfactionError, SEMWarning
from ..instruments import Instrument
from ..linkage import link, person_periods, unit_panel
from .common import NOT_TESTABLE, verdict
from .crosslag import cross_lagged
from .exits import turnover
from .keydrivers import lq_ex_path
from .reforms import reform, reform_invariance, reform_months, reform_verdict
from .stickiness import stability
from .unitchain import chain

__all__ = ["claims_table", "CLAIMS"]

#: The hypotheses and their claims (DESIGN's table).
CLAIMS = {
    "H1": "leadership quality moves employee experience",
    "H2": "employee and customer satisfaction are linked through reputation",
    "H3": "employee experience leads customer satisfaction",
    "H4": "satisfied customers raise employee experience (the loop)",
    "H5": "satisfied employees stay",
    "H6": "reputation is more stable than employee experience",
    "H7": "customer satisfaction reveals leadership quality",
    "H8": "leadership reforms raise employee experience",
}


def _get(data: Any, name: str):
    if isinstance(data, Mapping):
        return data.get(name)
    return getattr(data, name, None)


def _row(h: str, estimate=np.nan, lo=np.nan, hi=np.nan, n=0, method="", verdict_="", note=""):
    return {
        "hypothesis": h,
        "claim": CLAIMS[h],
        "estimate": float(estimate),
        "ci_lower": float(lo),
        "ci_upper": float(hi),
        "n": int(n),
        "method": method,
        "verdict": verdict_,
        "note": note,
    }


def _untestable(h: str, reason: str, method: str = "") -> dict:
    return _row(h, method=method, verdict_=NOT_TESTABLE + reason)


def _attempt(h: str, fn: Callable[[], dict], seconds: dict) -> dict:
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SEMWarning)
        try:
            row = fn()
        except SatisfactionError as err:  # InputError, SEMError: the data cannot test it
            row = _untestable(h, str(err).rstrip("."))
    seconds[h] = time.perf_counter() - start
    notes = sorted({str(w.message) for w in caught if issubclass(w.category, SEMWarning)})
    if notes:
        row["note"] = "; ".join(filter(None, [row.get("note", ""), *notes]))
    return row


def claims_table(
    data: Any,
    *,
    instrument: Instrument | None = None,
    invariance: str | None = None,
    n_boot: int = 500,
    level: float = 0.95,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Test H1-H8 on cleaned data: one row per hypothesis with estimate, CI, n, method and verdict.

    Parameters
    ----------
    data : Mapping or object
        Cleaned frames by name (a dict, or an object with these attributes such as
        :class:`satisfaction.Organisation`): ``pulse`` (employee answers: respondent_id,
        unit, period ``YYYY-MM``, LQ and EX items reverse-keyed), ``customers`` (unit,
        period, REP and CSAT items), optional ``hr_events`` (:func:`satisfaction.read_hr_events`)
        and ``units`` (:func:`satisfaction.read_units`).
    instrument : Instrument, optional
        Names the items (default :func:`satisfaction.default_instrument`).
    invariance : str, optional
        The measurement-invariance level of EX across before/after reforms from your own
        test (``"scalar"`` ...); without it H8 is not testable (see
        :func:`satisfaction.claims.reform_invariance`).
    n_boot : int
        Unit-bootstrap resamples of the chain (H2, H7) and stability (H6) intervals.
    level : float
        Confidence level of every interval; a claim is "supported" when its interval lies
        wholly on the claimed side.
    seed : int, optional
        Seed of the bootstraps.

    Returns
    -------
    DataFrame
        One row per hypothesis: ``hypothesis, claim, estimate, ci_lower, ci_upper, n,
        method, verdict`` ("supported", "not supported" or "not testable with these data:
        <reason>") and ``note`` (warnings of the fit, the invariance verdict ...).
        ``attrs["seconds"]`` holds each claim's run time.

    Notes
    -----
    Methods, row by row (the functions behind them document the details):

    - H1: standardised LQ -> EX among respondents, unit-clustered SE (:func:`lq_ex_path`);
      :func:`drivers` gives the relative importance of single items.
    - H2: indirect effect EX(t-1) -> REP(t) -> CSAT(t) in the unit-level chain with
      single-indicator latent means (:func:`chain`), unit-bootstrap CI; the note says
      whether full or partial mediation fits better.
    - H3: RI-CLPM within-unit cross-lagged effect EX(t-1) -> CSAT(t) (:func:`cross_lagged`).
    - H4: RI-CLPM within-unit cross-lagged effect CSAT(t-1) -> EX(t).
    - H5: odds ratio of voluntary exit per SD of prior EX, discrete-time hazard on
      person-months (:func:`turnover`); supported when the CI lies below 1.
    - H6: corrected within-unit autocorrelation of REP minus that of EX (:func:`stability`).
    - H7: indirect effect LQ -> EX -> ... -> CSAT in the chain.
    - H8: DiD of unit EX after supervisor changes (:func:`reform`), only with scalar (or
      strict) invariance across before/after.

    Examples
    --------
    >>> import satisfaction as sat
    >>> org = sat.load_sample()
    >>> data = {"pulse": org.pulse.assign(ex5=6 - org.pulse["ex5"]),
    ...         "customers": org.customers, "hr_events": org.hr_events, "units": org.units}
    >>> table = sat.claims_table(data, n_boot=200)
    >>> table[["hypothesis", "verdict"]].head(3)
      hypothesis    verdict
    0         H1  supported
    1         H2  supported
    2         H3  supported
    """
    reform_invariance(invariance)  # a bad option is an error, not an untestable row
    pulse, customers = _get(data, "pulse"), _get(data, "customers")
    hr_events, units = _get(data, "hr_events"), _get(data, "units")
    if pulse is None or customers is None:
        raise InputError(
            "claims needs at least the cleaned pulse and customer answers: pass "
            "{'pulse': ..., 'customers': ...} (and 'hr_events', 'units' if you have them)"
        )
    cust_id = "respondent_id" if "respondent_id" in customers.columns else None
    emp = unit_panel(pulse, instrument, ["LQ", "EX"])
    cus = unit_panel(customers, instrument, ["REP", "CSAT"], respondent=cust_id)
    linked = link(emp, cus, lag=1)
    same = link(emp, cus, lag=0)
    long = pd.concat([emp, cus], ignore_index=True)
    seconds: dict[str, float] = {}
    rows = []

    def h1():
        path = lq_ex_path(pulse, instrument=instrument, level=level).iloc[1]
        return _row("H1", path.estimate, path.ci_lower, path.ci_upper, path.n, path.method +
                    " (standardised)", verdict(path.ci_lower, path.ci_upper))  # fmt: skip

    chain_out: dict[str, pd.DataFrame] = {}

    def chain_row(h: str, label: str):
        if "out" not in chain_out:
            chain_out["out"] = chain(linked, n_boot=n_boot, level=level, seed=seed)
        out = chain_out["out"].set_index("label")
        r = out.loc[label]
        med = out["mediation"].iloc[0]
        note = f"{med} mediation fits better (chi-square difference p = {out.loc['full_vs_partial', 'pvalue']:.3g})"
        return _row(h, r.estimate, r.ci_lower, r.ci_upper, r.n, f"{r.effect}: {r.method}",
                    verdict(r.ci_lower, r.ci_upper), note if h == "H2" else "")  # fmt: skip

    ri: dict[str, pd.DataFrame] = {}

    def crosslag_row(h: str, label: str):
        if "out" not in ri:
            ri["out"] = cross_lagged(same, "EX", "CSAT", model="ri_clpm", level=level)
        r = ri["out"].set_index("label").loc[label]
        return _row(h, r.estimate, r.ci_lower, r.ci_upper, r.n, f"{r.effect}: {r.method}",
                    verdict(r.ci_lower, r.ci_upper))  # fmt: skip

    def h5():
        if hr_events is None:
            return _untestable("H5", "no HR events supplied")
        pp = person_periods(pulse, hr_events, instrument)
        r = turnover(pp, level=level).iloc[0]
        return _row("H5", r.ratio, r.ratio_ci_lower, r.ratio_ci_upper, r.n,
                    f"{r.method} ({r.n_events} exits, {r.n_people} people)",
                    verdict(r.ci_lower, r.ci_upper, direction=-1))  # fmt: skip

    def h6():
        out = stability(long, ("REP", "EX"), n_boot=n_boot, level=level, seed=seed)
        r = out.iloc[2]
        note = (
            f"corrected REP {out.iloc[0].estimate:.2f}, EX {out.iloc[1].estimate:.2f}; "
            f"naive pooled REP {out.iloc[0].naive_pooled:.2f}, EX {out.iloc[1].naive_pooled:.2f}"
        )
        return _row("H6", r.estimate, r.ci_lower, r.ci_upper, r.n, "REP - EX: " + r.method,
                    verdict(r.ci_lower, r.ci_upper), note)  # fmt: skip

    def h8():
        events = units if units is not None and "reform_month" in units.columns else hr_events
        if events is None:
            return _untestable("H8", "no unit register or HR events with reforms supplied")
        if reform_months(events).empty:
            return _untestable("H8", "no unit had a reform (supervisor change) in the data")
        monthly = unit_panel(pulse, instrument, ["EX"], period="month")
        r = reform(monthly, events, "EX", level=level).iloc[0]
        inv = reform_invariance(invariance)
        method = f"{r.method}; {r.n_reformed} reformed units"
        v = reform_verdict(r.ci_lower, r.ci_upper, inv)
        return _row("H8", r.estimate, r.ci_lower, r.ci_upper, r.n, method, v, inv["note"])

    plan = [
        ("H1", h1),
        ("H2", lambda: chain_row("H2", "ind_ex_csat")),
        ("H3", lambda: crosslag_row("H3", "c_xy")),
        ("H4", lambda: crosslag_row("H4", "c_yx")),
        ("H5", h5),
        ("H6", h6),
        ("H7", lambda: chain_row("H7", "ind_lq_csat")),
        ("H8", h8),
    ]
    for h, fn in plan:
        rows.append(_attempt(h, fn, seconds))
    out = pd.DataFrame(rows)
    out.attrs["seconds"] = seconds
    return out

"""The synthetic organisation: units, people, monthly pulses, quarterly customer surveys, HR events.

The population model (DESIGN.md, "A population model for the synthetic organisation")
is simulated per unit ``u`` on a standardised latent scale where 1 is the SD of an
individual's latent score. Month ``m``, calendar quarter ``q = q(m)``::

    LQ[u,m]   = a_u + reform_effect * 1{u reformed and m >= m_u} + e            (H8)
    EX[u,m]   = ex_ar EX[u,m-1] + (1 - ex_ar) (ex_lq LQ[u,m] + ex_workload W[u,m]
                + ex_tools T_u + ex_csat_feedback CSAT[u,q-1] + ex_stress S[u,q]) + e   (H1, H4)
    REP[u,q]  = rep_ar REP[u,q-1] + rep_ex_lag EX[u,q-1] + e                     (H6, H3)
    CSAT[u,q] = csat_rep REP[u,q] + csat_ex_lag EX[u,q-1] + csat_stress S[u,q] + e   (H2, H3)
    P(voluntary exit of i in month m) = logistic(logit(exit_base) + exit_ex EX[i,m])  (H5)

where ``EX[u,q-1]`` is the mean of the unit's monthly EX over the previous quarter,
``W`` is an AR(1) workload shock (autoregression ``workload_ar``, variance 1), ``T_u``
the unit's tools quality (N(0, 1)) and ``S[u,q]`` a quarterly stress shock hitting
employees and customers in the same quarter. The series are run through a burn-in
of 48 months so the first observed month is (close to) stationary.

Individuals: employee ``i`` of unit ``u`` in month ``m`` has::

    LQ[i,m] = LQ[u,m] + p_i + o_im
    EX[i,m] = EX[u,m] + ex_person_lq (p_i + o_im) + x_i + v_im

with person effects ``p_i, x_i`` (stable) and occasion noise ``o, v``, chosen so that an
individual latent score has variance about 1 and ICC(1) of EX about .15. Customers
``k`` of unit ``u`` in quarter ``q``: ``REP[k] = REP[u,q] + r_k``,
``CSAT[k] = CSAT[u,q] + customer_csat_rep r_k + s_k``. Items are
``loading x latent + error`` (loadings of :data:`CHAIN_DEFAULTS`, ``ex5`` negative,
i.e. raw) cut into 1-5 at :data:`LIKERT_THRESHOLDS`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..options import check_option
from .chain import CHAIN_DEFAULTS, CHAIN_ITEMS, LIKERT_THRESHOLDS

__all__ = ["Organisation", "organisation", "truth_markdown", "ORG_DEFAULTS", "UNIT_NAMES"]

#: Unit names of a (fictional) Finnish state ICT and shared-services centre.
UNIT_NAMES: tuple[str, ...] = (
    "Helpdesk", "Payroll Services", "Cloud Platform", "Käyttäjätuki Jyväskylä",
    "Identity and Access", "Network Operations", "Security Operations Centre",
    "Asiakaspalvelu Oulu", "Financial Administration Services", "Data Centre Kajaani",
    "Application Maintenance", "Integration Services", "Database Services",
    "E-services Development", "Workstation Services", "Henkilöstöhallinnon palvelut",
    "Procurement Services", "Case Management Systems", "Enterprise Architecture",
    "Project Management Office", "Service Management", "Licence Management",
    "Backup and Recovery", "Monitoring Services", "Master Data Management",
    "Reporting and Analytics", "Tietoturva", "Telephony Services", "Video Conferencing",
    "Print Services", "Accounting Services Joensuu", "Travel Management",
    "Hankintapalvelut", "Archive Services", "Onboarding Services", "Customer Relations",
    "Mobile Workplace", "Hybrid Cloud", "Säilytyspalvelut Mikkeli", "Training Services",
    "Contract Management", "Web Publishing", "Document Management", "Geo Services",
    "Test Automation", "Data Platform", "Kehittämispalvelut", "Service Desk Tampere",
)  # fmt: skip

#: Default true values of the population model (see the module docstring).
ORG_DEFAULTS: dict[str, float] = {
    # leadership quality (H8)
    "lq_unit_sd": 0.50,
    "lq_month_sd": 0.10,
    "reform_share": 0.25,
    "reform_effect": 0.50,
    # employee experience (H1, H4)
    "ex_ar": 0.60,
    "ex_lq": 0.50,
    "ex_workload": -0.20,
    "ex_tools": 0.15,
    "ex_csat_feedback": 0.50,
    "ex_stress": -1.00,
    "ex_month_sd": 0.10,
    "workload_ar": 0.70,
    "stress_sd": 0.20,
    # reputation (H6) and customer satisfaction (H2, H3)
    "rep_ar": 0.80,
    "rep_ex_lag": 0.12,
    "rep_sd": 0.22,
    "csat_rep": 0.50,
    "csat_ex_lag": 0.10,
    "csat_stress": -0.30,
    "csat_sd": 0.25,
    # individuals
    "lq_person_sd": 0.74,
    "lq_occasion_sd": 0.50,
    "ex_person_lq": 0.50,
    "ex_person_sd": 0.55,
    "ex_occasion_sd": 0.40,
    "customer_rep_sd": 0.85,
    "customer_csat_rep": 0.50,
    "customer_csat_sd": 0.70,
    # turnover (H5)
    "exit_base": 0.007,
    "exit_ex": -0.70,
    "exit_involuntary": 0.003,
    "rehire_share": 0.92,
    # survey design
    "response_rate": 0.60,
    "customers_min": 10,
    "customers_max": 40,
    "sv_share": 0.30,
}

_BURN_IN = 48  # months, a multiple of 3
_LQ_ITEMS = CHAIN_ITEMS["LQ"]
_EX_ITEMS = CHAIN_ITEMS["EX"]
_REP_ITEMS = CHAIN_ITEMS["REP"]
_CSAT_ITEMS = CHAIN_ITEMS["CSAT"]
#: Cut points of intent to stay (more positive than agreement items: most intend to stay).
_STAY_THRESHOLDS = (-2.0, -1.3, -0.5, 0.5)


@dataclass(frozen=True)
class Organisation:
    """The synthetic organisation: clean numeric frames plus the ground truth.

    Attributes
    ----------
    pulse : DataFrame
        One row per monthly pulse answer: ``respondent_id, unit, period`` (``YYYY-MM``),
        ``submitted_at, duration_s, lq1..lq4, ex1..ex5`` (1-5; ``ex5`` raw, not
        reverse-coded), ``enps`` (0-10), ``stay`` (1-5). No latent values.
    customers : DataFrame
        One row per customer answer: ``respondent_id, unit, period`` (``YYYYQn``),
        ``submitted_at, duration_s, language`` (``en``/``sv``), ``rep1..rep5, csat1..csat3``
        (1-5), ``nps`` (0-10).
    hr_events : DataFrame
        ``employee_id, unit, date, event`` with event in ``join``, ``exit_voluntary``,
        ``exit_involuntary``, ``supervisor_change``.
    units : DataFrame
        ``unit, headcount_start, reform_month`` (``YYYY-MM``; missing if the unit had no reform).
    truth : DataFrame
        ``name, value, description`` of every true effect.
    latent : DataFrame
        Ground truth, not respondent data: the unit x month latent series
        ``unit, period, quarter, LQ, EX, REP, CSAT`` (REP and CSAT are quarterly and
        repeated over the quarter's months).
    seed : int
    params : dict
        The generator parameters (:data:`ORG_DEFAULTS` plus sizes and dates).
    """

    pulse: pd.DataFrame
    customers: pd.DataFrame
    hr_events: pd.DataFrame
    units: pd.DataFrame
    truth: pd.DataFrame
    latent: pd.DataFrame
    seed: int = 0
    params: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"Organisation(seed={self.seed}, units={len(self.units)}, "
            f"pulse={len(self.pulse)} rows, customers={len(self.customers)} rows, "
            f"hr_events={len(self.hr_events)} rows)"
        )

    def _repr_html_(self) -> str:
        rows = [
            (name, len(frame), ", ".join(map(str, frame.columns)))
            for name, frame in (
                ("pulse", self.pulse),
                ("customers", self.customers),
                ("hr_events", self.hr_events),
                ("units", self.units),
                ("truth", self.truth),
                ("latent", self.latent),
            )
        ]
        table = pd.DataFrame(rows, columns=["frame", "rows", "columns"])
        return f"<p><b>Organisation</b> (seed {self.seed})</p>" + table.to_html(index=False)


# --------------------------------------------------------------------------- helpers


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def _likert(x: np.ndarray, tau: tuple[float, ...] = LIKERT_THRESHOLDS) -> np.ndarray:
    return 1 + (x[..., None] > np.asarray(tau)).sum(axis=-1)


def _unit_sizes(rng: np.random.Generator, n_units: int, n_employees: int) -> np.ndarray:
    """Sizes from 3 to about 85: a few units of 3-4 people, the rest Beta-shaped, summing to n."""
    n_small = max(3, round(n_units / 10))
    small = rng.integers(3, 5, size=n_small)  # 3 or 4 people
    rest_total = n_employees - small.sum()
    n_rest = n_units - n_small
    sizes = 6.0 + 82.0 * rng.beta(1.3, 1.6, size=n_rest)
    lo, hi = 6.0, max(88.0, 1.5 * rest_total / n_rest)
    for _ in range(100):  # rescale towards the total, clipping to [lo, hi]
        gap = rest_total - sizes.sum()
        if abs(gap) < 0.5:
            break
        free = (sizes > lo) & (sizes < hi) if gap > 0 else sizes > lo
        sizes[free] += gap * sizes[free] / sizes[free].sum()
        sizes = np.clip(sizes, lo, hi)
    rounded = np.floor(sizes).astype(int)
    short = int(rest_total - rounded.sum())
    order = np.argsort(-(sizes - rounded), kind="stable")
    rounded[order[: max(short, 0)]] += 1
    out = np.concatenate([small, rounded])
    rng.shuffle(out)
    return out


def _unit_names(n_units: int) -> list[str]:
    names = list(UNIT_NAMES[:n_units])
    k = 2
    while len(names) < n_units:
        names += [f"{n} {k}" for n in UNIT_NAMES[: n_units - len(names)]]
        k += 1
    return names


def _resolve(params: Mapping[str, Any] | None) -> dict[str, float]:
    out = dict(ORG_DEFAULTS)
    if params is None:
        return out
    if not isinstance(params, Mapping):
        raise InputError(
            f"organisation params must be a dict, got {type(params).__name__}; "
            "pass e.g. {'ex_csat_feedback': 0.0}"
        )
    for key, value in params.items():
        key = check_option(key, ORG_DEFAULTS, "params", "organisation", case=True)
        out[key] = float(value)
    for key in ("reform_share", "response_rate", "sv_share", "rehire_share"):
        if not 0.0 <= out[key] <= 1.0:
            raise InputError(f"organisation parameter {key}={out[key]} must lie between 0 and 1")
    for key in ("exit_base", "exit_involuntary"):
        if not 0.0 < out[key] < 0.5:
            raise InputError(
                f"organisation parameter {key}={out[key]} is a monthly probability; "
                "use a value between 0 and 0.5"
            )
    return out


def _month_starts(start: str, months: int) -> pd.PeriodIndex:
    try:
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", str(start)):
            raise ValueError(start)
        first = pd.Period(start, freq="M")
    except (ValueError, TypeError):
        raise InputError(
            f"organisation start={start!r} is not a month; write it as 'YYYY-MM', e.g. '2025-01'"
        ) from None
    return pd.period_range(first - _BURN_IN, periods=_BURN_IN + months, freq="M")


# --------------------------------------------------------------------------- unit series


def _unit_series(
    rng: np.random.Generator,
    p: Mapping[str, float],
    n_units: int,
    months: pd.PeriodIndex,
    reform_t: np.ndarray,
) -> dict[str, np.ndarray]:
    """Unit x month LQ, EX and unit x quarter REP, CSAT (burn-in included)."""
    n_t = len(months)
    qcode = np.asarray(months.year * 4 + (months.quarter - 1))
    qidx = qcode - qcode[0]
    n_q = int(qidx[-1]) + 1
    a_u = rng.normal(0.0, p["lq_unit_sd"], n_units)
    tools = rng.normal(0.0, 1.0, n_units)
    stress = rng.normal(0.0, p["stress_sd"], (n_units, n_q))
    wl = np.empty((n_units, n_t))
    wl_sd = math.sqrt(1.0 - p["workload_ar"] ** 2)
    wl[:, 0] = rng.normal(0.0, 1.0, n_units)
    for t in range(1, n_t):
        wl[:, t] = p["workload_ar"] * wl[:, t - 1] + rng.normal(0.0, wl_sd, n_units)
    tt = np.arange(n_t)
    reformed = (tt[None, :] >= reform_t[:, None]) & (reform_t[:, None] >= 0)
    lq = (
        a_u[:, None]
        + p["reform_effect"] * reformed
        + rng.normal(0, p["lq_month_sd"], (n_units, n_t))
    )
    ex_noise = rng.normal(0.0, p["ex_month_sd"], (n_units, n_t))
    rep_noise = rng.normal(0.0, p["rep_sd"], (n_units, n_q))
    csat_noise = rng.normal(0.0, p["csat_sd"], (n_units, n_q))
    ex = np.zeros((n_units, n_t))
    rep = np.zeros((n_units, n_q))
    csat = np.zeros((n_units, n_q))
    ex_q = np.zeros((n_units, n_q))
    prev_ex = np.zeros(n_units)
    for t in range(n_t):
        q = qidx[t]
        if t == 0 or qidx[t - 1] != q:  # first month of a quarter: customers' side of q
            if q > 0:
                ex_q[:, q - 1] = ex[:, qidx == q - 1].mean(axis=1)
                rep[:, q] = p["rep_ar"] * rep[:, q - 1] + p["rep_ex_lag"] * ex_q[:, q - 1]
                rep[:, q] += rep_noise[:, q]
                csat[:, q] = (
                    p["csat_rep"] * rep[:, q]
                    + p["csat_ex_lag"] * ex_q[:, q - 1]
                    + p["csat_stress"] * stress[:, q]
                    + csat_noise[:, q]
                )
        csat_prev = csat[:, q - 1] if q > 0 else np.zeros(n_units)
        drive = (
            p["ex_lq"] * lq[:, t]
            + p["ex_workload"] * wl[:, t]
            + p["ex_tools"] * tools
            + p["ex_csat_feedback"] * csat_prev
            + p["ex_stress"] * stress[:, q]
        )
        ex[:, t] = p["ex_ar"] * prev_ex + (1.0 - p["ex_ar"]) * drive + ex_noise[:, t]
        prev_ex = ex[:, t]
    return {"LQ": lq, "EX": ex, "REP": rep, "CSAT": csat, "qidx": qidx}


# --------------------------------------------------------------------------- people


def _timestamps(
    rng: np.random.Generator, period_start: np.ndarray, day_lo: int, day_hi: np.ndarray | int
) -> np.ndarray:
    """Random timestamps (datetime64[s]) on days day_lo..day_hi of the given months."""
    n = len(period_start)
    day = rng.integers(day_lo, np.asarray(day_hi) + 1, size=n)
    secs = rng.integers(7 * 3600, 19 * 3600, size=n)
    return (
        period_start + (day - 1).astype("timedelta64[D]") + secs.astype("timedelta64[s]")
    ).astype("datetime64[s]")


def _employees(
    rng: np.random.Generator,
    p: Mapping[str, float],
    sizes: np.ndarray,
    names: list[str],
    series: dict[str, np.ndarray],
    months: pd.PeriodIndex,
    reform_m: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monthly roster: pulse answers (with latent scores) and HR events."""
    n_units = len(sizes)
    n_months = len(months) - _BURN_IN
    obs = months[_BURN_IN:]
    starts = np.asarray(obs.start_time.values, dtype="datetime64[D]")
    last_day = np.asarray(obs.days_in_month)
    cap = int(sizes.sum() * 3)
    unit = np.empty(cap, dtype=int)
    p_lq = np.empty(cap)
    p_ex = np.empty(cap)
    prop = np.empty(cap)
    active = np.zeros(cap, dtype=bool)
    n_emp = 0

    def hire(u: np.ndarray) -> np.ndarray:
        nonlocal n_emp
        k = len(u)
        idx = np.arange(n_emp, n_emp + k)
        unit[idx] = u
        p_lq[idx] = rng.normal(0.0, p["lq_person_sd"], k)
        p_ex[idx] = rng.normal(0.0, p["ex_person_sd"], k)
        # person response propensity ~ Beta with mean response_rate (some rarely answer)
        rr = min(max(p["response_rate"], 1e-6), 1 - 1e-6)
        prop[idx] = rng.beta(6.0 * rr, 6.0 * (1.0 - rr), k)
        active[idx] = True
        n_emp += k
        return idx

    hire(np.repeat(np.arange(n_units), sizes))
    b0 = _logit(p["exit_base"])
    pending: dict[int, list[int]] = {}
    pulse_parts: list[dict[str, np.ndarray]] = []
    events: list[tuple[int, int, np.datetime64, str]] = []
    for m in range(n_months):
        t = _BURN_IN + m
        if m in pending:
            new = hire(np.asarray(pending.pop(m), dtype=int))
            for i in new:
                events.append((i, unit[i], starts[m], "join"))
        idx = np.flatnonzero(active[:n_emp])
        u = unit[idx]
        o_lq = rng.normal(0.0, p["lq_occasion_sd"], len(idx))
        lq_i = series["LQ"][u, t] + p_lq[idx] + o_lq
        ex_i = (
            series["EX"][u, t]
            + p["ex_person_lq"] * (p_lq[idx] + o_lq)
            + p_ex[idx]
            + rng.normal(0.0, p["ex_occasion_sd"], len(idx))
        )
        answered = rng.random(len(idx)) < prop[idx]
        pulse_parts.append(
            {
                "emp": idx[answered],
                "m": np.full(answered.sum(), m),
                "LQ": lq_i[answered],
                "EX": ex_i[answered],
            }
        )
        for uu in np.flatnonzero(reform_m == m):  # the new supervisor takes over on the 1st
            members = idx[u == uu]
            boss = members[rng.integers(0, len(members))]
            events.append((boss, uu, starts[m], "supervisor_change"))
        hazard = 1.0 / (1.0 + np.exp(-(b0 + p["exit_ex"] * ex_i)))
        draw = rng.random(len(idx))
        vol = draw < hazard
        invol = ~vol & (rng.random(len(idx)) < p["exit_involuntary"])
        day = rng.integers(15, last_day[m] + 1, size=len(idx))  # after the pulse window
        for kind, mask in (("exit_voluntary", vol), ("exit_involuntary", invol)):
            for i, d in zip(idx[mask], day[mask], strict=True):
                events.append((i, unit[i], starts[m] + np.timedelta64(int(d) - 1, "D"), kind))
        gone = idx[vol | invol]
        active[gone] = False
        rehire = gone[rng.random(len(gone)) < p["rehire_share"]]
        lag = rng.integers(1, 4, size=len(rehire))
        for i, g in zip(rehire, lag, strict=True):
            pending.setdefault(m + int(g), []).append(int(unit[i]))
    emp = np.concatenate([x["emp"] for x in pulse_parts])
    mm = np.concatenate([x["m"] for x in pulse_parts])
    pulse = pd.DataFrame(
        {
            "emp": emp,
            "unit_i": unit[emp],
            "m": mm,
            "LQ": np.concatenate([x["LQ"] for x in pulse_parts]),
            "EX": np.concatenate([x["EX"] for x in pulse_parts]),
        }
    )
    pulse["submitted_at"] = _timestamps(rng, starts[mm], 1, 14)
    hr = pd.DataFrame(events, columns=["emp", "unit_i", "date", "event"])
    return pulse, hr


def _pulse_items(rng: np.random.Generator, lat: pd.DataFrame) -> dict[str, np.ndarray]:
    n = len(lat)
    lam = CHAIN_DEFAULTS["loadings"]
    out: dict[str, np.ndarray] = {}
    for items, eta in ((_LQ_ITEMS, lat["LQ"].to_numpy()), (_EX_ITEMS, lat["EX"].to_numpy())):
        for item in items:
            y = lam[item] * eta + math.sqrt(1.0 - lam[item] ** 2) * rng.standard_normal(n)
            out[item] = _likert(y)
    ex = lat["EX"].to_numpy()
    out["enps"] = np.clip(np.rint(7.0 + 2.0 * (0.75 * ex + 0.66 * rng.standard_normal(n))), 0, 10)
    out["stay"] = _likert(0.6 * ex + 0.8 * rng.standard_normal(n), _STAY_THRESHOLDS)
    return out


def _customers(
    rng: np.random.Generator,
    p: Mapping[str, float],
    names: list[str],
    series: dict[str, np.ndarray],
    months: pd.PeriodIndex,
) -> pd.DataFrame:
    n_units = len(names)
    qidx = series["qidx"]
    obs_q = qidx[_BURN_IN:]
    # calendar quarters whose three months are all observed
    qs = [q for q in np.unique(obs_q) if (obs_q == q).sum() == 3]
    lo, hi = int(p["customers_min"]), int(p["customers_max"])
    base = rng.uniform(lo + 2, hi - 5, n_units)
    parts = []
    for q in qs:
        first = _BURN_IN + int(np.flatnonzero(obs_q == q)[0])
        qper = months[first].asfreq("Q")
        n_uq = np.clip(rng.poisson(base), lo, hi)
        u = np.repeat(np.arange(n_units), n_uq)
        k = len(u)
        r = rng.normal(0.0, p["customer_rep_sd"], k)
        rep_k = series["REP"][u, q] + r
        csat_k = (
            series["CSAT"][u, q]
            + p["customer_csat_rep"] * r
            + rng.normal(0.0, p["customer_csat_sd"], k)
        )
        q_start = np.datetime64(qper.start_time.date(), "D")
        n_days = int((qper.end_time.normalize() - qper.start_time).days) + 1
        parts.append(
            pd.DataFrame(
                {
                    "unit_i": u,
                    "q": q,
                    "period": str(qper).replace("Q", "Q"),
                    "submitted_at": _timestamps(rng, np.repeat(q_start, k), 1, n_days),
                    "REP": rep_k,
                    "CSAT": csat_k,
                }
            )
        )
    cust = pd.concat(parts, ignore_index=True)
    n = len(cust)
    lam = CHAIN_DEFAULTS["loadings"]
    for items, eta in (
        (_REP_ITEMS, cust["REP"].to_numpy()),
        (_CSAT_ITEMS, cust["CSAT"].to_numpy()),
    ):
        for item in items:
            y = lam[item] * eta + math.sqrt(1.0 - lam[item] ** 2) * rng.standard_normal(n)
            cust[item] = _likert(y)
    cs = cust["CSAT"].to_numpy()
    cust["nps"] = np.clip(np.rint(7.5 + 2.2 * (0.8 * cs + 0.6 * rng.standard_normal(n))), 0, 10)
    cust["language"] = np.where(rng.random(n) < p["sv_share"], "sv", "en")
    cust["duration_s"] = np.clip(np.rint(rng.lognormal(math.log(140), 0.5, n)), 40, 1800)
    return cust


# --------------------------------------------------------------------------- truth


def _truth(p: Mapping[str, float], icc_ex: float, sd_ex: float) -> pd.DataFrame:
    rows = [
        (
            "reform_share",
            p["reform_share"],
            "H8: share of units (of those with 5+ people) "
            "that get a new supervisor / decisions pushed down",
        ),
        (
            "reform_effect_lq",
            p["reform_effect"],
            "H8: jump of unit LQ at the reform month (individual SD units)",
        ),
        (
            "reform_effect_ex_longrun",
            p["reform_effect"] * p["ex_lq"],
            "H8/H1: long-run rise of unit EX after a reform (reform_effect x ex_lq)",
        ),
        (
            "ex_ar",
            p["ex_ar"],
            "EX month-to-month autoregression (EX responds within months: "
            "half-life log(0.5)/log(ex_ar) months)",
        ),
        (
            "ex_lq",
            p["ex_lq"],
            "H1: long-run effect of unit LQ on unit EX (monthly coefficient (1 - ex_ar) x ex_lq)",
        ),
        ("ex_workload", p["ex_workload"], "long-run effect of the workload shock on EX"),
        ("ex_tools", p["ex_tools"], "long-run effect of the unit's tools quality on EX"),
        (
            "ex_csat_feedback",
            p["ex_csat_feedback"],
            "H4 (the loop): long-run effect of the previous quarter's CSAT on EX",
        ),
        ("ex_stress", p["ex_stress"], "long-run effect of the quarter's stress shock on EX"),
        (
            "ex_person_lq",
            p["ex_person_lq"],
            "H1: individual-level effect of a person's LQ deviation on their EX",
        ),
        ("rep_ar", p["rep_ar"], "H6: quarter-to-quarter autoregression of REP (sticky)"),
        ("rep_ex_lag", p["rep_ex_lag"], "H3: effect of last quarter's mean EX on REP"),
        ("csat_rep", p["csat_rep"], "H2: effect of REP on CSAT in the same quarter"),
        ("csat_ex_lag", p["csat_ex_lag"], "H2/H3: direct effect of last quarter's mean EX on CSAT"),
        ("csat_stress", p["csat_stress"], "effect of the quarter's stress shock on CSAT"),
        (
            "customer_csat_rep",
            p["customer_csat_rep"],
            "H2: individual-level effect of a customer's REP deviation on their CSAT",
        ),
        (
            "exit_ex",
            p["exit_ex"],
            "H5: log-odds of voluntary exit per unit of the person's latent EX (about 1 SD, "
            "see ex_individual_sd)",
        ),
        (
            "exit_odds_ratio",
            math.exp(p["exit_ex"]),
            "H5: odds ratio of voluntary exit per unit of latent EX",
        ),
        ("exit_base", p["exit_base"], "monthly probability of voluntary exit at average EX"),
        ("exit_involuntary", p["exit_involuntary"], "monthly probability of involuntary exit"),
        (
            "icc1_ex_latent",
            icc_ex,
            "ICC(1) of latent individual EX by unit (realised variance components of this seed)",
        ),
        (
            "ex_individual_sd",
            sd_ex,
            "SD of an employee's latent EX (unit series of this seed plus person and occasion "
            "effects): the latent scale is standardised to about 1",
        ),
        ("response_rate", p["response_rate"], "mean monthly pulse response propensity"),
    ]
    return pd.DataFrame(rows, columns=["name", "value", "description"])


# --------------------------------------------------------------------------- main


def organisation(
    seed: int = 0,
    n_employees: int = 1500,
    n_units: int = 40,
    months: int = 24,
    start: str = "2025-01",
    params: Mapping[str, Any] | None = None,
) -> Organisation:
    """Generate the synthetic organisation from the known population model.

    Parameters
    ----------
    seed : int
        Seed; the same seed (and arguments) gives identical frames.
    n_employees : int
        Headcount at the start (about 1,500).
    n_units : int
        Number of units (about 40); sizes run from 3 to about 85, with
        ``max(3, n_units / 10)`` units of 3-4 people.
    months : int
        Months of pulse data (24); customer surveys for each calendar quarter inside.
    start : str
        First month, ``YYYY-MM``.
    params : dict, optional
        Overrides of :data:`ORG_DEFAULTS` (e.g. ``{"ex_csat_feedback": 0.0}`` to remove the loop).

    Returns
    -------
    Organisation
        Clean numeric frames ``pulse, customers, hr_events, units``, the ground truth
        ``truth`` and the latent unit x month series ``latent``.

    Notes
    -----
    The model is in the module docstring of :mod:`satisfaction.simulate.population`
    and its values are in ``.truth`` (and ``data/README.md``). Pulse: every active
    employee is invited every month; person ``i`` answers with probability
    ``pi_i ~ Beta(6 r, 6 (1 - r))``, ``r = response_rate`` (0.60), within days 1-14 of
    the month. Exits happen on days 15-end; a leaver is replaced in the same unit
    with probability ``rehire_share`` after 1-3 months (joins on the 1st). Reforms
    (``supervisor_change`` events, one per reformed unit, the new supervisor being a
    unit member) hit ``reform_share`` of the units with 5+ people at a month drawn
    from the 7th-18th observed months (when ``months >= 24``). Customers: per unit a base of
    ``U(12, 35)`` customers, per quarter ``Poisson(base)`` clipped to 10-40;
    ``sv_share`` answer in Swedish.

    Examples
    --------
    >>> org = organisation(seed=0)
    >>> org.units["headcount_start"].agg(["min", "max", "sum"]).tolist()
    [4, 77, 1500]
    >>> sorted(org.hr_events["event"].unique())
    ['exit_involuntary', 'exit_voluntary', 'join', 'supervisor_change']
    """
    for name, value, lo in (
        ("n_employees", n_employees, 60),
        ("n_units", n_units, 5),
        ("months", months, 6),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
            raise InputError(f"organisation {name}={value!r} must be an integer of at least {lo}")
    if n_employees < 3 * n_units + 6 * n_units // 2:
        raise InputError(
            f"organisation n_employees={n_employees} is too few for n_units={n_units}; "
            "give at least 6 people per unit on average"
        )
    p = _resolve(params)
    cal = _month_starts(start, months)
    obs = cal[_BURN_IN:]

    def rng(k: int) -> np.random.Generator:  # an independent stream per component
        return np.random.default_rng([int(seed), k])

    r_units = rng(1)
    sizes = _unit_sizes(r_units, n_units, n_employees)
    names = _unit_names(n_units)
    eligible = np.flatnonzero(sizes >= 5)
    n_reform = round(p["reform_share"] * len(eligible))
    reform_units = r_units.choice(eligible, size=n_reform, replace=False)
    lo_m, hi_m = (6, 17) if months >= 24 else (months // 4, (3 * months) // 4)
    reform_m = np.full(n_units, -1)
    reform_m[reform_units] = r_units.integers(lo_m, hi_m + 1, size=n_reform)
    reform_t = np.where(reform_m >= 0, reform_m + _BURN_IN, -1)

    series = _unit_series(rng(2), p, n_units, cal, reform_t)
    pul, hr = _employees(rng(3), p, sizes, names, series, cal, reform_m)
    items = _pulse_items(rng(4), pul)
    r5 = rng(5)
    duration = np.clip(np.rint(r5.lognormal(math.log(170), 0.45, len(pul))), 45, 1800)
    cust = _customers(rng(6), p, names, series, cal)

    name_arr = np.asarray(names, dtype=object)
    periods = np.asarray([str(x) for x in obs], dtype=object)
    pulse = pd.DataFrame(
        {
            "respondent_id": [f"E{i + 1:05d}" for i in pul["emp"]],
            "unit": name_arr[pul["unit_i"]],
            "period": periods[pul["m"]],
            "submitted_at": pul["submitted_at"].to_numpy(),
            "duration_s": duration.astype("int64"),
            **{k: np.asarray(v, dtype="int64") for k, v in items.items()},
        }
    )
    pulse = pulse.sort_values(["submitted_at", "respondent_id"], kind="stable", ignore_index=True)

    cust = cust.sort_values(["submitted_at", "unit_i"], kind="stable", ignore_index=True)
    customers = pd.DataFrame(
        {
            "respondent_id": [f"C{i + 1:06d}" for i in range(len(cust))],
            "unit": name_arr[cust["unit_i"]],
            "period": cust["period"].to_numpy(dtype=object),
            "submitted_at": cust["submitted_at"].to_numpy(),
            "duration_s": cust["duration_s"].to_numpy().astype("int64"),
            "language": cust["language"].to_numpy(dtype=object),
            **{c: cust[c].to_numpy().astype("int64") for c in (*_REP_ITEMS, *_CSAT_ITEMS, "nps")},
        }
    )

    hr_events = pd.DataFrame(
        {
            "employee_id": [f"E{i + 1:05d}" for i in hr["emp"]],
            "unit": name_arr[hr["unit_i"].to_numpy(dtype=int)],
            "date": pd.to_datetime(hr["date"].to_numpy(dtype="datetime64[D]")).astype(
                "datetime64[s]"
            ),
            "event": hr["event"].to_numpy(dtype=object),
        }
    ).sort_values(["date", "employee_id", "event"], kind="stable", ignore_index=True)

    units = pd.DataFrame(
        {
            "unit": names,
            "headcount_start": sizes.astype("int64"),
            "reform_month": [str(obs[m]) if m >= 0 else None for m in reform_m],
        }
    )

    qidx = series["qidx"][_BURN_IN:]
    lat_q = pd.PeriodIndex(obs).asfreq("Q")
    t_obs = slice(_BURN_IN, None)
    latent = pd.DataFrame(
        {
            "unit": np.repeat(name_arr, months),
            "period": np.tile(periods, n_units),
            "quarter": np.tile(np.asarray([str(x) for x in lat_q], dtype=object), n_units),
            "LQ": series["LQ"][:, t_obs].ravel(),
            "EX": series["EX"][:, t_obs].ravel(),
            "REP": series["REP"][:, qidx].ravel(),
            "CSAT": series["CSAT"][:, qidx].ravel(),
        }
    )
    var_unit = float(latent["EX"].var())
    var_ind = (
        p["ex_person_lq"] ** 2 * (p["lq_person_sd"] ** 2 + p["lq_occasion_sd"] ** 2)
        + p["ex_person_sd"] ** 2
        + p["ex_occasion_sd"] ** 2
    )
    truth = _truth(p, var_unit / (var_unit + var_ind), math.sqrt(var_unit + var_ind))
    gen = dict(
        p, n_employees=int(n_employees), n_units=int(n_units), months=int(months), start=str(start)
    )
    return Organisation(
        pulse=pulse,
        customers=customers,
        hr_events=hr_events,
        units=units,
        truth=truth,
        latent=latent,
        seed=int(seed),
        params=gen,
    )


def truth_markdown(truth: pd.DataFrame) -> str:
    """The true-effects table as Markdown (the table pasted into ``data/README.md``).

    Parameters
    ----------
    truth : DataFrame
        ``Organisation.truth`` (``name, value, description``).

    Returns
    -------
    str
        A Markdown table, values to 4 significant digits.

    Examples
    --------
    >>> t = pd.DataFrame({"name": ["rep_ar"], "value": [0.8], "description": ["H6"]})
    >>> print(truth_markdown(t))
    | name | value | description |
    |---|---:|---|
    | `rep_ar` | 0.8 | H6 |
    """
    lines = ["| name | value | description |", "|---|---:|---|"]
    lines += [f"| `{r.name}` | {r.value:.4g} | {r.description} |" for r in truth.itertuples()]
    return "\n".join(lines)

"""Small cached inputs for the docstring examples (the sample organisation's panels)."""

from __future__ import annotations

import functools

import pandas as pd

__all__ = [
    "sample_panel",
    "sample_pulse",
    "sample_long_panel",
    "sample_person_months",
    "sample_linked",
    "sample_monthly_panel",
]


@functools.lru_cache(maxsize=1)
def _sample_frames():
    from ..linkage import link, unit_panel
    from ..sample import load_sample

    org = load_sample()
    pulse = org.pulse.assign(ex5=lambda d: 6 - d["ex5"])
    emp = unit_panel(pulse, constructs=["LQ", "EX"])
    cus = unit_panel(org.customers, respondent=None)
    return pulse, link(emp, cus, lag=0)


def sample_pulse() -> pd.DataFrame:
    """The sample's pulse with ``ex5`` reverse-keyed (a copy)."""
    return _sample_frames()[0].copy()


def sample_panel() -> pd.DataFrame:
    """The sample's quarterly unit panel, employee and customer sides linked at lag 0 (a copy)."""
    return _sample_frames()[1].copy()


@functools.lru_cache(maxsize=1)
def _long():
    from ..linkage import unit_panel
    from ..sample import load_sample

    org = load_sample()
    emp = unit_panel(_sample_frames()[0], constructs=["LQ", "EX"])
    cus = unit_panel(org.customers, respondent=None)
    return pd.concat([emp, cus], ignore_index=True)


def sample_long_panel() -> pd.DataFrame:
    """The sample's quarterly employee and customer unit panels, long, concatenated (a copy)."""
    return _long().copy()


@functools.lru_cache(maxsize=1)
def _person_months():
    from ..linkage import person_periods
    from ..sample import load_sample

    return person_periods(_sample_frames()[0], load_sample().hr_events)


def sample_person_months() -> pd.DataFrame:
    """The sample's person-months at risk (:func:`satisfaction.person_periods`, a copy)."""
    return _person_months().copy()


@functools.lru_cache(maxsize=1)
def _linked():
    from ..linkage import link

    long = _long()
    emp = long[long["construct"].isin(["LQ", "EX"])]
    cus = long[long["construct"].isin(["REP", "CSAT"])]
    return link(emp, cus, lag=1)


def sample_linked() -> pd.DataFrame:
    """The sample's employee panel (LQ, EX) linked to the customer panel one quarter later (a copy)."""
    return _linked().copy()


@functools.lru_cache(maxsize=1)
def _monthly():
    from ..linkage import unit_panel

    return unit_panel(_sample_frames()[0], constructs=["LQ", "EX"], period="month")


def sample_monthly_panel() -> pd.DataFrame:
    """The sample's monthly employee unit panel (LQ, EX; a copy)."""
    return _monthly().copy()

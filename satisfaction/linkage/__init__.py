"""Linkage: from respondent answers to unit x period panels, lagged links and person-months.

Employees and customers are different people, so the chain is tested where they
meet: the unit, over time. :func:`unit_panel` counts people, not responses, and
gives each unit mean with its sampling error, ICC(1), reliability (ICC(2)) and
r_wg(j); :func:`agreement` summarises agreement per construct; :func:`link` joins the
employee and customer panels with the employee side lagged; :func:`person_periods`
turns pulses and HR events into person-months at risk of leaving. :func:`aggregate`
and :func:`to_quarter` are the plain counts and means that reports use.
"""

from __future__ import annotations

from .indices import icc, rwg_j, spearman_brown
from .joins import link, shift_period, wide_panel
from .panels import aggregate, agreement, construct_scores, to_quarter, unit_panel
from .periods import PERIODS, to_period
from .persons import EXIT_EVENTS, HR_EVENTS, check_hr_events, person_periods

__all__ = [
    "aggregate",
    "to_quarter",
    "to_period",
    "PERIODS",
    "unit_panel",
    "agreement",
    "icc",
    "rwg_j",
    "spearman_brown",
    "construct_scores",
    "link",
    "shift_period",
    "wide_panel",
    "person_periods",
    "check_hr_events",
    "EXIT_EVENTS",
    "HR_EVENTS",
]

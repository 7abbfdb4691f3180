"""The claims H1-H8 of the linkage chain, one module per claim family.

``keydrivers`` (H1), ``unitchain`` (H2, H7), ``leadlag`` and ``crosslag`` (H3, H4),
``exits`` (H5), ``stickiness`` (H6), ``reforms`` (H8), ``earlywarning``, ``powersim``;
:func:`claims_table` assembles the H1-H8 table.
"""

from __future__ import annotations

from .crosslag import MODELS, clpm, cross_lagged, fixed_effects_panel, ri_clpm
from .earlywarning import RULES, early_warning, warning_backtest
from .exits import BANDS, survival_curves, turnover
from .figures import event_study_plot, survival_plot
from .keydrivers import drivers, lmg_from_cov, lq_ex_path
from .leadlag import DESCRIPTION_ONLY, lead_lag
from .powersim import POWER_METHODS, power, power_replication
from .reforms import (
    INVARIANCE_LEVELS,
    reform,
    reform_invariance,
    reform_months,
    reform_verdict,
)
from .stickiness import stability
from .table import CLAIMS, claims_table
from .unitchain import MEASUREMENTS, chain, chain_syntax

__all__ = [
    "claims_table",
    "CLAIMS",
    "drivers",
    "lq_ex_path",
    "lmg_from_cov",
    "chain",
    "chain_syntax",
    "MEASUREMENTS",
    "lead_lag",
    "DESCRIPTION_ONLY",
    "clpm",
    "ri_clpm",
    "cross_lagged",
    "fixed_effects_panel",
    "MODELS",
    "turnover",
    "survival_curves",
    "BANDS",
    "stability",
    "reform",
    "reform_months",
    "reform_invariance",
    "reform_verdict",
    "INVARIANCE_LEVELS",
    "early_warning",
    "warning_backtest",
    "RULES",
    "power",
    "power_replication",
    "POWER_METHODS",
    "event_study_plot",
    "survival_plot",
]

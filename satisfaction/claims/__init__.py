"""The claims H1-H8 of the linkage chain, one module per claim family.

``drivers`` (H1), ``chain`` (H2, H7), ``leadlag`` and ``crosslag`` (H3, H4),
``turnover`` (H5), ``stability`` (H6), ``reform`` (H8), ``earlywarning``, ``power``;
:func:`claims` assembles the H1-H8 table.
"""

from __future__ import annotations

from .chain import MEASUREMENTS, chain, chain_syntax
from .crosslag import MODELS, clpm, cross_lagged, fixed_effects_panel, ri_clpm
from .drivers import drivers, lmg_from_cov, lq_ex_path
from .earlywarning import RULES, early_warning, warning_backtest
from .leadlag import DESCRIPTION_ONLY, lead_lag
from .power import POWER_METHODS, power, power_replication
from .reform import INVARIANCE_LEVELS, reform, reform_invariance, reform_months
from .stability import stability
from .table import CLAIMS, claims
from .turnover import BANDS, survival_curves, turnover

__all__ = [
    "claims",
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
    "INVARIANCE_LEVELS",
    "early_warning",
    "warning_backtest",
    "RULES",
    "power",
    "power_replication",
    "POWER_METHODS",
]

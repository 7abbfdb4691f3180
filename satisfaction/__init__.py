"""satisfaction: test the linkage chain LQ -> EX -> REP -> CSAT on real survey data.

``import satisfaction as sat`` gives the public API below; each name lives in a
small module of its own (see DESIGN.md for the flow).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

# --- errors -----------------------------------------------------------------
from .errors import (
    CleaningError,
    ConvergenceWarning,
    InputError,
    InstrumentError,
    OptionError,
    PrivacyError,
    SatisfactionError,
    SEMError,
    SEMWarning,
)

# --- instruments ------------------------------------------------------------
from .instruments import (
    DONT_KNOW,
    Construct,
    Instrument,
    Item,
    default_instrument,
    label_map,
    likert_value,
    load_instrument,
    normalise_label,
)

# --- simulate ---------------------------------------------------------------
from .sample import load_sample, load_sample_exports
from .simulate import ChainSample, Organisation, chain_sample, organisation, write_exports

# isort: split

# --- io / clean -------------------------------------------------------------
# --- claims -----------------------------------------------------------------
from . import claims
from .claims import (
    claims_table,
    cross_lagged,
    drivers,
    early_warning,
    lead_lag,
    power,
    reform,
    stability,
    turnover,
)
from .cleaning import (
    Cleaned,
    careless_metrics,
    check_range,
    clean,
    dont_know_to_missing,
    drop_duplicates,
    drop_empty,
    flag_careless,
    recode_labels,
    reverse_code,
)
from .io import Export, ExportReport, read_export, read_hr_events, read_units, write_processed

# --- privacy / scales -------------------------------------------------------
from .linkage import aggregate, agreement, link, person_periods, to_quarter, unit_panel
from .privacy import guard, pseudonymise, pseudonymise_frame, suppress
from .scales import item_analysis, reliability, score

# --- sem --------------------------------------------------------------------
from .sem import SEMResult, chain_model, compare_models, fit_sem, monte_carlo_ci

try:
    __version__ = version("satisfaction")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0"

__all__ = [
    "__version__",
    # errors
    "SatisfactionError",
    "InstrumentError",
    "InputError",
    "CleaningError",
    "PrivacyError",
    "OptionError",
    "SEMError",
    "SEMWarning",
    "ConvergenceWarning",
    # instruments
    "Item",
    "Construct",
    "Instrument",
    "default_instrument",
    "load_instrument",
    "likert_value",
    "label_map",
    "normalise_label",
    "DONT_KNOW",
    # simulate
    "chain_sample",
    "organisation",
    "write_exports",
    "load_sample",
    "load_sample_exports",
    "ChainSample",
    "Organisation",
    # io / clean
    "read_export",
    "Export",
    "ExportReport",
    "write_processed",
    "read_hr_events",
    "read_units",
    "clean",
    "Cleaned",
    "recode_labels",
    "reverse_code",
    "dont_know_to_missing",
    "drop_duplicates",
    "drop_empty",
    "flag_careless",
    "careless_metrics",
    "check_range",
    # privacy / scales
    "pseudonymise",
    "pseudonymise_frame",
    "suppress",
    "guard",
    "score",
    "reliability",
    "item_analysis",
    # aggregation
    "aggregate",
    "to_quarter",
    # linkage
    "unit_panel",
    "agreement",
    "link",
    "person_periods",
    # claims
    "claims",
    "claims_table",
    "drivers",
    "lead_lag",
    "cross_lagged",
    "turnover",
    "stability",
    "reform",
    "early_warning",
    "power",
    # sem
    "sem",
    "fit_sem",
    "compare_models",
    "chain_model",
    "monte_carlo_ci",
    "SEMResult",
]

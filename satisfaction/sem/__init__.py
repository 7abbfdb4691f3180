"""Structural equation models with lavaan's conventions and numbers.

``fit_sem(syntax, data)`` specifies, estimates and summarises a model written in
lavaan syntax; :class:`SEMResult` holds lavaan-named tables; :func:`compare_models`
tests nested models; :func:`chain_model` writes the LQ -> EX -> REP -> CSAT
chain for an instrument; :func:`monte_carlo_ci` gives Monte Carlo intervals of
defined effects (:func:`evaluate_definitions` evaluates ``:=`` expressions);
:func:`bootstrap` and :func:`bootstrap_ci` give bootstrap intervals;
:func:`polychoric` and :func:`fit_dwls` handle ordinal items. ``fit_sem(...,
group="col", group_equal=[...])`` fits multi-group models (:class:`GroupResult`,
:func:`score_tests`); :func:`invariance` tests configural, metric, scalar and strict
invariance across groups with a partial-invariance search, and
:func:`longitudinal_invariance` (with :func:`longitudinal_model`) across waves.
Constraints in the syntax (``a == b``, ``b1 == b2 + 0.3``, ``c > 0``) are lavaan's.
"""

from __future__ import annotations

from .bootstrapping import BootstrapResult, bootstrap, bootstrap_ci
from .builders import chain_model, chain_paths, longitudinal_model
from .comparison import compare_models
from .defined import evaluate_definitions
from .equivalence import InvarianceResult, invariance, longitudinal_invariance
from .estimators import Estimation, batched_fit_ml, expected_information, fit_ml
from .fitting import fit_sem
from .groupresult import GroupResult, score_tests
from .model import Model, duplication_matrix, vech, vech_indices
from .montecarlo import monte_carlo_ci
from .ordinal import Polychoric, fit_dwls, polychoric
from .result import SEMResult

__all__ = [
    "fit_sem",
    "SEMResult",
    "Model",
    "compare_models",
    "chain_model",
    "chain_paths",
    "longitudinal_model",
    "invariance",
    "longitudinal_invariance",
    "InvarianceResult",
    "GroupResult",
    "score_tests",
    "monte_carlo_ci",
    "Estimation",
    "fit_ml",
    "batched_fit_ml",
    "expected_information",
    "vech",
    "vech_indices",
    "duplication_matrix",
    "evaluate_definitions",
    "bootstrap",
    "BootstrapResult",
    "bootstrap_ci",
    "polychoric",
    "Polychoric",
    "fit_dwls",
]

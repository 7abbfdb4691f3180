"""Simulated data from known parameters: chain samples and the synthetic organisation.

- :func:`chain_sample`: individual-level items from a known SEM of LQ -> EX -> REP -> CSAT;
- :func:`organisation`: a multi-source organisation (pulse, customers, HR events) built
  from the population model of DESIGN.md, with its ground truth;
- :func:`write_exports`: the organisation's raw exports, with realistic mess, as files.

Examples
--------
>>> import satisfaction as sat
>>> s = sat.chain_sample(200, seed=3)
>>> s.data.shape
(200, 17)
"""

from __future__ import annotations

from .chain import CHAIN_DEFAULTS, LIKERT_THRESHOLDS, ChainSample, chain_sample, implied_cov
from .exports import EXPORT_FILES, MESS_RATES, raw_exports, write_exports
from .population import ORG_DEFAULTS, UNIT_NAMES, Organisation, organisation, truth_markdown

__all__ = [
    "ChainSample",
    "chain_sample",
    "implied_cov",
    "CHAIN_DEFAULTS",
    "LIKERT_THRESHOLDS",
    "Organisation",
    "organisation",
    "ORG_DEFAULTS",
    "UNIT_NAMES",
    "truth_markdown",
    "write_exports",
    "raw_exports",
    "MESS_RATES",
    "EXPORT_FILES",
]

"""Nonparametric bootstrap of a structural equation model, batched across resamples.

lavaan's ``se = "bootstrap"`` refits the model on each resample of the rows, one after
another (about 25 s for 1,000 resamples of Bollen's political democracy model). Here the
B resampled covariance matrices come from one matrix product (multinomial resampling
weights times the cross-products of the rows) and all B models are fitted at once, warm-
started at the full-sample estimates: one Fisher-scoring step with the (shared) expected
information, one with each resample's own expected information, then limited-memory BFGS,
with the ML gradient and information in closed form for all B at once (numpy batched linear
algebra; :func:`satisfaction.sem.estimators.batched_fit_ml`, which also does GLS and ULS).
The resamples are split over the machine's cores (threads). Resamples that fail or do not
converge are counted and dropped, inadmissible solutions (negative variances,
non-positive-definite covariance matrices) are counted and kept, as lavaan does.

Measured (``benchmarks/bench_bootstrap.py``, 2-core machine shared with other jobs): 1,000
resamples of the political democracy model in 0.25-0.5 s against 24-50 s for lavaan 0.6-14
in the same run, i.e. 60-90 times faster.

Nested and incomplete data: with ``cluster=`` whole units are resampled (a cluster
bootstrap: each resample draws as many units as the data have, with replacement); with
``missing="fiml"`` the rows are resampled with their missing values and all resamples are
refitted by FIML together (:mod:`.missing`), which is what lavaan's ``missing = "ml", se =
"bootstrap"`` does one resample at a time. Robust fits (MLR, MLM) bootstrap their ML
estimates.

Modules: :mod:`.resample` (resampled moments, resampling weights, batched refits,
admissibility, jackknife), :mod:`.missing` (batched FIML refits), :mod:`.intervals`
(:func:`bootstrap_ci`), :mod:`.core` (:func:`bootstrap`, :class:`BootstrapResult`).
"""

from __future__ import annotations

from .core import BootstrapResult, bootstrap
from .intervals import CI_TYPES, bootstrap_ci
from .resample import _moments_batch as _moments_batch

__all__ = ["BootstrapResult", "bootstrap", "bootstrap_ci", "CI_TYPES"]

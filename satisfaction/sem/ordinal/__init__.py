"""Ordinal items: polychoric correlations and DWLS / WLSMV estimation.

Likert items are ordinal: an answer of 4 says "more than 3", not "one unit more". The
usual remedy (Muthén 1984; lavaan's default for ``ordered=`` variables) assumes each item
is a coarsened standard-normal latent response ``y*``, estimates the thresholds that cut
``y*`` into categories and the correlations between the latent responses (polychoric
correlations), and fits the SEM to those correlations by diagonally weighted least squares
with robust standard errors and a mean-and-variance adjusted test (``estimator="WLSMV"``).

This package does all of it with numpy/scipy only: a vectorised bivariate normal CDF
(Genz's algorithm), the two-step polychoric estimator, the asymptotic covariance matrix of
thresholds and correlations from casewise scores (lavaan's ``muthen1984``), and the DWLS fit
in lavaan's default "delta" parameterisation. semopy's ``hetcor`` is not used (it fails on
DataFrames and relies on a SciPy routine removed in SciPy 1.16).

Modules: :mod:`.bivariate` (bivariate normal CDF and density), :mod:`.correlations`
(thresholds, polychoric correlations and their asymptotic covariance), :mod:`.dwls`
(:func:`fit_dwls`).
"""

from __future__ import annotations

from .bivariate import bivariate_normal_cdf, bivariate_normal_pdf
from .correlations import Polychoric, polychoric
from .dwls import fit_dwls

__all__ = [
    "Polychoric",
    "bivariate_normal_cdf",
    "bivariate_normal_pdf",
    "polychoric",
    "fit_dwls",
]

"""Full-information maximum likelihood (FIML) for data with missing values.

Survey exports always have holes: skipped items, "don't know" answers recoded to
missing, customers who answered only part of a questionnaire. Listwise deletion throws
away whole respondents and is biased unless values are missing completely at random;
FIML uses every observed value and is consistent when values are missing at random (MAR).

This package is what ``fit_sem(..., missing="fiml")`` (or lavaan's alias ``"ml"``) runs, and
it reproduces lavaan 0.6-14's ``sem(..., missing = "ml")``:

- the casewise log-likelihood, computed once per missingness *pattern* (one Cholesky
  factorisation of the observed block of Sigma per pattern, sufficient statistics per
  pattern), with the analytic gradient;
- estimation by Fisher scoring with the expected FIML information, started from the
  ML fit to the EM moments, to a relative parameter change of 1e-9;
- the unrestricted (H1) model by the EM algorithm, started and stopped exactly as
  lavaan's ``lav_mvnorm_missing_h1_estimate_moments()`` (so ``unrestricted_logl`` and the
  chi-square agree with lavaan);
- standard errors from the *observed* information (lavaan's default for
  ``missing = "ml"``): minus the Hessian of the log-likelihood, with the information of
  the moments in closed form and the model's second derivatives by 4-point central
  differences of its analytic Jacobian (lavaan differentiates its gradient numerically;
  both agree to 1e-7 on the chain sample);
- robust "MLR" standard errors (Huber-White sandwich of the casewise scores) and the
  Yuan-Bentler (Mplus) scaled test under missing data, :func:`fiml_robust`;
- exogenous observed covariates (:func:`bind_fixed_x`): with ``fixed.x = TRUE`` the
  cases with a missing covariate are dropped (and noted) and the covariates' moments are
  fixed to their sample values, the log-likelihood reported conditional on them; with
  ``fixed_x=False`` they are modelled like any other variable and every case is used.
  The FIML-corrected ``*_robust`` CFI/TLI/RMSEA are NaN with fixed.x covariates (lavaan's
  version with zeroed covariate moments is not reproduced yet);
- fit measures: chi-square against H1, the independence baseline fitted by FIML,
  CFI, TLI, RMSEA with its interval and close-fit p-value, SRMR (Bentler's, with means,
  against the EM moments, as lavaan computes it for ``missing = "ml"``), logl, AIC, BIC,
  and lavaan's FIML-corrected robust CFI, TLI and RMSEA (``*_robust``).

What semopy 2.3.11 gets wrong here (measured here on Holzinger-Swineford, 301 cases, no
missing values, so FIML must reproduce ML; reference lavaan 0.6-14 ``cfa(..., missing = "ml")``):

- two-factor CFA (visual, textual): ``semopy.Model.fit(data, obj="FIML")`` gives loading SEs
  3.3 to 10.7 times too small (median 5.3: the "about 6 times" of issue #4), while other
  SEs are up to 17 times too large; ``inspect(se_robust=True)`` after that fit gives loading
  SEs 10.7 to 79 times smaller than lavaan's MLR ones (median 23: the "about 30 times");
- three-factor CFA: semopy's FIML does not even reach the ML solution (loading of x2
  1.22 against lavaan's 0.554, factor variances near 18 against 0.81);
- its ``logl``/``AIC``/``BIC`` are functions of its fit function, not the log-likelihood,
  and it has no H1 model under missing data, so no chi-square test, CFI, TLI or RMSEA.

None of those numbers reach users: this package does the estimation, and
``tests/test_sem_parity_fiml.py`` checks it against lavaan and re-measures semopy's error.

Modules: :mod:`.patterns` (missingness patterns, log-likelihood and its gradient),
:mod:`.information` (information matrices and casewise scores of the moments), :mod:`.em`
(the H1 model by EM), :mod:`.data` (input checks, per-data cache), :mod:`.estimate`
(:func:`fit_fiml`), :mod:`.vcov` (:func:`fiml_vcov`, :func:`fiml_robust`), :mod:`.measures`
(:func:`fiml_fit_measures`), :mod:`.models` (saturated and independence models),
:mod:`.modindices` (:func:`fiml_modindices`).

Notes
-----
For a case ``i`` with observed variables ``o_i``,

.. math::

    \\ell_i = -\\tfrac12\\left(p_i \\log 2\\pi + \\log|\\Sigma_{oo}|
        + (x_{io} - \\mu_o)'\\Sigma_{oo}^{-1}(x_{io} - \\mu_o)\\right).

Grouping the ``n_k`` cases of pattern ``k`` with mean ``\\bar x_k`` and covariance
``S_k`` (divisor ``n_k``), ``\\sum_{i \\in k} \\ell_i = -\\tfrac{n_k}2 (p_k \\log 2\\pi +
\\log|\\Sigma_{oo}| + \\operatorname{tr}\\Sigma_{oo}^{-1}(S_k + d_k d_k'))`` with
``d_k = \\bar x_k - \\mu_o``, whose derivatives are
``\\partial/\\partial\\Sigma_{oo} = \\tfrac{n_k}2(\\Sigma_{oo}^{-1}(S_k + d_kd_k')\\Sigma_{oo}^{-1}
- \\Sigma_{oo}^{-1})`` and ``\\partial/\\partial\\mu_o = n_k \\Sigma_{oo}^{-1} d_k``.

References
----------
Arbuckle, J. L. (1996). Full information estimation in the presence of incomplete data.
Enders, C. K. (2010). Applied missing data analysis. lavaan 0.6-14: ``lav_mvnorm_missing_*``.
"""

from __future__ import annotations

from .data import bind_fixed_x
from .em import SaturatedMoments, em_saturated
from .estimate import _loglik_theta as _loglik_theta
from .estimate import _theta_gradient as _theta_gradient
from .estimate import fit_fiml
from .information import _moment_information as _moment_information
from .measures import fiml_fit_measures
from .models import _Saturated as _Saturated
from .modindices import fiml_modindices
from .patterns import MissingPatterns, fiml_loglik, missing_patterns
from .vcov import fiml_robust, fiml_vcov

__all__ = [
    "MissingPatterns",
    "SaturatedMoments",
    "missing_patterns",
    "fiml_loglik",
    "em_saturated",
    "fit_fiml",
    "fiml_vcov",
    "fiml_fit_measures",
    "fiml_robust",
    "fiml_modindices",
    "bind_fixed_x",
]

"""The fitted-model object: lavaan-named estimates, fit measures, R-squared, text and HTML.

A :class:`SEMResult` is built once by :func:`satisfaction.sem.fit_sem` and never
changes; every table it returns is a fresh DataFrame.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from . import defined
from .measures import fit_measures, r2
from .model import Model
from .standardize import standardize

__all__ = ["SEMResult", "ESTIMATE_COLUMNS"]

#: columns of ``SEMResult.estimates`` (lavaan's ``parameterEstimates(standardized=TRUE)``)
ESTIMATE_COLUMNS = [
    "lhs",
    "op",
    "rhs",
    "label",
    "est",
    "se",
    "z",
    "pvalue",
    "ci_lower",
    "ci_upper",
    "std_lv",
    "std_all",
]


def _heywood(model: Model, theta: np.ndarray, std_all: np.ndarray) -> list[str]:
    """Heywood cases and non-positive-definite implied or latent matrices, as sentences."""
    out = []
    est = np.array([theta[f - 1] if f > 0 else np.nan for f in model._free])
    lhs_a, op_a, rhs_a = model._lhs, model._op, model._rhs
    for k in range(len(lhs_a)):
        lhs, op, rhs = lhs_a[k], op_a[k], rhs_a[k]
        if op == "~~" and lhs == rhs and np.isfinite(est[k]) and est[k] < 0:
            out.append(
                f"Heywood case: the variance of {lhs!r} is negative ({est[k]:.3f}); the "
                "model is misspecified or the sample too small"
            )
        elif op in ("=~", "~~") and lhs != rhs and np.isfinite(std_all[k]) and abs(std_all[k]) > 1:
            out.append(
                f"Heywood case: standardised '{lhs} {op} {rhs}' is {std_all[k]:.3f} (|value| > 1)"
            )
    sigma, _ = model.implied(theta)
    if np.min(np.linalg.eigvalsh(sigma)) <= 0:
        out.append("the model-implied covariance matrix is not positive definite")
    a, s, _ = model.matrices(theta)
    lv = slice(model.p, model.n_vars)
    if model.latent and np.min(np.linalg.eigvalsh(s[lv, lv])) < -1e-10:
        out.append(
            "the covariance matrix of the latent variables (residuals) is not positive definite"
        )
    return out


def _bootstrap_rows(model: Model, boot) -> tuple[np.ndarray, np.ndarray]:
    """Per-row bootstrap SEs and intervals (fixed rows: se 0, interval NaN = collapse to est)."""
    n_rows = len(model.partable)
    se_rows = np.full(n_rows, np.nan)
    ci_rows = np.full((n_rows, 2), np.nan)
    ci = boot.ci
    free = model.partable["free"].to_numpy()
    ops = model.partable["op"].to_numpy()
    for k in range(n_rows):
        if k in ci.index:
            se_rows[k] = ci.at[k, "se"]
            ci_rows[k] = ci.at[k, "ci_lower"], ci.at[k, "ci_upper"]
        elif ops[k] != ":=" and free[k] == 0:
            se_rows[k] = 0.0
    return se_rows, ci_rows


class SEMResult:
    """A fitted structural equation model (lavaan-style results, immutable).

    Attributes
    ----------
    model : Model
        The fitted model (fixed.x values bound to the sample).
    theta : ndarray (q,)
        Estimates of the free parameters.
    estimates : pandas.DataFrame
        One row per parameter, columns ``lhs, op, rhs, label, est, se, z, pvalue,
        ci_lower, ci_upper, std_lv, std_all`` (as lavaan's
        ``parameterEstimates(fit, standardized=TRUE)``); defined parameters last
        with op ``:=`` and delta-method standard errors.
    fit_measures : pandas.Series
        lavaan's fit measures (``chisq, df, pvalue, cfi, tli, rmsea, srmr, aic, ...``).
    r2 : pandas.Series
        R-squared of the endogenous variables.
    vcov : pandas.DataFrame
        Covariance matrix of the free parameters.
    warnings : list of str
        Everything the user must know (non-convergence, Heywood cases, ...).
    data_summary : dict
        ``n``, ``S`` (covariance matrix the estimator used), ``mean``.
    test : dict
        Test statistics (``{"standard": {...}}`` plus robust ones when computed).

    Examples
    --------
    >>> from semopy.examples import political_democracy
    >>> from satisfaction.sem import fit_sem
    >>> res = fit_sem("ind60 =~ x1 + x2 + x3\\ndem60 =~ y1 + y2 + y3 + y4\\n"
    ...           "dem60 ~ a*ind60", political_democracy.get_data())
    >>> res.estimates.query("op == '~'")[["lhs", "rhs", "est", "se", "std_all"]].round(3)
         lhs    rhs    est     se  std_all
    7  dem60  ind60  1.439  0.379     0.46
    >>> res.fit_measures[["chisq", "df", "cfi", "rmsea", "srmr"]].round(3).tolist()
    [23.738, 13.0, 0.972, 0.105, 0.051]
    """

    def __init__(
        self,
        *,
        model: Model,
        theta: np.ndarray,
        vcov: np.ndarray | None,
        estimator: str,
        n: int,
        S: np.ndarray,
        mean: np.ndarray | None,
        fmin: float,
        baseline_fmin: float,
        converged: bool,
        iterations: int,
        warnings: list[str],
        level: float = 0.95,
        se: str = "standard",
        S_ml: np.ndarray | None = None,
        test: dict | None = None,
        information: str = "expected",
        se_rows: np.ndarray | None = None,
        ci_rows: np.ndarray | None = None,
        extra: dict | None = None,
        bootstrap=None,
    ):
        self.model = model
        self.theta = np.asarray(theta, float).copy()
        q = model.n_free
        self._vcov = np.full((q, q), np.nan) if vcov is None else np.asarray(vcov, float)
        self.estimator = estimator
        self.converged = bool(converged)
        self.iterations = int(iterations)
        self.level = float(level)
        self.se_type = se
        self.information = information
        self.warnings = list(warnings)
        self.data_summary = {
            "n": int(n),
            "S": np.asarray(S, float).copy(),
            "mean": None if mean is None else np.asarray(mean, float).copy(),
        }
        self._S_ml = S if S_ml is None else S_ml
        self._fmin = float(fmin)
        self._baseline_fmin = float(baseline_fmin)
        self.extra = dict(extra or {})
        if bootstrap is not None:
            self.extra["bootstrap"] = bootstrap
            se_rows, ci_rows = _bootstrap_rows(model, bootstrap)
        self._fit = fit_measures(
            model=model,
            theta=self.theta,
            S=S,
            n=n,
            fmin=fmin,
            estimator=estimator,
            baseline_fmin=baseline_fmin,
            mean=mean,
            S_ml=self._S_ml,
        )
        self.test = {
            "standard": {
                "stat": float(self._fit["chisq"]),
                "df": float(self._fit["df"]),
                "pvalue": float(self._fit["pvalue"]),
            }
        }
        if test:
            self.test.update(test)
            for key, value in test.get("fit_measures", {}).items():
                self._fit[key] = value
        self._estimates = self._build_estimates(se_rows, ci_rows)
        self._r2 = r2(model, self.theta)
        std_all = self._estimates["std_all"].to_numpy()[: len(model._free)]
        self.warnings.extend(_heywood(model, self.theta, std_all))

    # ------------------------------------------------------------------ tables
    def _build_estimates(self, se_rows, ci_rows) -> pd.DataFrame:
        model, theta = self.model, self.theta
        pt = model.partable
        base = pt[pt["op"] != ":="]
        free = base["free"].to_numpy()
        a, s, m = model.matrices(theta)
        est = np.empty(len(base))
        for k in range(len(base)):
            if free[k] > 0:
                est[k] = theta[free[k] - 1]
            else:
                r, c = model._row[k], model._col[k]
                est[k] = a[r, c] if model._mat[k] == 0 else s[r, c] if model._mat[k] == 1 else m[r]
        se_free = np.sqrt(np.clip(np.diag(self._vcov), 0, None))
        se_free[~np.isfinite(np.diag(self._vcov))] = np.nan
        se = np.where(free > 0, se_free[np.maximum(free, 1) - 1], 0.0)
        n_def = len(model.definitions)
        if n_def:
            dval = defined.evaluate(model, theta)
            dvc = defined.delta_vcov(model, theta, self._vcov)
            est = np.concatenate([est, dval])
            se = np.concatenate([se, np.sqrt(np.clip(np.diag(dvc), 0, None))])
        if se_rows is not None:
            se = np.asarray(se_rows, float)
        is_free = np.concatenate([free > 0, np.ones(n_def, bool)])
        with np.errstate(invalid="ignore", divide="ignore"):
            z = np.where(is_free & (se > 0), est / se, np.nan)
        pvalue = 2 * stats.norm.sf(np.abs(z))
        crit = stats.norm.ppf(0.5 + self.level / 2)
        lo = np.where(is_free, est - crit * se, est)
        hi = np.where(is_free, est + crit * se, est)
        if ci_rows is not None:  # e.g. bootstrap intervals; fixed parameters keep est
            ci_rows = np.asarray(ci_rows, float)
            lo = np.where(np.isnan(ci_rows[:, 0]) & ~is_free, est, ci_rows[:, 0])
            hi = np.where(np.isnan(ci_rows[:, 1]) & ~is_free, est, ci_rows[:, 1])
        std_lv, std_all = standardize(model, theta, est[: len(base)])
        out = pd.DataFrame(
            {
                "lhs": pt["lhs"].to_numpy(),
                "op": pt["op"].to_numpy(),
                "rhs": pt["rhs"].to_numpy(),
                "label": pt["label"].to_numpy(),
                "est": est,
                "se": se,
                "z": z,
                "pvalue": pvalue,
                "ci_lower": lo,
                "ci_upper": hi,
                "std_lv": std_lv,
                "std_all": std_all,
            }
        )
        th = self.extra.get("thresholds")
        if isinstance(th, pd.DataFrame) and len(th):
            out = pd.concat(
                [out[out["op"] != ":="], self._threshold_rows(th, crit), out[out["op"] == ":="]],
                ignore_index=True,
            )
        return out

    @staticmethod
    def _threshold_rows(th: pd.DataFrame, crit: float) -> pd.DataFrame:
        """Rows ``item | t1`` for the thresholds of ordinal items (std values = est)."""
        est = th["est"].to_numpy(float)
        se = th["se"].to_numpy(float) if "se" in th else np.full(len(th), np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            z = np.where(se > 0, est / se, np.nan)
        return pd.DataFrame(
            {
                "lhs": th["lhs"].astype(str).to_numpy(),
                "op": "|",
                "rhs": th["rhs"].astype(str).to_numpy(),
                "label": "",
                "est": est,
                "se": se,
                "z": z,
                "pvalue": 2 * stats.norm.sf(np.abs(z)),
                "ci_lower": est - crit * se,
                "ci_upper": est + crit * se,
                "std_lv": est,
                "std_all": est,
            }
        )

    @property
    def estimates(self) -> pd.DataFrame:
        """Parameter estimates with lavaan's columns (a fresh copy)."""
        return self._estimates.copy()

    @property
    def fit_measures(self) -> pd.Series:
        """Fit measures with lavaan's names (a fresh copy)."""
        return self._fit.copy()

    @property
    def r2(self) -> pd.Series:
        """R-squared of the endogenous variables (a fresh copy)."""
        return self._r2.copy()

    @property
    def vcov(self) -> pd.DataFrame:
        """Covariance matrix of the free parameters, labelled by parameter."""
        names = self.model.param_names
        return pd.DataFrame(self._vcov.copy(), index=names, columns=names)

    @property
    def implied(self) -> tuple[np.ndarray, np.ndarray | None]:
        """Model-implied covariance matrix and means at the estimates."""
        return self.model.implied(self.theta)

    def defined_effects(self) -> pd.DataFrame:
        """The ``:=`` rows of :attr:`estimates` (defined parameters), renumbered from 0.

        Returns
        -------
        pandas.DataFrame
            Same columns as :attr:`estimates`.
        """
        est = self._estimates
        return est[est["op"] == ":="].reset_index(drop=True)

    def modindices(self, sort: bool = False, minimum_value: float = 0.0) -> pd.DataFrame:
        """Modification indices as lavaan's ``modindices(fit)``.

        Parameters
        ----------
        sort : bool
            Largest ``mi`` first (lavaan's ``sort. = TRUE``).
        minimum_value : float
            Keep only rows with ``mi`` above this value.

        Returns
        -------
        pandas.DataFrame
            ``lhs, op, rhs, mi, epc, sepc_lv, sepc_all`` for every parameter
            fixed in the model (fixed loadings, residual covariances,
            regressions) whose release is identified; see :mod:`.modindices`
            (FIML fits: :func:`satisfaction.sem.fiml.fiml_modindices`).

        Examples
        --------
        >>> from semopy.examples import political_democracy
        >>> from satisfaction.sem import fit_sem
        >>> res = fit_sem("dem60 =~ y1 + y2 + y3 + y4", political_democracy.get_data())
        >>> round(float(res.modindices(sort=True)["mi"].iloc[0]), 3)  # lavaan: y1 ~~ y3, 9.249
        9.249
        """
        from .fiml import fiml_modindices
        from .modindices import modindices

        if self.extra.get("missing") == "fiml":  # lavaan's score test on the FIML information
            out = fiml_modindices(self, self.extra["fiml_data"])
        else:
            out = modindices(self)
        if minimum_value > 0:
            out = out[out["mi"] > minimum_value]
        if sort:
            out = out.sort_values("mi", ascending=False)
        return out.reset_index(drop=True)

    # ------------------------------------------------------------------ text
    def summary(self, standardized: bool = True) -> str:
        """A text summary in lavaan's layout (``summary(fit, fit.measures=TRUE)``).

        Parameters
        ----------
        standardized : bool
            Add the ``Std.lv`` and ``Std.all`` columns.

        Returns
        -------
        str
            Print it; see :func:`satisfaction.sem.summary.summary_text`.
        """
        from .summary import summary_text

        return summary_text(self, standardized=standardized)

    def __repr__(self) -> str:
        fm = self._fit
        return (
            f"<SEMResult {self.estimator}: n={self.data_summary['n']}, "
            f"npar={int(fm['npar'])}, chisq={fm['chisq']:.3f}, df={int(fm['df'])}, "
            f"cfi={fm['cfi']:.3f}, rmsea={fm['rmsea']:.3f}, srmr={fm['srmr']:.3f}"
            f"{', NOT CONVERGED' if not self.converged else ''}>"
        )

    def _repr_html_(self) -> str:
        fm = self._fit
        keys = [
            "npar",
            "nobs",
            "chisq",
            "df",
            "pvalue",
            "cfi",
            "tli",
            "rmsea",
            "rmsea_ci_lower",
            "rmsea_ci_upper",
            "srmr",
            "aic",
            "bic",
        ]
        fit_html = pd.DataFrame({"value": fm[keys]}).T.to_html(float_format=lambda v: f"{v:.3f}")
        warn = "".join(f"<li>{html.escape(w)}</li>" for w in self.warnings)
        warn_html = f"<p style='color:#a00'><b>Warnings</b></p><ul>{warn}</ul>" if warn else ""
        est_html = self._estimates.to_html(
            index=False, float_format=lambda v: f"{v:.3f}", na_rep=""
        )
        return (
            f"<div><b>SEM fit ({html.escape(self.estimator)}, "
            f"{'converged' if self.converged else 'NOT converged'})</b>"
            f"{fit_html}{warn_html}<details open><summary>Parameter estimates</summary>"
            f"{est_html}</details></div>"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python summary (estimates as records, fit measures as a dict)."""
        return {
            "estimates": self._estimates.to_dict("records"),
            "fit_measures": self._fit.to_dict(),
            "warnings": list(self.warnings),
        }

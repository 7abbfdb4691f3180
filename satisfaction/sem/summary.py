"""Text summary of a fitted model in lavaan's layout (``summary(fit, fit.measures=TRUE)``)."""

from __future__ import annotations

import numpy as np

__all__ = ["summary_text"]

_SECTIONS = [
    ("=~", "Latent Variables"),
    ("~", "Regressions"),
    ("~~cov", "Covariances"),
    ("~1", "Intercepts"),
    ("|", "Thresholds"),
    ("~~var", "Variances"),
    (":=", "Defined Parameters"),
]


def _num(v: float, width: int = 9) -> str:
    if v is None or not np.isfinite(v):
        return " " * width
    return f"{v:{width}.3f}"


def _line(label: str, value, width: int = 60) -> str:
    if isinstance(value, float):
        text = "NA" if not np.isfinite(value) else f"{value:.3f}"
    else:
        text = str(value)
    return f"  {label}{text:>{width - len(label)}}"


def summary_text(result, standardized: bool = True) -> str:
    """lavaan-like text: header, model test, fit indices, parameter estimates by section.

    Parameters
    ----------
    result : SEMResult
    standardized : bool
        Add the ``Std.lv`` and ``Std.all`` columns.

    Returns
    -------
    str

    Examples
    --------
    >>> from semopy.examples import political_democracy
    >>> from satisfaction.sem import fit_sem
    >>> res = fit_sem("ind60 =~ x1 + x2 + x3", political_democracy.get_data())
    >>> print(res.summary().splitlines()[0])
    satisfaction SEM (lavaan conventions) ended normally after ... iterations
    """
    fm = result.fit_measures
    est = result.estimates
    out: list[str] = []
    status = "ended normally" if result.converged else "did NOT converge"
    out.append(
        f"satisfaction SEM (lavaan conventions) {status} after {result.iterations} iterations"
    )
    out.append("")
    out.append(_line("Estimator", result.estimator))
    out.append(_line("Optimization method", "Fisher scoring + BFGS"))
    out.append(_line("Number of model parameters", int(fm["npar"])))
    out.append("")
    out.append(_line("Number of observations", int(fm["nobs"])))
    out.append("")
    out.append("Model Test User Model:")
    out.append(_line("Test statistic", float(fm["chisq"])))
    out.append(_line("Degrees of freedom", int(fm["df"])))
    out.append(_line("P-value (Chi-square)", float(fm["pvalue"])))
    for key, label in (
        ("chisq_scaled", "Scaled test statistic"),
        ("chisq_scaling_factor", "Scaling correction factor"),
    ):
        if key in fm.index:
            out.append(_line(label, float(fm[key])))
    out.append("")
    out.append("Model Test Baseline Model:")
    out.append(_line("Test statistic", float(fm["baseline_chisq"])))
    out.append(_line("Degrees of freedom", int(fm["baseline_df"])))
    out.append("")
    out.append("User Model versus Baseline Model:")
    out.append(_line("Comparative Fit Index (CFI)", float(fm["cfi"])))
    out.append(_line("Tucker-Lewis Index (TLI)", float(fm["tli"])))
    if np.isfinite(fm.get("logl", np.nan)):
        out.append("")
        out.append("Loglikelihood and Information Criteria:")
        out.append(_line("Loglikelihood user model (H0)", float(fm["logl"])))
        out.append(_line("Loglikelihood unrestricted model (H1)", float(fm["unrestricted_logl"])))
        out.append(_line("Akaike (AIC)", float(fm["aic"])))
        out.append(_line("Bayesian (BIC)", float(fm["bic"])))
    out.append("")
    out.append("Root Mean Square Error of Approximation:")
    out.append(_line("RMSEA", float(fm["rmsea"])))
    out.append(_line("90 Percent confidence interval - lower", float(fm["rmsea_ci_lower"])))
    out.append(_line("90 Percent confidence interval - upper", float(fm["rmsea_ci_upper"])))
    out.append(_line("P-value H_0: RMSEA <= 0.050", float(fm["rmsea_pvalue"])))
    out.append("")
    out.append("Standardized Root Mean Square Residual:")
    out.append(_line("SRMR", float(fm["srmr"])))
    out.append("")
    out.append("Parameter Estimates:")
    out.append("")
    out.append(_line("Standard errors", result.se_type.capitalize()))
    out.append(_line("Information", result.information.capitalize()))
    header = f"{'':20}{'Estimate':>9}{'Std.Err':>9}{'z-value':>9}{'P(>|z|)':>9}"
    if standardized:
        header += f"{'Std.lv':>9}{'Std.all':>9}"
    latent = set(result.model.latent)
    is_var = (est["op"] == "~~") & (est["lhs"] == est["rhs"])
    for key, title in _SECTIONS:
        if key == "~~cov":
            rows = est[(est["op"] == "~~") & ~is_var]
        elif key == "~~var":
            rows = est[is_var]
        else:
            rows = est[est["op"] == key]
        if rows.empty:
            continue
        out.append("")
        out.append(f"{title}:")
        out.append(header)
        current = None
        for _, r in rows.iterrows():
            group = r["lhs"] if key in ("=~", "~", "~~cov") else None
            if group is not None and group != current:
                out.append(f"  {r['lhs']} {r['op']}")
                current = group
            if key in ("=~", "~", "~~cov"):
                name = r["rhs"]
                indent = "    "
            elif key == ":=":
                name = r["lhs"]
                indent = "    "
            elif key == "|":
                name = f"{r['lhs']}|{r['rhs']}"
                indent = "    "
            else:
                dot = "" if r["lhs"] in latent else "."
                name = dot + r["lhs"]
                indent = "   " if dot else "    "
            if r["label"] and key != ":=":
                name = f"{name} ({r['label']})"
            text = f"{indent}{name:<16}"[:20].ljust(20)
            text += _num(r["est"]) + _num(r["se"] if r["se"] > 0 else np.nan)
            text += _num(r["z"]) + _num(r["pvalue"])
            if standardized:
                text += _num(r["std_lv"]) + _num(r["std_all"])
            out.append(text.rstrip())
    if len(result.r2):
        out.append("")
        out.append("R-Square:")
        for name, value in result.r2.items():
            out.append(f"    {name:<16}{_num(float(value))}")
    if result.warnings:
        out.append("")
        out.append("Warnings:")
        out.extend(f"  - {w}" for w in result.warnings)
    return "\n".join(out)

"""The fitted multi-group model: lavaan's multi-group tables, fit measures and score tests.

:class:`GroupResult` is what ``fit_sem(..., group="col")`` returns (built once by
:func:`satisfaction.sem.groups.fit_groups`, never changed): estimates with a ``group``
column (group 0 for ``:=`` rows, as lavaan), lavaan's multi-group fit measures,
per-group modification indices; :func:`score_tests` gives lavaan's ``lavTestScore``
for the cross-group equality constraints (what the partial-invariance search uses).

Fit measures are lavaan's multi-group ones: ``chisq`` and the baseline's are the
sums over groups, ``rmsea`` carries ``sqrt(G)`` (:mod:`.fitindices`), ``srmr`` is
the ``n_g / N`` weighted mean of the groups' SRMRs, ``logl`` the sum; ``npar`` is the
free parameters less the general equality constraints.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import SEMError
from .defined import evaluate_definitions
from .fitindices import cfi, chisq_pvalue, rmsea, rmsea_ci, rmsea_pvalue, tli
from .groups import GroupModel, _joint, ml_parts, parameter_class
from .measures import FIT_MEASURE_NAMES, independence_model, ndat
from .model import vech_indices
from .result import SEMResult

__all__ = ["GroupResult", "score_tests"]


class GroupResult:
    """A fitted multi-group model (lavaan's multi-group output; immutable).

    Attributes
    ----------
    model : GroupModel
    theta : ndarray (q,)
        Joint free parameters.
    estimates : pandas.DataFrame
        lavaan's ``parameterEstimates()`` with a ``group`` column (1, 2, ...).
    fit_measures : pandas.Series
        lavaan's multi-group fit measures.
    group_results : list of SEMResult
        One single-group view per group (its estimates use the joint covariance matrix;
        its own fit measures are those of the group alone).
    groups : list
        The group values, in order (group 1 first).
    warnings : list of str
    """

    def __init__(
        self,
        *,
        model: GroupModel,
        theta,
        vcov,
        samples,
        fmin,
        baseline_fmins,
        estimator,
        converged,
        iterations,
        level,
        test=None,
        notes=(),
    ):
        self.model = model
        self.theta = np.asarray(theta, float).copy()
        self._vcov = np.asarray(vcov, float)
        self.estimator = estimator
        self.converged = bool(converged)
        self.iterations = int(iterations)
        self.level = float(level)
        self.groups = list(model.groups)
        self.test = dict(test or {})
        self.samples = [(np.array(S), np.array(m), int(n)) for S, m, n in samples]
        self.data_summary = {"n": int(sum(s[2] for s in samples)), "groups": len(samples)}
        per_group = []
        for g, (S, mean, n) in enumerate(samples):
            m = model.models[g]
            th = model.group_theta(self.theta, g)
            P = model.selection(g)
            fg = ml_parts(m, th, S, mean)[0]
            per_group.append(
                SEMResult(
                    model=m,
                    theta=th,
                    vcov=P @ self._vcov @ P.T,
                    estimator=estimator,
                    n=n,
                    S=S,
                    mean=mean,
                    fmin=fg,
                    baseline_fmin=baseline_fmins[g],
                    converged=converged,
                    iterations=iterations,
                    warnings=[],
                    level=level,
                    se="robust" if estimator == "MLR" else "standard",
                )
            )
        self.group_results = per_group
        self.warnings = list(notes) + [
            f"group {self.groups[g]!r}: {w}" for g, r in enumerate(per_group) for w in r.warnings
        ]
        frames = []
        for g, r in enumerate(per_group):
            est = r.estimates
            est.insert(3, "group", g + 1)
            frames.append(est)
        if model.definitions:
            frames.append(self._defined_rows(frames))
        self._estimates = pd.concat(frames, ignore_index=True)
        self._fit = self._fit_measures(samples, fmin, baseline_fmins)

    def _defined_rows(self, frames) -> pd.DataFrame:
        """``:=`` rows (group 0, as lavaan) with delta-method SEs over the joint theta.

        Standardised values evaluate the definition on the standardised parameters (each
        label's first row), as lavaan does.
        """
        gm = self.model
        columns = frames[0].columns
        defs = [(d.name, d.expr) for d in gm.definitions]
        labels = gm.label_map()
        std = {}
        for col in ("std_lv", "std_all"):
            env = {}
            for frame in frames:
                for lab, value in zip(frame["label"], frame[col], strict=True):
                    if lab and lab not in env:
                        env[lab] = value
            std[col] = list(evaluate_definitions(defs, env).values())

        def values(theta):
            env = {k: (theta[v] if isinstance(v, int) else v) for k, v in labels.items()}
            return np.array(list(evaluate_definitions(defs, env).values()), float)

        est = values(self.theta)
        jac = np.zeros((len(defs), gm.n_free))
        for j in range(gm.n_free):
            h = 1e-6 * max(1.0, abs(self.theta[j]))
            up, down = self.theta.copy(), self.theta.copy()
            up[j] += h
            down[j] -= h
            jac[:, j] = (values(up) - values(down)) / (2 * h)
        se = np.sqrt(np.clip(np.diag(jac @ self._vcov @ jac.T), 0, None))
        crit = stats.norm.ppf(0.5 + self.level / 2)
        with np.errstate(invalid="ignore", divide="ignore"):
            z = np.where(se > 0, est / se, np.nan)
        out = pd.DataFrame(
            {
                "lhs": [d[0] for d in defs],
                "op": ":=",
                "rhs": [d[1] for d in defs],
                "group": 0,
                "label": [d[0] for d in defs],
                "est": est,
                "se": se,
                "z": z,
                "pvalue": 2 * stats.norm.sf(np.abs(z)),
                "ci_lower": est - crit * se,
                "ci_upper": est + crit * se,
                "std_lv": np.asarray(std["std_lv"], float),
                "std_all": np.asarray(std["std_all"], float),
            }
        )
        return out[list(columns)]

    def _fit_measures(self, samples, fmin, baseline_fmins) -> pd.Series:
        gm = self.model
        n_g = np.array([s[2] for s in samples], float)
        n = float(n_g.sum())
        G = len(samples)
        npar = gm.n_free - gm.n_equalities
        df = sum(ndat(m) for m in gm.models) - npar
        x2 = 2 * n * fmin
        x2_g = [2 * samples[g][2] * r._fmin for g, r in enumerate(self.group_results)]
        bases = [independence_model(m) for m in gm.models]
        df_b = sum(ndat(b) - b.n_free for b in bases)
        x2_b = float(sum(2 * samples[g][2] * baseline_fmins[g] for g in range(G)))
        lo, hi = rmsea_ci(x2, df, n, groups=G)
        srmr = float(
            sum(n_g[g] / n * r.fit_measures["srmr"] for g, r in enumerate(self.group_results))
        )
        logl = float(sum(r.fit_measures["logl"] for r in self.group_results))
        logl_h1 = float(sum(r.fit_measures["unrestricted_logl"] for r in self.group_results))
        values = {
            "npar": npar,
            "nobs": n,
            "fmin": fmin,
            "chisq": x2,
            "df": df,
            "pvalue": chisq_pvalue(x2, df),
            "baseline_chisq": x2_b,
            "baseline_df": df_b,
            "baseline_pvalue": chisq_pvalue(x2_b, df_b),
            "cfi": cfi(x2, df, x2_b, df_b),
            "tli": tli(x2, df, x2_b, df_b),
            "rmsea": rmsea(x2, df, n, groups=G),
            "rmsea_ci_lower": lo,
            "rmsea_ci_upper": hi,
            "rmsea_pvalue": rmsea_pvalue(x2, df, n, groups=G),
            "srmr": srmr,
            "logl": logl,
            "unrestricted_logl": logl_h1,
            "aic": -2 * logl + 2 * npar,
            "bic": -2 * logl + np.log(n) * npar,
        }
        out = pd.Series({k: values[k] for k in FIT_MEASURE_NAMES}, dtype=float)
        for g, v in enumerate(x2_g):
            out[f"chisq_group{g + 1}"] = v
        robust = self.test.get("robust")
        if robust:
            c = robust["trace"] / df if df > 0 else np.nan
            cb = robust["baseline_trace"] / df_b
            x2s, x2bs = x2 / c, x2_b / cb
            lo_r, hi_r = rmsea_ci(x2s, df, n, groups=G, c_hat=c)
            extra = {
                "chisq_scaled": x2s,
                "df_scaled": float(df),
                "pvalue_scaled": chisq_pvalue(x2s, df),
                "chisq_scaling_factor": c,
                "baseline_chisq_scaled": x2bs,
                "baseline_df_scaled": float(df_b),
                "baseline_pvalue_scaled": chisq_pvalue(x2bs, df_b),
                "baseline_chisq_scaling_factor": cb,
                "cfi_scaled": cfi(x2s, df, x2bs, df_b),
                "tli_scaled": tli(x2s, df, x2bs, df_b),
                "cfi_robust": cfi(x2, df, x2_b, df_b, c=c, c_b=cb),
                "tli_robust": tli(x2, df, x2_b, df_b, c=c, c_b=cb),
                "rmsea_scaled": rmsea(x2, robust["trace"], n, groups=G),
                "rmsea_robust": rmsea(x2, df, n, groups=G, c_hat=c),
                "rmsea_ci_lower_robust": lo_r,
                "rmsea_ci_upper_robust": hi_r,
                "rmsea_pvalue_robust": rmsea_pvalue(x2s, df, n, groups=G, c_hat=c),
            }
            for k, v in extra.items():
                out[k] = v
            robust.update(chisq=x2, chisq_scaling_factor=c, df=df)
        return out

    @property
    def estimates(self) -> pd.DataFrame:
        """Parameter estimates with a ``group`` column (a fresh copy)."""
        return self._estimates.copy()

    @property
    def fit_measures(self) -> pd.Series:
        """lavaan's multi-group fit measures (a fresh copy)."""
        return self._fit.copy()

    @property
    def vcov(self) -> pd.DataFrame:
        """Covariance matrix of the joint free parameters (by plabel of the first row)."""
        pt = self.model.partable
        first = pt[pt["free"] > 0].drop_duplicates("free").sort_values("free")
        names = [lab or plab for lab, plab in zip(first["label"], first["plabel"], strict=True)]
        return pd.DataFrame(self._vcov.copy(), index=names, columns=names)

    def modindices(self, sort: bool = False, minimum_value: float = 0.0) -> pd.DataFrame:
        """Modification indices per group, as lavaan's ``modindices(fit)`` for a multi-group fit.

        Parameters
        ----------
        sort : bool
            Largest ``mi`` first.
        minimum_value : float
            Keep only rows with ``mi`` above this value.

        Returns
        -------
        pandas.DataFrame
            ``lhs, op, rhs, group, mi, epc, sepc_lv, sepc_all``: each parameter a group's
            model fixes. Releasing a cross-group equality is :func:`score_tests`.

        Notes
        -----
        The score test of :mod:`.modindices` on the joint model: for group g's candidates
        ``e``, with ``f_g = n_g / N``, ``I_ee = f_g J_e' W_g J_e``,
        ``I_em = f_g J_e' W_g Delta_g P_g`` and ``I_mm`` the joint expected information,
        ``mi = N u^2 / (I_ee - I_em I_mm^-1 I_me)`` where ``u`` is ``f_g`` times the
        group's derivative of the log-likelihood.
        """
        from .estimators import _weights
        from .modindices import (
            candidate_entries,
            candidates,
            entry_jacobian,
            information_blocks,
            mi_table,
            score_test,
        )

        if self.estimator not in ("ML", "MLR"):  # pragma: no cover - fit_groups allows these
            raise SEMError(f"modification indices need an ML fit, not {self.estimator!r}")
        gm = self.model
        n_tot = self.data_summary["n"]
        weights = [s[2] / n_tot for s in self.samples]
        i_mm = sum(
            weights[g]
            * gm.selection(g).T
            @ ml_parts(gm.models[g], gm.group_theta(self.theta, g), S, mean)[2]
            @ gm.selection(g)
            for g, (S, mean, _) in enumerate(self.samples)
        )
        frames = []
        for g, (S, mean, _) in enumerate(self.samples):
            m, th, P = gm.models[g], gm.group_theta(self.theta, g), gm.selection(g)
            cands = candidates(m)
            sigma, mu = m.implied(th)
            jm_s, jm_m = m.jacobian(th)
            je_s, je_m = entry_jacobian(m, th, candidate_entries(m, cands))
            sig_inv = np.linalg.inv(sigma)[None]
            w, wmu = _weights(m, "ML", sig_inv, sig_inv, m.p, 1)
            w, wmu = w[0], wmu[0]
            _, i_em, i_ee = information_blocks(jm_s @ P, je_s, w, jm_m @ P, je_m, wmu)
            r, c = vech_indices(m.p)
            grad = je_s.T @ w @ (S - sigma)[r, c] + je_m.T @ wmu @ (np.asarray(mean) - mu)
            mi, epc = score_test(
                i_mm, weights[g] * i_em, weights[g] * i_ee, weights[g] * grad, n_tot
            )
            table = mi_table(self.group_results[g], cands, mi, epc, m.names["ov_x"])
            table.insert(3, "group", g + 1)
            frames.append(table)
        out = pd.concat(frames, ignore_index=True)
        if minimum_value > 0:
            out = out[out["mi"] > minimum_value]
        if sort:
            out = out.sort_values("mi", ascending=False, kind="stable")
        return out.reset_index(drop=True)

    def summary(self) -> str:
        """A text summary: fit measures, then each group's estimates (lavaan's layout).

        Returns
        -------
        str
        """
        fm = self._fit
        lines = [
            f"Multi-group SEM ({self.estimator}), {len(self.groups)} groups, "
            f"{'converged' if self.converged else 'NOT converged'}",
            f"  equal across groups: {', '.join(self.model.group_equal) or 'nothing'}"
            + (
                f"; freed: {', '.join(self.model.group_partial)}"
                if self.model.group_partial
                else ""
            ),
            "  "
            + "  ".join(
                f"{k} {fm[k]:.3f}" for k in ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr")
            ),
        ]
        for w in self.warnings:
            lines.append(f"  warning: {w}")
        cols = ["lhs", "op", "rhs", "label", "est", "se", "z", "pvalue", "std_all"]
        est = self._estimates
        for g, name in enumerate(self.groups, start=1):
            lines.append(f"\nGroup {g} [{name}]:")
            lines.append(
                est[est["group"] == g][cols].to_string(index=False, float_format="{:.3f}".format)
            )
        defined = est[est["group"] == 0]
        if len(defined):
            lines.append("\nDefined parameters:")
            lines.append(defined[cols].to_string(index=False, float_format="{:.3f}".format))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        keys = [
            "npar",
            "nobs",
            "chisq",
            "df",
            "pvalue",
            "cfi",
            "tli",
            "rmsea",
            "srmr",
            "aic",
            "bic",
        ]
        fit_html = pd.DataFrame({"value": self._fit[keys]}).T.to_html(
            float_format=lambda v: f"{v:.3f}"
        )
        warn = "".join(f"<li>{html.escape(w)}</li>" for w in self.warnings)
        warn_html = f"<p style='color:#a00'><b>Warnings</b></p><ul>{warn}</ul>" if warn else ""
        groups = ", ".join(f"{g}: {html.escape(str(v))}" for g, v in enumerate(self.groups, 1))
        est_html = self._estimates.to_html(
            index=False, float_format=lambda v: f"{v:.3f}", na_rep=""
        )
        return (
            f"<div><b>Multi-group SEM ({html.escape(self.estimator)}; groups {groups})</b>"
            f"{fit_html}{warn_html}<details><summary>Parameter estimates</summary>"
            f"{est_html}</details></div>"
        )

    def __repr__(self) -> str:
        fm = self._fit
        return (
            f"<GroupResult {self.estimator}: {len(self.groups)} groups, n={int(fm['nobs'])}, "
            f"npar={int(fm['npar'])}, chisq={fm['chisq']:.3f}, df={int(fm['df'])}, "
            f"cfi={fm['cfi']:.3f}, rmsea={fm['rmsea']:.3f}, srmr={fm['srmr']:.3f}"
            f"{', NOT CONVERGED' if not self.converged else ''}>"
        )


# ---------------------------------------------------------------------------- score tests
def _release(gm: GroupModel, j: int, g: int) -> GroupModel:
    """The model with group g's copy of the shared parameter j made its own (index q)."""
    index = [ix.copy() for ix in gm.index]
    index[g] = np.where(index[g] == j, gm.n_free, index[g])
    return GroupModel(
        gm.groups,
        gm.models,
        index,
        gm.n_free + 1,
        gm.partable,
        gm.group_equal,
        gm.group_partial,
        gm.constraints,
        gm.definitions,
    )


def score_tests(result: GroupResult, classes=None) -> pd.DataFrame:
    """Univariate score tests of the cross-group equality constraints (lavaan's ``lavTestScore``).

    Parameters
    ----------
    result : GroupResult
        A multi-group ML fit.
    classes : iterable of str, optional
        Only constraints on parameters of these ``group_equal`` classes (default all).

    Returns
    -------
    pandas.DataFrame
        One row per constraint "group 1's parameter == group g's": ``lhs, op, rhs,
        group, x2, df, pvalue``, largest ``x2`` first.

    Notes
    -----
    Releasing the constraint adds one parameter (group g's own copy) to the model at
    the restricted estimates; with ``u`` the gradient of the joint discrepancy and
    ``I`` the expected information per observation of the extended model,
    ``x2 = N u' I^-1 u`` (the gradient is zero but for the new parameter), which is
    lavaan's univariate Lagrange multiplier test with ``information = "expected"``.
    """
    gm = result.model
    n_tot = result.data_summary["n"]
    weights = [s[2] / n_tot for s in result.samples]
    latent = set(gm.models[0].latent)
    rows = []
    for j in range(gm.n_free):
        holders = [g for g in range(len(gm.models)) if j in gm.index[g]]
        if len(holders) < 2:
            continue
        g0 = holders[0]
        m0 = gm.models[g0]
        k = int(np.flatnonzero(gm.index[g0] == j)[0])
        row = m0.free_rows[k]
        lhs, op, rhs = m0._lhs[row], m0._op[row], m0._rhs[row]
        cls = parameter_class(lhs, op, rhs, latent)
        if classes is not None and cls not in classes:
            continue
        for g in holders[1:]:
            ext = _release(gm, j, g)
            theta = np.append(result.theta, result.theta[j])
            _, grad, info = _joint(ext, theta, result.samples, weights)
            try:
                x2 = float(n_tot * grad @ np.linalg.solve(info, grad))
            except np.linalg.LinAlgError:
                x2 = np.nan
            rows.append({"lhs": lhs, "op": op, "rhs": rhs, "group": g + 1, "class": cls, "x2": x2})
    out = pd.DataFrame(rows, columns=["lhs", "op", "rhs", "group", "class", "x2"])
    out["df"] = 1
    out["pvalue"] = [chisq_pvalue(v, 1) for v in out["x2"]]
    return out.sort_values("x2", ascending=False, kind="stable").reset_index(drop=True)

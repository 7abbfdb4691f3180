"""Coverage of 95% confidence intervals for the chain model, over simulated replications.

Each replication draws ``satisfaction.simulate.chain_sample(n, seed=r)`` from the known
population model of the chain LQ -> EX -> REP -> CSAT, fits the model of ``sample.model``
by ML and checks whether the 95% interval of every structural path and defined effect
(``ind := a*b*c`` ...) contains the true value. The population values are expressed in the
model's own parameterisation (first loading fixed to 1) by fitting the model to the true
implied covariance matrix ``sample.implied_cov()``, so the truth is exact, not approximate.

All replications are fitted at once by the batched solver of the bootstrap (the same
Fisher-scoring / L-BFGS code, on R different data sets instead of R resamples); standard
errors come from the expected information (lavaan's default) and defined effects get
delta-method SEs, i.e. Wald intervals as in lavaan's ``parameterEstimates()``; Monte Carlo
intervals (Preacher & Selig) for the defined effects are reported too. ``--check k`` refits
the first k replications with ``satisfaction.sem.fit_sem()`` and verifies the batched estimates
and SEs agree. Target: 93-97% for every path and the indirect effect.

With ``--estimator WLSMV`` the Likert answers are fitted by DWLS on polychoric correlations
(one fit per replication): their latent responses are exactly the continuous indicators of
the population model, so the same true values apply and the coverage checks the robust
WLSMV standard errors.

Run: ``.venv/bin/python benchmarks/coverage.py [--reps 500] [--n 500] [--likert]
[--estimator ML|WLSMV]``
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from satisfaction.sem.batched import chol_inverse
from satisfaction.sem.estimators import batched_fit_ml, expected_information, fit_ml
from satisfaction.sem.model import Model
from satisfaction.sem.montecarlo import evaluate_definitions


def _definitions(model):
    pt = model.partable
    return [(r.lhs, r.rhs) for r in pt.itertuples() if r.op == ":="]


_LABELS: dict = {}


def _defined(model, thetas):
    """Defined effects for parameter arrays of any leading shape (..., q) -> (..., k)."""
    key = id(model)
    if key not in _LABELS:
        pt = model.partable
        _LABELS[key] = (
            {
                r.label: int(r.free) - 1
                for r in pt.itertuples()
                if r.op != ":=" and isinstance(r.label, str) and r.label and int(r.free) > 0
            },
            _definitions(model),
        )
    labels, defs = _LABELS[key]
    values = {lab: thetas[..., j] for lab, j in labels.items()}
    out = evaluate_definitions(defs, values)
    return np.stack([np.broadcast_to(out[k], thetas.shape[:-1]) for k, _ in defs], axis=-1)


def main(argv: list[str] | None = None) -> pd.DataFrame:
    from satisfaction.simulate import chain_sample

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=500, help="replications (500)")
    parser.add_argument("--n", type=int, default=500, help="respondents per replication (500)")
    parser.add_argument("--likert", action="store_true", help="1-5 answers instead of continuous")
    parser.add_argument(
        "--estimator",
        choices=["ML", "WLSMV"],
        default="ML",
        help="ML (batched, default) or WLSMV on the Likert answers (one fit per replication)",
    )
    parser.add_argument("--check", type=int, default=3, help="replications refitted with fit_sem()")
    parser.add_argument("--seed", type=int, default=0, help="first seed (0)")
    parser.add_argument(
        "--mc-draws", type=int, default=2000, help="Monte Carlo draws per rep (2000)"
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    if args.estimator == "WLSMV":
        args.likert = True  # the latent responses are the continuous indicators

    t0 = time.perf_counter()
    samples = [
        chain_sample(args.n, seed=args.seed + r, likert=args.likert) for r in range(args.reps)
    ]
    t_sim = time.perf_counter() - t0
    first = samples[0]
    model = Model.from_syntax(first.model, first.data.columns)
    obs = model.observed
    n = args.n

    # population values in the model's parameterisation
    sigma_true = first.implied_cov()
    if isinstance(sigma_true, pd.DataFrame):
        sigma_true = sigma_true.loc[obs, obs].to_numpy()
    theta_true = fit_ml(model, np.asarray(sigma_true, float), 10**6, tol=1e-12).theta
    def_true = _defined(model, theta_true[None, :])[0]

    # all replications at once
    t1 = time.perf_counter()
    x = np.stack([s.data[obs].to_numpy(float) for s in samples])  # (R, n, p)
    xc = x - x.mean(axis=1, keepdims=True)
    S = np.einsum("rni,rnj->rij", xc, xc) / n
    if args.estimator == "ML":
        theta0 = fit_ml(model, S[0], n).theta
        thetas, conv = batched_fit_ml(model, S, n, theta0, tol=1e-9)
        iters = np.full(len(thetas), np.nan)  # the batched fit does not report them
        _, inv_info, ok = chol_inverse(expected_information(model, thetas))
        vcov = inv_info / n  # lavaan: expected information, divisor N for ML
    else:
        from satisfaction.sem.ordinal import fit_dwls

        fits = [fit_dwls(model, s.data[obs], estimator="WLSMV") for s in samples]
        thetas = np.stack([f[0].theta for f in fits])
        conv = np.array([f[0].converged for f in fits])
        iters = np.array([f[0].iterations for f in fits])
        vcov = np.stack([f[1] for f in fits])
        ok = np.isfinite(vcov).all(axis=(1, 2))
    se = np.sqrt(np.clip(np.diagonal(vcov, axis1=1, axis2=2), 0, None))
    # delta method for the defined effects (central differences, vectorised over reps)
    q = thetas.shape[1]
    h = 1e-6
    jac = np.stack(
        [
            (
                _defined(model, thetas + h * np.eye(q)[k])
                - _defined(model, thetas - h * np.eye(q)[k])
            )
            / (2 * h)
            for k in range(q)
        ],
        axis=2,
    )  # (R, k, q)
    dvals = _defined(model, thetas)
    dse = np.sqrt(np.einsum("rkq,rqs,rks->rk", jac, vcov, jac))
    t_fit = time.perf_counter() - t1

    # Monte Carlo intervals for the defined effects (vectorised over reps and draws)
    t2 = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    mc_lo = np.empty_like(dvals)
    mc_hi = np.empty_like(dvals)
    vals, vecs = np.linalg.eigh(vcov)
    roots = vecs * np.sqrt(np.clip(vals, 0, None))[:, None, :]
    chunk = 50
    for r0 in range(0, args.reps, chunk):
        sl = slice(r0, min(r0 + chunk, args.reps))
        zdraw = rng.standard_normal((sl.stop - sl.start, args.mc_draws, q))
        draws = thetas[sl, None, :] + zdraw @ np.swapaxes(roots[sl], 1, 2)
        d = _defined(model, draws)  # (chunk, draws, k)
        mc_lo[sl], mc_hi[sl] = np.quantile(d, [0.025, 0.975], axis=1)
    t_mc = time.perf_counter() - t2

    z = 1.959963984540054
    pt = model.partable
    rows = []
    good = conv & ok
    for k in range(len(pt)):
        r = pt.iloc[k]
        if r.op in ("~",) or (r.op == "=~" and int(r.free) > 0 and r.rhs in ("lq2", "ex2")):
            j = int(r.free) - 1
            cover = np.abs(thetas[good, j] - theta_true[j]) <= z * se[good, j]
            rows.append(
                {
                    "parameter": f"{r.lhs} {r.op} {r.rhs}" + (f" ({r.label})" if r.label else ""),
                    "true": theta_true[j],
                    "mean_est": thetas[good, j].mean(),
                    "sd_est": thetas[good, j].std(ddof=1),
                    "mean_se": se[good, j].mean(),
                    "coverage_wald": cover.mean(),
                    "coverage_mc": np.nan,
                }
            )
    for j, (name, expr) in enumerate(_definitions(model)):
        cover = np.abs(dvals[good, j] - def_true[j]) <= z * dse[good, j]
        cover_mc = (mc_lo[good, j] <= def_true[j]) & (def_true[j] <= mc_hi[good, j])
        rows.append(
            {
                "parameter": f"{name} := {expr}",
                "true": def_true[j],
                "mean_est": dvals[good, j].mean(),
                "sd_est": dvals[good, j].std(ddof=1),
                "mean_se": dse[good, j].mean(),
                "coverage_wald": cover.mean(),
                "coverage_mc": cover_mc.mean(),
            }
        )
    table = pd.DataFrame(rows)
    n_good = int(good.sum())
    mc_sd = np.sqrt(0.95 * 0.05 / max(n_good, 1))
    print(
        f"Coverage of 95% intervals: {n_good} of {args.reps} replications converged, "
        f"n = {n} {'Likert 1-5' if args.likert else 'continuous'} indicators, "
        f"estimator {args.estimator}"
    )
    print(f"(Monte Carlo SD of a coverage rate at 95%: {mc_sd:.3f}; 93-97% is the target band)\n")
    with pd.option_context("display.width", 160, "display.precision", 3):
        print(table.to_string(index=False))
    print(
        f"\ntimes: simulate {t_sim:.1f} s, fit all {args.reps} replications "
        f"({'batched' if args.estimator == 'ML' else 'one by one'}) {t_fit:.2f} s, "
        f"Monte Carlo intervals {t_mc:.2f} s"
        + ("" if np.isnan(iters).all() else f"; mean iterations {np.nanmean(iters[good]):.1f}")
    )

    if args.check:
        from satisfaction.sem import fit_sem

        worst_est = worst_se = 0.0
        for r in range(min(args.check, args.reps)):
            kw = {"ordered": obs} if args.estimator == "WLSMV" else {}
            res = fit_sem(first.model, samples[r].data, **kw)
            est = res.estimates
            free = model.partable.free.to_numpy()
            for k in np.flatnonzero(free > 0):
                j = free[k] - 1
                worst_est = max(worst_est, abs(est.est.iat[k] - thetas[r, j]))
                worst_se = max(worst_se, abs(est.se.iat[k] - se[r, j]))
        print(
            f"check against fit_sem() on {min(args.check, args.reps)} replications: "
            f"max |est diff| {worst_est:.1e}, max |se diff| {worst_se:.1e}"
        )
    return table


if __name__ == "__main__":
    main()

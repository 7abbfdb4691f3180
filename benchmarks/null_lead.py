"""False leads on a null organisation: no lead (EX -> CSAT) and no loop (CSAT -> EX).

Each replication draws ``satisfaction.organisation(seed=r)`` with ``rep_ex_lag =
csat_ex_lag = ex_csat_feedback = 0`` (the sample's design: 40 units, 1,500 people, 8
quarters), builds the quarterly unit panels and tests the lead EX(t) -> CSAT(t+1) three
ways: the RI-CLPM cross-lagged effect (what ``claims_table`` uses for H3), the within-unit
fixed-effects regression (``fixed_effects_panel``) and, as the peer measured in the
same run, the pooled OLS regression CSAT(t+1) ~ EX(t) + CSAT(t) (``lead_lag(...,
fixed_effects=False)``), which ignores stable unit differences. A false lead is a
two-sided p < alpha. Target: the package's tests stay at or below the nominal rate
(within the binomial Monte Carlo error); the printed ratio is each test's rate over
the nominal alpha.

Run: ``.venv/bin/python benchmarks/null_lead.py [--reps 300] [--alpha 0.05] [--dask]``
(``--dask`` runs the replications on a local Dask cluster).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from scipy import stats

NULL = {"rep_ex_lag": 0.0, "csat_ex_lag": 0.0, "ex_csat_feedback": 0.0}


def replication(seed: int) -> dict[str, float]:
    import satisfaction as sat
    from satisfaction.claims import cross_lagged, fixed_effects_panel, lead_lag
    from satisfaction.linkage import link, unit_panel

    org = sat.organisation(seed=seed, params=NULL)
    pulse = org.pulse.assign(ex5=lambda d: 6 - d["ex5"])
    panel = link(
        unit_panel(pulse, constructs=["EX"]),
        unit_panel(org.customers, constructs=["CSAT"], respondent=None),
        lag=0,
    )
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ri = cross_lagged(panel, "EX", "CSAT", model="ri_clpm").set_index("label")
            out["ri_clpm"] = float(ri.loc["c_xy", "pvalue"])
        except Exception:  # noqa: BLE001 - a failed fit is counted, not fatal
            out["ri_clpm"] = np.nan
        fe = fixed_effects_panel(panel).iloc[0]
        out["fixed_effects"] = float(fe["pvalue"])
        pooled = lead_lag(panel, max_lag=1, fixed_effects=False, correlations=False).iloc[0]
        out["pooled_ols (peer)"] = float(pooled["pvalue"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=300)
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--dask", action="store_true")
    args = parser.parse_args()
    from tqdm.auto import tqdm

    start = time.perf_counter()
    seeds = list(range(1000, 1000 + args.reps))
    if args.dask:
        from dask.distributed import Client, LocalCluster, as_completed

        with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, Client(cluster) as client:
            futures = client.map(replication, seeds)
            results = [f.result() for f in tqdm(as_completed(futures), total=len(seeds))]
    else:
        results = [replication(s) for s in tqdm(seeds)]
    elapsed = time.perf_counter() - start
    print(f"null organisation (no lead, no loop), {args.reps} replications, {elapsed:.0f} s")
    print(
        f"{'test':<20} {'false leads':>11} {'rate':>7} {'95% CI':>17} {'rate/alpha':>10} {'failed':>6}"
    )
    for name in results[0]:
        p = np.array([r[name] for r in results], dtype=float)
        ok = p[np.isfinite(p)]
        k, n = int((ok < args.alpha).sum()), len(ok)
        lo = stats.beta.ppf(0.025, k, n - k + 1) if k else 0.0
        hi = stats.beta.ppf(0.975, k + 1, n - k) if k < n else 1.0
        print(
            f"{name:<20} {k:>11d} {k / n:>7.3f} [{lo:.3f}, {hi:.3f}]"
            f" {k / n / args.alpha:>10.2f} {len(p) - n:>6d}"
        )


if __name__ == "__main__":
    main()

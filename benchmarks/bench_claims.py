"""Run time of ``claims_table()`` on the sample organisation, claim by claim, against a budget.

The sample is the synthetic organisation of seed 0 (40 units, 1,500 people, 21,332
pulse answers, 7,373 customer answers, 24 months). ``claims_table`` computes the unit
panels once and then each claim (H2 and H7 share one chain fit, H3 and H4 one RI-CLPM).
The peer measured in the same run is the data preparation every claim needs: the two
quarterly unit panels (``unit_panel``); each claim's time is printed as a ratio to it.

Budget: the slowest claim under 5 s and the whole table under 20 s on one core of the
development machine (2 shared cores). The script exits with status 1 when a budget is
exceeded.

Run: ``.venv/bin/python benchmarks/bench_claims.py [--n-boot 500] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import satisfaction as sat
from satisfaction.linkage import unit_panel

SLOWEST_CLAIM_BUDGET = 5.0
TABLE_BUDGET = 20.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-boot", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    org = sat.load_sample()
    data = {
        "pulse": org.pulse.assign(ex5=6 - org.pulse["ex5"]),
        "customers": org.customers,
        "hr_events": org.hr_events,
        "units": org.units,
    }
    prep, total, seconds = [], [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        unit_panel(data["pulse"], constructs=["LQ", "EX"])
        unit_panel(data["customers"], constructs=["REP", "CSAT"])
        prep.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = sat.claims_table(data, n_boot=args.n_boot)
        total.append(time.perf_counter() - t0)
        seconds.append(table.attrs["seconds"])
    peer = min(prep)
    best = {h: min(s[h] for s in seconds) for h in seconds[0]}
    print(f"claims_table on the sample (n_boot={args.n_boot}), best of {args.repeat}")
    print(f"peer: the two quarterly unit panels {peer:.2f} s")
    print(f"{'claim':<6} {'seconds':>8} {'x panels':>9}  verdict")
    for row in table.itertuples():
        print(
            f"{row.hypothesis:<6} {best[row.hypothesis]:>8.2f} {best[row.hypothesis] / peer:>9.1f}  {row.verdict}"
        )
    slowest = max(best, key=best.get)
    print(
        f"whole table {min(total):.2f} s (budget {TABLE_BUDGET:.0f} s); slowest claim "
        f"{slowest} {best[slowest]:.2f} s (budget {SLOWEST_CLAIM_BUDGET:.0f} s)"
    )
    return int(best[slowest] > SLOWEST_CLAIM_BUDGET or min(total) > TABLE_BUDGET)


if __name__ == "__main__":
    sys.exit(main())

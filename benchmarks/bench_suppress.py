"""Benchmark: suppression of a 40-unit x 8-quarter table (two levels, all margins shown).

Every report table passes through :func:`satisfaction.suppress`, so it must stay fast. The
table has units of very different sizes (a fifth of them below the threshold in some
quarters, a few empty cells), like the sample organisation. Three cases are timed (median of
``--reps`` runs): the two-level table with row and column margins; one quarter as a
one-level table of 40 units; and that quarter with the previous quarter's table as
``previous=``. The peer is the cost of one ``groupby().sum()`` of the same table, measured
in the same run, so the ratio is comparable across machines.

Run: ``.venv/bin/python benchmarks/bench_suppress.py [--reps 5] [--seed 1]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

import satisfaction as sat


def make_table(seed: int, units: int = 40, quarters: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    size = rng.choice([2, 4, 8, 15, 30, 60], size=units, p=[0.1, 0.1, 0.2, 0.3, 0.2, 0.1])
    rows = []
    for u in range(units):
        for q in range(quarters):
            n = int(rng.poisson(size[u]))
            if rng.random() < 0.03:
                n = 0
            rows.append({"unit": f"u{u:02d}", "quarter": f"2025Q{q % 4 + 1}-{q // 4}", "n": n})
    return pd.DataFrame(rows)


def timed(fn, reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    table = make_table(args.seed)
    quarters = sorted(table["quarter"].unique())
    now = table[table["quarter"] == quarters[-1]].drop(columns="quarter")
    before = table[table["quarter"] == quarters[-2]].drop(columns="quarter")
    peer = timed(lambda: table.groupby("unit")["n"].sum(), max(args.reps, 20))
    cases = {
        "40 x 8, margins": lambda: sat.suppress(table, by=["unit", "quarter"]),
        "40 units, total": lambda: sat.suppress(now, by="unit"),
        "40 units, previous=": lambda: sat.suppress(now, by="unit", previous=before),
    }
    print(f"peer: groupby().sum() of the 40 x 8 table: {peer * 1e3:.2f} ms")
    for name, fn in cases.items():
        t = timed(fn, args.reps)
        out = fn()
        print(
            f"{name:22s} {t * 1e3:9.1f} ms  ({t / peer:8.0f} x peer)  "
            f"hidden {int(out['suppressed'].sum())} of {len(out)} cells"
        )


if __name__ == "__main__":
    main()

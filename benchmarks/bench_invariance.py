"""Benchmark: the multi-group invariance sequence against lavaan, in the same run.

Holzinger-Swineford by school (two groups, 301 cases, three factors): the configural,
metric, scalar and strict models and their difference tests, as
``satisfaction.sem.invariance(..., partial=False)`` and as lavaan's four
``cfa(..., group = "school", group.equal = ...)`` calls plus ``lavTestLRT()``; by ML and
by MLR. Median of ``--n`` runs each; R's start-up is excluded (``system.time`` inside R).

Run: ``.venv/bin/python benchmarks/bench_invariance.py [--n 10] [--no-r]``
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from satisfaction.sem import invariance

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "reference" / "data" / "hs.csv"
MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"

R_TEMPLATE = """
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
est <- args[2]
n <- as.integer(args[3])
run <- function() {
  f1 <- cfa(model, d, group = "school", estimator = est)
  f2 <- cfa(model, d, group = "school", estimator = est, group.equal = "loadings")
  f3 <- cfa(model, d, group = "school", estimator = est,
            group.equal = c("loadings", "intercepts"))
  f4 <- cfa(model, d, group = "school", estimator = est,
            group.equal = c("loadings", "intercepts", "residuals"))
  lavTestLRT(f1, f2, f3, f4)
}
invisible(run())
t <- replicate(n, system.time(run())[["elapsed"]])
cat(sprintf("%.6f\\n", median(t)))
"""


def time_lavaan(estimator: str, n: int) -> float:
    """Median time (s) of lavaan's sequence, in a subprocess."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "seq.R"
        script.write_text(R_TEMPLATE)
        res = subprocess.run(
            ["Rscript", str(script), str(DATA), estimator, str(n)],
            capture_output=True,
            text=True,
            check=False,
        )
    if res.returncode != 0:
        raise RuntimeError(res.stderr[-2000:])
    return float(res.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10, help="runs per case (10)")
    parser.add_argument("--no-r", action="store_true", help="skip lavaan")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    hs = pd.read_csv(DATA)
    rows = []
    for estimator in ("ML", "MLR"):
        invariance(MODEL, hs, "school", estimator=estimator, partial=False)  # warm-up
        times = []
        for _ in range(args.n):
            t0 = time.perf_counter()
            invariance(MODEL, hs, "school", estimator=estimator, partial=False)
            times.append(time.perf_counter() - t0)
        ours = float(np.median(times))
        lav = np.nan if args.no_r else time_lavaan(estimator, args.n)
        rows.append(
            {
                "case": f"HS by school, 4 levels, {estimator}",
                "ours_ms": ours * 1e3,
                "lavaan_ms": lav * 1e3,
                "speedup": lav / ours,
            }
        )
        print(f"{rows[-1]['case']:32s} ours {ours * 1e3:8.1f} ms   lavaan {lav * 1e3:8.1f} ms")
    table = pd.DataFrame(rows)
    print()
    print(table.round(1).to_string(index=False))
    return table


if __name__ == "__main__":
    main()

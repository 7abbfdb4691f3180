"""Benchmark: single-fit time of ``satisfaction.sem.fit_sem`` against lavaan's, case by case.

For each reference case of ``tests/reference`` (Holzinger-Swineford CFA by ML and MLR,
political democracy by ML, GLS and ULS, the chain with 10% missing values by FIML and the ordinal chain
by WLSMV) the median time of ``--nfit`` complete fits (estimates, SEs, fit measures) is
measured here and, when ``Rscript`` with lavaan is installed, in R in the same run
(``system.time`` around each ``sem()``/``cfa()`` call, median; R's start-up excluded).

Run: ``.venv/bin/python benchmarks/bench_fit.py [--nfit 30] [--no-r]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from satisfaction.sem import fit_sem

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "tests" / "reference"

#: (case, reference JSON, data file, keyword arguments of fit_sem(), lavaan call)
CASES = [
    ("HS CFA, ML", "hs_cfa_ml.json", "hs.csv", {}, "cfa(model, data = d)"),
    (
        "HS CFA, MLR",
        "hs_cfa_mlr.json",
        "hs.csv",
        {"estimator": "MLR"},
        'cfa(model, data = d, estimator = "MLR")',
    ),
    (
        "HS CFA, MLM",
        "hs_cfa_mlm.json",
        "hs.csv",
        {"estimator": "MLM"},
        'cfa(model, data = d, estimator = "MLM")',
    ),
    (
        "sample org, MLR, cluster",
        "org_cluster_mlr.json",
        "org_pulse.csv",
        {"estimator": "MLR", "cluster": "unit"},
        'sem(model, data = d, estimator = "MLR", cluster = "unit")',
    ),
    ("political democracy, ML", "polidem_ml.json", "polidem.csv", {}, "sem(model, data = d)"),
    (
        "political democracy, GLS",
        "polidem_gls.json",
        "polidem.csv",
        {"estimator": "GLS"},
        'sem(model, data = d, estimator = "GLS")',
    ),
    (
        "political democracy, ULS",
        "polidem_uls.json",
        "polidem.csv",
        {"estimator": "ULS"},
        'sem(model, data = d, estimator = "ULS")',
    ),
    (
        "chain, 10% MAR, FIML",
        "chain_fiml.json",
        "chain_mar.csv",
        {"missing": "fiml"},
        'sem(model, data = d, missing = "ml")',
    ),
    (
        "chain ordinal, WLSMV",
        "chain_ordinal.json",
        "chain_ordinal.csv",
        {"ordered": "all"},
        'sem(model, data = d, ordered = names(d), estimator = "WLSMV")',
    ),
]

R_TEMPLATE = r"""
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
model <- paste(readLines(args[2]), collapse = "\n")
nfit <- as.integer(args[3])
invisible(CALL)
t <- replicate(nfit, system.time(CALL)[["elapsed"]])
cat(sprintf("%.6f\n", median(t)))
"""


def time_lavaan(call: str, data_csv: Path, syntax: str, nfit: int) -> float:
    """Median lavaan fit time (s) in a subprocess, R start-up excluded."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "fit.R"
        script.write_text(R_TEMPLATE.replace("CALL", call))
        model = Path(tmp) / "model.lav"
        model.write_text(syntax)
        res = subprocess.run(
            ["Rscript", str(script), str(data_csv), str(model), str(nfit)],
            capture_output=True,
            text=True,
            check=False,
        )
    if res.returncode != 0:
        raise RuntimeError(res.stderr[-2000:])
    return float(res.stdout.strip().splitlines()[-1])


def lavaan_available() -> bool:
    """True if ``Rscript`` runs and lavaan loads."""
    try:
        res = subprocess.run(
            ["Rscript", "-e", "suppressPackageStartupMessages(library(lavaan))"],
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        return False
    return res.returncode == 0


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nfit", type=int, default=30, help="fits per case (30)")
    parser.add_argument("--no-r", action="store_true", help="skip lavaan")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    with_r = not args.no_r and lavaan_available()
    rows = []
    for name, ref_file, data_file, kwargs, call in CASES:
        ref = json.loads((REF / ref_file).read_text())
        data = pd.read_csv(REF / "data" / data_file)
        kw = dict(kwargs)
        if kw.get("ordered") == "all":
            kw["ordered"] = list(data.columns)
        fit_sem(ref["syntax"], data, **kw)  # warm-up
        times = []
        for _ in range(args.nfit):
            t0 = time.perf_counter()
            fit_sem(ref["syntax"], data, **kw)
            times.append(time.perf_counter() - t0)
        ours = float(np.median(times))
        lav = (
            time_lavaan(call, REF / "data" / data_file, ref["syntax"], args.nfit)
            if with_r
            else np.nan
        )
        rows.append(
            {
                "case": name,
                "n": len(data),
                "ours_ms": ours * 1e3,
                "lavaan_ms": lav * 1e3,
                "speedup": lav / ours if with_r else np.nan,
            }
        )
        print(f"{name:28s} ours {ours * 1e3:8.1f} ms   lavaan {lav * 1e3:8.1f} ms", flush=True)
    table = pd.DataFrame(rows)
    print()
    with pd.option_context("display.width", 120, "display.precision", 1):
        print(table.to_string(index=False))
    if not with_r:
        print("\nRscript with lavaan not available: lavaan columns are empty.")
    return table


if __name__ == "__main__":
    main()

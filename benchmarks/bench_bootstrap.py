"""Benchmark: 1,000 bootstrap resamples against lavaan, on two models in one run.

1. Bollen's political democracy (n = 75), the model of ``tests/reference/polidem_boot.json``
   with the defined indirect effect ``ind := a*b``;
2. the 17-indicator chain LQ -> EX -> REP -> CSAT on ``chain_sample(800, seed=20260402)``
   (Likert items), with three defined effects ``ind := a*b*c``, ``ind_ex_csat := b*c`` and
   ``total_ex_csat := b*c + d``.

Each is bootstrapped with ``satisfaction.sem.fit_sem(..., se="bootstrap", bootstrap=1000)``.
When ``Rscript`` with lavaan is installed, the same run times lavaan's
``sem(model, data, se = "bootstrap", bootstrap = 1000)`` in a subprocess (the fitting alone
with ``system.time``), prints the ratio, and compares the percentile intervals of the defined
effects: their ends should differ by no more than Monte Carlo error, printed as the bootstrap
standard error of a 2.5% / 97.5% quantile of 1,000 draws (about ``0.2 * se`` of the effect).

Run: ``.venv/bin/python benchmarks/bench_bootstrap.py [--B 1000] [--reps 3] [--no-r]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from satisfaction.sem import bootstrap, fit_sem
from satisfaction.sem.estimators import fit_ml
from satisfaction.sem.model import Model
from satisfaction.simulate import chain_sample

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "tests" / "reference"

R_SCRIPT = r"""
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1])
model <- paste(readLines(args[2]), collapse = "\n")
B <- as.integer(args[3])
nfit <- as.integer(args[4])
# single fits: median of nfit
single <- replicate(nfit, system.time(sem(model, data = data))[["elapsed"]])
set.seed(20260401)
t <- system.time(fit <- sem(model, data = data, se = "bootstrap", bootstrap = B))
pe <- parameterEstimates(fit, boot.ci.type = "perc")
def <- pe[pe$op == ":=", ]
boot <- lavInspect(fit, "boot")
cat(sprintf('{"boot_elapsed": %.4f, "single_median": %.5f, "nonadmissible": %d, "failed": %d, ',
            t[["elapsed"]], median(single), length(attr(boot, "nonadmissible")),
            length(attr(boot, "error.idx"))))
cat(sprintf('"defined": {%s}}\n', paste(sprintf(
  '"%s": {"est": %.6f, "se": %.6f, "ci_lower": %.6f, "ci_upper": %.6f}',
  def$lhs, def$est, def$se, def$ci.lower, def$ci.upper), collapse = ", ")))
"""


def lavaan_available() -> bool:
    """True if ``Rscript`` runs and lavaan loads."""
    if shutil.which("Rscript") is None:
        return False
    res = subprocess.run(
        ["Rscript", "-e", "suppressPackageStartupMessages(library(lavaan))"],
        capture_output=True,
        text=True,
        check=False,
    )
    return res.returncode == 0


def run_lavaan(data_csv: Path, syntax: str, B: int, nfit: int) -> dict:
    """Time lavaan's bootstrap and single fits in a subprocess; returns its figures."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bench.R"
        script.write_text(R_SCRIPT)
        model = Path(tmp) / "model.lav"
        model.write_text(syntax)
        t0 = time.perf_counter()
        res = subprocess.run(
            ["Rscript", str(script), str(data_csv), str(model), str(B), str(nfit)],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - t0
    if res.returncode != 0:
        raise RuntimeError(f"Rscript failed: {res.stderr[-2000:]}")
    line = [ln for ln in res.stdout.splitlines() if ln.startswith("{")][-1]
    out = json.loads(line)
    out["wall_including_startup"] = wall
    return out


CHAIN_SYNTAX = """
LQ =~ lq1 + lq2 + lq3 + lq4
EX =~ ex1 + ex2 + ex3 + ex4 + ex5
REP =~ rep1 + rep2 + rep3 + rep4 + rep5
CSAT =~ csat1 + csat2 + csat3
EX ~ a*LQ
REP ~ b*EX
CSAT ~ c*REP + d*EX
ind := a*b*c
ind_ex_csat := b*c
total_ex_csat := b*c + d
"""


def run_case(title: str, syntax: str, data_csv: Path, args) -> dict:
    """Time ours and lavaan's bootstrap of one model; print figures, ratio and intervals."""
    data = pd.read_csv(data_csv)
    print(f"=== {title} (n = {len(data)}), {args.B} bootstrap resamples\n")
    warnings.simplefilter("ignore")
    fit_sem(syntax, data)  # warm-up (imports, caches)
    single = []
    for _ in range(args.nfit):
        t0 = time.perf_counter()
        fit_sem(syntax, data)
        single.append(time.perf_counter() - t0)
    model = Model.from_syntax(syntax, data.columns)
    S = np.cov(data[model.observed].T, bias=True)
    core = []
    for _ in range(args.nfit):
        t0 = time.perf_counter()
        est = fit_ml(model, S, len(data))
        core.append(time.perf_counter() - t0)
    ours_single = float(np.median(single))
    print(
        f"ours   single fit (fit_sem()): median {ours_single * 1e3:.1f} ms; "
        f"estimation only (fit_ml): median {np.median(core) * 1e3:.1f} ms"
    )
    times, res = [], None
    for r in range(args.reps):
        t0 = time.perf_counter()
        out_r = fit_sem(syntax, data, se="bootstrap", bootstrap=args.B, seed=20260401 + r)
        times.append(time.perf_counter() - t0)
        res = out_r if res is None else res
    core_times = []
    for r in range(args.reps):
        t0 = time.perf_counter()
        bootstrap(model, data, est.theta, B=args.B, seed=r)
        core_times.append(time.perf_counter() - t0)
    ours_boot = float(np.median(times))
    boot = res.extra.get("bootstrap")
    print(
        f"ours   bootstrap (fit_sem(..., se='bootstrap')): median {ours_boot:.3f} s over "
        f"{args.reps} runs {[round(t, 3) for t in times]}; bootstrap() alone: "
        f"{np.median(core_times):.3f} s"
    )
    if boot is not None:
        print(f"ours   failed {boot.n_failed}, nonadmissible {boot.n_inadmissible}")
    defined = res.estimates[res.estimates.op == ":="].set_index("lhs")
    out = {"ours_boot_s": ours_boot, "ours_single_s": ours_single}
    if args.no_r or not lavaan_available():
        print("\nRscript with lavaan not available: no comparison run.\n")
        return out
    lav = run_lavaan(data_csv, syntax, args.B, args.nfit)
    print(
        f"lavaan single fit: median {lav['single_median'] * 1e3:.1f} ms; bootstrap: "
        f"{lav['boot_elapsed']:.2f} s fitting (system.time); failed {lav['failed']}, "
        f"nonadmissible {lav['nonadmissible']}"
    )
    print(
        "\ndefined effect       est     ours 95% CI            lavaan 95% CI          "
        "|diff| / MC error"
    )
    worst = 0.0
    for name, row in defined.iterrows():
        lv = lav["defined"][name]
        # Monte Carlo standard error of a 2.5% quantile of B draws, normal approximation:
        # sqrt(q (1 - q) / B) / phi(z_q) * se, for both programs' draws (sqrt 2)
        mc = np.sqrt(2 * 0.025 * 0.975 / args.B) / 0.05844 * row.se
        diff = max(abs(row.ci_lower - lv["ci_lower"]), abs(row.ci_upper - lv["ci_upper"]))
        worst = max(worst, diff / mc)
        print(
            f"{name:16s} {row.est:8.4f}  [{row.ci_lower:8.4f}, {row.ci_upper:8.4f}]  "
            f"[{lv['ci_lower']:8.4f}, {lv['ci_upper']:8.4f}]  {diff / mc:5.2f}"
        )
    ratio = lav["boot_elapsed"] / ours_boot
    print(
        f"\nbootstrap speed-up (lavaan / ours fit_sem()): {ratio:.1f}x  (target >= 100x); "
        f"lavaan / ours bootstrap(): {lav['boot_elapsed'] / float(np.median(core_times)):.1f}x; "
        f"single fit: {lav['single_median'] / ours_single:.1f}x"
    )
    print(f"largest interval-end difference: {worst:.2f} Monte Carlo standard errors\n")
    out.update({"lavaan": lav, "ratio": ratio, "worst_ci_mc": worst})
    return out


def main(argv: list[str] | None = None) -> dict:
    """Run both cases; returns their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--B", type=int, default=1000, help="bootstrap resamples (1000)")
    parser.add_argument("--reps", type=int, default=3, help="timed repetitions of ours (3)")
    parser.add_argument("--nfit", type=int, default=20, help="single fits to time (20)")
    parser.add_argument("--no-r", action="store_true", help="skip lavaan")
    parser.add_argument("--case", choices=["polidem", "chain", "both"], default="both")
    args, _ = parser.parse_known_args(argv)
    out = {}
    if args.case in ("polidem", "both"):
        ref = json.loads((REF / "polidem_boot.json").read_text())
        out["polidem"] = run_case(
            "Political democracy, ind := a*b", ref["syntax"], REF / "data" / "polidem.csv", args
        )
    if args.case in ("chain", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            csv = Path(tmp) / "chain.csv"
            chain_sample(800, seed=20260402).data.to_csv(csv, index=False)
            out["chain"] = run_case(
                "Chain LQ -> EX -> REP -> CSAT, 17 indicators", CHAIN_SYNTAX, csv, args
            )
    return out


FIML_R_SCRIPT = r"""
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1])
model <- paste(readLines(args[2]), collapse = "\n")
set.seed(20260403)
t <- system.time(fit <- sem(model, data = data, missing = "ml", se = "bootstrap",
                            bootstrap = as.integer(args[3])))
pe <- parameterEstimates(fit, boot.ci.type = "perc")
ind <- pe[pe$lhs == "ind" & pe$op == ":=", ]
cat(sprintf('{"boot_elapsed": %.3f, "boot_cpu": %.3f, "ind_se": %.6f, "ind_lower": %.6f, ',
            t[["elapsed"]], t[["user.self"]] + t[["sys.self"]], ind$se, ind$ci.lower))
cat(sprintf('"ind_upper": %.6f}\n', ind$ci.upper))
"""


def fiml_bootstrap(argv: list[str] | None = None) -> dict:
    """FIML bootstrap: the chain (n = 800, 10% of values missing at random), B resamples.

    Ours: ``fit_sem(chain, missing="fiml", se="bootstrap")``; lavaan: ``sem(..., missing =
    "ml", se = "bootstrap")`` in the same run (its fitting time, ``system.time``).
    """
    import sys

    parser = argparse.ArgumentParser()
    parser.add_argument("--fiml-B", type=int, default=1000, help="FIML bootstrap resamples")
    parser.add_argument(
        "--fiml-lavaan-B",
        type=int,
        default=None,
        help="lavaan's resamples (default --fiml-B; fewer: its time is scaled up per resample)",
    )
    parser.add_argument("--no-r", action="store_true")
    args, _ = parser.parse_known_args(argv)
    sys.path.insert(0, str(REF))
    from make_data import chain_mar  # the reference data's simulator (fixed seed)

    syntax = json.loads((REF / "chain_fiml.json").read_text())["syntax"]
    data = chain_mar(n=800)
    print(f"\nFIML: chain, n = 800, {data.isna().mean().mean():.1%} missing, B = {args.fiml_B}")
    warnings.simplefilter("ignore")
    t0, c0 = time.perf_counter(), time.process_time()
    res = fit_sem(syntax, data, missing="fiml", se="bootstrap", bootstrap=args.fiml_B, seed=1)
    ours, ours_cpu = time.perf_counter() - t0, time.process_time() - c0
    ind = res.estimates[res.estimates.lhs == "ind"].iloc[0]
    print(
        f"ours   FIML bootstrap: {ours:.2f} s wall, {ours_cpu:.2f} s CPU; ind se {ind.se:.4f} "
        f"[{ind.ci_lower:.4f}, {ind.ci_upper:.4f}]"
    )
    out = {"ours_fiml_boot_s": ours, "ours_fiml_boot_cpu_s": ours_cpu}
    lav_b = args.fiml_lavaan_B or args.fiml_B
    if args.no_r or not lavaan_available():
        return out
    with tempfile.TemporaryDirectory() as tmp:
        csv, model, script = Path(tmp) / "d.csv", Path(tmp) / "m.lav", Path(tmp) / "b.R"
        data.to_csv(csv, index=False, na_rep="NA", float_format="%.17g")
        model.write_text(syntax)
        script.write_text(FIML_R_SCRIPT)
        run = subprocess.run(
            ["Rscript", str(script), str(csv), str(model), str(lav_b)],
            capture_output=True,
            text=True,
            check=False,
        )
    if run.returncode != 0:
        raise RuntimeError(run.stderr[-2000:])
    lav = json.loads([ln for ln in run.stdout.splitlines() if ln.startswith("{")][-1])
    scale = args.fiml_B / lav_b  # lavaan's time per resample is constant: scale to B
    wall, cpu = lav["boot_elapsed"] * scale, lav["boot_cpu"] * scale
    print(
        f"lavaan FIML bootstrap, B = {lav_b}: {lav['boot_elapsed']:.2f} s wall, "
        f"{lav['boot_cpu']:.2f} s CPU (for B = {args.fiml_B}: {wall:.1f} s, {cpu:.1f} s CPU); "
        f"ind se {lav['ind_se']:.4f} [{lav['ind_lower']:.4f}, {lav['ind_upper']:.4f}]"
    )
    print(
        f"FIML bootstrap speed-up (lavaan / ours): {wall / ours:.1f}x wall, "
        f"{cpu / ours_cpu:.1f}x CPU  (target >= 20x)"
    )
    out.update({"lavaan_fiml_boot_s": wall, "lavaan_fiml_boot_cpu_s": cpu})
    return out




if __name__ == "__main__":
    main()
    fiml_bootstrap()

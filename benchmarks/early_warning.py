"""Early warning against the latent truth: precision, recall and lead time.

On synthetic organisations (seeds 0..k-1, the sample's design), ``early_warning`` is run
on the quarterly unit panels (EX leading, CSAT the outcome) and its alerts are scored by
``warning_backtest`` against the latent unit EX series: a true drop is a latent quarter
mean more than 0.15 (latent SD units) below the unit's mean of its previous four
quarters. Lead time: quarters from a correct alert to the first quarter in which the
unit's latent CSAT falls by more than half that, within three quarters. The peer measured
in the same run is the naive rule that flags any fall of the unit mean by more than
0.15 scale points, ignoring its sampling error; the ratio column is the package's
precision over the peer's.

Run: ``.venv/bin/python benchmarks/early_warning.py [--seeds 5] [--threshold 2]``
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

import satisfaction as sat
from satisfaction.claims import early_warning, warning_backtest
from satisfaction.linkage import unit_panel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=2.0)
    args = parser.parse_args()
    rows = []
    start = time.perf_counter()
    for seed in range(args.seeds):
        org = sat.organisation(seed=seed)
        pulse = org.pulse.assign(ex5=lambda d: 6 - d["ex5"])
        panel = pd.concat(
            [
                unit_panel(pulse, constructs=["EX"]),
                unit_panel(org.customers, constructs=["CSAT"], respondent=None),
            ],
            ignore_index=True,
        )
        for rule in ("shewhart", "ewma"):
            ew = early_warning(panel, "EX", "CSAT", rule=rule, threshold=args.threshold)
            bt = warning_backtest(ew, org.latent).iloc[0].to_dict()
            rows.append({"seed": seed, "rule": rule, **bt})
        naive = early_warning(panel, "EX", "CSAT", threshold=args.threshold)
        naive["alert"] = (naive["estimate"] < -0.15) & ~naive["outcome_moved"]
        rows.append(
            {
                "seed": seed,
                "rule": "naive drop > 0.15 (peer)",
                **warning_backtest(naive, org.latent).iloc[0].to_dict(),
            }
        )
    out = pd.DataFrame(rows)
    summary = out.groupby("rule", sort=False)[["alerts", "true_drops", "hits"]].sum()
    summary["precision"] = summary["hits"] / summary["alerts"]
    summary["recall"] = summary["hits"] / summary["true_drops"]
    summary["lead_time_q"] = out.groupby("rule", sort=False)["lead_time"].mean()
    peer = summary.loc["naive drop > 0.15 (peer)", "precision"]
    summary["precision_vs_peer"] = summary["precision"] / peer
    print(
        f"early warning on {args.seeds} synthetic organisations ({time.perf_counter() - start:.0f} s)"
    )
    print(summary.round(2).to_string())


if __name__ == "__main__":
    main()

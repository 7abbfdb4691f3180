"""Power of the lead (H3) and loop (H4) tests for a linkage design, by simulation.

Each replication draws a synthetic organisation from the package's population model
(:func:`satisfaction.organisation`) with the researcher's number of units, periods,
headcount, response rate and customer sample sizes and the effect sizes to detect,
builds the quarterly unit panels, fits the cross-lagged model and records whether the
lead (EX -> CSAT) and the loop (CSAT -> EX) come out significant in the claimed
direction. Replications run on a Dask client when one is given (``client=``);
a tqdm bar shows progress.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from tqdm.auto import tqdm

from ..errors import InputError, SatisfactionError
from ..options import check_option

__all__ = ["power", "POWER_METHODS", "power_replication"]

#: The tests whose power :func:`power` estimates.
POWER_METHODS = ("ri_clpm", "clpm", "fixed_effects")

_DESIGN_KEYS = (
    "n_units",
    "quarters",
    "n_employees",
    "response_rate",
    "customers_min",
    "customers_max",
)


def power_replication(design: Mapping[str, Any], effects: Mapping[str, float], method: str,
                      alpha: float, seed: int) -> dict[str, Any]:  # fmt: skip
    """One replication: simulate, aggregate, fit; whether H3 and H4 were detected.

    Examples
    --------
    >>> out = power_replication({"n_units": 10, "quarters": 4, "n_employees": 200},
    ...                         {}, "fixed_effects", 0.05, seed=1)
    >>> sorted(out)
    ['H3', 'H3_estimate', 'H4', 'H4_estimate', 'failed']
    """
    from ..linkage import link, unit_panel
    from ..simulate import organisation
    from .crosslag import cross_lagged, fixed_effects_panel

    params = dict(effects)
    for key in ("response_rate", "customers_min", "customers_max"):
        if key in design:
            params[key] = design[key]
    n_units = int(design["n_units"])
    org = organisation(
        seed=int(seed),
        n_units=n_units,
        n_employees=int(design.get("n_employees", 37 * n_units)),
        months=3 * int(design["quarters"]),
        params=params,
    )
    pulse = org.pulse.assign(ex5=lambda d: 6 - d["ex5"])
    panel = link(
        unit_panel(pulse, constructs=["EX"]),
        unit_panel(org.customers, constructs=["CSAT"], respondent=None),
        lag=0,
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if method == "fixed_effects":
                out = fixed_effects_panel(panel, "EX", "CSAT")
                est = out["estimate"].to_numpy()
                p = out["pvalue"].to_numpy()
            else:
                out = cross_lagged(panel, "EX", "CSAT", model=method).set_index("label")
                est = out.loc[["c_xy", "c_yx"], "estimate"].to_numpy()
                p = out.loc[["c_xy", "c_yx"], "pvalue"].to_numpy()
    except (SatisfactionError, np.linalg.LinAlgError):
        return {
            "H3": False,
            "H4": False,
            "H3_estimate": np.nan,
            "H4_estimate": np.nan,
            "failed": True,
        }
    return {
        "H3": bool(est[0] > 0 and p[0] < alpha),
        "H4": bool(est[1] > 0 and p[1] < alpha),
        "H3_estimate": float(est[0]),
        "H4_estimate": float(est[1]),
        "failed": False,
    }


def power(
    designs: Sequence[Mapping[str, Any]],
    effects: Mapping[str, float] | None = None,
    *,
    n_rep: int = 100,
    method: str = "ri_clpm",
    alpha: float = 0.05,
    seed: int = 0,
    client: Any = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Power to detect the lead (H3) and the loop (H4) for each design, by simulation.

    Parameters
    ----------
    designs : sequence of dict
        Each design: ``n_units`` and ``quarters`` (required), optional ``n_employees``
        (default 37 per unit, the sample's), ``response_rate`` (monthly pulse),
        ``customers_min`` / ``customers_max`` (customer answers per unit-quarter).
    effects : dict, optional
        Population-model parameters to override (:data:`satisfaction.simulate.ORG_DEFAULTS`):
        the lead is ``rep_ex_lag`` and ``csat_ex_lag``, the loop ``ex_csat_feedback``.
        Default: the sample organisation's values.
    n_rep : int
        Replications per design.
    method : {"ri_clpm", "clpm", "fixed_effects"}
        The test (:func:`satisfaction.claims.cross_lagged` or
        :func:`satisfaction.claims.fixed_effects_panel`).
    alpha : float
        Two-sided significance level; a detection also needs the claimed (positive) sign.
    seed : int
        Replication ``r`` of every design uses seed ``seed + r``.
    client : dask.distributed.Client, optional
        Run the replications on this Dask client (``client.map``); default in-process.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    DataFrame
        One row per design and hypothesis: the design's columns, ``hypothesis`` (H3, H4),
        ``estimate`` (the power), ``ci_lower, ci_upper`` (Clopper-Pearson), ``n`` (successful
        replications), ``failed``, ``mean_effect`` (mean estimate), ``method``.

    Examples
    --------
    >>> out = power([{"n_units": 10, "quarters": 4, "n_employees": 200}], n_rep=2,
    ...             method="fixed_effects", progress=False)
    >>> out[["hypothesis", "n"]].values.tolist()
    [['H3', 2], ['H4', 2]]
    """
    method = check_option(method, POWER_METHODS, "method", "power")
    if isinstance(n_rep, bool) or not isinstance(n_rep, (int, np.integer)) or n_rep < 1:
        raise InputError(f"power: n_rep={n_rep!r} must be a whole number, 1 or more")
    designs = [dict(d) for d in designs]
    for d in designs:
        unknown = sorted(set(d) - set(_DESIGN_KEYS))
        if unknown or "n_units" not in d or "quarters" not in d:
            raise InputError(
                f"power: a design needs n_units and quarters and may have {', '.join(_DESIGN_KEYS)}; "
                f"got {sorted(d)}"
            )
        if int(d["quarters"]) < 3:
            raise InputError("power: a design needs at least 3 quarters for cross-lagged models")
    effects = dict(effects or {})
    tasks = [(i, r) for i in range(len(designs)) for r in range(n_rep)]
    bar = tqdm(total=len(tasks), disable=not progress, desc="power replications")
    results: dict[tuple[int, int], dict] = {}
    if client is not None:
        futures = client.map(
            power_replication,
            [designs[i] for i, _ in tasks],
            [effects] * len(tasks),
            [method] * len(tasks),
            [alpha] * len(tasks),
            [seed + r for _, r in tasks],
            pure=False,
        )
        index = {f.key: t for f, t in zip(futures, tasks, strict=True)}
        from dask.distributed import as_completed

        for fut in as_completed(futures):
            results[index[fut.key]] = fut.result()
            bar.update()
    else:
        for i, r in tasks:
            results[(i, r)] = power_replication(designs[i], effects, method, alpha, seed + r)
            bar.update()
    bar.close()
    rows = []
    for i, design in enumerate(designs):
        reps = [results[(i, r)] for r in range(n_rep)]
        ok = [x for x in reps if not x["failed"]]
        for h in ("H3", "H4"):
            k, n = sum(x[h] for x in ok), len(ok)
            lo = stats.beta.ppf(0.025, k, n - k + 1) if k > 0 else 0.0
            hi = stats.beta.ppf(0.975, k + 1, n - k) if k < n else 1.0
            rows.append(
                {
                    **design,
                    "hypothesis": h,
                    "estimate": k / n if n else np.nan,
                    "ci_lower": lo,
                    "ci_upper": hi,
                    "n": n,
                    "failed": len(reps) - n,
                    "mean_effect": float(np.nanmean([x[f"{h}_estimate"] for x in ok]))
                    if ok
                    else np.nan,
                    "method": f"simulated power of the {method} test at alpha={alpha}, {n_rep} "
                    "replications of the population model",
                }
            )
    return pd.DataFrame(rows)

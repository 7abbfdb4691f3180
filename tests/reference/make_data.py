"""Write the data sets that both lavaan and ``satisfaction`` read for the parity tests.

Run from the repository root::

    python tests/reference/make_data.py && Rscript tests/reference/make_reference.R

Every file in ``tests/reference/data/`` is produced here, so the same numbers reach R
(``make_reference.R``) and Python (the ``tests/test_sem_parity_*.py`` tests):

- ``hs.csv``: Holzinger & Swineford (1939), as shipped with semopy
  (``semopy.examples.holzinger39.get_data()``; 301 rows, the same as lavaan's
  ``HolzingerSwineford1939``);
- ``polidem.csv``: Bollen's political democracy data
  (``semopy.examples.political_democracy.get_data()``; 75 rows);
- ``chain_mar.csv``: a continuous chain sample LQ -> EX -> REP -> CSAT (n = 500) with
  about 10% of the indicator values missing at random (MAR): the probability that a
  value is missing depends on the fully observed item ``lq1``;
- ``chain_ordinal.csv``: an ordinal chain sample (n = 800) with Likert 1-5 items;
- ``org_pulse.csv``: one month (``2025-06``) of the sample organisation's pulse survey
  (``satisfaction.load_sample().pulse``), complete cases of the LQ and EX items with the
  employee's ``unit``: employees nested in units, for the cluster-robust cases. It is a
  snapshot: once written, the committed file is what both programs read.

The chain samples are simulated here with numpy from a fixed seed and fixed true
values (written below), not with ``satisfaction.simulate``: the reference data must not
change when the package's simulator evolves. The true values are documented in
``CHAIN_TRUTH``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["CHAIN_TRUTH", "chain_latent_sample", "org_pulse", "main"]

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"

#: True values of the simulated chain (standardised latent scale).
CHAIN_TRUTH = {
    "items": {
        "LQ": ["lq1", "lq2", "lq3", "lq4"],
        "EX": ["ex1", "ex2", "ex3", "ex4"],
        "REP": ["rep1", "rep2", "rep3", "rep4"],
        "CSAT": ["csat1", "csat2", "csat3"],
    },
    "loadings": {
        "LQ": [0.80, 0.75, 0.70, 0.65],
        "EX": [0.80, 0.70, 0.75, 0.60],
        "REP": [0.75, 0.80, 0.65, 0.70],
        "CSAT": [0.85, 0.75, 0.70],
    },
    # structural paths (standardised): EX ~ a*LQ, REP ~ b*EX, CSAT ~ c*REP + cp*EX
    "paths": {"a": 0.50, "b": 0.45, "c": 0.50, "cp": 0.10},
    # a deliberate misspecification the reference model omits (ex4 also reflects LQ), so
    # that the fit measures (chisq > df, cfi < 1, rmsea > 0) are informative in the tests
    "cross_loadings": {"ex4": ("LQ", 0.30)},
}


def chain_latent_sample(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Continuous indicators of the chain, each with unit variance and mean 3.

    Parameters
    ----------
    n : int
        Number of respondents.
    rng : numpy.random.Generator
        Random generator (seeded by the caller).

    Returns
    -------
    pandas.DataFrame
        One column per indicator (``lq1`` ... ``csat3``).
    """
    p = CHAIN_TRUTH["paths"]
    lq = rng.standard_normal(n)
    ex = p["a"] * lq + np.sqrt(1 - p["a"] ** 2) * rng.standard_normal(n)
    rep = p["b"] * ex + np.sqrt(1 - p["b"] ** 2) * rng.standard_normal(n)
    explained = p["c"] ** 2 + p["cp"] ** 2 + 2 * p["c"] * p["cp"] * p["b"]
    csat = p["c"] * rep + p["cp"] * ex + np.sqrt(1 - explained) * rng.standard_normal(n)
    eta = {"LQ": lq, "EX": ex, "REP": rep, "CSAT": csat}
    cols = {}
    for construct, items in CHAIN_TRUTH["items"].items():
        for item, lam in zip(items, CHAIN_TRUTH["loadings"][construct], strict=True):
            signal = lam * eta[construct]
            if item in CHAIN_TRUTH["cross_loadings"]:
                other, lam2 = CHAIN_TRUTH["cross_loadings"][item]
                signal = signal + lam2 * eta[other]
            cols[item] = 3.0 + signal + np.sqrt(max(1 - signal.var(), 0.2)) * rng.standard_normal(n)
    return pd.DataFrame(cols)


def chain_mar(n: int = 500, seed: int = 20260401, rate: float = 0.10) -> pd.DataFrame:
    """Continuous chain sample with about ``rate`` of the values missing at random.

    ``lq1`` is always observed; every other value is deleted with probability
    ``logistic(g0 + 1.0 * z(lq1))``, where ``g0`` is set so that the overall share of
    missing cells is ``rate``. Rows with every item missing cannot occur (``lq1``).
    """
    rng = np.random.default_rng(seed)
    data = chain_latent_sample(n, rng)
    z = (data["lq1"] - data["lq1"].mean()) / data["lq1"].std()
    cols = [c for c in data.columns if c != "lq1"]
    target = rate * data.shape[1] / len(cols)
    # solve for the intercept giving the target missing share (bisection)
    lo, hi = -10.0, 10.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        share = np.mean(1 / (1 + np.exp(-(mid + 1.0 * z))))
        lo, hi = (mid, hi) if share < target else (lo, mid)
    prob = 1 / (1 + np.exp(-(0.5 * (lo + hi) + 1.0 * z.to_numpy())))
    out = data.copy()
    for col in cols:
        miss = rng.random(n) < prob
        out.loc[miss, col] = np.nan
    return out


def chain_ordinal(n: int = 800, seed: int = 20260402) -> pd.DataFrame:
    """Ordinal chain sample: the continuous indicators cut into Likert 1-5 categories.

    Thresholds (on the standardised item scale) are skewed towards agreement, as
    satisfaction items are: -1.8, -0.9, 0.1, 1.1 (shifted by +-0.15 per item).
    """
    rng = np.random.default_rng(seed)
    data = chain_latent_sample(n, rng) - 3.0
    base = np.array([-1.8, -0.9, 0.1, 1.1])
    out = {}
    for j, col in enumerate(data.columns):
        tau = base + 0.15 * ((j % 3) - 1)
        out[col] = 1 + np.searchsorted(tau, data[col].to_numpy())
    return pd.DataFrame(out).astype("int64")


def org_pulse(period: str = "2025-06") -> pd.DataFrame:
    """One month of the sample organisation's pulse items (complete cases) with the unit."""
    import satisfaction as sat

    pulse = sat.load_sample().pulse
    items = ["lq1", "lq2", "lq3", "lq4", "ex1", "ex2", "ex3", "ex4", "ex5"]
    month = pulse[pulse["period"].astype(str) == period]
    return month[["unit", *items]].dropna().reset_index(drop=True)


def main() -> None:
    """Write every reference data set into ``tests/reference/data``."""
    from semopy.examples import holzinger39, political_democracy

    DATA.mkdir(parents=True, exist_ok=True)
    hs = holzinger39.get_data().reset_index(drop=True)
    hs.to_csv(DATA / "hs.csv", index=False, float_format="%.17g")
    pd_ = political_democracy.get_data().reset_index(drop=True)
    pd_.to_csv(DATA / "polidem.csv", index=False, float_format="%.17g")
    chain_mar().to_csv(DATA / "chain_mar.csv", index=False, float_format="%.17g", na_rep="NA")
    chain_ordinal().to_csv(DATA / "chain_ordinal.csv", index=False)
    org_pulse().to_csv(DATA / "org_pulse.csv", index=False)
    for f in sorted(DATA.glob("*.csv")):
        print(f.relative_to(HERE.parent.parent), pd.read_csv(f).shape)


if __name__ == "__main__":
    main()

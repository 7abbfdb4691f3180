# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (satisfaction)
#     language: python
#     name: satisfaction
# ---

# %% [markdown]
# # 02 - The linkage chain as a structural equation model
#
# LQ -> EX -> REP -> CSAT, fitted on individual-level Likert data drawn from a
# known model (`sat.chain_sample`), so the estimates can be checked against the
# truth. Hypotheses: H1 (LQ moves EX), H2 (EX reaches CSAT mostly through REP:
# full against partial mediation), H7 (CSAT reveals leadership: LQ -> ... -> CSAT).

# %% tags=["parameters"]
n = 2000
seed = 1
bootstrap = 500

# %%
import pandas as pd

import satisfaction as sat

inst = sat.default_instrument()
sample = sat.chain_sample(n, seed=seed)
print(sample.model)

# %% [markdown]
# ## Full against partial mediation (H2)

# %%
partial = sat.fit_sem(sat.chain_model(inst, mediation="partial"), sample.data)
full = sat.fit_sem(sat.chain_model(inst, mediation="full"), sample.data)
sat.compare_models(full_mediation=full, partial_mediation=partial)

# %%
partial.fit_measures[["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr"]]

# %% [markdown]
# ## Structural paths against the truth

# %%
est = partial.estimates
paths = est[est["op"] == "~"][["lhs", "op", "rhs", "label", "est", "se", "ci_lower", "ci_upper", "std_all"]]
truth = sample.params[sample.params["op"] == "~"][["lhs", "rhs", "value"]]
paths.merge(truth, on=["lhs", "rhs"], how="left").rename(columns={"value": "true"})

# %% [markdown]
# ## Indirect effects: delta method, Monte Carlo and bootstrap intervals

# %%
defined = est[est["op"] == ":="][["lhs", "rhs", "est", "se", "ci_lower", "ci_upper"]]
mc = sat.monte_carlo_ci(partial, seed=seed)[["lhs", "ci_lower", "ci_upper"]]
boot = sat.fit_sem(
    sat.chain_model(inst, mediation="partial"), sample.data, se="bootstrap",
    bootstrap=bootstrap, seed=seed,
).estimates
boot = boot[boot["op"] == ":="][["lhs", "ci_lower", "ci_upper"]]
pd.concat(
    {"delta": defined.set_index("lhs"), "monte_carlo": mc.set_index("lhs"), "bootstrap": boot.set_index("lhs")},
    axis=1,
)

# %%
print(partial.summary())
